import Data
import Models
import Numerics
import Testing

/// The encoder's backward on a tiny random BERT in Double: every parameter tensor against central finite
/// differences with dropout on and padded batches, no leak through padding, and the frozen-bottom split
/// against the whole model.
@Suite struct TextEncoderGradientTests {
  static func tinyConfig(dropout: Double = 0.2) throws -> BertModelConfig {
    try BertModelConfig(
      bert: BertConfig(
        hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 16, maxPositionEmbeddings: 12,
        vocabSize: 30, typeVocabSize: 2, layerNormEps: 1e-12, hiddenAct: "gelu"),
      hiddenDropout: dropout, attentionDropout: dropout)
  }

  /// Three sequences of different lengths (so the batch is padded), one id repeated across them.
  static let tokens: [[Int32]] = [[2, 7, 11, 7, 3], [2, 19, 3], [2, 5, 29, 13, 0, 8, 3]]

  /// An encoder with random weights and LayerNorm parameters away from 1 and 0. Weights are drawn for
  /// the whole model and copied, so encoders with different splits hold the same values.
  static func encoder(trainableLayers: Int?, dropout: Double = 0.2) throws -> TextEncoder<Double> {
    let config = try tinyConfig(dropout: dropout)
    let reference = BertModel<Double>(config: config)
    reference.initialize(seed: 3, std: 0.5)
    var rng = RandomStream(seed: 4, stream: 1)
    for entry in reference.params.entries where entry.name.contains("LayerNorm") {
      let values = reference.params.value(entry.ref)
      for i in 0..<entry.ref.count { values[i] += 0.3 * rng.nextNormal() }
    }
    let encoder = try TextEncoder<Double>(config: config, trainableLayers: trainableLayers)
    for entry in encoder.params.entries {
      let source = reference.params.entry(named: entry.name)!.ref
      encoder.params.value(entry.ref).update(from: reference.params.value(source), count: source.count)
    }
    return encoder
  }

  /// `L = sum(features * w)` with fixed random `w` (non-zero at padded positions too) and its gradients,
  /// from a fresh context of seed 9, so every evaluation draws the same dropout masks.
  static func lossAndGradients(
    _ encoder: TextEncoder<Double>, training: Bool = true, padGradient: Double = 1,
    contextParams: ParameterSet<Double>? = nil
  ) -> (loss: Double, gradients: [Double], features: [Double], mask: [Double]) {
    let ctx = Context(params: contextParams ?? encoder.params, training: training, seed: 9)
    let out = encoder.forward(tokens, ctx)
    let count = out.batch * out.steps * out.width
    var rng = RandomStream(seed: 5, stream: 2)
    var loss = 0.0
    let w = ctx.arena.take(count)
    for i in 0..<count {
      let padded = out.mask[i / out.width] == 0
      w[i] = rng.nextNormal() * (padded ? padGradient : 1)
      loss += w[i] * out.features[i]
    }
    encoder.params.zeroGradients()
    encoder.backward(w, ctx)
    return (
      loss, Array(encoder.params.gradients), Array(UnsafeBufferPointer(start: out.features, count: count)),
      Array(UnsafeBufferPointer(start: out.mask, count: out.batch * out.steps))
    )
  }

  /// Three elements of every trainable tensor (word-embedding rows among the ids used) against central
  /// differences; the error is relative to the largest gradient.
  static func checkFiniteDifferences(_ encoder: TextEncoder<Double>, label: String) {
    let (_, analytic, _, _) = lossAndGradients(encoder)
    let values = encoder.params.values
    var rng = RandomStream(seed: 6, stream: 3)
    let usedIDs = Array(Set(tokens.joined()))
    var worst = 0.0
    var worstName = ""
    var checked = 0
    for entry in encoder.params.entries where entry.ref.trainable {
      for _ in 0..<3 {
        var element = rng.nextInt(below: entry.ref.count)
        if entry.name.hasSuffix("word_embeddings.weight") {
          element = Int(usedIDs[rng.nextInt(below: usedIDs.count)]) * entry.shape[1] + element % entry.shape[1]
        }
        let i = entry.ref.offset + element
        let saved = values[i]
        values[i] = saved + 1e-6
        let plus = lossAndGradients(encoder).loss
        values[i] = saved - 1e-6
        let minus = lossAndGradients(encoder).loss
        values[i] = saved
        let error = abs((plus - minus) / 2e-6 - analytic[i])
        if error > worst { (worst, worstName) = (error, entry.name) }
        checked += 1
      }
    }
    let scale = max(analytic.map(abs).max()!, 1e-3)
    #expect(checked >= 3 * 16, "\(label): only \(checked) elements checked")
    #expect(worst <= 1e-6 * scale, "\(label): worst \(worst) in \(worstName), scale \(scale)")
  }

  @Test func wholeModelGradientsMatchFiniteDifferences() throws {
    let encoder = try Self.encoder(trainableLayers: nil)
    #expect(encoder.params.bufferCount == 0)
    Self.checkFiniteDifferences(encoder, label: "whole model")
  }

  @Test func topLayerGradientsOverMemoizedBottomMatchFiniteDifferences() throws {
    let encoder = try Self.encoder(trainableLayers: 1)
    #expect(encoder.params.entries.filter(\.ref.trainable).allSatisfy { $0.name.hasPrefix("encoder.layer.1.") })
    Self.checkFiniteDifferences(encoder, label: "top layer")
    // Two distinct sequences per pass... three here, each memoized once across all evaluations.
    #expect(encoder.memoizedCount == 3)
  }

