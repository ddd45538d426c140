// A fetched text encoder loaded for inference with its tokenizer: what the feature cache, pseudo
// labels and the encoder benchmark use. Transcripts are normalised as the reference does
// (`str(text).strip()`), tokenised with [CLS] ... [SEP] and truncated to `maxLength` tokens.
import Data
import Models
import Numerics

/// The frozen MiniLM (or another `KnownEncoder`) with its WordPiece tokenizer.
public final class FrozenTextEncoder {
  public let known: KnownEncoder
  public let tokenizer: WordPieceTokenizer
  public let encoder: TextEncoder<Float>

  /// Loads encoder `name`'s files from the encoder cache (`minilm`, `all-MiniLM-L6-v2`).
  /// - Throws: `EncoderError` when the encoder is unknown or not fetched (the message says to run
  ///   `mmolre encoders fetch minilm`), `DataError`/`ModelError` for damaged files.
  public init(name: String, cache: EncoderCache = EncoderCache()) throws {
    let files = try EncoderFiles.locate(name: name, cache: cache)
    known = files.encoder
    tokenizer = try WordPieceTokenizer(vocabularyFile: files.vocabulary)
    encoder = try TextEncoder<Float>(files: files, trainableLayers: 0)
  }

  /// Values per token.
  public var dim: Int { encoder.hiddenSize }

  /// `[CLS] pieces [SEP]` of each normalised text, at most `maxLength` ids.
  public func tokens(_ texts: [String], maxLength: Int) -> [[Int32]] {
    texts.map { tokenizer.encode(FeatureExtraction.normalized($0), maxLength: maxLength).map { Int32($0) } }
  }

  /// The encoder as `FeatureExtraction` calls it: per-token last hidden states, in batches of
  /// `batchSize` sorted by length on `threads` workers (nil: OpenBLAS's thread count).
  public func extractionEncoder(batchSize: Int, threads: Int?) -> FeatureExtraction.Encoder {
    FeatureExtraction.Encoder(name: known.name, modelSHA256: known.model.sha256, dim: dim) { [encoder] tokens in
      encoder.encode(tokenIds: tokens, batchSize: batchSize, threads: threads)
    }
  }

  /// Mean-pooled, L2-normalised sentence embeddings `[H]` of `texts` (sentence-transformers' recipe).
  public func sentenceEmbeddings(_ texts: [String], maxLength: Int, batchSize: Int, threads: Int?) -> [[Float]] {
    encoder.sentenceEmbeddings(tokenIds: tokens(texts, maxLength: maxLength), batchSize: batchSize, threads: threads)
  }
}
