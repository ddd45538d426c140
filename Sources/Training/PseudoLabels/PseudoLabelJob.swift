// `mmolre data pseudo-label` (the reference's cff5b35 `cli/pseudo_label_cmd.py`): read an MSA label
// table and ERC reference tables, embed both (MiniLM sentence embeddings; the table's from its feature
// cache when one is given: mean-pooled, L2-normalised token features are exactly the sentence
// embeddings of the same tokens), label every utterance with `PseudoLabeler`, write the CSV, and score
// the labels against the table's real emotions when it has them. Reference embeddings can be kept in
// a folder, keyed by encoder, max length and texts.
import Data
import Foundation
import Models

/// One pseudo-labelling run.
public struct PseudoLabelJob {
  public var tablePath: String
  public var referencePaths: [String]
  public var textFromPath: String?
  /// `all`, or the one split to label.
  public var split: String
  public var encoder: String
  public var maxLength: Int
  public var batchSize: Int
  public var threads: Int?
  /// A feature cache of the table (same encoder and max length) whose token features are mean-pooled
  /// instead of encoding the transcripts again.
  public var featureCache: String?
  /// A folder for the reference embeddings, reused when the encoder, max length and texts are the same.
  public var embeddingCache: String?

  public init(
    tablePath: String, referencePaths: [String], textFromPath: String? = nil, split: String = "all",
    encoder: String = "minilm", maxLength: Int = 64, batchSize: Int = 64, threads: Int? = nil,
    featureCache: String? = nil, embeddingCache: String? = nil
  ) {
    self.tablePath = tablePath
    self.referencePaths = referencePaths
    self.textFromPath = textFromPath
    self.split = split
    self.encoder = encoder
    self.maxLength = maxLength
    self.batchSize = batchSize
    self.threads = threads
    self.featureCache = featureCache
    self.embeddingCache = embeddingCache
  }

  public struct Outcome {
    public var labels: [PseudoLabel]
    public var referenceCount: Int
    /// MELD classes given, most frequent first ("" = no reference utterance of that polarity).
    public var classCounts: [(name: String, count: Int)]
    /// Scores against the table's real emotions; nil when it has none.
    public var evaluation: [(name: String, metrics: [String: Double])]?
    /// Where the reference embeddings came from: a file of `embeddingCache`, or nil (encoded now).
    public var referenceEmbeddingsFile: String?
    public var referenceFromCache: Bool

    /// Median, mean and 75th percentile of each utterance's similarity to its nearest reference utterance.
    public var similaritySummary: (median: Double, mean: Double, p75: Double)? {
      let values = labels.map(\.similarity).filter { !$0.isNaN }.sorted()
      guard !values.isEmpty else { return nil }
      func quantile(_ q: Double) -> Double {  // numpy's default (linear between closest ranks)
        let position = q * Double(values.count - 1)
        let low = Int(position)
        let high = min(low + 1, values.count - 1)
        return values[low] + (values[high] - values[low]) * (position - Double(low))
      }
      return (quantile(0.5), values.reduce(0, +) / Double(values.count), quantile(0.75))
    }
  }

