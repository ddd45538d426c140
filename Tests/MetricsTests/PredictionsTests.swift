// Predictions and scoring: which samples count for which task, per-dataset keys, threshold tuning.
import Metrics
import Testing

@Suite struct PredictionsTests {
  /// Three samples: a labelled one of each dataset and one without any label.
  static func sample(emotionProb: [Double]? = Array(repeating: 0.6, count: 18)) throws -> Predictions {
    let nanRow = Array(repeating: Double.nan, count: 6)
    return try Predictions(
      ids: ["a", "b", "c"], sources: ["mosei", "mosi", "mosi"], sentimentTrue: [1.0, -1.0, .nan],
      emotionTrue: [1, 0, 0, 0, 0, 2] + nanRow + nanRow, sentimentPred: [0.5, 0.5, .nan],
      emotionProb: emotionProb)
  }

  @Test func onlyLabelledSamplesCount() throws {
    let predictions = try Self.sample()
    #expect(predictions.sentimentLabeled == [0, 1])
    #expect(predictions.emotionLabeled == [0])
    let result = try predictions.score()
    // Overall: MSA over a and b (1 vs .5 hit, -1 vs .5 miss); MER over a alone.
    #expect(result["Has0_acc_2"] == 0.5)
    #expect(result["MAE"] == 1.0)  // (0.5 + 1.5) / 2
    #expect(result["happy_WA"] == 1.0)  // one positive, decided positive
    #expect(result["sad_WA"] == 0.0)  // one negative, decided positive: TN / N = 0
    // Per dataset: mosi has no emotion labels, so no MER keys.
    #expect(result["mosi/MAE"] == 1.5)
    #expect(result["mosi/happy_WA"] == nil && result["mosei/happy_WA"] == 1.0)
    #expect(Set(result.keys).count == 8 + 22 + 8 + 22 + 8)
  }

  @Test func oneSourceHasNoPrefixedKeys() throws {
    let predictions = try Self.sample().subset([1, 2])
    #expect(predictions.ids == ["b", "c"])
    let result = try predictions.score()
    #expect(Set(result.keys) == Set(MetricKeys.msa))
  }

  @Test func tunedThresholdsNeedProbabilitiesAndLabels() throws {
    #expect(try Self.sample(emotionProb: nil).tunedThresholds() == nil)
    #expect(try Self.sample().subset([1, 2]).tunedThresholds() == nil)
    // Only sample a is labelled: every emotion has one class, so every threshold is 0.5.
    #expect(try Self.sample().tunedThresholds() == Array(repeating: 0.5, count: 6))
  }

  @Test func mismatchedArraysAreRejected() {
    #expect(throws: MetricsError.self) {
      try Predictions(ids: ["a"], sources: [], sentimentTrue: [1], emotionTrue: Array(repeating: 0, count: 6))
    }
    #expect(throws: MetricsError.self) {
      try Predictions(ids: ["a"], sources: ["x"], sentimentTrue: [1], emotionTrue: [0, 0, 0])
    }
  }
}

@Suite struct MetricKeysTests {
  @Test func merKeysInReferenceOrder() {
    #expect(MetricKeys.mer.count == 22)
    #expect(Array(MetricKeys.mer.prefix(4)) == ["happy_WA", "happy_F1", "happy_AUC", "sad_WA"])
    #expect(Array(MetricKeys.mer.suffix(4)) == ["mean_WA", "mean_F1", "mean_AUC", "micro_F1"])
  }

  @Test func lowerIsBetter() {
    #expect(MetricKeys.isLowerBetter("MAE") && MetricKeys.isLowerBetter("mosi/MAE"))
    #expect(MetricKeys.isLowerBetter("loss") && MetricKeys.isLowerBetter("sa_loss"))
    #expect(!MetricKeys.isLowerBetter("Corr") && !MetricKeys.isLowerBetter("mean_WA"))
  }

  @Test func canonicalOrder() {
    let keys = ["mosi/MAE", "micro_F1", "zeta", "MAE", "mosei/Corr", "Has0_acc_2", "happy_WA", "mosei/MAE"]
    #expect(
      MetricKeys.canonicalOrder(keys)
        == ["Has0_acc_2", "MAE", "happy_WA", "micro_F1", "zeta", "mosei/MAE", "mosei/Corr", "mosi/MAE"])
  }
}
