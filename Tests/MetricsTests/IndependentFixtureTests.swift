// Against values computed once with scikit-learn and numpy on random data with ties, zeros, -0.0,
// .5 values, missing labels and two sources: Tests/Fixtures/Metrics/independent.json (recipe in
// independent.md beside it). Read through #filePath, so no package resources are needed.
import Data
import Foundation
import Metrics
import Testing

private let fixturePath =
  URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .appendingPathComponent("Fixtures/Metrics/independent.json").path

@Suite struct IndependentFixtureTests {
  let fixture: JSONValue

  init() throws { fixture = try readJSON(fixturePath) }

  @Test func msaAgreesWithSklearn() throws {
    let msa = fixture["msa"]!
    let got = try MSAMetrics.compute(predictions: msa["y_pred"]!.doubles, labels: msa["y_true"]!.doubles)
    expectMetrics(got, msa["expected"]!.metricValues, tolerance: 1e-12, "msa")
  }

  @Test func thresholdsAndMERAgreeWithSklearn() throws {
    let mer = fixture["mer"]!
    let thresholds = try Thresholds.choose(
      probabilities: mer["valid_probs"]!.flatDoubles, presence: mer["valid_presence"]!.flatDoubles.map { $0 > 0 })
    #expect(thresholds == mer["chosen_thresholds"]!.doubles)
    let probabilities = mer["test_probs"]!.flatDoubles
    let presence = mer["test_presence"]!.flatDoubles.map { $0 > 0 }
    let base = try MERMetrics.compute(probabilities: probabilities, presence: presence)
    expectMetrics(base, mer["expected_default"]!.metricValues, tolerance: 1e-12, "mer default")
    let tuned = try MERMetrics.compute(probabilities: probabilities, presence: presence, thresholds: thresholds)
    expectMetrics(tuned, mer["expected_tuned"]!.metricValues, tolerance: 1e-12, "mer tuned")
  }

  @Test func scoreOverTwoSourcesWithMissingLabels() throws {
    let p = fixture["predictions"]!
    let predictions = try Predictions(
      ids: p["ids"]!.arrayValue!.compactMap(\.stringValue),
      sources: p["sources"]!.arrayValue!.compactMap(\.stringValue),
      sentimentTrue: p["sentiment_true"]!.doubles, emotionTrue: p["emotion_true"]!.flatDoubles,
      sentimentPred: p["sentiment_pred"]!.doubles, emotionProb: p["emotion_prob"]!.flatDoubles)
    let got = try predictions.score(thresholds: p["thresholds"]!.doubles)
    let expected = p["expected"]!.metricValues
    // Overall MSA + MER (22 + 8), mosei MSA + MER, mosi MSA only: 68 keys.
    #expect(expected.count == 68 && got.count == 68)
    #expect(got["mosi/happy_WA"] == nil && got["mosei/Corr"] != nil)
    expectMetrics(got, expected, tolerance: 1e-12, "score")
  }
}
