// A per-utterance router over shared experts (reference: mmolre.models.router.Router):
//   g = softmax(W mean_t(x))                                  dense
//   logits + N(0,1) * softplus(W_noise mean_t(x)), keep top k  topk (noise at train time only;
//     Shazeer et al. 2017, "Outrageously Large Neural Networks", eq. 3-5)
//   g = 1/N                                                    uniform (an ablation)
// Shapes: x [rows, d] packed (`Segments`), gates [B, N].
import Numerics

public final class Router<T: Scalar> {
  public let mode: ModelConfig.Gating
  public let experts: Int
  public let topK: Int
  public let dModel: Int
  public let linear: Linear<T>?
  public let noise: Linear<T>?
  var segments: Segments?
  var noiseLogits: UnsafeMutablePointer<T>?
  var epsilon: UnsafeMutablePointer<T>?
  var kept: UnsafeMutablePointer<T>?
  var gates: UnsafeMutablePointer<T>?

  public init(
    _ params: ParameterSet<T>, _ name: String, dModel: Int, experts: Int, mode: ModelConfig.Gating, topK: Int,
    noise: Bool
  ) {
    self.mode = mode
    self.experts = experts
    self.topK = min(topK, experts)
    self.dModel = dModel
    linear = mode == .uniform ? nil : Linear(params, "\(name).linear", inputs: dModel, outputs: experts)
    self.noise = mode == .topk && noise ? Linear(params, "\(name).noise", inputs: dModel, outputs: experts) : nil
  }

  public init(sharing other: Router<T>) {
    mode = other.mode
    experts = other.experts
    topK = other.topK
    dModel = other.dModel
    linear = other.linear.map { Linear(sharing: $0) }
    noise = other.noise.map { Linear(sharing: $0) }
  }

  public func initialize(_ params: ParameterSet<T>, rng: inout RandomStream) {
    linear?.initialize(params, rng: &rng)
    noise?.initialize(params, rng: &rng)
  }

  /// Gates [B, N] written to `out`.
  public func forward(_ x: UnsafePointer<T>, segments: Segments, into out: UnsafeMutablePointer<T>, _ ctx: Context<T>) {
    let b = segments.count
    self.segments = segments
    gates = out
    guard let linear else {
      out.update(repeating: 1 / T(experts), count: b * experts)
      return
    }
    let pooled = ctx.arena.take(b * dModel)
    segmentMeanForward(pooled, x, segments: segments, channels: dModel)
    let logits = linear.forward(pooled, rows: b, ctx)
    if mode == .dense {
      softmaxForward(out, logits, rows: b, columns: experts)
      return
    }
    epsilon = nil
    if let noise, ctx.training {
      let raw = noise.forward(pooled, rows: b, ctx)
      let eps = ctx.arena.take(b * experts)
      for i in 0..<(b * experts) {
        eps[i] = T(ctx.noiseRandom.nextNormal())
        logits[i] += eps[i] * softplus(raw[i])
      }
      noiseLogits = raw
      epsilon = eps
    }
    let masked = ctx.arena.take(b * experts)
    let k = ctx.arena.take(b * experts)
    topKMaskForward(masked, kept: k, logits, rows: b, columns: experts, k: topK)
    softmaxForward(out, masked, rows: b, columns: experts)
    kept = k
  }

  /// Accumulates parameter gradients and `dx` [rows, d] from `dGates` [B, N].
  public func backward(_ dGates: UnsafePointer<T>, _ ctx: Context<T>, dx: UnsafeMutablePointer<T>) {
    guard let linear, let gates, let segments else { return }
    let (b, n) = (segments.count, experts)
    var dLogits = ctx.arena.zeroed(b * n)
    softmaxBackward(dx: dLogits, dout: dGates, y: gates, rows: b, columns: n)
    if mode == .topk, let kept {
      let through = ctx.arena.zeroed(b * n)
      topKMaskBackward(dlogits: through, dout: dLogits, kept: kept, count: b * n)
      dLogits = through
    }
    let dPooled = ctx.arena.zeroed(b * dModel)
    linear.backward(dLogits, ctx, dx: dPooled)
    if let noise, let epsilon, let noiseLogits {
      let dNoise = ctx.arena.take(b * n)
      for i in 0..<(b * n) { dNoise[i] = dLogits[i] * epsilon[i] * sigmoid(noiseLogits[i]) }
      noise.backward(dNoise, ctx, dx: dPooled)
    }
    segmentMeanBackward(dx: dx, dout: dPooled, segments: segments, channels: dModel)
  }
}
