// Per-emotion decision thresholds chosen on validation data to maximise weighted accuracy
// (reference cff5b35 `metrics.py`, `choose_thresholds`): for each grid value g, decisions
// prob >= g give WA(g) = (TP / P + TN / N) / 2; among the g whose WA is within 1e-12 of the best
// (equal WAs reached through different counts may differ in the last bit), the one closest to 0.5
// wins, the lower one when two are equally close. An emotion with one class only gets 0.5.

/// Threshold selection for the MER metrics.
public enum Thresholds {
  /// 0.05, 0.10, ..., 0.95: each the double nearest the decimal value, so 0.5 is exact (the
  /// reference's `np.round(np.linspace(0.05, 0.95, 19), 10)`).
  public static let defaultGrid: [Double] = (1...19).map { Double($0) / 20 }

  /// One threshold per emotion that maximises that emotion's WA over `grid`. O(N K G).
  ///
  /// **Feed validation data only**: thresholds chosen on the test split leak its labels into the
  /// reported numbers. Pass the result to `MERMetrics.compute` on test.
  ///
  /// - Parameters:
  ///   - probabilities: `N x K` probabilities in [0, 1], row-major.
  ///   - presence: `N x K` true presence, row-major.
  ///   - emotions: the K emotion names (for warnings); the six MOSEI emotions by default.
  ///   - grid: candidate thresholds in [0, 1] (sorted and deduplicated here); `defaultGrid` by default.
  ///   - onWarning: told about each emotion with one class only (it gets 0.5).
  /// - Returns: K thresholds, each a grid value or 0.5.
  /// - Throws: `MetricsError` on malformed inputs or an empty grid or one outside [0, 1].
  public static func choose(
    probabilities: [Double], presence: [Bool], emotions: [String] = MetricKeys.emotions,
    grid: [Double] = defaultGrid, onWarning: (String) -> Void = { _ in }
  ) throws(MetricsError) -> [Double] {
    let k = emotions.count
    let n = try MERMetrics.checkInputs(probabilities: probabilities, presence: presence, k: k)
    try requireFinite(grid, "grid")
    guard !grid.isEmpty else { throw MetricsError("grid is empty") }
    guard !grid.contains(where: { $0 < 0 || $0 > 1 }) else { throw MetricsError("grid values must lie in [0, 1]") }
    let sortedGrid = Array(Set(grid)).sorted()

    var out = Array(repeating: MERMetrics.defaultThreshold, count: k)
    for j in 0..<k {
      let scores = (0..<n).map { probabilities[$0 * k + j] }
      let truth = (0..<n).map { presence[$0 * k + j] }
      let positives = truth.reduce(0) { $0 + ($1 ? 1 : 0) }
      let negatives = n - positives
      guard positives > 0, negatives > 0 else {
        onWarning("emotion '\(emotions[j])' has only one class in the threshold-selection data; using 0.5")
        continue
      }
      let was = sortedGrid.map { g in
        let c = ConfusionCounts(truth: truth, decisions: scores.lazy.map { $0 >= g })
        return 0.5 * (Double(c.truePositives) / Double(positives) + Double(c.trueNegatives) / Double(negatives))
      }
      out[j] = pickBest(grid: sortedGrid, scores: was)
    }
    return out
  }

  /// The grid value with the best score (within 1e-12) closest to 0.5, the lower one on a tie.
  /// - Precondition: `grid` ascending, same count as `scores`, not empty.
  static func pickBest(grid: [Double], scores: [Double]) -> Double {
    let best = scores.max() ?? 0
    var chosen = grid[0]
    var chosenDistance = Double.infinity
    for (g, s) in zip(grid, scores) where s >= best - 1e-12 {
      // Rounded to 9 decimals so 0.45 and 0.55 count as equally close despite binary rounding.
      let distance = (abs(g - MERMetrics.defaultThreshold) * 1e9).rounded(.toNearestOrEven) / 1e9
      if distance < chosenDistance {
        chosen = g
        chosenDistance = distance
      }
    }
    return chosen
  }
}
