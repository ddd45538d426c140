// The hyper-parameters of a BERT encoder as the Swift model runs it: the sizes of Hugging Face's
// `config.json` (read by `BertConfig` in Data) plus the two dropout probabilities BertModel applies in
// training mode (`hidden_dropout_prob` after the embeddings and after each block's output dense,
// `attention_probs_dropout_prob` on the attention probabilities; both 0.1 in all-MiniLM-L6-v2 and in
// transformers' BertConfig defaults, which apply when a key is absent).
import Data

/// The shape and dropout of a `BertModel`.
public struct BertModelConfig: Sendable, Equatable {
  /// Sizes, LayerNorm eps and activation from `config.json`.
  public var bert: BertConfig
  /// `hidden_dropout_prob`.
  public var hiddenDropout: Double
  /// `attention_probs_dropout_prob`.
  public var attentionDropout: Double

  public var hiddenSize: Int { bert.hiddenSize }
  public var layers: Int { bert.numHiddenLayers }
  public var heads: Int { bert.numAttentionHeads }
  public var intermediateSize: Int { bert.intermediateSize }

  /// - Throws: `ModelError` when the activation is not `gelu` (the exact erf form the model runs) or a
  ///   dropout probability lies outside [0, 1).
  public init(bert: BertConfig, hiddenDropout: Double = 0.1, attentionDropout: Double = 0.1) throws {
    guard bert.hiddenAct == "gelu" else {
      throw ModelError("hidden_act: \(bert.hiddenAct) is not supported (only gelu, the exact erf form)")
    }
    for (key, p) in [("hidden_dropout_prob", hiddenDropout), ("attention_probs_dropout_prob", attentionDropout)] {
      guard p >= 0, p < 1 else { throw ModelError("\(key): \(p) is not a probability in [0, 1)") }
    }
    self.bert = bert
    self.hiddenDropout = hiddenDropout
    self.attentionDropout = attentionDropout
  }

  /// Reads a parsed `config.json`; `origin` (the file) names it in errors.
  /// - Throws: `DataError` for a missing or malformed size key (from `BertConfig`), `ModelError` for an
  ///   unsupported activation or position embedding type or a bad dropout probability.
  public init(json: JSONValue, origin: String) throws {
    let bert = try BertConfig(json: json, origin: origin)
    func probability(_ key: String) throws -> Double {
      guard let value = json[key] else { return 0.1 }
      guard let p = value.doubleValue else {
        throw ModelError("\(origin): key \(key): expected a number, got \(value.kindName)")
      }
      return p
    }
    if let kind = json["position_embedding_type"], kind.stringValue != "absolute" {
      throw ModelError("\(origin): key position_embedding_type: only absolute is supported, got \(kind.compact)")
    }
    let (hidden, attention) = (try probability("hidden_dropout_prob"), try probability("attention_probs_dropout_prob"))
    do {
      try self.init(bert: bert, hiddenDropout: hidden, attentionDropout: attention)
    } catch let error as ModelError {
      throw ModelError("\(origin): key \(error.message)")
    }
  }

  /// Reads `config.json` from disk.
  public init(contentsOf path: String) throws {
    try self.init(json: JSONValue(contentsOfFile: path), origin: path)
  }
}
