import Data

/// Every config key with its type, default and bounds: the one place that says what a run config may
/// hold. Keys and defaults are the reference's `RunConfig` (cff5b35 `config.py`) where the meaning
/// carries over; README.md lists the differences.
public enum ConfigSchema {
  /// The kind of value a key holds, with its bounds.
  public enum Kind: Sendable {
    case bool
    case int(min: Int?)
    /// A number in `[min, max)` or `(min, max)` (`exclusiveMin`), `max` always exclusive when given.
    case number(min: Double?, exclusiveMin: Bool, max: Double?)
    case choice([String])
    case string
    case intList(min: Int?)
    case stringList(choices: [String]?)
    /// A map from string to string (`data.feature_dirs`).
    case stringMap
  }

  public struct Field: Sendable {
    public let key: String
    public let kind: Kind
    public let defaultValue: JSONValue
    /// Null is allowed (`model.expert_ranks`, `train.ema_decay`, `features.text_trainable_layers`).
    public let nullable: Bool
    public let help: String
    /// Left out of a grid cell's identity: naming, display and thread count do not change results.
    public let cellNeutral: Bool

    init(
      _ key: String, _ kind: Kind, _ defaultValue: JSONValue, nullable: Bool = false, cellNeutral: Bool = false,
      _ help: String
    ) {
      self.key = key
      self.kind = kind
      self.defaultValue = defaultValue
      self.nullable = nullable
      self.help = help
      self.cellNeutral = cellNeutral
    }
  }

  static let modalities = ["text", "audio", "vision"]

