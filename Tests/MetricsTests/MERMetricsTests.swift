// The reference's worked MER cases (cff5b35 tests/test_metrics.py), values computed by hand there.
import Metrics
import Testing

/// Row-major `N x K` from K columns of N values.
func rows<T>(_ columns: [[T]]) -> [T] {
  (0..<columns[0].count).flatMap { i in columns.map { $0[i] } }
}

/// Four samples; columns in emotion order. happy: one positive; sad and the last three: balanced;
/// anger: no positives.
enum GoldenMER {
  static let happy = ([true, false, false, false], [0.6, 0.7, 0.2, 0.1])
  static let balanced = ([true, true, false, false], [0.9, 0.4, 0.6, 0.1])
  static let noPositives = ([false, false, false, false], [0.6, 0.2, 0.1, 0.3])
  static let columns = [happy, balanced, noPositives, balanced, balanced, balanced]
  static let presence = rows(columns.map(\.0))
  static let probabilities = rows(columns.map(\.1))
}

@Suite struct MERMetricsTests {
  @Test func goldenValuesAndAnEmotionWithoutPositives() throws {
    var warnings: [String] = []
    let result = try MERMetrics.compute(
      probabilities: GoldenMER.probabilities, presence: GoldenMER.presence, onWarning: { warnings.append($0) })
    #expect(Set(result.keys) == Set(MetricKeys.mer))
    #expect(warnings.count == 1 && warnings[0].contains("'anger' has no positives"))
    // happy: d 1 1 0 0: TP 1, P 1, TN 2, N 3 -> WA (1 * 3 / 1 + 2) / 6 = 5/6; F1 (1 * 2/3 + 3 * 0.8) / 4
    // = 23/30; AUC: .6 beats .2 and .1, not .7 -> 2/3.
    #expect(close(result["happy_WA"]!, 5.0 / 6))
    #expect(close(result["happy_F1"]!, 23.0 / 30))
    #expect(close(result["happy_AUC"]!, 2.0 / 3))
    // sad: d 1 0 1 0 -> WA 0.5, F1 0.5; AUC 3/4.
    #expect(close(result["sad_WA"]!, 0.5) && close(result["sad_F1"]!, 0.5) && close(result["sad_AUC"]!, 0.75))
    // anger: d 1 0 0 0 -> WA = TN/N = 3/4; AUC 0.5; F1: class 0 (support 4) P 1, R 3/4 -> 6/7.
    #expect(close(result["anger_WA"]!, 0.75) && close(result["anger_F1"]!, 6.0 / 7))
    #expect(result["anger_AUC"] == 0.5)
    #expect(close(result["mean_WA"]!, (5.0 / 6 + 0.5 + 0.75 + 3 * 0.5) / 6))
    #expect(close(result["mean_F1"]!, (23.0 / 30 + 0.5 + 6.0 / 7 + 3 * 0.5) / 6))
    #expect(close(result["mean_AUC"]!, (2.0 / 3 + 0.75 + 0.5 + 3 * 0.75) / 6))
    // micro: TP 5, FP 6, FN 4 -> 10 / 20.
    #expect(close(result["micro_F1"]!, 0.5))
  }

  @Test func noNegativesUsesRecall() throws {
    var presence = GoldenMER.presence
    for i in 0..<4 { presence[i * 6 + 5] = true }  // fear all positive; d 1 0 1 0 -> WA = TP/P = 2/4
    var warnings: [String] = []
    let result = try MERMetrics.compute(
      probabilities: GoldenMER.probabilities, presence: presence, onWarning: { warnings.append($0) })
    #expect(close(result["fear_WA"]!, 0.5))
    #expect(result["fear_AUC"] == 0.5)
    #expect(warnings.contains { $0.contains("'fear' has no negatives") })
  }

