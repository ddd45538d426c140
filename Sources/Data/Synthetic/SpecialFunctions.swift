// Scalar special functions the synthetic benchmark needs, in forms that stay finite for any finite
// input: the logistic function (scipy's `expit`), softplus (numpy's `logaddexp(0, x)`) and the
// standard normal CDF (scipy's `ndtr`, here `Phi(x) = erfc(-x / sqrt 2) / 2`, which keeps full
// relative precision in the lower tail where `1 + erf` would cancel).
import Foundation

enum SpecialFunctions {
  /// `1 / (1 + e^-x)`; the branch keeps `exp` from overflowing for large `|x|`.
  @inline(__always)
  static func expit(_ x: Double) -> Double {
    if x >= 0 { return 1 / (1 + exp(-x)) }
    let e = exp(x)
    return e / (1 + e)
  }

  /// `log(1 + e^x)` as `max(x, 0) + log1p(e^-|x|)`: no overflow for large `x`, no loss for small.
  @inline(__always)
  static func softplus(_ x: Double) -> Double {
    max(x, 0) + log1p(exp(-abs(x)))
  }

  /// The standard normal CDF `P(Z <= x)`.
  @inline(__always)
  static func ndtr(_ x: Double) -> Double {
    0.5 * erfc(-x / 2.0.squareRoot())
  }
}
