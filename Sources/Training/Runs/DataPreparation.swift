import Data
import Foundation
import Metrics

/// Loads the data a config names, restricted to the model's modalities, with the oracle's test
/// metrics when the data is the synthetic benchmark and the fingerprints the store records.
///
/// Real data (the reference's `data/loaders.py`): every path of `data.paths` is read with its
/// per-path options (`data.emotion_labels`, `data.text_from`, `data.folds`; `""` for none) and named
/// by `data.names`; the splits of several paths are concatenated split by split, so MOSI + MOSEI
/// train together (MOSI's emotions NaN, masked out of the ER loss). Transcripts stay in the datasets.
public enum DataPreparation {
  public static func prepare(_ config: RunConfig) throws -> PreparedData {
    switch config.data.kind {
    case .synthetic:
      return try synthetic(config)
    case .table: return try real(config, read: table)
    case .mmsa: return try real(config, read: mmsa)
    case .csd: return try real(config, read: csd)
    }
  }

  /// Reads path `i` of a config, adding the sha256 of every file it reads to the fingerprints.
  typealias PathReader = (RunConfig, Int, inout [String: String]) throws -> LoadedSplits

  /// Label tables with feature caches, MMSA pickles or CMU-SDK `.csd` files, one `read` per path.
  static func real(_ config: RunConfig, read: PathReader) throws -> PreparedData {
    var parts: [LoadedSplits] = []
    var fingerprints: [String: String] = [:]
    var lines: [String] = []
    for i in config.data.paths.indices {
      var part = try read(config, i, &fingerprints)
      for name in part.splitNames {
        part.splits[name] = try restricted(
          part.splits[name]!, to: config.model.modalities, origin: config.data.paths[i])
      }
      let counts = part.splitNames.map { "\($0) \(part.splits[$0]!.count)" }.joined(separator: ", ")
      lines.append("\(config.data.datasetName(i)): \(config.data.paths[i]) (\(counts))")
      parts.append(part)
    }
    // One path needs no concatenation, which would copy every feature value once more.
    let merged = parts.count == 1 ? parts[0] : try LoadedSplits.concatenating(parts)
    for split in DataConventions.splits where (merged.splits[split]?.count ?? 0) == 0 {
      throw DataError("data.paths: split \(split) is missing or empty in \(config.data.paths.joined(separator: ", "))")
    }
    return PreparedData(
      splits: merged.splits, description: (lines + merged.notes).joined(separator: "\n"), fingerprints: fingerprints)
  }

  /// Entry `i` of a per-path list (`data.text_from`, ...), nil when the list is empty or the entry is "".
  static func perPath(_ list: [String], _ i: Int) -> String? {
    i < list.count && !list[i].isEmpty ? list[i] : nil
  }

  /// A label table joined by clip id to a feature cache per model modality.
  static func table(_ config: RunConfig, _ i: Int, _ fingerprints: inout [String: String]) throws -> LoadedSplits {
    let path = config.data.paths[i]
    let name = config.data.datasetName(i)
    var table = try LabelTable.load(path: path)
    fingerprints[path] = try FeatureExtraction.fileSHA256(path)
    if let emotions = perPath(config.data.emotionLabels, i) {
      table = try table.attachingEmotions(from: EmotionLabels.load(path: emotions))
      fingerprints[emotions] = try FeatureExtraction.fileSHA256(emotions)
    }
    let textFrom = perPath(config.data.textFrom, i)
    if let textFrom {
      table = table.fillingEmptyTexts(from: try LabelTable.load(path: textFrom, requireSplits: [], dropUnsplit: false))
      fingerprints[textFrom] = try FeatureExtraction.fileSHA256(textFrom)
    }
    var features: [ClipFeatures] = []
    for modality in config.model.modalities {
      let cache = try FeatureCacheLocator.open(
        modality: modality, config: config, table: path, textFrom: textFrom, name: name)
      fingerprints[cache.folder + "/" + FeatureCacheManifest.fileName] = cache.fingerprint
      features.append(cache.clipFeatures())
    }
    return try table.splits(source: name, features: features)
  }

