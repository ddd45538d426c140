// The metric dictionary of a split (reference cff5b35 `mmolre/evaluation/scoring.py`, `score` and
// `tune_thresholds`). SA metrics count only samples with a sentiment label, ER metrics only samples
// whose six emotion intensities are all present (presence = intensity > 0), so a MOSI + MOSEI split
// reports MSA for both and MER for MOSEI alone. With more than one source, every metric is also
// reported per dataset as "<source>/<metric>", sources in code-point order (Python's `sorted`).

extension Predictions {
  /// The metrics of this split: `MetricKeys.msa` over the samples with a sentiment label (when there
  /// are predictions and such samples), `MetricKeys.mer` over the samples with emotion labels, and
  /// with more than one source the same per dataset as `"<source>/<metric>"`.
  ///
  /// - Parameters:
  ///   - thresholds: six ER thresholds from `tunedThresholds()` on *validation*, or nil for 0.5.
  ///   - onWarning: told about undefined metrics over the whole split (per-dataset slices repeat them
  ///     and are not reported).
  /// - Throws: `MetricsError` on NaN or infinite predictions of labelled samples, probabilities outside
  ///   [0, 1], or malformed thresholds.
  public func score(thresholds: [Double]? = nil, onWarning: (String) -> Void = { _ in }) throws(MetricsError)
    -> [String: Double]
  {
    var out = try scoreAll(thresholds: thresholds, onWarning: onWarning)
    let names = Set(sources).sorted(by: codePointLess)
    guard names.count > 1 else { return out }
    for name in names {
      let part = subset((0..<count).filter { sources[$0] == name })
      for (key, value) in try part.scoreAll(thresholds: thresholds, onWarning: { _ in }) {
        out["\(name)/\(key)"] = value
      }
    }
    return out
  }

  /// Per-emotion thresholds chosen on these (validation) predictions with `Thresholds.choose`; nil
  /// when there are no emotion probabilities or no emotion-labelled samples.
  public func tunedThresholds(onWarning: (String) -> Void = { _ in }) throws(MetricsError) -> [Double]? {
    guard let task = emotionTask() else { return nil }
    return try Thresholds.choose(probabilities: task.probabilities, presence: task.presence, onWarning: onWarning)
  }

  private func scoreAll(thresholds: [Double]?, onWarning: (String) -> Void) throws(MetricsError)
    -> [String: Double]
  {
    var out: [String: Double] = [:]
    let labeled = sentimentLabeled
    if let sentimentPred, !labeled.isEmpty {
      let msa = try MSAMetrics.compute(
        predictions: labeled.map { sentimentPred[$0] }, labels: labeled.map { sentimentTrue[$0] },
        onWarning: onWarning)
      out.merge(msa) { _, new in new }
    }
    if let task = emotionTask() {
      let mer = try MERMetrics.compute(
        probabilities: task.probabilities, presence: task.presence, thresholds: thresholds, onWarning: onWarning)
      out.merge(mer) { _, new in new }
    }
    return out
  }
}
