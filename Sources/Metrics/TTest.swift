// Two-sided t-tests for comparing a metric between two groups of runs:
//   paired (Student):  d_i = a_i - b_i, t = mean(d) / (sd(d) / sqrt(n)), df = n - 1
//     (scipy.stats.ttest_rel), for groups evaluated on the same seeds;
//   Welch:  t = (ma - mb) / sqrt(va / na + vb / nb),
//     df = (va / na + vb / nb)^2 / ((va / na)^2 / (na - 1) + (vb / nb)^2 / (nb - 1))
//     (scipy.stats.ttest_ind(equal_var=False)), for groups that share no seeds.
// p = P(|T| >= |t|) under Student's t with df degrees of freedom.

/// The outcome of a two-sided t-test.
public struct TTestResult: Sendable, Equatable {
  /// The t statistic; +-infinity when the spread is 0 but the means differ, NaN when both are 0.
  public let t: Double
  /// Degrees of freedom (fractional for Welch's test).
  public let degreesOfFreedom: Double
  /// Two-sided p-value; 0 for infinite t, NaN for NaN t.
  public let pValue: Double
  /// mean(a - b) for the paired test, mean(a) - mean(b) for Welch's.
  public let meanDifference: Double

  public init(t: Double, degreesOfFreedom: Double, pValue: Double, meanDifference: Double) {
    self.t = t
    self.degreesOfFreedom = degreesOfFreedom
    self.pValue = pValue
    self.meanDifference = meanDifference
  }
}

/// Two-sided t-tests.
public enum TTest {
  /// The paired t-test of `a` against `b` (pairs by index, e.g. the same seed). O(n).
  /// - Returns: nil when there are fewer than 2 pairs.
  /// - Precondition: `a.count == b.count`; finite values.
  public static func paired(_ a: [Double], _ b: [Double]) -> TTestResult? {
    precondition(a.count == b.count, "TTest.paired: \(a.count) values against \(b.count)")
    let differences = zip(a, b).map { $0 - $1 }
    guard let m = Statistics.mean(differences), let v = Statistics.sampleVariance(differences) else { return nil }
    let n = Double(differences.count)
    return result(t: m / (v / n).squareRoot(), degreesOfFreedom: n - 1, meanDifference: m)
  }

  /// Welch's unequal-variance t-test of `a` against `b`. O(na + nb).
  /// - Returns: nil when either group has fewer than 2 values.
  /// - Precondition: finite values.
  public static func welch(_ a: [Double], _ b: [Double]) -> TTestResult? {
    guard let ma = Statistics.mean(a), let va = Statistics.sampleVariance(a),
      let mb = Statistics.mean(b), let vb = Statistics.sampleVariance(b)
    else { return nil }
    let sa = va / Double(a.count)
    let sb = vb / Double(b.count)
    let spread = sa + sb
    let df = spread * spread / (sa * sa / Double(a.count - 1) + sb * sb / Double(b.count - 1))
    // Both variances 0: df is 0 / 0; it does not matter then (t is infinite or NaN).
    return result(t: (ma - mb) / spread.squareRoot(), degreesOfFreedom: df, meanDifference: ma - mb)
  }

  private static func result(t: Double, degreesOfFreedom df: Double, meanDifference: Double) -> TTestResult {
    let p = df > 0 ? StudentT.twoSidedTail(t, degreesOfFreedom: df) : (t.isInfinite ? 0 : .nan)
    return TTestResult(t: t, degreesOfFreedom: df, pValue: p, meanDifference: meanDifference)
  }
}
