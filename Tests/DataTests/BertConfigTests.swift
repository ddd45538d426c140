import Data
import Testing

@Suite struct BertConfigTests {
  // The values of the wheel's config.json (see KnownEncoder), typed in by hand.
  private let miniLMConfig = """
    {"architectures": ["BertModel"], "hidden_act": "gelu", "hidden_size": 384, "intermediate_size": 1536,
     "layer_norm_eps": 1e-12, "max_position_embeddings": 512, "num_attention_heads": 12,
     "num_hidden_layers": 6, "type_vocab_size": 2, "vocab_size": 30522, "pad_token_id": 0}
    """

  private func error(_ json: JSONValue) -> String? {
    do {
      _ = try BertConfig(json: json, origin: "c.json")
      return nil
    } catch {
      return "\(error)"
    }
  }

  @Test func readsMiniLM() throws {
    let config = try BertConfig(json: JSONValue(parsing: miniLMConfig), origin: "config.json")
    #expect(
      config
        == BertConfig(
          hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12, intermediateSize: 1536,
          maxPositionEmbeddings: 512, vocabSize: 30522, typeVocabSize: 2, layerNormEps: 1e-12, hiddenAct: "gelu"))
    #expect(config.headSize == 32)
  }

  @Test func namesTheMissingOrBadKey() throws {
    var json = try JSONValue(parsing: miniLMConfig)
    json.remove("num_attention_heads")
    #expect(error(json) == "c.json: missing key num_attention_heads")
    json = try JSONValue(parsing: miniLMConfig)
    json.set("hidden_size", .string("384"))
    #expect(error(json) == "c.json: key hidden_size: expected an integer, got a string")
    json = try JSONValue(parsing: miniLMConfig)
    json.set("hidden_size", .int(380))
    #expect(error(json) == "c.json: key hidden_size: 380 is not a multiple of num_attention_heads 12")
    json = try JSONValue(parsing: miniLMConfig)
    json.set("layer_norm_eps", .int(0))
    #expect(error(json) == "c.json: key layer_norm_eps: expected a positive number, got 0.0")
  }

  @Test func readsTheFetchedFile() throws {
    let files = try EncoderFiles.locate(name: "minilm")
    let config = try BertConfig(contentsOf: files.config)
    #expect(config.hiddenSize == 384 && config.numHiddenLayers == 6 && config.layerNormEps == 1e-12)
  }
}
