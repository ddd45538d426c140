// One BERT transformer layer (reference: transformers BertLayer): the attention block, then the
// feed-forward block, each with its own residual LayerNorm. Parameters under `encoder.layer.i.*`.
import Numerics

public final class BertLayer<T: Scalar> {
  public let attention: BertAttention<T>
  public let feedForward: BertFeedForward<T>

  /// `name` is the checkpoint's prefix of the layer, `encoder.layer.i`.
  public init(_ params: ParameterSet<T>, _ name: String, config: BertModelConfig, trainable: Bool) {
    attention = BertAttention(params, "\(name).attention", config: config, trainable: trainable)
    feedForward = BertFeedForward(params, name, config: config, trainable: trainable)
  }

  public func initialize(_ params: ParameterSet<T>, std: Double, rng: inout RandomStream) {
    attention.initialize(params, std: std, rng: &rng)
    feedForward.initialize(params, std: std, rng: &rng)
  }

  /// `x` [N, H] -> [N, H].
  public func forward(_ x: UnsafePointer<T>, batch: TokenBatch, _ ctx: Context<T>) -> UnsafeMutablePointer<T> {
    let attended = attention.forward(x, batch: batch, ctx)
    return feedForward.forward(attended, rows: batch.rows, ctx)
  }

  /// Accumulates the parameter gradients (when they train) and `dx` [N, H] (when given).
  public func backward(_ dy: UnsafePointer<T>, rows: Int, _ ctx: Context<T>, dx: UnsafeMutablePointer<T>?) {
    let dAttended = ctx.arena.zeroed(rows * feedForward.hidden)
    feedForward.backward(dy, ctx, dx: dAttended)
    attention.backward(dAttended, ctx, dx: dx)
  }
}
