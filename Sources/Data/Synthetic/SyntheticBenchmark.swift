// The embedded synthetic benchmark: MOSI-size, generated from a seed, with its own noise floor
// (reference: cff5b35:src/mmolre/data/synthetic.py, whose module docstring explains the design: text
// carries mostly valence, audio mostly arousal and an independent reading of valence, so fusion helps;
// SA and ER need different parts of the signal, so the tasks conflict).
//
// One world per seed (feature directions, vocabulary) is shared by the three splits; each split has
// its own random streams, so changing one split's size leaves the others unchanged, and speakers are
// disjoint across splits, numbered on from one split to the next (train, valid, test).
import Foundation

/// A generated benchmark: the splits, the latents that generated them, and the oracle that reads them.
public struct SyntheticBenchmark: Sendable {
  /// Split names in generation order.
  public static let splitNames = ["train", "valid", "test"]

  public let config: SyntheticConfig
  /// `"train"`, `"valid"`, `"test"` -> dataset; modalities `["text", "audio"]` (+ `"vision"` when
  /// `config.withVision`; none when generated without features), sources `"synthetic"`, ids
  /// `syn_<split>_<00000>`.
  public let splits: [String: MultimodalDataset]
  /// The latents of each split, in the same utterance order.
  public let latents: [String: SyntheticLatents]

  /// Generates the benchmark; fully determined by `config` (same config, same arrays, bit for bit).
  ///
  /// - Parameter includeFeatures: false leaves the datasets without modalities, for what needs only
  ///   labels and latents (the oracle, label statistics, a constant baseline). Features draw from
  ///   their own streams, so labels and latents are the same either way.
  /// - Throws: `SyntheticConfigError` for a field out of bounds.
  /// - Complexity: O(total frames x feature size) with features (about 0.2 M frames for the default
  ///   sizes, a fraction of a second in release), O(utterances) without.
  public static func generate(
    _ config: SyntheticConfig = SyntheticConfig(), includeFeatures: Bool = true
  ) throws(SyntheticConfigError) -> SyntheticBenchmark {
    try config.validate()
    var rng = SyntheticStreams.stream(seed: config.seed, part: 0, .world)
    let world = SyntheticWorld(config: config, rng: &rng)
    let sizes = ["train": config.nTrain, "valid": config.nValid, "test": config.nTest]
    var splits: [String: MultimodalDataset] = [:]
    var latents: [String: SyntheticLatents] = [:]
    var firstSpeaker = 0
    for (index, name) in splitNames.enumerated() {
      let (dataset, split) = SyntheticSplit.generate(
        config: config, world: world, name: name, count: sizes[name] ?? 0, firstSpeaker: firstSpeaker,
        part: index + 1, features: includeFeatures)
      splits[name] = dataset
      latents[name] = split
      firstSpeaker = (split.speaker.last ?? firstSpeaker - 1) + 1
    }
    return SyntheticBenchmark(config: config, splits: splits, latents: latents)
  }

  /// A few lines: sizes, modalities and feature sizes, label statistics per split, e.g.
  /// `  train: 1284 utterances, 54 speakers; sentiment mean -0.08 std 1.46, 43% positive; emotions
  /// present: happy=43% ...` (the reference's format).
  public func describe() -> String {
    let first = splits["train"]
    let dims = (first?.modalities ?? []).map { "\($0) \(first?.featureDim($0) ?? 0)" }.joined(separator: ", ")
    var lines = [
      "synthetic benchmark (seed \(config.seed), noise \(config.noise), \(config.nAnnotators) annotators, "
        + "annotator noise x\(config.annotatorNoise)); modalities: \(dims)"
    ]
    for name in Self.splitNames {
      guard let dataset = splits[name], let split = latents[name] else { continue }
      lines.append("  \(name): " + Self.summary(dataset, speakers: Set(split.speaker).count))
    }
    return lines.joined(separator: "\n")
  }

  private static func summary(_ dataset: MultimodalDataset, speakers: Int) -> String {
    let n = Double(dataset.count)
    let sentiment = dataset.sentiment.map(Double.init)
    let mean = sentiment.reduce(0, +) / n
    let std = (sentiment.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
    let positive = Double(sentiment.filter { $0 > 0 }.count) / n
    let prevalence = MultimodalDataset.emotions.enumerated().map { e, emotion in
      let present = stride(from: e, to: dataset.emotions.count, by: 6).filter { dataset.emotions[$0] > 0 }.count
      return "\(emotion)=" + percent(Double(present) / n)
    }
    return "\(dataset.count) utterances, \(speakers) speakers; sentiment mean "
      + String(format: "%+.2f std %.2f, ", mean, std) + percent(positive) + " positive; emotions present: "
      + prevalence.joined(separator: " ")
  }

  private static func percent(_ fraction: Double) -> String { String(format: "%.0f%%", 100 * fraction) }
}
