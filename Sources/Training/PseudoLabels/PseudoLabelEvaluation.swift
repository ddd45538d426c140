// How good pseudo emotion labels are where real ones exist (the reference's cff5b35
// `data/pseudo_label.py`, `evaluate_pseudo_labels`): against real MOSEI emotion presence (intensity
// > 0), the project's MER metrics at threshold 0.5 on the 0/1 presence a single pseudo class implies
// (per emotion WA and F1, their means, micro F1; AUC left out), and agreement rates: how often the
// pseudo emotion is present, is the dominant one, and how often "none" is right. Beside them two
// labellings that use no similarity: the reference's commonest class of the utterance's polarity,
// and a class drawn at random with the reference's frequencies within that polarity (what
// nearest-neighbour labelling gives when similarity carries nothing; drawn with Philox seed 0, so
// its figures differ from the reference's numpy draw by sampling noise only).
import Data
import Metrics
import Numerics

public enum PseudoLabelEvaluation {
  /// Metric keys in report order.
  public static let keys: [String] =
    MultimodalDataset.emotions.flatMap { ["\($0)_WA", "\($0)_F1"] } + [
      "mean_WA", "mean_F1", "micro_F1", "share_with_emotion", "emotion_present_rate", "dominant_rate",
      "none_correct_rate",
    ]

  /// `(name, metrics)` for `pseudo`, `polarity_baseline` and `polarity_random`, over the utterances
  /// whose six intensities are all known.
  /// - Parameter intensities: `[N, 6]` row-major real intensities, NaN where unknown.
  /// - Throws: `DataError` when no utterance has real emotion labels.
  public static func evaluate(labels: [PseudoLabel], intensities: [Double], reference: ERCReference) throws
    -> [(name: String, metrics: [String: Double])]
  {
    precondition(intensities.count == 6 * labels.count, "six intensities per utterance")
    let keep = labels.indices.filter { i in !(0..<6).contains { intensities[6 * i + $0].isNaN } }
    guard !keep.isEmpty else { throw DataError("pseudo-label evaluation: no utterance has real emotion labels") }
    let truth = keep.flatMap { i in (0..<6).map { intensities[6 * i + $0] } }
    let polarities = keep.map { labels[$0].polarity }
    let candidates: [(String, [String])] = [
      ("pseudo", keep.map { labels[$0].moseiEmotion }),
      ("polarity_baseline", polarityBaseline(polarities, reference: reference)),
      ("polarity_random", polarityRandom(polarities, reference: reference, seed: 0)),
    ]
    return try candidates.map { name, emotions in
      var metrics = try MERMetrics.compute(
        probabilities: presence(emotions), presence: truth.map { $0 > 0 }, thresholds: nil)
      metrics = metrics.filter { !$0.key.hasSuffix("AUC") }
      metrics.merge(agreement(emotions, intensities: truth)) { $1 }
      return (name, metrics)
    }
  }

  /// `[N, 6]` 0/1 presence implied by single MOSEI emotions ("" = none).
  static func presence(_ emotions: [String]) -> [Double] {
    var out = [Double](repeating: 0, count: 6 * emotions.count)
    for (i, e) in emotions.enumerated() {
      if let j = MultimodalDataset.emotions.firstIndex(of: e) { out[6 * i + j] = 1 }
    }
    return out
  }

  /// The reference's most frequent class per polarity (ties: the class listed first in
  /// `ERCReference.emotions`), as a MOSEI emotion.
  static func polarityBaseline(_ polarities: [String], reference: ERCReference) -> [String] {
    var best: [String: String] = [:]
    for p in ERCReference.polarities {
      var counts: [String: Int] = [:]
      for (e, q) in zip(reference.emotions, reference.polarities) where q == p { counts[e, default: 0] += 1 }
      let top = ERCReference.emotions.max { (counts[$0] ?? 0, -index($0)) < (counts[$1] ?? 0, -index($1)) }
      best[p] = (counts.isEmpty ? nil : top.flatMap { ERCReference.moseiEmotion[$0] ?? nil }) ?? ""
    }
    return polarities.map { best[$0] ?? "" }
  }

  private static func index(_ emotion: String) -> Int { ERCReference.emotions.firstIndex(of: emotion) ?? 0 }

  /// A MOSEI emotion drawn uniformly from the reference utterances of the same polarity.
  static func polarityRandom(_ polarities: [String], reference: ERCReference, seed: UInt64) -> [String] {
    var random = RandomStream(seed: seed, stream: 0)
    var classes: [String: [String]] = [:]
    for (e, p) in zip(reference.emotions, reference.polarities) { classes[p, default: []].append(e) }
    return polarities.map { p in
      guard let pool = classes[p], !pool.isEmpty else { return "" }
      return (ERCReference.moseiEmotion[pool[random.nextInt(below: pool.count)]] ?? nil) ?? ""
    }
  }

  /// Agreement of single pseudo emotions with `[N, 6]` real intensities.
  static func agreement(_ emotions: [String], intensities: [Double]) -> [String: Double] {
    var labelled = 0
    var hits = 0
    var dominant = 0
    var unlabelled = 0
    var noneRight = 0
    for (i, e) in emotions.enumerated() {
      let row = Array(intensities[(6 * i)..<(6 * i + 6)])
      let anyPresent = row.contains { $0 > 0 }
      guard let j = MultimodalDataset.emotions.firstIndex(of: e) else {
        unlabelled += 1
        if !anyPresent { noneRight += 1 }
        continue
      }
      labelled += 1
      if row[j] > 0 { hits += 1 }
      // numpy's argmax: the first maximum.
      let strongest = row.indices.max { (row[$0], -$0) < (row[$1], -$1) }!
      if anyPresent && strongest == j { dominant += 1 }
    }
    func rate(_ a: Int, _ b: Int) -> Double { b > 0 ? Double(a) / Double(b) : .nan }
    return [
      "n": Double(emotions.count), "share_with_emotion": rate(labelled, emotions.count),
      "emotion_present_rate": rate(hits, labelled), "dominant_rate": rate(dominant, labelled),
      "none_correct_rate": rate(noneRight, unlabelled),
    ]
  }

  /// A Markdown table: one row per key, one column per labelling (4 decimals).
  public static func markdown(_ report: [(name: String, metrics: [String: Double])]) -> String {
    var lines = ["| metric | " + report.map(\.name).joined(separator: " | ") + " |"]
    lines.append("|---|" + String(repeating: "---|", count: report.count))
    for key in keys {
      let cells = report.map { entry in entry.metrics[key].map { String(format: "%.4f", $0) } ?? "nan" }
      lines.append("| \(key) | " + cells.joined(separator: " | ") + " |")
    }
    return lines.joined(separator: "\n")
  }

  /// The report as a JSON object `{name: {metric: value}}`.
  public static func json(_ report: [(name: String, metrics: [String: Double])]) -> JSONValue {
    .object(
      report.map { entry in
        (entry.name, .object(entry.metrics.sorted { $0.key < $1.key }.map { ($0.key, .double($0.value)) }))
      })
  }
}
