// A BERT layer's attention block (reference: transformers BertAttention = BertSelfAttention +
// BertSelfOutput, absolute positions, no cross-attention):
//   q, k, v = x Wq^T + bq, x Wk^T + bk, x Wv^T + bv                 over all N rows at once
//   c_s = Dropout_p(softmax(q_s k_s^T / sqrt(d_head))) v_s          per sequence s and head
//   y = LayerNorm(Dropout_h(c Wo^T + bo) + x)
// Shapes: x, q, k, v, c, y [N, H] packed rows (`TokenBatch`); probabilities [heads, L_s, L_s] per
// sequence, one after another. A sequence attends to its own L_s tokens only, which equals
// BertModel's padded batch with the padding mask on the keys, for the real tokens.
import Numerics

public final class BertAttention<T: Scalar> {
  public let query: Linear<T>
  public let key: Linear<T>
  public let value: Linear<T>
  public let output: Linear<T>
  public let norm: LayerNorm<T>
  public let heads: Int
  public let hidden: Int
  /// The probability of dropping an attention probability in training mode.
  public let attentionDropout: Double
  let outputDropout: Dropout<T>

  // Saved by forward for backward.
  var batch: TokenBatch?
  var input: UnsafePointer<T>?
  var q: UnsafeMutablePointer<T>?
  var k: UnsafeMutablePointer<T>?
  var v: UnsafeMutablePointer<T>?
  var probs: UnsafeMutablePointer<T>?
  var dropoutScale: UnsafeMutablePointer<T>?
  var dropped: UnsafeMutablePointer<T>?
  /// The batch's sequences as `Segments` (queries and keys alike: self-attention).
  let segments = SegmentStorage()

  /// Registers `name.self.{query,key,value}.{weight,bias}`, `name.output.dense.{weight,bias}` and
  /// `name.output.LayerNorm.{weight,bias}` (the checkpoint's names for `name = encoder.layer.i.attention`).
  public init(_ params: ParameterSet<T>, _ name: String, config: BertModelConfig, trainable: Bool) {
    let h = config.hiddenSize
    hidden = h
    heads = config.heads
    attentionDropout = config.attentionDropout
    query = Linear(params, "\(name).self.query", inputs: h, outputs: h, trainable: trainable)
    key = Linear(params, "\(name).self.key", inputs: h, outputs: h, trainable: trainable)
    value = Linear(params, "\(name).self.value", inputs: h, outputs: h, trainable: trainable)
    output = Linear(params, "\(name).output.dense", inputs: h, outputs: h, trainable: trainable)
    norm = LayerNorm(
      params, "\(name).output.LayerNorm", channels: h, eps: T(config.bert.layerNormEps), trainable: trainable)
    outputDropout = Dropout(p: config.hiddenDropout)
  }

  /// BERT's initialisation: weights normal(0, std), biases 0, LayerNorm weight 1 and bias 0.
  public func initialize(_ params: ParameterSet<T>, std: Double, rng: inout RandomStream) {
    for linear in [query, key, value, output] { bertInitialize(linear, params, std: std, rng: &rng) }
    norm.initialize(params)
  }

  /// `x` [N, H] -> `y` [N, H].
  public func forward(_ x: UnsafePointer<T>, batch: TokenBatch, _ ctx: Context<T>) -> UnsafeMutablePointer<T> {
    let (n, h) = (batch.rows, hidden)
    self.batch = batch
    input = x
    let qq = query.forward(x, rows: n, ctx)
    let kk = key.forward(x, rows: n, ctx)
    let vv = value.forward(x, rows: n, ctx)
    segments.set(lengths: batch.lengths)
    let sequences = segments.segments
    let shape = AttentionShape(heads: heads, headDim: hidden / heads)
    let total = shape.probabilityCount(queries: sequences, keys: sequences)
    let p = ctx.arena.take(max(total, 1))
    let drop = ctx.training && attentionDropout > 0
    let scale = drop ? ctx.arena.take(max(total, 1)) : nil
    let kept = drop ? ctx.arena.take(max(total, 1)) : nil
    if let scale { dropoutMask(scale, count: total, p: attentionDropout, rng: &ctx.dropoutRandom) }
    let attended = ctx.arena.take(max(n * h, 1))
    attentionForward(
      attended, probs: p, q: qq, k: kk, v: vv, queries: sequences, keys: sequences, shape: shape,
      dropoutScale: scale.map { UnsafePointer($0) }, dropped: kept)
    (q, k, v, probs, dropoutScale, dropped) = (qq, kk, vv, p, scale, kept)
    let sum = output.forward(attended, rows: n, ctx)
    outputDropout.forward(sum, count: n * h, ctx)
    for i in 0..<(n * h) { sum[i] += x[i] }
    return norm.forward(sum, rows: n, ctx)
  }

  /// Accumulates the parameter gradients (when they train) and `dx` (when given) from `dy` [N, H].
  public func backward(_ dy: UnsafePointer<T>, _ ctx: Context<T>, dx: UnsafeMutablePointer<T>?) {
    guard let batch, let q, let k, let v, let probs else {
      preconditionFailure("BertAttention.backward before forward")
    }
    let (n, h) = (batch.rows, hidden)
    let dSum = ctx.arena.zeroed(n * h)
    norm.backward(dy, ctx, dx: dSum)
    if let dx { for i in 0..<(n * h) { dx[i] += dSum[i] } }
    outputDropout.backward(dSum)
    let dAttended = ctx.arena.zeroed(n * h)
    output.backward(dSum, ctx, dx: dAttended)
    let dq = ctx.arena.zeroed(n * h)
    let dk = ctx.arena.zeroed(n * h)
    let dv = ctx.arena.zeroed(n * h)
    let sequences = segments.segments
    let shape = AttentionShape(heads: heads, headDim: hidden / heads)
    attentionBackward(
      dq: dq, dk: dk, dv: dv, dout: dAttended, probs: probs, q: q, k: k, v: v, queries: sequences, keys: sequences,
      shape: shape, scratch: ctx.arena.take(shape.largestBlock(queries: sequences, keys: sequences)),
      dropoutScale: dropoutScale.map { UnsafePointer($0) }, dropped: dropped.map { UnsafePointer($0) })
    query.backward(dq, ctx, dx: dx)
    key.backward(dk, ctx, dx: dx)
    value.backward(dv, ctx, dx: dx)
  }
}

/// BERT's initialisation of a dense layer: weight normal(0, std), bias 0 (BertPreTrainedModel._init_weights).
func bertInitialize<T: Scalar>(_ linear: Linear<T>, _ params: ParameterSet<T>, std: Double, rng: inout RandomStream) {
  Initialization.normal(params.value(linear.weight), count: linear.weight.count, std: std, rng: &rng)
  if let bias = linear.bias { Initialization.fill(params.value(bias), count: bias.count, value: 0) }
}
