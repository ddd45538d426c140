// One UniTSE block (reference: mmolre.models.unitse.UniTSEBlock): for each stream s (a task, or the
// one shared stream of hard sharing)
//   y_s = LayerNorm_s(x_s + Dropout(sum_n g_s,n f_n(x_s) + f_s(x_s))) * mask
// with N shared low-rank experts f_n computed fused, a router per stream giving g_s, and a
// task-specific expert f_s per stream. Padded steps stay zero, so the next kernel-3 conv sees no leak.
// In block 1 every stream reads the same input, so the shared experts' first conv runs once.
// Streams are stacked: [S, B, T, d]; an input with stride 0 is one [B, T, d] tensor read by all.
import Numerics

public final class UniTSEBlock<T: Scalar> {
  public let streams: Int
  public let dModel: Int
  public let shared: LowRankExperts<T>?
  public let routers: [Router<T>]
  public let taskExperts: [LowRankExperts<T>]
  public let norms: [LayerNorm<T>]
  public let residual: Bool
  let dropout: Dropout<T>

  var input: UnsafePointer<T>?
  var inputShared = false
  var mask: UnsafePointer<T>?
  var batch = 0
  var steps = 0
  var gates: UnsafeMutablePointer<T>?
  var sharedHidden: UnsafeMutablePointer<T>?
  var taskHidden: [UnsafeMutablePointer<T>?]
  var balanceGradient: UnsafeMutablePointer<T>?
  var ones: UnsafeMutablePointer<T>?
  /// The block's load-balancing loss of the last forward pass: the mean CV^2 over streams.
  public private(set) var balance: T = 0

  public init(_ params: ParameterSet<T>, _ name: String, config: ModelConfig, streams: Int) {
    self.streams = streams
    dModel = config.dModel
    residual = config.residual
    dropout = Dropout(p: config.dropout)
    shared =
      config.sharedExperts
      ? LowRankExperts(
        params, "\(name).shared", dModel: config.dModel, ranks: config.sharedRanks(),
        activation: config.expertActivation)
      : nil
    routers =
      config.sharedExperts
      ? (0..<streams).map {
        Router(
          params, "\(name).routers.\($0)", dModel: config.dModel, experts: config.nExperts, mode: config.gating,
          topK: config.topK, noise: config.gateNoise)
      } : []
    taskExperts =
      config.taskExpert
      ? (0..<streams).map {
        LowRankExperts(
          params, "\(name).task_experts.\($0)", dModel: config.dModel, ranks: [config.taskExpertRank],
          activation: config.expertActivation)
      } : []
    norms =
      config.layerNorm ? (0..<streams).map { LayerNorm(params, "\(name).norms.\($0)", channels: config.dModel) } : []
    taskHidden = Array(repeating: nil, count: streams)
  }

  /// A node over the same parameters (one UniTSE shared by all modalities).
  public init(sharing other: UniTSEBlock<T>) {
    streams = other.streams
    dModel = other.dModel
    residual = other.residual
    dropout = Dropout(p: other.dropout.p)
    shared = other.shared.map { LowRankExperts(sharing: $0) }
    routers = other.routers.map { Router(sharing: $0) }
    taskExperts = other.taskExperts.map { LowRankExperts(sharing: $0) }
    norms = other.norms.map { LayerNorm(sharing: $0) }
    taskHidden = Array(repeating: nil, count: other.streams)
  }

  /// In the reference's module order: shared experts, routers, task experts, norms.
  public func initialize(_ params: ParameterSet<T>, rng: inout RandomStream) {
    shared?.initialize(params, rng: &rng)
    for router in routers { router.initialize(params, rng: &rng) }
    for expert in taskExperts { expert.initialize(params, rng: &rng) }
    for norm in norms { norm.initialize(params) }
  }

  /// Gates of the last pass, [S, B, N] (nil without shared experts).
  public var lastGates: UnsafePointer<T>? { gates.map { UnsafePointer($0) } }

