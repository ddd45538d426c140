// Summary statistics over seeds: the mean and the sample standard deviation (divisor n - 1, as
// `numpy.std(ddof=1)` and `statistics.stdev`), which `mmolre compare` reports as mean +- std.

/// Descriptive statistics of a sample of values (for example one metric over seeds).
public enum Statistics {
  /// The arithmetic mean; nil for an empty sample. O(n).
  public static func mean(_ values: [Double]) -> Double? {
    values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
  }

  /// The sample variance, sum (x - mean)^2 / (n - 1); nil when n < 2 (undefined). O(n).
  public static func sampleVariance(_ values: [Double]) -> Double? {
    guard values.count >= 2, let m = mean(values) else { return nil }
    // Two-pass with the compensating term sum (x - m) (exactly 0 without rounding), which keeps the
    // variance of nearly equal values accurate.
    var squares = 0.0
    var sum = 0.0
    for x in values {
      squares += (x - m) * (x - m)
      sum += x - m
    }
    let n = Double(values.count)
    return max(squares - sum * sum / n, 0) / (n - 1)
  }

  /// The sample standard deviation, the square root of `sampleVariance`; nil when n < 2. O(n).
  public static func sampleStandardDeviation(_ values: [Double]) -> Double? {
    sampleVariance(values)?.squareRoot()
  }
}
