import Data
import Models

/// `data.*`: where the data comes from.
public struct DataConfig: Sendable {
  public enum Kind: String, Sendable { case synthetic, table, mmsa, csd }
  public var kind: Kind
  public var paths: [String]
  public var names: [String]
  public var featureDirs: [String: String]
  public var emotionLabels: [String]
  public var textFrom: [String]
  public var textField: String
  public var folds: [String]
  /// `data.synthetic.*` by key without the prefix.
  public var synthetic: [String: JSONValue]

  init(values v: [String: JSONValue], origin: String) throws {
    kind = Kind(rawValue: v["data.kind"]!.stringValue!)!
    paths = v["data.paths"]!.arrayValue!.map { $0.stringValue! }
    names = v["data.names"]!.arrayValue!.map { $0.stringValue! }
    featureDirs = Dictionary(
      uniqueKeysWithValues: v["data.feature_dirs"]!.objectPairs!.map { ($0.0, $0.1.stringValue!) })
    emotionLabels = v["data.emotion_labels"]!.arrayValue!.map { $0.stringValue! }
    textFrom = v["data.text_from"]!.arrayValue!.map { $0.stringValue! }
    textField = v["data.text_field"]!.stringValue!
    folds = v["data.folds"]!.arrayValue!.map { $0.stringValue! }
    synthetic = [:]
    for (key, value) in v where key.hasPrefix("data.synthetic.") { synthetic[String(key.dropFirst(15))] = value }
    if kind != .synthetic && paths.isEmpty {
      throw ConfigError("\(origin): data.paths: data.kind \(kind.rawValue) needs at least one path")
    }
    if !names.isEmpty && names.count != paths.count {
      throw ConfigError("\(origin): data.names: \(names.count) names for \(paths.count) paths")
    }
    for (key, list) in [("data.emotion_labels", emotionLabels), ("data.text_from", textFrom), ("data.folds", folds)]
    where !list.isEmpty && list.count != paths.count {
      throw ConfigError("\(origin): \(key): \(list.count) entries for \(paths.count) paths")
    }
    for modality in featureDirs.keys where !ConfigSchema.modalities.contains(modality) {
      throw ConfigError("\(origin): data.feature_dirs.\(modality): unknown modality; choose from text, audio, vision")
    }
  }

  /// Dataset name of path `i`: `data.names[i]`, else the file's parent folder name.
  public func datasetName(_ i: Int) -> String {
    if i < names.count { return names[i] }
    let parts = paths[i].split(separator: "/")
    return parts.count >= 2 ? String(parts[parts.count - 2]) : "data\(i)"
  }
}

/// `features.*`: the text encoder and its fine-tuning.
public struct FeaturesConfig: Sendable {
  public var textEncoder: String
  public var textMaxLength: Int
  public var finetuneText: Bool
  public var textLearningRate: Double
  public var textTrainableLayers: Int?
  public var batchSize: Int

  init(values v: [String: JSONValue]) {
    textEncoder = v["features.text_encoder"]!.stringValue!
    textMaxLength = v["features.text_max_length"]!.intValue!
    finetuneText = v["features.finetune_text"]!.boolValue!
    textLearningRate = v["features.text_lr"]!.doubleValue!
    textTrainableLayers = v["features.text_trainable_layers"]!.intValue
    batchSize = v["features.batch_size"]!.intValue!
  }
}

/// `train.*`: the optimisation and the protocol.
public struct TrainConfig: Sendable {
  public enum Thresholds: String, Sendable { case fixed, valid }
  public var learningRate: Double
  public var weightDecay: Double
  public var batchSize: Int
  public var maxEpochs: Int
  public var patience: Int
  public var seeds: [Int]
  public var lambdaER: Double
  public var lambdaBalance: Double
  public var gradClip: Double
  public var schedule: String
  public var warmupRatio: Double
  public var emaDecay: Double?
  public var groupByLength: Bool
  public var thresholds: Thresholds
  public var evalBatchSize: Int
  public var threads: Int
  public var progress: Bool

  init(values v: [String: JSONValue], origin: String) throws {
    learningRate = v["train.lr"]!.doubleValue!
    weightDecay = v["train.weight_decay"]!.doubleValue!
    batchSize = v["train.batch_size"]!.intValue!
    maxEpochs = v["train.max_epochs"]!.intValue!
    patience = v["train.patience"]!.intValue!
    seeds = v["train.seeds"]!.arrayValue!.map { $0.intValue! }
    lambdaER = v["train.lambda_er"]!.doubleValue!
    lambdaBalance = v["train.lambda_bal"]!.doubleValue!
    gradClip = v["train.grad_clip"]!.doubleValue!
    schedule = v["train.lr_schedule"]!.stringValue!
    warmupRatio = v["train.warmup_ratio"]!.doubleValue!
    emaDecay = v["train.ema_decay"]!.doubleValue
    groupByLength = v["train.group_by_length"]!.boolValue!
    thresholds = Thresholds(rawValue: v["train.thresholds"]!.stringValue!)!
    evalBatchSize = v["train.eval_batch_size"]!.intValue!
    threads = v["train.threads"]!.intValue!
    progress = v["train.progress"]!.boolValue!
    if seeds.isEmpty { throw ConfigError("\(origin): train.seeds: at least one seed is needed") }
  }
}

extension ModelConfig {
  /// `model.*` of a resolved config, checked by `validate()`.
  init(values v: [String: JSONValue], origin: String) throws {
    self.init()
    architecture = Architecture(rawValue: v["model.architecture"]!.stringValue!)!
    tasks = v["model.tasks"]!.arrayValue!.map { $0.stringValue! }
    modalities = v["model.modalities"]!.arrayValue!.map { $0.stringValue! }
    dModel = v["model.d_model"]!.intValue!
    dropout = v["model.dropout"]!.doubleValue!
    nBlocks = v["model.n_blocks"]!.intValue!
    shareUnitse = v["model.share_unitse"]!.boolValue!
    nExperts = v["model.n_experts"]!.intValue!
    expertRanks = v["model.expert_ranks"]!.arrayValue?.map { $0.intValue! }
    rankMin = v["model.rank_min"]!.intValue!
    rankMax = v["model.rank_max"]!.intValue!
    taskRank = v["model.task_rank"]!.intValue!
    fullRankExperts = v["model.full_rank_experts"]!.boolValue!
    sharedExperts = v["model.shared_experts"]!.boolValue!
    taskExpert = v["model.task_expert"]!.boolValue!
    expertActivation = Activation(rawValue: v["model.expert_activation"]!.stringValue!)!
    gating = Gating(rawValue: v["model.gating"]!.stringValue!)!
    topK = v["model.top_k"]!.intValue!
    gateNoise = v["model.gate_noise"]!.boolValue!
    residual = v["model.residual"]!.boolValue!
    layerNorm = v["model.layer_norm"]!.boolValue!
    fusion = Fusion(rawValue: v["model.fusion"]!.stringValue!)!
    fusionHeads = v["model.fusion_heads"]!.intValue!
    erIntensity = v["model.er_intensity"]!.boolValue!
    if let problem = validate().first { throw ConfigError("\(origin): \(problem.key): \(problem.message)") }
  }
}
