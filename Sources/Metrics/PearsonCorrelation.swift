// Pearson correlation r = sum (x - mx)(y - my) / sqrt(sum (x - mx)^2 sum (y - my)^2), with the
// reference's conventions (cff5b35 `metrics.py`, `_pearson`): 0 when either vector is exactly
// constant or its spread underflows, and r clipped to [-1, 1] against rounding.

/// Pearson correlation of `x` and `y`, or nil when it is undefined (a constant vector, or no usable
/// spread after underflow). O(n).
/// - Precondition: equal, non-zero counts; finite values.
public func pearsonCorrelation(_ x: [Double], _ y: [Double]) -> Double? {
  precondition(x.count == y.count && !x.isEmpty, "pearsonCorrelation: counts \(x.count) and \(y.count)")
  // Exact constancy: the float spread of identical values can come out as a tiny non-zero number.
  guard x.min() != x.max(), y.min() != y.max() else { return nil }
  let n = Double(x.count)
  let mx = x.reduce(0, +) / n
  let my = y.reduce(0, +) / n
  var sxy = 0.0
  var sxx = 0.0
  var syy = 0.0
  for (a, b) in zip(x, y) {
    let dx = a - mx
    let dy = b - my
    sxy += dx * dy
    sxx += dx * dx
    syy += dy * dy
  }
  let denominator = (sxx * syy).squareRoot()
  guard denominator.isFinite, denominator > 0 else { return nil }
  return min(max(sxy / denominator, -1), 1)
}
