// The reference's worked MSA cases (cff5b35 tests/test_metrics.py), values computed by hand there.
import Metrics
import Testing

@Suite struct MSAMetricsTests {
  @Test func keysAreTheEightMMSAMetrics() throws {
    let result = try MSAMetrics.compute(predictions: [0.1, -1.0, 2.0], labels: [0.5, -2.0, 1.0])
    #expect(Set(result.keys) == Set(MetricKeys.msa))
    #expect(MetricKeys.msa.count == 8)
  }

  @Test func roundsHalfToEven() throws {
    // 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> -0, -1.5 -> -2, -2.5 -> -2: all equal the labels.
    // Half away from zero would give 1, 2, 3, -1, -2, -3: 2 of 6.
    let result = try MSAMetrics.compute(
      predictions: [0.5, 1.5, 2.5, -0.5, -1.5, -2.5], labels: [0.0, 2.0, 2.0, 0.0, -2.0, -2.0])
    #expect(result["Mult_acc_7"] == 1.0)
    #expect(result["Mult_acc_5"] == 1.0)
  }

  @Test func clipsForAccuracyButNotForMAE() throws {
    let result = try MSAMetrics.compute(
      predictions: [3.7, -4.2, 2.6, -2.4, 10.0], labels: [3.0, -3.0, 2.0, -2.0, 1.0])
    // Acc7: preds clipped -> 3, -3, 2.6, -2.4, 3 -> rounded 3, -3, 3, -2, 3 vs 3, -3, 2, -2, 1 -> 3/5.
    #expect(close(result["Mult_acc_7"]!, 3.0 / 5))
    // Acc5: preds -> 2, -2, 2, -2, 2; labels -> 2, -2, 2, -2, 1 -> 4/5.
    #expect(close(result["Mult_acc_5"]!, 4.0 / 5))
    // MAE unclipped: (0.7 + 1.2 + 0.6 + 0.4 + 9.0) / 5 = 2.38.
    #expect(close(result["MAE"]!, 2.38))
  }

  @Test func zeroPredictionsAndZeroLabels() throws {
    let result = try MSAMetrics.compute(
      predictions: [0.0, -0.3, 1.0, -1.0, 0.0, 2.0], labels: [0.0, 0.0, 2.0, -2.0, 1.0, -1.0])
    // Has0: y>=0 T T T F T F; p>=0 T F T F T T -> 4/6. F1: class T (support 4) 0.75, class F
    // (support 2) 0.5 -> (3 + 1) / 6 = 2/3.
    #expect(close(result["Has0_acc_2"]!, 4.0 / 6))
    #expect(close(result["Has0_F1_score"]!, 2.0 / 3))
    // Non0 drops y == 0: y>0 T F T F; p>0 T F F T -> 2/4; both class F1s 0.5.
    #expect(close(result["Non0_acc_2"]!, 0.5))
    #expect(close(result["Non0_F1_score"]!, 0.5))
  }

  @Test func classMissingFromTruthHasWeightZero() throws {
    let result = try MSAMetrics.compute(predictions: [0.0, -1.0, 2.0, 0.0], labels: [0.0, 1.0, 1.0, 2.0])
    // Has0: truth all T, pred T F T T -> 3/4; class T: P 1, R 3/4 -> 6/7; class F has support 0.
    #expect(close(result["Has0_acc_2"]!, 3.0 / 4))
    #expect(close(result["Has0_F1_score"]!, 6.0 / 7))
    // Non0 keeps 1, 2, 3: truth T T T, pred F T F -> 1/3; class T: P 1, R 1/3 -> 1/2.
    #expect(close(result["Non0_acc_2"]!, 1.0 / 3))
    #expect(close(result["Non0_F1_score"]!, 1.0 / 2))
  }

  @Test func maeAndCorrByHand() throws {
    // Centred (-1, 0, 1) and (-1, 1, 0): sum xy = 1, sum xx = sum yy = 2 -> r = 1/2.
    let result = try MSAMetrics.compute(predictions: [1, 2, 3], labels: [1, 3, 2])
    #expect(close(result["Corr"]!, 0.5))
    #expect(close(result["MAE"]!, 2.0 / 3))
  }

  @Test func constantPredictionGivesZeroCorrAndWarns() throws {
    var warnings: [String] = []
    let result = try MSAMetrics.compute(
      predictions: [0.3, 0.3, 0.3, 0.3], labels: [1, -1, 2, 0], onWarning: { warnings.append($0) })
    #expect(result["Corr"] == 0)
    #expect(!result["MAE"]!.isNaN)
    #expect(warnings.contains { $0.contains("constant") })
  }

  @Test func allZeroLabelsMakeNon0Undefined() throws {
    var warnings: [String] = []
    let result = try MSAMetrics.compute(
      predictions: [0.5, -0.5, 0.0], labels: [0, 0, 0], onWarning: { warnings.append($0) })
    #expect(result["Non0_acc_2"]!.isNaN && result["Non0_F1_score"]!.isNaN)
    #expect(close(result["Has0_acc_2"]!, 2.0 / 3))  // y>=0 all T; p>=0 T F T
    #expect(warnings.contains { $0.contains("Non0") })
  }

  @Test func negativeZeroIsZero() throws {
    // -0.0 >= 0 (Has0 positive) and -0.0 != 0 is false (dropped from Non0), as in numpy.
    let result = try MSAMetrics.compute(predictions: [-0.0, 1.0, -1.0], labels: [-0.0, 1.0, -1.0])
    #expect(result["Has0_acc_2"] == 1.0)
    #expect(result["Non0_acc_2"] == 1.0)
  }

  @Test(arguments: [
    ([0.1, 0.2], [0.1, 0.2, 0.3], "different lengths"),
    ([], [], "empty"),
    ([0.1, .nan], [0.1, 0.2], "predictions contains 1 NaN"),
    ([0.1, 0.2], [.nan, 0.2], "labels contains 1 NaN"),
    ([0.1, .infinity], [0.1, 0.2], "infinite"),
  ])
  func rejectsInvalidInput(predictions: [Double], labels: [Double], message: String) {
    do {
      _ = try MSAMetrics.compute(predictions: predictions, labels: labels)
      Issue.record("accepted \(predictions) / \(labels)")
    } catch {
      #expect(error.message.contains(message), "\(error.message)")
    }
  }
}
