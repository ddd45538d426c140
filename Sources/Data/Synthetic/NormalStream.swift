// Standard normal draws by Marsaglia's polar method, both values of each pair used: (x, y) uniform
// in the square (-1, 1)^2, kept when s = x^2 + y^2 lies in (0, 1) (probability pi/4), gives the two
// independent normals x f and y f with f = sqrt(-2 log(s) / s) (Marsaglia and Bray 1964): no sine or
// cosine. A Philox block (four 32-bit words) holds two candidate points; each coordinate is a word
// mapped to the centre of its cell of a 2^-31 grid on (-1, 1), fine enough for a synthetic benchmark.
// `RandomStream.nextNormal` (Box-Muller with 53-bit uniforms, one value per pair) keeps a fixed cost
// per draw; the synthetic benchmark draws millions of normals in a fixed order, where the rejection
// loop is harmless, and generates about twice as fast this way.
import Foundation
import Numerics

/// A `RandomStream` that hands out normals from the polar method; uniforms and integers come straight
/// from the stream.
struct NormalStream {
  private var rng: RandomStream
  /// The second normal of the last accepted point.
  private var spare = 0.0
  private var hasSpare = false
  /// The second candidate point of the last block.
  private var point: (UInt32, UInt32) = (0, 0)
  private var hasPoint = false

  init(_ rng: RandomStream) { self.rng = rng }

  /// A standard normal draw.
  @inline(__always)
  mutating func nextNormal() -> Double {
    if hasSpare {
      hasSpare = false
      return spare
    }
    while true {
      let (u, v): (UInt32, UInt32)
      if hasPoint {
        (u, v) = point
        hasPoint = false
      } else {
        let block = rng.nextBlock()
        (u, v) = (block.x, block.y)
        point = (block.z, block.w)
        hasPoint = true
      }
      let x = (Double(u) + 0.5) * 0x1.0p-31 - 1
      let y = (Double(v) + 0.5) * 0x1.0p-31 - 1
      let s = x * x + y * y
      if s < 1 {
        let factor = (-2 * log(s) / s).squareRoot()
        spare = y * factor
        hasSpare = true
        return x * factor
      }
    }
  }

  /// Uniform in [0, 1).
  @inline(__always)
  mutating func nextUniform() -> Double { rng.nextUniform() }

  /// Uniform integer in `0..<bound`.
  @inline(__always)
  mutating func nextInt(below bound: Int) -> Int { rng.nextInt(below: bound) }
}
