/// Variable-length sequences packed row after row: sequence `i` owns rows `offsets[i] ..< offsets[i+1]`
/// of a `[rows, C]` matrix. Packing instead of padding means no kernel computes a padded step (the
/// reference padded every batch to its longest sequence and masked; the valid rows agree exactly).
public struct Segments {
  /// `count + 1` offsets, `offsets[0] == 0`.
  public let offsets: UnsafePointer<Int>
  public let count: Int

  public init(offsets: UnsafePointer<Int>, count: Int) {
    self.offsets = offsets
    self.count = count
  }

  /// Rows of all sequences together.
  @inlinable public var rows: Int { offsets[count] }
  @inlinable public func start(_ i: Int) -> Int { offsets[i] }
  @inlinable public func end(_ i: Int) -> Int { offsets[i + 1] }
  @inlinable public func length(_ i: Int) -> Int { offsets[i + 1] - offsets[i] }
}

/// Growable storage for segment offsets, reused step after step so that building `Segments` does not
/// allocate once it has grown to the largest batch.
public final class SegmentStorage {
  @usableFromInline var storage: UnsafeMutablePointer<Int>
  @usableFromInline var capacity: Int
  public private(set) var count = 0

  public init(capacity: Int = 64) {
    self.capacity = max(capacity, 2)
    storage = .allocate(capacity: self.capacity)
    storage[0] = 0
  }

  deinit { storage.deallocate() }

  /// Offsets from lengths.
  public func set(lengths: some Sequence<Int>) {
    count = 0
    storage[0] = 0
    for length in lengths { append(length) }
  }

  /// `copies` copies of `segments` one after another (streams stacked along the batch).
  public func set(repeating segments: Segments, copies: Int) {
    count = 0
    storage[0] = 0
    for _ in 0..<copies { for i in 0..<segments.count { append(segments.length(i)) } }
  }

  public func append(_ length: Int) {
    if count + 2 > capacity {
      let bigger = UnsafeMutablePointer<Int>.allocate(capacity: capacity * 2)
      bigger.update(from: storage, count: count + 1)
      storage.deallocate()
      storage = bigger
      capacity *= 2
    }
    storage[count + 1] = storage[count] + length
    count += 1
  }

  public var segments: Segments { Segments(offsets: storage, count: count) }
}
