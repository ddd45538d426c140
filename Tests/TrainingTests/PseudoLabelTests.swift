import Data
import Foundation
import Testing
import Training

/// UniMSE-style pseudo labels on hand-made 2-d embeddings whose nearest neighbours are known, and their
/// scores worked out by hand.
@Suite struct PseudoLabelTests {
  /// Reference: positive joy (1,0), surprise (0,1); negative anger (0.6,0.8), sadness (1,0); neutral (-1,0).
  static let reference = ERCReference(
    texts: ["r0", "r1", "r2", "r3", "r4"], emotions: ["joy", "surprise", "anger", "sadness", "neutral"],
    polarities: ["positive", "positive", "negative", "negative", "neutral"])
  static let referenceEmbeddings: [Float] = [1, 0, 0, 1, 0.6, 0.8, 1, 0, -1, 0]

  static func table(_ labels: [Double]) -> LabelTable {
    LabelTable(
      origin: "toy",
      rows: labels.enumerated().map { k, y in
        LabelTable.Row(videoID: "v", clipID: String(k), text: "t\(k)", label: y, mode: "test")
      })
  }

  @Test func eachUtteranceTakesItsNearestNeighbourOfTheSamePolarity() {
    let s = Float(0.5).squareRoot()
    // q0 (0.8,0.6) positive: r0 0.8 > r1 0.6. q1 the same vector, negative: r2 0.96 > r3 0.8 (r0, the
    // overall nearest, is positive and not a candidate). q2 neutral: r4, similarity 0. q3 (0.6,0.8)
    // positive: r1 0.8. q4 (s,s) positive: r0 and r1 tie at s; the lower index wins.
    let query: [Float] = [0.8, 0.6, 0.8, 0.6, 0, 1, 0.6, 0.8, s, s]
    let labels = PseudoLabeler.label(
      table: Self.table([1, -2, 0, 0.5, 3]), queryEmbeddings: query, reference: Self.reference,
      referenceEmbeddings: Self.referenceEmbeddings, dim: 2)
    #expect(labels.map(\.polarity) == ["positive", "negative", "neutral", "positive", "positive"])
    #expect(labels.map(\.pseudoEmotion) == ["joy", "anger", "neutral", "surprise", "joy"])
    #expect(labels.map(\.moseiEmotion) == ["happy", "anger", "", "surprise", "happy"])
    #expect(labels.map(\.referenceText) == ["r0", "r2", "r4", "r1", "r0"])
    let expected = [0.8, 0.96, 0, 0.8, 0.7071068]
    #expect(zip(labels.map(\.similarity), expected).allSatisfy { abs($0 - $1) < 1e-6 })
    #expect(labels[1].id == "v$_$1" && labels[1].sentiment == -2)
  }

