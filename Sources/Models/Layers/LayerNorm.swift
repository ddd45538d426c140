import Numerics

/// A LayerNorm node over the last dimension (reference: torch.nn.LayerNorm; eps 1e-5 by default,
/// 1e-12 in BERT). Saves its input, mean and rstd for `backward`.
public final class LayerNorm<T: Scalar> {
  public let weight: ParameterRef
  public let bias: ParameterRef
  public let channels: Int
  public let eps: T
  var input: UnsafePointer<T>?
  var mean: UnsafeMutablePointer<T>?
  var rstd: UnsafeMutablePointer<T>?
  var rows = 0

  public init(_ params: ParameterSet<T>, _ name: String, channels: Int, eps: T = 1e-5, trainable: Bool = true) {
    self.channels = channels
    self.eps = eps
    weight = params.add("\(name).weight", shape: [channels], trainable: trainable)
    bias = params.add("\(name).bias", shape: [channels], trainable: trainable)
  }

  public init(sharing other: LayerNorm<T>) {
    weight = other.weight
    bias = other.bias
    channels = other.channels
    eps = other.eps
  }

  /// Weight 1, bias 0.
  public func initialize(_ params: ParameterSet<T>) {
    Initialization.fill(params.value(weight), count: channels, value: 1)
    Initialization.fill(params.value(bias), count: channels, value: 0)
  }

  public func forward(_ x: UnsafePointer<T>, rows: Int, _ ctx: Context<T>) -> UnsafeMutablePointer<T> {
    input = x
    self.rows = rows
    let out = ctx.arena.take(rows * channels)
    let m = ctx.arena.take(rows)
    let r = ctx.arena.take(rows)
    layerNormForward(
      out, mean: m, rstd: r, x, ctx.value(weight), ctx.value(bias), rows: rows, channels: channels, eps: eps)
    mean = m
    rstd = r
    return out
  }

  /// Accumulates `dx` and the parameter gradients. When the parameters are frozen their gradients go
  /// to scratch space.
  public func backward(_ dy: UnsafePointer<T>, _ ctx: Context<T>, dx: UnsafeMutablePointer<T>) {
    guard let input, let mean, let rstd else { preconditionFailure("LayerNorm.backward before forward") }
    let dw = weight.trainable ? ctx.gradient(weight) : ctx.arena.zeroed(channels)
    let db = bias.trainable ? ctx.gradient(bias) : ctx.arena.zeroed(channels)
    layerNormBackward(
      dx: dx, dweight: dw, dbias: db, dout: dy, x: input, weight: ctx.value(weight), mean: mean, rstd: rstd, rows: rows,
      channels: channels)
  }
}

/// A dropout node: at train time it draws a mask from the context's dropout stream; at eval time,
/// or with p = 0, it is the identity and draws nothing.
public final class Dropout<T: Scalar> {
  public let p: Double
  var scale: UnsafeMutablePointer<T>?
  var count = 0

  public init(p: Double) { self.p = p }

  /// Whether this pass drops anything.
  public func active(_ ctx: Context<T>) -> Bool { ctx.training && p > 0 }

  /// In place: `x *= mask`.
  public func forward(_ x: UnsafeMutablePointer<T>, count: Int, _ ctx: Context<T>) {
    self.count = count
    guard active(ctx) else {
      scale = nil
      return
    }
    let s = ctx.arena.take(count)
    dropoutMask(s, count: count, p: p, rng: &ctx.dropoutRandom)
    dropoutForward(x, x, scale: s, count: count)
    scale = s
  }

  /// In place: `dy *= mask`.
  public func backward(_ dy: UnsafeMutablePointer<T>) {
    guard let scale else { return }
    for i in 0..<count { dy[i] *= scale[i] }
  }
}
