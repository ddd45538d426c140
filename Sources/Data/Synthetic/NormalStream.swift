// Standard normal draws by Marsaglia's polar method, both values of each pair used: (x, y) uniform
// in the square (-1, 1)^2, kept when s = x^2 + y^2 lies in (0, 1) (probability pi/4), gives the two
// independent normals x f and y f with f = sqrt(-2 log(s) / s) (Marsaglia and Bray 1964): no sine or
// cosine, and both values of an accepted pair are used. `RandomStream.nextNormal` (Box-Muller, one
// value per pair) keeps a fixed cost per draw; the synthetic benchmark draws millions of normals in a
// fixed order, where the rejection loop is harmless, and generates about twice as fast this way.
import Foundation
import Numerics

/// A `RandomStream` that hands out normals from the polar method, two per accepted pair; uniforms and
/// integers come straight from the stream.
struct NormalStream {
  private var rng: RandomStream
  private var spare = 0.0
  private var hasSpare = false

  init(_ rng: RandomStream) { self.rng = rng }

  /// A standard normal draw.
  @inline(__always)
  mutating func nextNormal() -> Double {
    if hasSpare {
      hasSpare = false
      return spare
    }
    var x = 0.0
    var y = 0.0
    var s = 0.0
    repeat {
      x = 2 * rng.nextUniform() - 1
      y = 2 * rng.nextUniform() - 1
      s = x * x + y * y
    } while s >= 1 || s == 0
    let factor = (-2 * log(s) / s).squareRoot()
    spare = y * factor
    hasSpare = true
    return x * factor
  }

  /// Uniform in [0, 1).
  @inline(__always)
  mutating func nextUniform() -> Double { rng.nextUniform() }

  /// Uniform integer in `0..<bound`.
  @inline(__always)
  mutating func nextInt(below bound: Int) -> Int { rng.nextInt(below: bound) }
}
