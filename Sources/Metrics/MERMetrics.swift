// Multi-label emotion recognition metrics (DESIGN section 5; reference cff5b35 `metrics.py`,
// `mer_metrics`). Per emotion e, with decisions d = prob >= threshold (a probability equal to the
// threshold is a positive decision):
//   e_WA   weighted accuracy (TP * N / P + TN) / (2 N)
//   e_F1   sklearn's support-weighted F1 of d against the truth
//   e_AUC  ROC AUC of the probabilities (ties count one half)
// then mean_WA, mean_F1, mean_AUC (plain means over the emotions) and micro_F1 (2 TP / (2 TP + FP +
// FN) over the whole N x K decision matrix, 0 when it is 0 / 0).
// An emotion with one class only does not fail: WA is the accuracy on the class present, AUC is 0.5
// and F1 is sklearn's with zero_division 0, with a warning, as in the reference.

/// Multi-label emotion recognition metrics.
public enum MERMetrics {
  /// The default decision threshold.
  public static let defaultThreshold = 0.5

  /// The MER metrics of `MetricKeys.mer(emotions:)`. O(N K log N).
  ///
  /// - Parameters:
  ///   - probabilities: `N x K` presence probabilities in [0, 1], row-major (row = sample, column =
  ///     emotion in the order of `emotions`).
  ///   - presence: `N x K` true presence, row-major.
  ///   - thresholds: K thresholds in [0, 1], or nil for 0.5 each. Thresholds other than 0.5 must come
  ///     from `Thresholds.choose` on validation data, never from the split being scored.
  ///   - emotions: the K emotion names; the six MOSEI emotions by default.
  ///   - onWarning: told about each emotion that has only one class.
  /// - Throws: `MetricsError` on N = 0, counts that do not fit N x K, NaN/infinite values,
  ///   probabilities outside [0, 1], or malformed thresholds.
  public static func compute(
    probabilities: [Double], presence: [Bool], thresholds: [Double]? = nil,
    emotions: [String] = MetricKeys.emotions, onWarning: (String) -> Void = { _ in }
  ) throws(MetricsError) -> [String: Double] {
    let k = emotions.count
    let n = try checkInputs(probabilities: probabilities, presence: presence, k: k)
    let t = try checkThresholds(thresholds, k: k)

    var out: [String: Double] = [:]
    var all = ConfusionCounts()
    var sums = (wa: 0.0, f1: 0.0, auc: 0.0)
    for (j, emotion) in emotions.enumerated() {
      let scores = (0..<n).map { probabilities[$0 * k + j] }
      let truth = (0..<n).map { presence[$0 * k + j] }
      let counts = ConfusionCounts(truth: truth, decisions: scores.lazy.map { $0 >= t[j] })
      let auc = rocAUC(scores: scores, truth: truth)
      if auc == nil {
        let missing = counts.positives == 0 ? "positives" : "negatives"
        onWarning(
          "emotion '\(emotion)' has no \(missing) in this split (\(n) samples): WA is the accuracy on the "
            + "class present and AUC is set to 0.5")
      }
      let values = (wa: counts.weightedAccuracy, f1: counts.weightedF1, auc: auc ?? 0.5)
      out["\(emotion)_WA"] = values.wa
      out["\(emotion)_F1"] = values.f1
      out["\(emotion)_AUC"] = values.auc
      sums = (sums.wa + values.wa, sums.f1 + values.f1, sums.auc + values.auc)
      all = all + counts
    }
    out["mean_WA"] = sums.wa / Double(k)
    out["mean_F1"] = sums.f1 / Double(k)
    out["mean_AUC"] = sums.auc / Double(k)
    out["micro_F1"] = all.positiveF1
    return out
  }

  /// Checks shapes and ranges; returns N.
  static func checkInputs(probabilities: [Double], presence: [Bool], k: Int) throws(MetricsError) -> Int {
    guard k > 0 else { throw MetricsError("no emotions given") }
    guard probabilities.count % k == 0 else {
      throw MetricsError("probabilities has \(probabilities.count) values, not rows of \(k) emotions")
    }
    guard presence.count == probabilities.count else {
      throw MetricsError(
        "presence has \(presence.count) values but probabilities has \(probabilities.count) (rows of \(k))")
    }
    guard !probabilities.isEmpty else { throw MetricsError("no samples: probabilities and presence are empty") }
    try requireFinite(probabilities, "probabilities")
    if let low = probabilities.min(), let high = probabilities.max(), low < 0 || high > 1 {
      throw MetricsError(
        "probabilities must lie in [0, 1], got range [\(low), \(high)]; apply a sigmoid to logits first")
    }
    return probabilities.count / k
  }

  /// K thresholds in [0, 1] (nil gives 0.5 each).
  static func checkThresholds(_ thresholds: [Double]?, k: Int) throws(MetricsError) -> [Double] {
    guard let thresholds else { return Array(repeating: defaultThreshold, count: k) }
    guard thresholds.count == k else {
      throw MetricsError("thresholds must have one value per emotion (\(k)), got \(thresholds.count)")
    }
    try requireFinite(thresholds, "thresholds")
    if thresholds.contains(where: { $0 < 0 || $0 > 1 }) {
      throw MetricsError("thresholds must lie in [0, 1], got \(thresholds)")
    }
    return thresholds
  }
}
