import Data
import Foundation
import Metrics

/// Loads the data a config names, restricted to the model's modalities, with the oracle's test
/// metrics when the data is the synthetic benchmark and the fingerprints the store records.
public enum DataPreparation {
  public static func prepare(_ config: RunConfig) throws -> PreparedData {
    switch config.data.kind {
    case .synthetic:
      return try synthetic(config)
    case .table, .mmsa, .csd:
      throw ConfigError("data.kind \(config.data.kind.rawValue): this reader is not wired into training yet")
    }
  }

  static func synthetic(_ config: RunConfig) throws -> PreparedData {
    let s = config.data.synthetic
    let synthetic = SyntheticConfig(
      seed: s["seed"]!.intValue!, nTrain: s["n_train"]!.intValue!, nValid: s["n_valid"]!.intValue!,
      nTest: s["n_test"]!.intValue!, textDim: s["text_dim"]!.intValue!, audioDim: s["audio_dim"]!.intValue!,
      visionDim: s["vision_dim"]!.intValue!, withVision: s["with_vision"]!.boolValue!, noise: s["noise"]!.doubleValue!,
      nAnnotators: s["n_annotators"]!.intValue!, annotatorNoise: s["annotator_noise"]!.doubleValue!,
      utterancesPerSpeaker: s["utterances_per_speaker"]!.intValue!)
    let benchmark: SyntheticBenchmark
    do {
      benchmark = try SyntheticBenchmark.generate(synthetic)
    } catch {
      throw ConfigError("\(error)")
    }
    var splits: [String: MultimodalDataset] = [:]
    for (name, split) in benchmark.splits { splits[name] = try split.selecting(modalities: config.model.modalities) }
    let reference = try oracleMetrics(benchmark)
    return PreparedData(
      splits: splits, reference: reference, description: benchmark.describe(),
      fingerprints: ["synthetic": fingerprint(benchmark.splits)])
  }

  /// The oracle scored like a model: thresholds chosen on its validation predictions.
  static func oracleMetrics(_ benchmark: SyntheticBenchmark) throws -> [String: Double] {
    func predictions(_ split: String) throws -> Predictions {
      let dataset = benchmark.splits[split]!
      let (sentiment, probabilities) = try benchmark.oracle(split)
      return try Predictions(
        ids: dataset.ids, sources: dataset.sources, sentimentTrue: dataset.sentiment.map(Double.init),
        emotionTrue: dataset.emotions.map(Double.init), sentimentPred: sentiment, emotionProb: probabilities)
    }
    let thresholds = try predictions("valid").tunedThresholds()
    return try predictions("test").score(thresholds: thresholds)
  }

  /// sha256 over every split's ids, labels and features, so runs on different data never compare as
  /// equals (and a machine whose libm generates other numbers shows up).
  static func fingerprint(_ splits: [String: MultimodalDataset]) -> String {
    var hasher = SHA256()
    for name in splits.keys.sorted() {
      let split = splits[name]!
      hasher.update(Array(name.utf8))
      for id in split.ids { hasher.update(Array(id.utf8)) }
      split.sentiment.withUnsafeBytes { hasher.update($0) }
      split.emotions.withUnsafeBytes { hasher.update($0) }
      for m in split.modalities.sorted() {
        split.features[m]!.values.withUnsafeBytes { hasher.update($0) }
        split.features[m]!.offsets.withUnsafeBytes { hasher.update($0) }
      }
    }
    return hasher.finalizeHex()
  }
}
