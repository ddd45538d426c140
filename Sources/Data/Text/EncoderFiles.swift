/// The verified files of a fetched text encoder, for the model code to read.
///
/// ```swift
/// let files = try EncoderFiles.locate(name: "minilm")
/// let config = try BertConfig(contentsOf: files.config)
/// let tokenizer = try WordPieceTokenizer(vocabularyFile: files.vocabulary)
/// let weights = try SafetensorsFile(path: files.model)
/// ```
public struct EncoderFiles: Sendable, Equatable {
  public let encoder: KnownEncoder
  /// The cache folder that holds the files.
  public let folder: String
  /// `model.safetensors`: the weights.
  public let model: String
  /// `vocab.txt`: the WordPiece vocabulary.
  public let vocabulary: String
  /// `config.json`: the `BertConfig`.
  public let config: String

  /// The paths of encoder `name`'s files (name, short name or alias: `minilm`, `all-MiniLM-L6-v2`),
  /// after checking them against their pinned hashes (a file unchanged since its last check is not
  /// hashed again; see `EncoderCache`).
  /// - Throws: `EncoderError`: `.unknownEncoder`, `.notFetched` (the message says to run
  ///   `mmolre encoders fetch minilm`) or `.hashMismatch` (naming the file).
  public static func locate(name: String, cache: EncoderCache = EncoderCache()) throws -> EncoderFiles {
    let encoder = try KnownEncoder.named(name)
    try cache.verify(encoder)
    return EncoderFiles(
      encoder: encoder, folder: cache.folder(of: encoder), model: cache.path(of: encoder.model, in: encoder),
      vocabulary: cache.path(of: encoder.vocabulary, in: encoder), config: cache.path(of: encoder.config, in: encoder))
  }
}