  @Test func thresholdsChangeDecisionsButNotAUC() throws {
    var thresholds = Array(repeating: 0.5, count: 6)
    thresholds[0] = 0.65  // happy: d 0 1 0 0 -> TP 0, TN 2 -> WA 2/6
    let tuned = try MERMetrics.compute(
      probabilities: GoldenMER.probabilities, presence: GoldenMER.presence, thresholds: thresholds)
    let base = try MERMetrics.compute(probabilities: GoldenMER.probabilities, presence: GoldenMER.presence)
    #expect(close(tuned["happy_WA"]!, 1.0 / 3))
    // class 1: TP 0 -> 0; class 0 (support 3): TP 2, FP 1, FN 1 -> 2/3 -> 3 * (2/3) / 4 = 0.5.
    #expect(close(tuned["happy_F1"]!, 0.5))
    #expect(tuned["happy_AUC"] == base["happy_AUC"])
    #expect(tuned["sad_WA"] == base["sad_WA"])
  }

  @Test func thresholdIsInclusive() throws {
    let probabilities = Array(repeating: 0.5, count: 6) + Array(repeating: 0.2, count: 6)
    let presence = Array(repeating: true, count: 6) + Array(repeating: false, count: 6)
    let result = try MERMetrics.compute(probabilities: probabilities, presence: presence)
    #expect(result["mean_WA"] == 1 && result["micro_F1"] == 1)
    let strict = try MERMetrics.compute(
      probabilities: probabilities, presence: presence, thresholds: Array(repeating: 0.6, count: 6))
    #expect(strict["mean_WA"] == 0.5 && strict["micro_F1"] == 0)
  }

  @Test func aucCountsTiesAsHalf() {
    // Positives .5 .5 .9, negatives .5 .1: pairs (.5,.5) 1/2 twice, (.9,.5) 1, and 3 wins over .1
    // -> (1 + 1 + 3) / 6 = 5/6.
    let auc = rocAUC(scores: [0.5, 0.5, 0.9, 0.5, 0.1], truth: [true, true, true, false, false])
    #expect(close(auc!, 5.0 / 6))
    #expect(rocAUC(scores: [0.1, 0.2], truth: [true, true]) == nil)
  }

  @Test func anySubsetOfEmotions() throws {
    // Two emotions named freely: keys follow the names, means over the two.
    let result = try MERMetrics.compute(
      probabilities: rows([GoldenMER.happy.1, GoldenMER.balanced.1]),
      presence: rows([GoldenMER.happy.0, GoldenMER.balanced.0]), emotions: ["happy", "sad"])
    #expect(Set(result.keys) == Set(MetricKeys.mer(emotions: ["happy", "sad"])))
    #expect(close(result["mean_WA"]!, (5.0 / 6 + 0.5) / 2))
    // micro: happy TP 1 FP 1 FN 0; sad TP 1 FP 1 FN 1 -> 4 / (4 + 2 + 1).
    #expect(close(result["micro_F1"]!, 4.0 / 7))
  }

  @Test(
    arguments: [
      (Array(repeating: 0.5, count: 15), Array(repeating: false, count: 15), nil, "rows of 6"),
      (Array(repeating: 0.5, count: 18), Array(repeating: false, count: 24), nil, "presence has 24"),
      ([], [], nil, "empty"),
      (Array(repeating: 1.5, count: 18), Array(repeating: false, count: 18), nil, "sigmoid"),
      (Array(repeating: .nan, count: 18), Array(repeating: false, count: 18), nil, "NaN"),
      (
        Array(repeating: 0.5, count: 18), Array(repeating: false, count: 18), Array(repeating: 0.5, count: 5),
        "one value per emotion"
      ),
      (Array(repeating: 0.5, count: 18), Array(repeating: false, count: 18), Array(repeating: 1.5, count: 6), "[0, 1]"),
    ] as [([Double], [Bool], [Double]?, String)])
  func rejectsInvalidInput(probabilities: [Double], presence: [Bool], thresholds: [Double]?, message: String) {
    do {
      _ = try MERMetrics.compute(probabilities: probabilities, presence: presence, thresholds: thresholds)
      Issue.record("accepted invalid input (\(message))")
    } catch {
      #expect(error.message.contains(message), "\(error.message)")
    }
  }
}
