// Sentiment regression metrics exactly as MMSA computes them (thuiar/MMSA `metricsTop.py`,
// `__eval_mosei_regression`; reference cff5b35 `metrics.py`, `msa_metrics`), at full precision:
//   Has0_acc_2, Has0_F1_score  all samples, truth y >= 0 against decision p >= 0;
//   Non0_acc_2, Non0_F1_score  samples with y != 0 only, y > 0 against p > 0;
//   Mult_acc_5, Mult_acc_7     clip p and y to [-2, 2] / [-3, 3], round half to even, compare;
//   MAE                        mean |p - y| on unclipped values;
//   Corr                       Pearson correlation on unclipped values.
// F1 is sklearn's support-weighted F1 (`ConfusionCounts.weightedF1`).

/// Multimodal sentiment analysis (regression) metrics.
public enum MSAMetrics {
  /// The eight MSA metrics of `MetricKeys.msa` for predictions `p` and labels `y`. O(n).
  ///
  /// Undefined cases follow the reference: constant predictions or labels give `Corr = 0`; labels
  /// that are all exactly 0 give NaN for `Non0_acc_2` and `Non0_F1_score`. Each such case is
  /// reported through `onWarning` (the reference's `MetricWarning`).
  ///
  /// - Throws: `MetricsError` on empty input, different counts, or NaN/infinite values.
  public static func compute(
    predictions p: [Double], labels y: [Double], onWarning: (String) -> Void = { _ in }
  ) throws(MetricsError) -> [String: Double] {
    try requireFinite(p, "predictions")
    try requireFinite(y, "labels")
    guard p.count == y.count else {
      throw MetricsError("predictions and labels have different lengths: \(p.count) vs \(y.count)")
    }
    guard !p.isEmpty else { throw MetricsError("no samples: predictions and labels are empty") }

    let has0 = ConfusionCounts(truth: y.lazy.map { $0 >= 0 }, decisions: p.lazy.map { $0 >= 0 })
    var non0 = ConfusionCounts()
    for (pi, yi) in zip(p, y) where yi != 0 { non0.add(truth: yi > 0, decision: pi > 0) }
    if non0.total == 0 {
      onWarning("every label is exactly 0, so Non0_acc_2 and Non0_F1_score are undefined (NaN)")
    }
    let corr = pearsonCorrelation(p, y)
    if corr == nil {
      let which = p.min() == p.max() ? "predictions" : y.min() == y.max() ? "labels" : "values"
      onWarning("Corr is undefined because the \(which) are constant or have no usable spread; reporting Corr = 0")
    }
    let n = Double(p.count)
    return [
      "Has0_acc_2": has0.accuracy,
      "Has0_F1_score": has0.weightedF1,
      "Non0_acc_2": non0.accuracy,
      "Non0_F1_score": non0.weightedF1,
      "Mult_acc_5": multiclassAccuracy(p, y, bound: 2),
      "Mult_acc_7": multiclassAccuracy(p, y, bound: 3),
      "MAE": zip(p, y).reduce(0) { $0 + abs($1.0 - $1.1) } / n,
      "Corr": corr ?? 0,
    ]
  }

  /// Fraction of samples whose clipped, half-to-even rounded prediction equals the clipped, rounded
  /// label (MMSA's `__multiclass_acc` after `np.clip` and `np.round`).
  static func multiclassAccuracy(_ p: [Double], _ y: [Double], bound: Double) -> Double {
    func classOf(_ v: Double) -> Double { min(max(v, -bound), bound).rounded(.toNearestOrEven) }
    let hits = zip(p, y).reduce(0) { $0 + (classOf($1.0) == classOf($1.1) ? 1 : 0) }
    return Double(hits) / Double(p.count)
  }
}
