// Student's t distribution with df degrees of freedom (df may be fractional, as in Welch's test):
//   P(T <= t) = 1 - I_x(df / 2, 1 / 2) / 2 for t >= 0, with x = df / (df + t^2), and by symmetry for
//   t < 0; the two-sided tail P(|T| >= |t|) = I_x(df / 2, 1 / 2)
// (Numerical Recipes, 3rd ed., section 6.14.6; Abramowitz & Stegun 26.7.1 and 26.5.27).

import Foundation

/// Student's t distribution.
public enum StudentT {
  /// P(T <= t). O(sqrt(df)).
  /// - Precondition: df > 0; t not NaN.
  public static func cdf(_ t: Double, degreesOfFreedom df: Double) -> Double {
    let tail = twoSidedTail(t, degreesOfFreedom: df) / 2
    return t >= 0 ? 1 - tail : tail
  }

  /// The two-sided p-value P(|T| >= |t|): 1 at t = 0, 0 for infinite t, NaN for NaN t. O(sqrt(df)).
  /// - Precondition: df > 0.
  public static func twoSidedTail(_ t: Double, degreesOfFreedom df: Double) -> Double {
    precondition(df > 0, "StudentT: degrees of freedom \(df) must be positive")
    if t.isNaN { return .nan }
    if t.isInfinite { return 0 }
    let t2 = t * t
    // x, 1 - x and log x computed directly, so none loses digits to cancellation.
    let y = t2 / (df + t2)
    return regularizedIncompleteBeta(
      df / (df + t2), complement: y, logX: -log1p(t2 / df), logY: log(y), a: df / 2, b: 0.5)
  }
}
