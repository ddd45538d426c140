import Data
import Foundation
import Models
import Numerics
import Testing

/// The Swift BERT with the real all-MiniLM-L6-v2 weights against Hugging Face (../shared/golden/minilm).
@Suite struct TextEncoderGoldenTests {
  /// All 257 sentence embeddings (inputs truncated to 256 tokens, mean pooled, L2-normalised) within
  /// 1e-4 absolute of sentence-transformers'.
  @Test func sentenceEmbeddingsMatchForAllTexts() throws {
    let encoder = try MiniLMFixture.encoder()
    let tokens = try MiniLMFixture.tokens().map { MiniLMFixture.truncated($0, to: 256) }
    #expect(tokens.count == 257)
    let golden = try SafetensorsFile(contentsOf: MiniLMFixture.goldenFolder() + "embeddings.safetensors")
    let expected = try golden.tensor("sentence_embedding").values(as: Float.self)
    let embeddings = encoder.sentenceEmbeddings(tokenIds: tokens, batchSize: 32)
    var worst: Float = 0
    var worstText = 0
    for (i, embedding) in embeddings.enumerated() {
      for j in 0..<384 where abs(embedding[j] - expected[i * 384 + j]) > worst {
        worst = abs(embedding[j] - expected[i * 384 + j])
        worstText = i
      }
    }
    #expect(worst <= 1e-4, "max |error| \(worst) at text \(worstText)")
  }

  /// The embeddings' output and each layer's hidden states of the first text within 1e-4 of that
  /// layer's largest magnitude.
  @Test func hiddenStatesMatchPerLayer() throws {
    let encoder = try MiniLMFixture.encoder()
    let golden = try SafetensorsFile(contentsOf: MiniLMFixture.goldenFolder() + "embeddings.safetensors")
    let ids = try golden.tensor("hidden.input_ids").integers().map { Int32($0) }
    #expect(ids == (try MiniLMFixture.tokens()[0]))
    let batch = TokenBatch([ids])
    let ctx = Context(params: encoder.params, training: false)
    let model = encoder.model
    var hidden = model.embed(batch, ctx)
    for layer in 0...model.layers.count {
      if layer > 0 { hidden = model.forwardLayers((layer - 1)..<layer, hidden, batch: batch, ctx) }
      let expected = try golden.tensor("hidden.layer\(layer)").values(as: Float.self)
      let scale = expected.map(abs).max()!
      let worst = expected.indices.map { abs(hidden[$0] - expected[$0]) }.max()!
      #expect(worst <= 1e-4 * scale, "layer \(layer): max |error| \(worst), scale \(scale)")
    }
  }

  /// A batch gives each text what it gets alone (with one worker or two), padded `forward` equals
  /// `encode`, and padded positions are zero with mask 0.
  @Test func batchingEqualsOneTextAtATime() throws {
    let encoder = try MiniLMFixture.encoder()
    let tokens = Array(try MiniLMFixture.tokens().prefix(12)).map { MiniLMFixture.truncated($0, to: 64) }
    let alone = tokens.map { encoder.encode(tokenIds: [$0])[0] }
    let batched = encoder.encode(tokenIds: tokens, batchSize: 5, threads: 2)
    let serial = encoder.encode(tokenIds: tokens, batchSize: 5, threads: 1)
    let ctx = Context(params: encoder.params, training: false)
    let padded = encoder.forward(tokens, ctx)
    let (t, h) = (padded.steps, padded.width)
    #expect(padded.batch == tokens.count && h == 384 && t == tokens.map(\.count).max()!)
    var worstBatched: Float = 0
    var worstPadded: Float = 0
    var padding: Float = 0
    for (s, single) in alone.enumerated() {
      #expect(single.count == tokens[s].count * h)
      for i in single.indices {
        worstBatched = max(worstBatched, abs(batched[s][i] - single[i]), abs(serial[s][i] - single[i]))
        worstPadded = max(worstPadded, abs(padded.features[s * t * h + i] - single[i]))
      }
      for step in 0..<t {
        #expect(padded.mask[s * t + step] == (step < tokens[s].count ? 1 : 0))
        if step >= tokens[s].count {
          for j in 0..<h { padding = max(padding, abs(padded.features[(s * t + step) * h + j])) }
        }
      }
    }
    #expect(worstBatched <= 1e-5 && worstPadded <= 1e-5, "batched \(worstBatched), padded \(worstPadded)")
    #expect(padding == 0)
  }
}