  /// An MMSA pickle (`aligned_50.pkl`, ...) with `data.text_field` as its text modality.
  static func mmsa(_ config: RunConfig, _ i: Int, _ fingerprints: inout [String: String]) throws -> LoadedSplits {
    let path = config.data.paths[i]
    var loaded = try MMSAPickle.load(
      path: path, source: config.data.datasetName(i), textField: config.data.textField,
      modalities: config.model.modalities)
    fingerprints[path] = try FeatureExtraction.fileSHA256(path)
    if let emotions = perPath(config.data.emotionLabels, i) {
      try loaded.joinEmotions(from: EmotionLabels.load(path: emotions))
      fingerprints[emotions] = try FeatureExtraction.fileSHA256(emotions)
    }
    return loaded
  }

  /// A CMU-SDK label `.csd` (or a folder holding one) with a feature `.csd` per modality: from
  /// `data.feature_dirs` (`{name}` replaced), else the `.csd` beside the labels whose metadata names
  /// the modality (as the reference's writer records it).
  static func csd(_ config: RunConfig, _ i: Int, _ fingerprints: inout [String: String]) throws -> LoadedSplits {
    let labels = try labelSequence(config.data.paths[i])
    let name = config.data.datasetName(i)
    var features: [(modality: String, path: String)] = []
    for modality in config.model.modalities {
      let path: String
      if let template = config.data.featureDirs[modality] {
        path = FeatureCacheLocator.folder(template: template, name: name, besides: labels)
      } else if let found = try sequenceBeside(labels, modality: modality) {
        path = found
      } else {
        throw ConfigError(
          "data.feature_dirs.\(modality): no feature .csd for modality \(modality) of \(labels) (none beside it names "
            + "the modality in its metadata); set data.feature_dirs.\(modality)")
      }
      features.append((modality, path))
    }
    let folds = try perPath(config.data.folds, i).map { try StandardFolds.load(path: $0) }
    let emotions = try perPath(config.data.emotionLabels, i).map { try EmotionLabels.load(path: $0) }
    let loaded = try CSDLoader.load(
      labels: labels, features: features, source: name, folds: folds, emotions: emotions)
    for path in [labels] + features.map(\.path)
      + [perPath(config.data.folds, i), perPath(config.data.emotionLabels, i)]
      .compactMap({ $0 })
    {
      fingerprints[path] = try FeatureExtraction.fileSHA256(path)
    }
    return loaded
  }

  /// The label sequence a `.csd` path names: the file itself, or the one `.csd` in a folder whose name
  /// holds "label".
  static func labelSequence(_ path: String) throws -> String {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw DataError("\(path): not found (data.paths)")
    }
    guard isDirectory.boolValue else { return path }
    let found = try FileManager.default.contentsOfDirectory(atPath: path)
      .filter { $0.lowercased().hasSuffix(".csd") && $0.lowercased().contains("label") }.sorted()
    guard found.count == 1 else {
      throw DataError(
        "\(path): expected one label .csd (a name containing 'Labels'), found \(found.isEmpty ? "none" : found.joined(separator: ", "))"
      )
    }
    return path + "/" + found[0]
  }

  /// The feature `.csd` beside `labels` whose metadata names `modality`, if exactly one does.
  static func sequenceBeside(_ labels: String, modality: String) throws -> String? {
    let folder = URL(fileURLWithPath: labels).deletingLastPathComponent().path
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    var found: [String] = []
    for name in names.sorted() where name.lowercased().hasSuffix(".csd") && folder + "/" + name != labels {
      let metadata = try? ComputationalSequence.readMetadata(path: folder + "/" + name).metadata
      if metadata?["mmolre modality"]?.stringValue == modality { found.append(folder + "/" + name) }
    }
    return found.count == 1 ? found[0] : nil
  }

  /// A dataset with only `modalities`, in that order.
  /// - Throws: `ConfigError` naming `model.modalities` when the data lacks one.
  static func restricted(_ dataset: MultimodalDataset, to modalities: [String], origin: String) throws
    -> MultimodalDataset
  {
    let missing = modalities.filter { dataset.features[$0] == nil }
    if !missing.isEmpty {
      throw ConfigError(
        "model.modalities: \(origin) has no \(missing.joined(separator: ", ")) features (it has "
          + "\(dataset.modalities.isEmpty ? "none" : dataset.modalities.joined(separator: ", ")))")
    }
    return try dataset.selecting(modalities: modalities)
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
