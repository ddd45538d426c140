// SeedStatistics: mean, sample standard deviation and the two-sided paired t-test over seeds.
//
// Internal to the Tracker until the Metrics module's Statistics lands; then `compare` can call that
// instead (the tests pin the figures, so a swap is checked).
//
// Paired t-test: d_i = x_i - y_i over the n shared seeds, t = mean(d) / (sd(d) / sqrt(n)), df = n - 1,
// p = P(|T_df| >= |t|) = I_{df / (df + t^2)}(df / 2, 1/2), with I the regularized incomplete beta
// function, evaluated by its continued fraction (modified Lentz; Numerical Recipes 3rd ed. 6.4).
import Foundation

enum SeedStatistics {
  static func mean(_ values: [Double]) -> Double {
    values.reduce(0, +) / Double(values.count)
  }

  /// The sample standard deviation (n - 1 in the denominator); nil for fewer than two values.
  static func sampleStandardDeviation(_ values: [Double]) -> Double? {
    guard values.count > 1 else { return nil }
    let m = mean(values)
    let squares = values.reduce(0) { $0 + ($1 - m) * ($1 - m) }
    return (squares / Double(values.count - 1)).squareRoot()
  }

  /// A paired t-test of `x` against `y` (same length, paired by index).
  struct PairedTest: Equatable {
    let n: Int
    let meanDifference: Double
    /// nil for fewer than two pairs.
    let t: Double?
    let p: Double?
  }

  static func pairedTTest(_ x: [Double], _ y: [Double]) -> PairedTest {
    precondition(x.count == y.count, "paired samples of different lengths")
    let d = zip(x, y).map { $0 - $1 }
    guard !d.isEmpty else { return PairedTest(n: 0, meanDifference: .nan, t: nil, p: nil) }
    let m = mean(d)
    guard let sd = sampleStandardDeviation(d) else { return PairedTest(n: d.count, meanDifference: m, t: nil, p: nil) }
    if sd == 0 {
      // Every pair differs by the same amount: no spread, so either no difference at all or a certain one.
      return PairedTest(
        n: d.count, meanDifference: m, t: m == 0 ? 0 : m.sign == .minus ? -.infinity : .infinity,
        p: m == 0 ? 1 : 0)
    }
    let t = m / (sd / Double(d.count).squareRoot())
    return PairedTest(
      n: d.count, meanDifference: m, t: t, p: twoSidedStudentP(t: t, degreesOfFreedom: Double(d.count - 1)))
  }

  /// P(|T| >= |t|) for Student's t with `degreesOfFreedom`.
  static func twoSidedStudentP(t: Double, degreesOfFreedom df: Double) -> Double {
    guard t.isFinite else { return 0 }
    return regularizedIncompleteBeta(x: df / (df + t * t), a: df / 2, b: 0.5)
  }

  /// I_x(a, b) for 0 <= x <= 1, a, b > 0.
  static func regularizedIncompleteBeta(x: Double, a: Double, b: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    let logBeta: Double = lgamma(a) + lgamma(b) - lgamma(a + b)
    let logPowers: Double = a * log(x) + b * log(1 - x)
    let logFront = logPowers - logBeta
    // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
    if x < (a + 1) / (a + b + 2) {
      return exp(logFront) * betaContinuedFraction(x: x, a: a, b: b) / a
    }
    return 1 - exp(logFront) * betaContinuedFraction(x: 1 - x, a: b, b: a) / b
  }

  private static func betaContinuedFraction(x: Double, a: Double, b: Double) -> Double {
    let tiny = 1e-300
    let epsilon = 1e-15
    var c = 1.0
    var d = 1 - (a + b) * x / (a + 1)
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var h = d
    for m in 1...300 {
      let m = Double(m)
      let m2 = 2 * m
      var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
      d = 1 + aa * d
      if abs(d) < tiny { d = tiny }
      c = 1 + aa / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      h *= d * c
      aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
      d = 1 + aa * d
      if abs(d) < tiny { d = tiny }
      c = 1 + aa / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      let delta = d * c
      h *= delta
      if abs(delta - 1) < epsilon { break }
    }
    return h
  }
}
