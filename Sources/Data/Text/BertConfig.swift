// The shape of a BERT-family encoder, read from the Hugging Face `config.json` that ships with its
// weights (all-MiniLM-L6-v2: 6 layers, hidden 384, 12 heads, intermediate 1536, GELU, LayerNorm eps
// 1e-12, 512 positions, 30522 pieces, 2 token types). Other keys of the file are ignored.

/// Hyper-parameters of a BERT encoder (the keys of `config.json` that shape the forward pass).
public struct BertConfig: Sendable, Equatable {
  public var hiddenSize: Int
  public var numHiddenLayers: Int
  public var numAttentionHeads: Int
  public var intermediateSize: Int
  public var maxPositionEmbeddings: Int
  public var vocabSize: Int
  public var typeVocabSize: Int
  public var layerNormEps: Double
  /// The feed-forward activation as written (`gelu` for MiniLM: the exact erf form).
  public var hiddenAct: String

  /// The width of one attention head, `hiddenSize / numAttentionHeads`.
  public var headSize: Int { hiddenSize / numAttentionHeads }

  public init(
    hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int, intermediateSize: Int,
    maxPositionEmbeddings: Int, vocabSize: Int, typeVocabSize: Int, layerNormEps: Double, hiddenAct: String
  ) {
    self.hiddenSize = hiddenSize
    self.numHiddenLayers = numHiddenLayers
    self.numAttentionHeads = numAttentionHeads
    self.intermediateSize = intermediateSize
    self.maxPositionEmbeddings = maxPositionEmbeddings
    self.vocabSize = vocabSize
    self.typeVocabSize = typeVocabSize
    self.layerNormEps = layerNormEps
    self.hiddenAct = hiddenAct
  }

  /// Reads `config.json`.
  /// - Throws: `DataError` naming the file and the key that is missing, of the wrong type or out of range
  ///   (sizes must be positive, `hidden_size` a multiple of `num_attention_heads`, `layer_norm_eps` > 0).
  public init(contentsOf path: String) throws {
    try self.init(json: JSONValue(contentsOfFile: path), origin: path)
  }

  /// Reads the keys from a parsed `config.json`; `origin` names it in errors.
  public init(json: JSONValue, origin: String) throws {
    guard json.objectPairs != nil else { throw DataError("\(origin): expected a JSON object, got \(json.kindName)") }
    func value(_ key: String) throws -> JSONValue {
      guard let value = json[key] else { throw DataError("\(origin): missing key \(key)") }
      return value
    }
    func positive(_ key: String) throws -> Int {
      let raw = try value(key)
      guard let number = raw.intValue else {
        throw DataError("\(origin): key \(key): expected an integer, got \(raw.kindName)")
      }
      guard number > 0 else { throw DataError("\(origin): key \(key): expected a positive integer, got \(number)") }
      return number
    }
    hiddenSize = try positive("hidden_size")
    numHiddenLayers = try positive("num_hidden_layers")
    numAttentionHeads = try positive("num_attention_heads")
    intermediateSize = try positive("intermediate_size")
    maxPositionEmbeddings = try positive("max_position_embeddings")
    vocabSize = try positive("vocab_size")
    typeVocabSize = try positive("type_vocab_size")
    let eps = try value("layer_norm_eps")
    guard let epsilon = eps.doubleValue else {
      throw DataError("\(origin): key layer_norm_eps: expected a number, got \(eps.kindName)")
    }
    guard epsilon > 0, epsilon.isFinite else {
      throw DataError("\(origin): key layer_norm_eps: expected a positive number, got \(epsilon)")
    }
    layerNormEps = epsilon
    let act = try value("hidden_act")
    guard let activation = act.stringValue else {
      throw DataError("\(origin): key hidden_act: expected a string, got \(act.kindName)")
    }
    hiddenAct = activation
    guard hiddenSize % numAttentionHeads == 0 else {
      throw DataError(
        "\(origin): key hidden_size: \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)")
    }
  }
}