  @Test func aPolarityTheReferenceLacksGetsNoLabel() {
    let positiveOnly = ERCReference(texts: ["a"], emotions: ["joy"], polarities: ["positive"])
    let labels = PseudoLabeler.label(
      table: Self.table([-1, 1]), queryEmbeddings: [1, 0, 1, 0], reference: positiveOnly,
      referenceEmbeddings: [1, 0], dim: 2)
    #expect(labels[0].pseudoEmotion == "" && labels[0].similarity.isNaN && labels[1].moseiEmotion == "happy")
    #expect(
      PseudoLabeler.csv(labels) == """
        id,mode,text,sentiment,polarity,pseudo_emotion,mosei_emotion,similarity,reference_text
        v$_$0,test,t0,-1,negative,,,,
        v$_$1,test,t1,1,positive,joy,happy,1,a

        """)
  }

  /// Four utterances scored against real intensities; every value below was worked out by hand.
  @Test func scoresAgainstRealEmotions() throws {
    // Pseudo emotions happy, none, sad, happy; the reference's commonest class per polarity gives the
    // same (positive: joy 2 of 3, negative: sadness 2 of 3, neutral: neutral), so both columns agree.
    let reference = ERCReference(
      texts: ["a", "b", "c", "d", "e", "f", "g"],
      emotions: ["joy", "joy", "surprise", "sadness", "sadness", "anger", "neutral"],
      polarities: ["positive", "positive", "positive", "negative", "negative", "negative", "neutral"])
    func label(_ polarity: String, _ emotion: String) -> PseudoLabel {
      PseudoLabel(
        id: "x", mode: "test", text: "", sentiment: 0, polarity: polarity, pseudoEmotion: "", moseiEmotion: emotion,
        similarity: 0, referenceText: "")
    }
    let labels = [
      label("positive", "happy"), label("neutral", ""), label("negative", "sad"), label("positive", "happy"),
      label("negative", "anger"),
    ]
    let intensities: [Double] = [
      1, 0, 0, 0, 0, 0,  // happy only: a hit, the dominant one
      0, 0, 0, 0, 0, 0,  // nothing: "none" is right
      0, 0, 2, 0, 0, 0,  // anger: sad is a miss
      0.5, 1, 0, 0, 0, 0,  // happy present but sad dominant
      .nan, .nan, .nan, .nan, .nan, .nan,  // unknown: left out
    ]
    let report = try PseudoLabelEvaluation.evaluate(labels: labels, intensities: intensities, reference: reference)
    #expect(report.map(\.name) == ["pseudo", "polarity_baseline", "polarity_random"])
    let pseudo = report[0].metrics
    let expected: [String: Double] = [
      "n": 4, "share_with_emotion": 0.75, "emotion_present_rate": 2.0 / 3, "dominant_rate": 1.0 / 3,
      "none_correct_rate": 1,
      // happy: perfect. sad: TP 0, FP 1, FN 1, TN 2 -> WA (0 + 2) / 6, weighted F1 (3 * 2/3 + 1 * 0) / 4.
      // anger: never predicted, 1 positive -> WA 3 / 6, F1 3/4 * 6/7. Others: one class, WA and F1 1.
      "happy_WA": 1, "happy_F1": 1, "sad_WA": 1.0 / 3, "sad_F1": 0.5, "anger_WA": 0.5, "anger_F1": 0.75 * 6 / 7,
      "surprise_WA": 1, "fear_F1": 1,
      "mean_WA": (3 + 1.0 / 3 + 1.5) / 6, "mean_F1": (4.5 + 0.75 * 6 / 7) / 6,
      "micro_F1": 4.0 / 7,  // TP 2, FP 1, FN 2
    ]
    for (key, value) in expected {
      #expect(abs((pseudo[key] ?? .nan) - value) < 1e-12, "\(key): \(pseudo[key] ?? .nan) vs \(value)")
    }
    #expect(pseudo["happy_AUC"] == nil)
    #expect(report[1].metrics == pseudo)
    #expect(report[2].metrics["share_with_emotion"] == 0.75)  // the neutral one always gets none
    let table = PseudoLabelEvaluation.markdown(report)
    #expect(
      table.hasPrefix(
        "| metric | pseudo | polarity_baseline | polarity_random |\n|---|---|---|---|\n| happy_WA | 1.0000 | 1.0000 |"))
  }

  @Test func meldTablesAreReadAndChecked() throws {
    let folder = NSTemporaryDirectory() + "mmolre-meld-\(getpid())-\(UUID().uuidString)"
    let good = folder + "/meld.csv"
    try AtomicFile.write(
      "Sr No.,Utterance,Speaker,Emotion,Sentiment\n1, Oh my God! ,Ross,Surprise,Positive\n2,,Joey,neutral,neutral\n"
        + "3,\"No, no.\",Rachel,anger,negative\n", to: good)
    let reference = try ERCReference.load(paths: [good])
    #expect(reference.texts == ["Oh my God!", "No, no."])
    #expect(reference.emotions == ["surprise", "anger"] && reference.polarities == ["positive", "negative"])
    let bad = folder + "/bad.csv"
    try AtomicFile.write("Utterance,Emotion,Sentiment\nhi,happy,positive\n", to: bad)
    let error = #expect(throws: DataError.self) { try ERCReference.load(paths: [bad]) }
    #expect(
      error?.message
        == "\(bad): unknown emotion classes happy; expected neutral, joy, surprise, anger, sadness, disgust, fear")
    let columns = folder + "/columns.csv"
    try AtomicFile.write("Utterance,Emotion\nhi,joy\n", to: columns)
    #expect(throws: DataError.self) { try ERCReference.load(paths: [columns]) }
  }
}