  /// `input` [S, B, T, d] (or [B, T, d] read by every stream when `sharedInput`) -> [S, B, T, d].
  public func forward(
    _ x: UnsafePointer<T>, sharedInput: Bool, mask m: UnsafePointer<T>, batch b: Int, steps t: Int, _ ctx: Context<T>
  ) -> UnsafeMutablePointer<T> {
    let d = dModel
    let rowsPerStream = b * t
    let streamStride = sharedInput ? 0 : rowsPerStream * d
    input = x
    inputShared = sharedInput
    mask = m
    batch = b
    steps = t
    var mixed: UnsafeMutablePointer<T>
    balance = 0
    if let shared {
      let n = shared.expertCount
      let g = ctx.arena.take(streams * b * n)
      for (s, router) in routers.enumerated() {
        router.forward(x + s * streamStride, mask: m, batch: b, steps: t, into: g + s * b * n, ctx)
      }
      let hidden = shared.project(x, batch: sharedInput ? b : streams * b, steps: t, ctx)
      mixed = shared.combine(
        hidden: hidden, sharedHidden: sharedInput, gates: g, streams: streams, batch: b, steps: t, ctx)
      // The balance loss and its gradient per unit weight, kept for backward.
      let dBalance = ctx.arena.zeroed(streams * b * n)
      for s in 0..<streams {
        balance += balanceLoss(
          g + s * b * n, batch: b, experts: n, dgates: dBalance + s * b * n, upstream: 1 / T(streams))
      }
      balance /= T(streams)
      gates = g
      sharedHidden = hidden
      balanceGradient = dBalance
    } else {
      mixed = ctx.arena.zeroed(streams * rowsPerStream * d)
      gates = nil
    }
    if !taskExperts.isEmpty {
      let one = ctx.arena.take(b)
      one.update(repeating: 1, count: b)
      ones = one
      for (s, expert) in taskExperts.enumerated() {
        let hidden = expert.project(x + s * streamStride, batch: b, steps: t, ctx)
        let update = expert.combine(
          hidden: hidden, sharedHidden: false, gates: one, streams: 1, batch: b, steps: t, ctx)
        let target = mixed + s * rowsPerStream * d
        for i in 0..<(rowsPerStream * d) { target[i] += update[i] }
        taskHidden[s] = hidden
      }
    }
    dropout.forward(mixed, count: streams * rowsPerStream * d, ctx)
    if residual {
      for s in 0..<streams {
        let target = mixed + s * rowsPerStream * d
        let source = x + s * streamStride
        for i in 0..<(rowsPerStream * d) { target[i] += source[i] }
      }
    }
    var out = mixed
    if !norms.isEmpty {
      out = ctx.arena.take(streams * rowsPerStream * d)
      for (s, norm) in norms.enumerated() {
        let normed = norm.forward(mixed + s * rowsPerStream * d, rows: rowsPerStream, ctx)
        (out + s * rowsPerStream * d).update(from: normed, count: rowsPerStream * d)
      }
    }
    applyMask(out, mask: m, streams: streams, batch: b, steps: t, channels: d)
    return out
  }

  /// Accumulates parameter gradients and `dx` (shaped like the input: [B, T, d] when the input was
  /// shared) from `dout` [S, B, T, d]; `balanceWeight` is the loss weight of this block's balance.
  public func backward(_ dout: UnsafePointer<T>, balanceWeight: T, _ ctx: Context<T>, dx: UnsafeMutablePointer<T>) {
    guard input != nil, let m = mask else { preconditionFailure("UniTSEBlock.backward before forward") }
    let (b, t, d) = (batch, steps, dModel)
    let rowsPerStream = b * t
    let count = streams * rowsPerStream * d
    let streamStride = inputShared ? 0 : rowsPerStream * d
    let dMasked = ctx.arena.take(count)
    dMasked.update(from: dout, count: count)
    applyMask(dMasked, mask: m, streams: streams, batch: b, steps: t, channels: d)
    var dMixed = dMasked
    if !norms.isEmpty {
      dMixed = ctx.arena.zeroed(count)
      for (s, norm) in norms.enumerated() {
        norm.backward(dMasked + s * rowsPerStream * d, ctx, dx: dMixed + s * rowsPerStream * d)
      }
    }
    if residual {
      for s in 0..<streams {
        let target = dx + s * streamStride
        let source = dMixed + s * rowsPerStream * d
        for i in 0..<(rowsPerStream * d) { target[i] += source[i] }
      }
    }
    dropout.backward(dMixed)
    for (s, expert) in taskExperts.enumerated() {
      let dHidden = ctx.arena.zeroed(rowsPerStream * expert.totalRank)
      expert.combineBackward(dMixed + s * rowsPerStream * d, ctx, dHidden: dHidden, dGates: nil)
      expert.projectBackward(dHidden, ctx, dx: dx + s * streamStride)
    }
    if let shared, gates != nil, let dBalance = balanceGradient {
      let n = shared.expertCount
      let groups = inputShared ? 1 : streams
      let dHidden = ctx.arena.zeroed(groups * rowsPerStream * shared.totalRank)
      let dGates = ctx.arena.zeroed(streams * b * n)
      for i in 0..<(streams * b * n) { dGates[i] = balanceWeight * dBalance[i] }
      shared.combineBackward(dMixed, ctx, dHidden: dHidden, dGates: dGates)
      shared.projectBackward(dHidden, ctx, dx: dx)
      for (s, router) in routers.enumerated() {
        router.backward(dGates + s * b * n, ctx, dx: dx + s * streamStride)
      }
    }
  }
}

/// Multiplies every [B, T, C] stream by its mask [B, T].
@inlinable
func applyMask<T: Scalar>(
  _ x: UnsafeMutablePointer<T>, mask: UnsafePointer<T>, streams: Int, batch b: Int, steps t: Int, channels c: Int
) {
  for s in 0..<streams {
    for row in 0..<(b * t) where mask[row] != 1 {
      let target = x + (s * b * t + row) * c
      let w = mask[row]
      for j in 0..<c { target[j] *= w }
    }
  }
}
