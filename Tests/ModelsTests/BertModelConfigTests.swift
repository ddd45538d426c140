import Data
import Models
import Numerics
import Testing

/// `BertModelConfig` from config.json fields and `BertModel.load`'s errors.
@Suite struct BertModelConfigTests {
  /// The keys of all-MiniLM-L6-v2's config.json (the wheel's file), with `changes` applied.
  static func json(_ changes: [(String, JSONValue?)] = []) throws -> JSONValue {
    var json = try JSONValue(
      parsing: """
        {"architectures": ["BertModel"], "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu",
         "hidden_dropout_prob": 0.1, "hidden_size": 384, "initializer_range": 0.02, "intermediate_size": 1536,
         "layer_norm_eps": 1e-12, "max_position_embeddings": 512, "model_type": "bert", "num_attention_heads": 12,
         "num_hidden_layers": 6, "pad_token_id": 0, "position_embedding_type": "absolute", "type_vocab_size": 2,
         "vocab_size": 30522}
        """)
    for (key, value) in changes {
      if let value { json.set(key, value) } else { json.remove(key) }
    }
    return json
  }

  @Test func readsMiniLMConfig() throws {
    let config = try BertModelConfig(json: Self.json(), origin: "config.json")
    #expect(config.hiddenSize == 384 && config.layers == 6 && config.heads == 12 && config.intermediateSize == 1536)
    #expect(config.bert.layerNormEps == 1e-12 && config.bert.vocabSize == 30522)
    #expect(config.hiddenDropout == 0.1 && config.attentionDropout == 0.1)
    let defaults = try BertModelConfig(
      json: Self.json([("hidden_dropout_prob", nil), ("attention_probs_dropout_prob", .double(0.25))]), origin: "c")
    #expect(defaults.hiddenDropout == 0.1 && defaults.attentionDropout == 0.25)
  }

  @Test func rejectsWhatTheModelCannotRun() throws {
    let cases: [(String, JSONValue, String)] = [
      ("hidden_act", .string("relu"), "config.json: key hidden_act: relu is not supported"),
      ("position_embedding_type", .string("relative_key"), "config.json: key position_embedding_type"),
      ("hidden_dropout_prob", .double(1.5), "config.json: key hidden_dropout_prob: 1.5 is not a probability"),
      (
        "attention_probs_dropout_prob", .string("x"), "config.json: key attention_probs_dropout_prob: expected a number"
      ),
    ]
    for (key, value, message) in cases {
      #expect {
        try BertModelConfig(json: Self.json([(key, value)]), origin: "config.json")
      } throws: { error in
        "\(error)".hasPrefix(message)
      }
    }
    #expect(throws: DataError.self) { try BertModelConfig(json: Self.json([("hidden_size", nil)]), origin: "c") }
  }

  @Test func loadNamesTheMissingOrMisshapenTensor() throws {
    let config = try TextEncoderGradientTests.tinyConfig()
    let model = BertModel<Float>(config: config)
    var file = SafetensorsFile()
    for entry in model.params.entries {
      file.tensors[entry.name] = SafetensorsTensor(
        shape: entry.shape, values: [Float](repeating: 0.5, count: entry.ref.count))
    }
    file.tensors["pooler.dense.bias"] = SafetensorsTensor(shape: [8], values: [Float](repeating: 0, count: 8))
    try model.load(file, origin: "w.safetensors")
    #expect(model.params.values.allSatisfy { $0 == 0.5 })
    var missing = file
    missing.tensors["encoder.layer.1.attention.self.key.bias"] = nil
    #expect {
      try model.load(missing, origin: "w.safetensors")
    } throws: {
      "\($0)"
        == "w.safetensors: no tensor encoder.layer.1.attention.self.key.bias (is this a BERT checkpoint of this config?)"
    }
    var misshapen = file
    misshapen.tensors["embeddings.word_embeddings.weight"] = SafetensorsTensor(
      shape: [8], values: [Float](repeating: 0, count: 8))
    #expect {
      try model.load(misshapen, origin: "w.safetensors")
    } throws: {
      "\($0)".contains("embeddings.word_embeddings.weight has shape [8], the config needs [30, 8]")
    }
  }
}
