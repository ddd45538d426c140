// Fine-tuning the text encoder jointly with MMoLRE (`features.finetune_text`; reference: the
// TextEncoder inside the model at cff5b35): the model's text input is the encoder's per-token last
// hidden state, computed each step from the transcript's token ids, and the loss's gradient flows back
// into the encoder. With `features.text_trainable_layers = k` only the top k layers train, over a
// memoized frozen bottom. The encoder has its own parameters, AdamW (learning rate `features.text_lr`)
// and weight average; clipping and the learning-rate schedule act on model and encoder together.
import Data
import Models
import Numerics

public final class TextFineTuner {
  public let encoder: TextEncoder<Float>
  /// Index of `text` among the model's modalities.
  public let modality: Int
  /// Token ids of every sample, per split.
  let tokens: [String: [[Int32]]]
  let optimizer: AdamW<Float>
  let average: WeightAverage<Float>?
  private var lengths: [Int] = []
  private var batchTokens: [[Int32]] = []
  /// Where this encoder's memo is shared with the process's later runs (nil when everything trains).
  private let memoKey: String?

  public init(config: RunConfig, splits: [String: MultimodalDataset], modality: Int) throws {
    let files = try EncoderFiles.locate(name: config.features.textEncoder)
    let encoder = try TextEncoder<Float>(files: files, trainableLayers: config.features.textTrainableLayers)
    self.encoder = encoder
    memoKey = FrozenMemoCache.key(weightsFile: files.model, trainableLayers: encoder.trainableLayers)
    if let memoKey, let table = FrozenMemoCache.shared.table(for: memoKey) { encoder.adoptMemo(table) }
    let tokenizer = try WordPieceTokenizer(vocabularyFile: files.vocabulary)
    var tokens: [String: [[Int32]]] = [:]
    for (name, split) in splits {
      guard let texts = split.texts else {
        throw ConfigError("features.finetune_text needs raw transcripts, but the \(name) split has none")
      }
      tokens[name] = texts.map { text in
        tokenizer.encode(text.trimmingCharacters(in: .whitespacesAndNewlines), maxLength: config.features.textMaxLength)
          .map { Int32($0) }
      }
    }
    self.tokens = tokens
    self.modality = modality
    let count = encoder.params.trainableCount
    optimizer = AdamW(
      count: count, groups: [ParameterGroup(range: 0..<count, learningRate: config.features.textLearningRate)],
      weightDecay: config.train.weightDecay)
    average = config.train.emaDecay.map { WeightAverage(values: encoder.params.values, decay: $0) }
  }

  deinit {
    if let memoKey { FrozenMemoCache.shared.store(encoder.memoTable, for: memoKey) }
  }

  /// The encoder's hidden size: the model's text feature size.
  public var width: Int { encoder.hiddenSize }

  /// Token counts per sample of a split (for length-grouped batches).
  public func tokenCounts(_ split: String) -> [Int] { tokens[split]!.map(\.count) }

  /// Encodes the batch's transcripts into its text modality.
  public func forward(split: String, batch: Batch<Float>, _ ctx: Context<Float>) {
    let splitTokens = tokens[split]!
    batchTokens.removeAll(keepingCapacity: true)
    lengths.removeAll(keepingCapacity: true)
    for row in batch.rows {
      batchTokens.append(splitTokens[row])
      lengths.append(splitTokens[row].count)
    }
    let features = encoder.forwardPacked(batchTokens, ctx)
    batch.setFeatures(modality, features, lengths: lengths)
  }

  /// The buffer that `MMoLREModel.backward` fills with the text features' gradient.
  public func inputGradient(batch: Batch<Float>, _ ctx: Context<Float>) -> UnsafeMutablePointer<Float> {
    ctx.arena.zeroed(max(batch.segments(modality).rows, 1) * width)
  }

  /// Backpropagates the text features' gradient into the encoder.
  public func backward(_ dFeatures: UnsafePointer<Float>, _ ctx: Context<Float>) {
    encoder.backwardPacked(dFeatures, ctx)
  }
}
