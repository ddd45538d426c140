// BERT's input embeddings (reference: transformers BertEmbeddings with absolute positions and every
// token type 0, as sentence-transformers calls all-MiniLM-L6-v2):
//   e[n] = word[id_n] + position[p_n] + token_type[0]     p_n = n's index within its sequence
//   y = Dropout(LayerNorm(e))                              eps = layer_norm_eps (1e-12)
// Shapes: packed rows (`TokenBatch`), e and y [N, H]. Backward scatters the gradient of e into the
// rows of the tables that forward read (when the tables train).
import Data
import Numerics

public final class BertEmbeddings<T: Scalar> {
  /// `word_embeddings.weight` [vocab, H].
  public let word: ParameterRef
  /// `position_embeddings.weight` [maxPositions, H].
  public let position: ParameterRef
  /// `token_type_embeddings.weight` [typeVocab, H]; only row 0 is used.
  public let tokenType: ParameterRef
  public let norm: LayerNorm<T>
  let dropout: Dropout<T>
  public let hidden: Int
  public let vocabulary: Int
  public let maxPositions: Int
  var batch: TokenBatch?

  /// Registers `name.word_embeddings.weight`, `name.position_embeddings.weight`,
  /// `name.token_type_embeddings.weight` and `name.LayerNorm.{weight,bias}`.
  public init(_ params: ParameterSet<T>, _ name: String, config: BertModelConfig, trainable: Bool) {
    let c = config.bert
    hidden = c.hiddenSize
    vocabulary = c.vocabSize
    maxPositions = c.maxPositionEmbeddings
    word = params.add("\(name).word_embeddings.weight", shape: [c.vocabSize, c.hiddenSize], trainable: trainable)
    position = params.add(
      "\(name).position_embeddings.weight", shape: [c.maxPositionEmbeddings, c.hiddenSize], trainable: trainable)
    tokenType = params.add(
      "\(name).token_type_embeddings.weight", shape: [c.typeVocabSize, c.hiddenSize], trainable: trainable)
    norm = LayerNorm(params, "\(name).LayerNorm", channels: c.hiddenSize, eps: T(c.layerNormEps), trainable: trainable)
    dropout = Dropout(p: config.hiddenDropout)
  }

  /// BERT's initialisation: tables normal(0, std), LayerNorm weight 1 and bias 0.
  public func initialize(_ params: ParameterSet<T>, std: Double, rng: inout RandomStream) {
    for table in [word, position, tokenType] {
      Initialization.normal(params.value(table), count: table.count, std: std, rng: &rng)
    }
    norm.initialize(params)
  }

  /// `[N]` token ids -> `[N, H]`.
  /// - Precondition: every id is below the vocabulary size and no sequence is longer than the
  ///   position table.
  public func forward(_ batch: TokenBatch, _ ctx: Context<T>) -> UnsafeMutablePointer<T> {
    precondition(batch.maxLength <= maxPositions, "a sequence of \(batch.maxLength) tokens exceeds \(maxPositions)")
    self.batch = batch
    let h = hidden
    let sum = ctx.arena.take(batch.rows * h)
    let wordTable = ctx.value(word)
    let positionTable = ctx.value(position)
    let typeRow = ctx.value(tokenType)
    for s in 0..<batch.count {
      for p in 0..<batch.lengths[s] {
        let n = batch.offsets[s] + p
        let id = Int(batch.ids[n])
        precondition(id >= 0 && id < vocabulary, "token id \(id) outside the vocabulary of \(vocabulary)")
        let (out, w, pos) = (sum + n * h, wordTable + id * h, positionTable + p * h)
        for j in 0..<h { out[j] = w[j] + pos[j] + typeRow[j] }
      }
    }
    let y = norm.forward(sum, rows: batch.rows, ctx)
    dropout.forward(y, count: batch.rows * h, ctx)
    return y
  }

  /// Accumulates the gradients of the tables and the LayerNorm from `dy` [N, H] (when they train).
  public func backward(_ dy: UnsafePointer<T>, _ ctx: Context<T>) {
    guard let batch else { preconditionFailure("BertEmbeddings.backward before forward") }
    guard word.trainable else { return }
    let (n, h) = (batch.rows, hidden)
    let dNormed = ctx.arena.take(n * h)
    dNormed.update(from: dy, count: n * h)
    dropout.backward(dNormed)
    let dSum = ctx.arena.zeroed(n * h)
    norm.backward(dNormed, ctx, dx: dSum)
    let (dWord, dPosition, dType) = (ctx.gradient(word), ctx.gradient(position), ctx.gradient(tokenType))
    for s in 0..<batch.count {
      for p in 0..<batch.lengths[s] {
        let row = batch.offsets[s] + p
        let g = dSum + row * h
        let (w, pos) = (dWord + Int(batch.ids[row]) * h, dPosition + p * h)
        for j in 0..<h {
          w[j] += g[j]
          pos[j] += g[j]
          dType[j] += g[j]
        }
      }
    }
  }
}
