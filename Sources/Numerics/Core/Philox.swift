/// Philox4x32-10, a counter-based random number generator (Salmon et al., "Parallel Random Numbers:
/// As Easy as 1, 2, 3", SC 2011; the multipliers and Weyl constants are from that paper, as in
/// Random123 and numpy's `Philox`).
///
/// The output for a counter is a pure function of `(key, counter)`: any draw can be recomputed
/// without the ones before it, so a stream's whole state is its position and a resumed run draws
/// exactly what an uninterrupted one would.
public enum Philox4x32 {
  @usableFromInline static let m0: UInt32 = 0xD251_1F53
  @usableFromInline static let m1: UInt32 = 0xCD9E_8D57
  @usableFromInline static let w0: UInt32 = 0x9E37_79B9
  @usableFromInline static let w1: UInt32 = 0xBB67_AE85

  /// Ten rounds over a 128-bit counter with a 64-bit key. Scalar 32-bit arithmetic: about ten
  /// times faster here than the same rounds on SIMD vectors.
  @inlinable
  public static func block(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) -> SIMD4<UInt32> {
    var (c0, c1, c2, c3) = (counter.x, counter.y, counter.z, counter.w)
    var (k0, k1) = (key.x, key.y)
    for _ in 0..<10 {
      let (hi0, lo0) = m0.multipliedFullWidth(by: c0)
      let (hi1, lo1) = m1.multipliedFullWidth(by: c2)
      (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
      k0 &+= w0
      k1 &+= w1
    }
    return SIMD4(c0, c1, c2, c3)
  }
}

/// A stream of random numbers: `seed` and `stream` form the key and half the counter, `position`
/// the other half. Two streams with different `stream` ids never overlap.
///
/// The state to save for an exact resume is `(position, wordsLeft)`; `init(seed:stream:position:
/// wordsLeft:)` rebuilds the partly used block from it.
public struct RandomStream: Sendable, Hashable {
  public let seed: UInt64
  public let stream: UInt64
  /// Index of the next 128-bit block.
  public var position: UInt64
  @usableFromInline var buffered: SIMD4<UInt32> = .zero
  @usableFromInline var bufferedLeft = 0

  /// Words of the last block not yet handed out (0 to 3).
  public var wordsLeft: Int { bufferedLeft }

  public init(seed: UInt64, stream: UInt64, position: UInt64 = 0, wordsLeft: Int = 0) {
    self.seed = seed
    self.stream = stream
    self.position = position
    if wordsLeft > 0 && position > 0 {
      self.position = position - 1
      buffered = nextBlock()
      bufferedLeft = min(wordsLeft, 4)
    }
  }

  /// Four fresh 32-bit words (one Philox block); any partly used block is dropped.
  @inlinable
  public mutating func nextBlock() -> SIMD4<UInt32> {
    let counter = SIMD4<UInt32>(
      UInt32(truncatingIfNeeded: position), UInt32(truncatingIfNeeded: position >> 32),
      UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32))
    let key = SIMD2<UInt32>(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
    position &+= 1
    bufferedLeft = 0
    return Philox4x32.block(counter: counter, key: key)
  }

  /// A 32-bit word; four consecutive calls share one block.
  @inlinable
  public mutating func nextUInt32() -> UInt32 {
    if bufferedLeft == 0 {
      buffered = nextBlock()
      bufferedLeft = 4
    }
    bufferedLeft -= 1
    return buffered[3 - bufferedLeft]
  }

  /// A 64-bit word.
  @inlinable
  public mutating func nextUInt64() -> UInt64 {
    UInt64(nextUInt32()) << 32 | UInt64(nextUInt32())
  }

  /// Uniform in [0, 1) with 53 random bits.
  @inlinable
  public mutating func nextUniform() -> Double {
    Double(nextUInt64() >> 11) * 0x1.0p-53
  }

  /// Uniform integer in `0..<bound` without modulo bias (Lemire's method).
  @inlinable
  public mutating func nextInt(below bound: Int) -> Int {
    precondition(bound > 0, "nextInt(below:) needs a positive bound")
    let b = UInt64(bound)
    var product = nextUInt64().multipliedFullWidth(by: b)
    if product.low < b {
      let threshold = (0 &- b) % b
      while product.low < threshold { product = nextUInt64().multipliedFullWidth(by: b) }
    }
    return Int(product.high)
  }

  /// A standard normal draw (Box-Muller; the second value of the pair is discarded so every
  /// draw consumes a fixed amount of the stream).
  @inlinable
  public mutating func nextNormal() -> Double {
    let u1 = 1.0 - nextUniform()  // (0, 1]: log stays finite
    let u2 = nextUniform()
    return (-2.0 * _log(u1)).squareRoot() * _cos(2.0 * Double.pi * u2)
  }

  /// A uniformly random permutation of `0..<count` (Fisher-Yates).
  public mutating func permutation(_ count: Int) -> [Int] {
    var order = Array(0..<count)
    if count < 2 { return order }
    for i in stride(from: count - 1, to: 0, by: -1) {
      order.swapAt(i, nextInt(below: i + 1))
    }
    return order
  }
}

#if canImport(Glibc)
  import Glibc
  @usableFromInline func _log(_ x: Double) -> Double { Glibc.log(x) }
  @usableFromInline func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
  import Darwin
  @usableFromInline func _log(_ x: Double) -> Double { Darwin.log(x) }
  @usableFromInline func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
