/// A bump allocator for activations: one training step takes its buffers from the arena and
/// `reset()` hands them all back at once.
///
/// The first steps may grow it; after a reset following growth it holds one block as large as the
/// biggest step so far, so a steady-state step allocates nothing (DESIGN section 2).
/// Buffers are uninitialised unless taken with `zeroed(_:)`.
public final class Arena<T: Scalar> {
  @usableFromInline var block: UnsafeMutablePointer<T>
  @usableFromInline var capacity: Int
  @usableFromInline var used = 0
  /// Blocks filled before the current one, freed and merged at the next reset.
  @usableFromInline var retired: [(UnsafeMutablePointer<T>, Int)] = []
  /// The most elements one step has used, summed over all blocks.
  public private(set) var highWater = 0
  @usableFromInline var usedInRetired = 0

  public init(capacity: Int = 1 << 16) {
    self.capacity = max(capacity, 1)
    block = .allocate(capacity: self.capacity)
  }

  deinit {
    block.deallocate()
    for (pointer, _) in retired { pointer.deallocate() }
  }

  /// `count` uninitialised elements, aligned to 16 elements, valid until the next `reset()`.
  @inlinable
  public func take(_ count: Int) -> UnsafeMutablePointer<T> {
    let rounded = (max(count, 1) + 15) & ~15
    if used + rounded > capacity { grow(toFit: rounded) }
    let pointer = block + used
    used += rounded
    return pointer
  }

  /// `count` elements set to zero.
  @inlinable
  public func zeroed(_ count: Int) -> UnsafeMutablePointer<T> {
    let pointer = take(count)
    pointer.update(repeating: 0, count: count)
    return pointer
  }

  @usableFromInline
  func grow(toFit count: Int) {
    retired.append((block, capacity))
    usedInRetired += used
    capacity = max(count, capacity * 2)
    block = .allocate(capacity: capacity)
    used = 0
  }

  /// Every buffer taken since the last reset becomes invalid.
  public func reset() {
    highWater = max(highWater, usedInRetired + used)
    if !retired.isEmpty {
      for (pointer, _) in retired { pointer.deallocate() }
      retired.removeAll(keepingCapacity: true)
      block.deallocate()
      capacity = highWater
      block = .allocate(capacity: capacity)
    }
    usedInRetired = 0
    used = 0
  }
}