  /// `fillMemo` memoizes each distinct sequence once, in batches, before training; features and gradients
  /// afterwards equal those of an encoder that memoized lazily. With nothing frozen it keeps nothing.
  @Test func fillMemoBeforeTraining() throws {
    let eager = try Self.encoder(trainableLayers: 1)
    eager.fillMemo(tokenIds: Self.tokens + [Self.tokens[0]], batchSize: 2)
    #expect(eager.memoizedCount == 3)
    #expect(eager.memoBytes == (5 + 3 + 7) * 8 * MemoryLayout<Double>.stride)
    let lazy = try Self.encoder(trainableLayers: 1)
    let (a, b) = (Self.lossAndGradients(eager), Self.lossAndGradients(lazy))
    #expect(zip(a.features, b.features).allSatisfy { abs($0 - $1) < 1e-12 })
    #expect(zip(a.gradients, b.gradients).allSatisfy { abs($0 - $1) < 1e-12 })
    #expect(eager.memoizedCount == 3)
    let whole = try Self.encoder(trainableLayers: nil)
    whole.fillMemo(tokenIds: Self.tokens)
    #expect(whole.memoizedCount == 0 && whole.memoBytes == 0)
  }

  /// A context over another model's parameters (the trainer's) works the same: the encoder reads its
  /// own, takes the context's dropout stream and advances it.
  @Test func contextOfAnotherModel() throws {
    let encoder = try Self.encoder(trainableLayers: nil)
    let other = ParameterSet<Double>()
    other.add("head.weight", shape: [2])
    other.allocate()
    let own = Self.lossAndGradients(encoder)
    let foreign = Self.lossAndGradients(encoder, contextParams: other)
    #expect(own.features == foreign.features && own.gradients == foreign.gradients)
    #expect(other.gradients.allSatisfy { $0 == 0 })
    let ctx = Context(params: other, training: true, seed: 9)
    let before = ctx.dropoutRandom.position
    _ = encoder.forward(Self.tokens, ctx)
    #expect(ctx.dropoutRandom.position > before)
  }

  /// Padded positions give zero features, mask 0, and their output gradient changes nothing.
  @Test func nothingLeaksThroughPadding() throws {
    let encoder = try Self.encoder(trainableLayers: nil)
    let base = Self.lossAndGradients(encoder, padGradient: 1)
    let other = Self.lossAndGradients(encoder, padGradient: 1000)
    #expect(base.gradients == other.gradients)
    let steps = Self.tokens.map(\.count).max()!
    for (s, sequence) in Self.tokens.enumerated() {
      for t in 0..<steps {
        #expect(base.mask[s * steps + t] == (t < sequence.count ? 1 : 0))
        if t >= sequence.count {
          #expect(base.features[(s * steps + t) * 8..<(s * steps + t + 1) * 8].allSatisfy { $0 == 0 })
        }
      }
    }
    // In eval mode a sequence's features do not depend on what it is batched with.
    for (s, sequence) in Self.tokens.enumerated() {
      let ctx = Context(params: encoder.params, training: false)
      let batched = encoder.forward(Self.tokens, ctx)
      let alone = encoder.forward([sequence], ctx)
      let worst = (0..<(sequence.count * 8)).map { abs(batched.features[s * steps * 8 + $0] - alone.features[$0]) }
        .max()!
      #expect(worst < 1e-12, "sequence \(s): \(worst)")
    }
  }

  /// An empty sequence passes through as all padding (BERT input always has [CLS] and [SEP], but a
  /// caller's empty list must not crash the batch).
  @Test func emptySequenceIsAllPadding() throws {
    for trainable in [nil, 1] as [Int?] {
      let encoder = try Self.encoder(trainableLayers: trainable)
      let ctx = Context(params: encoder.params, training: true, seed: 1)
      let out = encoder.forward([[], [2, 5, 3]], ctx)
      #expect(out.steps == 3 && (0..<3).allSatisfy { out.mask[$0] == 0 && out.mask[3 + $0] == 1 })
      #expect((0..<24).allSatisfy { out.features[$0] == 0 })
      encoder.backward(ctx.arena.zeroed(2 * 3 * 8), ctx)
      #expect(encoder.encode(tokenIds: [[], [2, 3]]).map(\.count) == [0, 16])
    }
  }

  /// With a frozen bottom, eval-mode features equal the whole model's, and the top layer's gradients
  /// equal the whole model's gradients of the same tensors.
  @Test func frozenBottomSplitEqualsWholeModel() throws {
    let whole = try Self.encoder(trainableLayers: nil)
    let split = try Self.encoder(trainableLayers: 1)
    let all = try Self.encoder(trainableLayers: 5)
    #expect(all.trainableLayers == nil && all.params.bufferCount == 0)
    let a = Self.lossAndGradients(whole, training: false)
    let b = Self.lossAndGradients(split, training: false)
    #expect(zip(a.features, b.features).allSatisfy { abs($0 - $1) < 1e-12 })
    #expect(split.memoizedCount == 3)
    var compared = 0
    for entry in split.params.entries where entry.ref.trainable {
      let ref = whole.params.entry(named: entry.name)!.ref
      for i in 0..<entry.ref.count {
        #expect(abs(a.gradients[ref.offset + i] - b.gradients[entry.ref.offset + i]) < 1e-12, "\(entry.name)[\(i)]")
      }
      compared += 1
    }
    #expect(compared == 16)
    // Training-mode passes with dropout reuse the memo: nothing new is computed below the split.
    _ = Self.lossAndGradients(split, training: true)
    #expect(split.memoizedCount == 3)
    // trainable_layers = 0 freezes everything: features still come from the memo, no gradients exist.
    let frozen = try Self.encoder(trainableLayers: 0)
    #expect(frozen.params.trainableCount == 0)
    let c = Self.lossAndGradients(frozen, training: true)
    #expect(zip(a.features, c.features).allSatisfy { abs($0 - $1) < 1e-12 })
  }
}