  public static let fields: [Field] = [
    Field("name", .string, .string("mmolre"), cellNeutral: true, "run name shown in listings"),
    // data
    Field(
      "data.kind", .choice(["synthetic", "table", "mmsa", "csd"]), .string("synthetic"), "which reader loads the data"),
    Field("data.paths", .stringList(choices: nil), .array([]), "one source per dataset (label table, pickle or .csd)"),
    Field("data.names", .stringList(choices: nil), .array([]), "dataset name per path (mosi, mosei, ...)"),
    Field(
      "data.feature_dirs", .stringMap, .object([]),
      "modality -> feature cache (table) or .csd (csd); {name} becomes the dataset name"),
    Field(
      "data.emotion_labels", .stringList(choices: nil), .array([]),
      "per path: a file of emotion labels joined by clip id; '' for none"),
    Field(
      "data.text_from", .stringList(choices: nil), .array([]),
      "per path: a label table whose transcripts fill empty ones by clip id; '' for none"),
    Field("data.text_field", .choice(["text", "text_bert"]), .string("text"), "MMSA pickles: the text array to use"),
    Field(
      "data.folds", .stringList(choices: nil), .array([]),
      "csd: per path, a folds JSON; default the SDK's standard folds"),
    Field("data.synthetic.seed", .int(min: 0), .int(0), "seed of the synthetic benchmark's world and splits"),
    Field("data.synthetic.n_train", .int(min: 1), .int(1284), "training utterances"),
    Field("data.synthetic.n_valid", .int(min: 1), .int(229), "validation utterances"),
    Field("data.synthetic.n_test", .int(min: 1), .int(686), "test utterances"),
    Field("data.synthetic.text_dim", .int(min: 4), .int(32), "text feature size"),
    Field("data.synthetic.audio_dim", .int(min: 4), .int(24), "audio feature size"),
    Field("data.synthetic.vision_dim", .int(min: 4), .int(16), "vision feature size"),
    Field("data.synthetic.with_vision", .bool, .bool(false), "generate a vision modality"),
    Field(
      "data.synthetic.noise", .number(min: 0, exclusiveMin: false, max: nil), .double(1),
      "scale of the observation noise in every modality"),
    Field("data.synthetic.n_annotators", .int(min: 1), .int(3), "labels are the mean of this many integer ratings"),
    Field(
      "data.synthetic.annotator_noise", .number(min: 0, exclusiveMin: false, max: nil), .double(1),
      "scale of the annotators' noise: the noise floor"),
    Field("data.synthetic.utterances_per_speaker", .int(min: 1), .int(24), "speakers are disjoint across splits"),
    // features
    Field("features.text_encoder", .string, .string("all-MiniLM-L6-v2"), "text encoder for token features"),
    Field("features.text_max_length", .int(min: 2), .int(64), "tokens per transcript, [CLS] and [SEP] included"),
    Field("features.finetune_text", .bool, .bool(false), "train the text encoder end to end"),
    Field(
      "features.text_lr", .number(min: 0, exclusiveMin: true, max: nil), .double(2e-5),
      "learning rate of the fine-tuned text encoder"),
    Field(
      "features.text_trainable_layers", .int(min: 1), .null, nullable: true,
      "fine-tuning: train only the top N layers over a memoized frozen bottom; null trains all"),
    Field("features.batch_size", .int(min: 1), .int(32), "transcripts per batch when extracting features"),
    // model
    Field(
      "model.architecture", .choice(ModelConfigChoices.architectures), .string("mmolre"),
      "mmolre or hard_sharing (mmoe, ple, late_fusion: a later issue)"),
    Field(
      "model.tasks", .stringList(choices: ["SA", "ER"]), .array([.string("SA"), .string("ER")]), "tasks with a head"),
    Field(
      "model.modalities", .stringList(choices: modalities), .array([.string("text"), .string("audio")]),
      "modalities the model reads"),
    Field("model.d_model", .int(min: 4), .int(64), "width of every stream"),
    Field("model.dropout", .number(min: 0, exclusiveMin: false, max: 1), .double(0.1), "dropout everywhere"),
    Field("model.n_blocks", .int(min: 1), .int(2), "UniTSE blocks (1 or 2)"),
    Field("model.share_unitse", .bool, .bool(false), "one UniTSE for all modalities instead of one each"),
    Field("model.n_experts", .int(min: 1), .int(4), "shared experts per block"),
    Field(
      "model.expert_ranks", .intList(min: 1), .null, nullable: true,
      "rank per shared expert; null spreads rank_min..rank_max"),
    Field("model.rank_min", .int(min: 1), .int(16), "smallest rank of the geometric spread"),
    Field("model.rank_max", .int(min: 1), .int(128), "largest rank of the geometric spread"),
    Field("model.task_rank", .int(min: 1), .int(32), "rank of each task-specific expert"),
    Field("model.full_rank_experts", .bool, .bool(false), "every expert has rank d_model (ablation)"),
    Field("model.shared_experts", .bool, .bool(true), "shared low-rank experts with routers"),
    Field("model.task_expert", .bool, .bool(true), "a task-specific expert per stream"),
    Field(
      "model.expert_activation", .choice(["none", "relu", "gelu"]), .string("none"),
      "activation between an expert's two convs"),
    Field("model.gating", .choice(["dense", "topk", "uniform"]), .string("dense"), "router type"),
    Field("model.top_k", .int(min: 1), .int(2), "experts kept by top-k gating"),
    Field("model.gate_noise", .bool, .bool(true), "noisy top-k gating at train time"),
    Field("model.residual", .bool, .bool(true), "residual connection around each block"),
    Field("model.layer_norm", .bool, .bool(true), "LayerNorm after each block"),
    Field(
      "model.fusion", .choice(["gated", "concat"]), .string("gated"), "gate over modalities or projected concatenation"),
    Field("model.fusion_heads", .int(min: 1), .int(4), "heads of the cross-modal attention"),
    Field("model.er_intensity", .bool, .bool(false), "also regress emotion intensities (a later issue)"),
    // train
    Field("train.lr", .number(min: 0, exclusiveMin: true, max: nil), .double(1e-3), "AdamW learning rate"),
    Field(
      "train.weight_decay", .number(min: 0, exclusiveMin: false, max: nil), .double(1e-4), "decoupled weight decay"),
    Field("train.batch_size", .int(min: 1), .int(32), "training batch size"),
    Field("train.max_epochs", .int(min: 1), .int(30), "epochs at most"),
    Field("train.patience", .int(min: 1), .int(6), "epochs without a better validation loss before stopping"),
    Field("train.seeds", .intList(min: 0), .array([.int(1111)]), "training seeds"),
    Field("train.lambda_er", .number(min: 0, exclusiveMin: false, max: nil), .double(1), "weight of the ER loss"),
    Field(
      "train.lambda_bal", .number(min: 0, exclusiveMin: false, max: nil), .double(0.01),
      "weight of the load-balancing loss"),
    Field("train.grad_clip", .number(min: 0, exclusiveMin: true, max: nil), .double(1), "gradient-norm clipping"),
    Field(
      "train.lr_schedule", .choice(["constant", "linear", "cosine"]), .string("constant"),
      "after the warmup: constant, or linear/cosine decay to 0 at max_epochs"),
    Field(
      "train.warmup_ratio", .number(min: 0, exclusiveMin: false, max: 1), .double(0),
      "share of all steps with a linear warmup"),
    Field(
      "train.ema_decay", .number(min: 0, exclusiveMin: true, max: 1), .null, nullable: true,
      "validate, select and save a moving average of the weights with this decay per step"),
    Field("train.group_by_length", .bool, .bool(false), "training batches of similar length (less padding)"),
    Field(
      "train.thresholds", .choice(["fixed", "valid"]), .string("valid"), "ER thresholds: 0.5, or chosen on validation"),
    Field("train.eval_batch_size", .int(min: 1), .int(256), "batch size of evaluation"),
    Field(
      "train.threads", .int(min: 0), .int(1), cellNeutral: true, "BLAS and kernel threads; 0 keeps OpenBLAS's default"),
    Field("train.progress", .bool, .bool(true), cellNeutral: true, "progress bar on stderr when it is a terminal"),
  ]

  /// Reference keys that have no meaning here: renamed ones map to their new key, dropped ones to nil.
  public static let legacyKeys: [String: String?] = [
    "train.num_threads": "train.threads",
    "train.device": nil,
    "train.tensorboard": nil,
    "output_dir": nil,
    "features.audio_encoder": nil,
    "features.audio_sample_rate": nil,
    "features.audio_max_seconds": nil,
    "features.audio_long_clips": nil,
  ]

  public static let byKey: [String: Field] = Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0) })

  /// The dotted keys of every object level (`data`, `data.synthetic`, ...).
  public static let sections: Set<String> = {
    var out = Set<String>()
    for field in fields {
      var parts = field.key.split(separator: ".").map(String.init)
      parts.removeLast()
      while !parts.isEmpty {
        out.insert(parts.joined(separator: "."))
        parts.removeLast()
      }
    }
    return out
  }()
}

/// Architecture names as the config spells them.
enum ModelConfigChoices {
  static let architectures = ["mmolre", "hard_sharing", "mmoe", "ple", "late_fusion"]
}