  /// - Throws: `DataError` for bad tables or a cache that does not match; `EncoderError` when the
  ///   encoder is needed but not fetched.
  public func run() throws -> Outcome {
    var table = try LabelTable.load(path: tablePath, requireSplits: [], dropUnsplit: false)
    if let textFromPath {
      table = table.fillingEmptyTexts(
        from: try LabelTable.load(path: textFromPath, requireSplits: [], dropUnsplit: false))
    }
    if split != "all" { table.rows.removeAll { $0.mode != split } }
    guard !table.rows.isEmpty else { throw DataError("\(tablePath): no utterance in split \(split)") }
    let reference = try ERCReference.load(paths: referencePaths)
    var frozen: FrozenTextEncoder?
    func encoderNow() throws -> FrozenTextEncoder {
      if let frozen { return frozen }
      let loaded = try FrozenTextEncoder(name: encoder)
      frozen = loaded
      return loaded
    }
    let known = try KnownEncoder.named(encoder)
    let (referenceEmbeddings, file, cached) = try referenceEmbeddings(reference, known: known, encoder: encoderNow)
    let queries: [Float]
    if let featureCache {
      queries = try pooledFeatures(of: table, cache: featureCache, known: known)
    } else {
      queries = try encoderNow().sentenceEmbeddings(
        table.rows.map(\.text), maxLength: maxLength, batchSize: batchSize, threads: threads
      ).flatMap { $0 }
    }
    let dim = referenceEmbeddings.count / max(reference.count, 1)
    guard queries.count == dim * table.rows.count else {
      throw DataError(
        "\(featureCache ?? tablePath): embeddings of size \(queries.count / table.rows.count), not \(dim)")
    }
    let labels = PseudoLabeler.label(
      table: table, queryEmbeddings: queries, reference: reference, referenceEmbeddings: referenceEmbeddings, dim: dim)
    let counts = Dictionary(grouping: labels, by: \.pseudoEmotion).map { (name: $0.key, count: $0.value.count) }
      .sorted { ($0.count, $1.name) > ($1.count, $0.name) }
    var evaluation: [(name: String, metrics: [String: Double])]?
    if table.hasEmotions {
      evaluation = try PseudoLabelEvaluation.evaluate(
        labels: labels, intensities: table.rows.flatMap(\.emotions), reference: reference)
    }
    return Outcome(
      labels: labels, referenceCount: reference.count, classCounts: counts, evaluation: evaluation,
      referenceEmbeddingsFile: file, referenceFromCache: cached)
  }

  /// The reference's sentence embeddings `[R * dim]`, from `embeddingCache` when it has them.
  private func referenceEmbeddings(
    _ reference: ERCReference, known: KnownEncoder, encoder: () throws -> FrozenTextEncoder
  ) throws -> ([Float], String?, Bool) {
    let key = JSONValue.array([.string(known.name), .int(maxLength), .array(reference.texts.map(JSONValue.string))])
    let file = embeddingCache.map { "\($0)/reference-\(SHA256.hex(Array(key.canonical.utf8)).prefix(16)).safetensors" }
    if let file, FileManager.default.fileExists(atPath: file) {
      let tensor = try SafetensorsFile(contentsOf: file).tensor("embeddings", origin: file)
      guard tensor.shape.count == 2, tensor.shape[0] == reference.count else {
        throw DataError("\(file): embeddings of shape \(tensor.shape) for \(reference.count) reference utterances")
      }
      return (tensor.values(as: Float.self), file, true)
    }
    let embeddings = try encoder().sentenceEmbeddings(
      reference.texts, maxLength: maxLength, batchSize: batchSize, threads: threads)
    let flat = embeddings.flatMap { $0 }
    if let file {
      let dim = flat.count / max(reference.count, 1)
      try SafetensorsFile(tensors: ["embeddings": SafetensorsTensor(shape: [reference.count, dim], values: flat)])
        .write(to: file)
    }
    return (flat, file, false)
  }

  /// Mean-pooled, L2-normalised token features of every row from a feature cache made for this table.
  private func pooledFeatures(of table: LabelTable, cache folder: String, known: KnownEncoder) throws -> [Float] {
    let cache = try FeatureCache.open(folder: folder)
    try cache.check(
      FeatureCacheSettings(
        encoder: known.name, encoderSHA256: known.model.sha256, maxLength: maxLength,
        labelTableSHA256: try FeatureExtraction.fileSHA256(tablePath),
        textFromSHA256: try textFromPath.map(FeatureExtraction.fileSHA256)),
      fix: "Give --max-length/--text-from as the cache was made, or leave out --features.")
    let dim = cache.manifest.dim
    var pooled: [String: [Float]] = [:]
    for shard in cache.manifest.shards {
      for (id, frames) in try cache.readShard(shard) {
        pooled[id] = frames.withUnsafeBufferPointer {
          SentencePooling.meanNormalized($0.baseAddress!, tokens: frames.count / dim, width: dim)
        }
      }
    }
    var out: [Float] = []
    out.reserveCapacity(table.rows.count * dim)
    for row in table.rows {
      guard let embedding = pooled[row.id] else {
        throw DataError("\(folder): no text features for clip \(row.id) of \(tablePath)")
      }
      out.append(contentsOf: embedding)
    }
    return out
  }
}
