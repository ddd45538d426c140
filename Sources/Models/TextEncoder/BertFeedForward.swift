// A BERT layer's feed-forward block (reference: transformers BertIntermediate + BertOutput with
// hidden_act = gelu, the exact erf form):
//   u = x Wi^T + bi          [N, intermediate]
//   y = LayerNorm(Dropout(GELU(u) Wo^T + bo) + x)      [N, H]
// Saves u for GELU's backward; the dense nodes save their own inputs.
import Numerics

public final class BertFeedForward<T: Scalar> {
  public let intermediate: Linear<T>
  public let output: Linear<T>
  public let norm: LayerNorm<T>
  public let hidden: Int
  public let inner: Int
  let dropout: Dropout<T>
  var rows = 0
  var preActivation: UnsafeMutablePointer<T>?

  /// Registers `name.intermediate.dense`, `name.output.dense` and `name.output.LayerNorm` (the
  /// checkpoint's names for `name = encoder.layer.i`).
  public init(_ params: ParameterSet<T>, _ name: String, config: BertModelConfig, trainable: Bool) {
    hidden = config.hiddenSize
    inner = config.intermediateSize
    intermediate = Linear(params, "\(name).intermediate.dense", inputs: hidden, outputs: inner, trainable: trainable)
    output = Linear(params, "\(name).output.dense", inputs: inner, outputs: hidden, trainable: trainable)
    norm = LayerNorm(
      params, "\(name).output.LayerNorm", channels: hidden, eps: T(config.bert.layerNormEps), trainable: trainable)
    dropout = Dropout(p: config.hiddenDropout)
  }

  /// BERT's initialisation: weights normal(0, std), biases 0, LayerNorm weight 1 and bias 0.
  public func initialize(_ params: ParameterSet<T>, std: Double, rng: inout RandomStream) {
    bertInitialize(intermediate, params, std: std, rng: &rng)
    bertInitialize(output, params, std: std, rng: &rng)
    norm.initialize(params)
  }

  /// `x` [N, H] -> `y` [N, H].
  public func forward(_ x: UnsafePointer<T>, rows n: Int, _ ctx: Context<T>) -> UnsafeMutablePointer<T> {
    rows = n
    let u = intermediate.forward(x, rows: n, ctx)
    let activated = ctx.arena.take(n * inner)
    geluForward(activated, u, count: n * inner)
    preActivation = u
    let sum = output.forward(activated, rows: n, ctx)
    dropout.forward(sum, count: n * hidden, ctx)
    for i in 0..<(n * hidden) { sum[i] += x[i] }
    return norm.forward(sum, rows: n, ctx)
  }

  /// Accumulates the parameter gradients (when they train) and `dx` (when given) from `dy` [N, H].
  public func backward(_ dy: UnsafePointer<T>, _ ctx: Context<T>, dx: UnsafeMutablePointer<T>?) {
    guard let u = preActivation else { preconditionFailure("BertFeedForward.backward before forward") }
    let n = rows
    let dSum = ctx.arena.zeroed(n * hidden)
    norm.backward(dy, ctx, dx: dSum)
    if let dx { for i in 0..<(n * hidden) { dx[i] += dSum[i] } }
    dropout.backward(dSum)
    let dActivated = ctx.arena.zeroed(n * inner)
    output.backward(dSum, ctx, dx: dActivated)
    let dU = ctx.arena.zeroed(n * inner)
    geluBackward(dx: dU, dout: dActivated, x: u, count: n * inner)
    intermediate.backward(dU, ctx, dx: dx)
  }
}
