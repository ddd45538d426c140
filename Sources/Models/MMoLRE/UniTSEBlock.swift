// One UniTSE block (reference: mmolre.models.unitse.UniTSEBlock): for each stream s (a task, or the
// one shared stream of hard sharing)
//   y_s = LayerNorm_s(x_s + Dropout(sum_n g_s,n f_n(x_s) + f_s(x_s)))
// with N shared low-rank experts f_n computed fused, a router per stream giving g_s, and a
// task-specific expert f_s per stream.
// In block 1 every stream reads the same input, so the shared experts' first conv runs once.
// Streams are stacked: [S, rows, d] over packed sequences; a shared input is one [rows, d] tensor.
// (The reference multiplied by the mask so padded steps stayed zero; packed rows have no padding.)
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

  var inputShared = false
  var segments: Segments?
  /// The stacked streams' sequences (S copies of `segments`), for block 2's shared projection.
  let stackedSegments = SegmentStorage()
  var gates: UnsafeMutablePointer<T>?
  var balanceGradient: UnsafeMutablePointer<T>?
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

  /// `input` [S, rows, d] (or [rows, d] read by every stream when `sharedInput`) -> [S, rows, d].
  public func forward(_ x: UnsafePointer<T>, sharedInput: Bool, segments: Segments, _ ctx: Context<T>)
    -> UnsafeMutablePointer<T>
  {
    let (d, b, rows) = (dModel, segments.count, segments.rows)
    let streamStride = sharedInput ? 0 : rows * d
    inputShared = sharedInput
    self.segments = segments
    var mixed: UnsafeMutablePointer<T>
    balance = 0
    if let shared {
      let n = shared.expertCount
      let g = ctx.arena.take(streams * b * n)
      for (s, router) in routers.enumerated() {
        router.forward(x + s * streamStride, segments: segments, into: g + s * b * n, ctx)
      }
      stackedSegments.set(repeating: segments, copies: sharedInput ? 1 : streams)
      let hidden = shared.project(x, segments: stackedSegments.segments, ctx)
      mixed = shared.combine(
        hidden: hidden, sharedHidden: sharedInput, gates: g, streams: streams, segments: segments, ctx)
      // The balance loss and its gradient per unit weight, kept for backward.
      let dBalance = ctx.arena.zeroed(streams * b * n)
      for s in 0..<streams {
        balance += balanceLoss(
          g + s * b * n, batch: b, experts: n, dgates: dBalance + s * b * n, upstream: 1 / T(streams))
      }
      balance /= T(streams)
      gates = g
      balanceGradient = dBalance
    } else {
      mixed = ctx.arena.zeroed(streams * rows * d)
      gates = nil
    }
    if !taskExperts.isEmpty {
      let ones = ctx.arena.take(max(b, 1))
      ones.update(repeating: 1, count: b)
      for (s, expert) in taskExperts.enumerated() {
        let hidden = expert.project(x + s * streamStride, segments: segments, ctx)
        let update = expert.combine(
          hidden: hidden, sharedHidden: false, gates: ones, streams: 1, segments: segments, ctx)
        let target = mixed + s * rows * d
        for i in 0..<(rows * d) { target[i] += update[i] }
      }
    }
    dropout.forward(mixed, count: streams * rows * d, ctx)
    if residual {
      for s in 0..<streams {
        let target = mixed + s * rows * d
        let source = x + s * streamStride
        for i in 0..<(rows * d) { target[i] += source[i] }
      }
    }
    guard !norms.isEmpty else { return mixed }
    let out = ctx.arena.take(streams * rows * d)
    for (s, norm) in norms.enumerated() {
      let normed = norm.forward(mixed + s * rows * d, rows: rows, ctx)
      (out + s * rows * d).update(from: normed, count: rows * d)
    }
    return out
  }

  /// Accumulates parameter gradients and `dx` (shaped like the input: [rows, d] when the input was
  /// shared) from `dout` [S, rows, d]; `balanceWeight` is the loss weight of this block's balance.
  public func backward(_ dout: UnsafePointer<T>, balanceWeight: T, _ ctx: Context<T>, dx: UnsafeMutablePointer<T>) {
    guard let segments else { preconditionFailure("UniTSEBlock.backward before forward") }
    let (d, b, rows) = (dModel, segments.count, segments.rows)
    let count = streams * rows * d
    let streamStride = inputShared ? 0 : rows * d
    var dMixed: UnsafeMutablePointer<T>
    if norms.isEmpty {
      dMixed = ctx.arena.take(count)
      dMixed.update(from: dout, count: count)
    } else {
      dMixed = ctx.arena.zeroed(count)
      for (s, norm) in norms.enumerated() {
        norm.backward(dout + s * rows * d, ctx, dx: dMixed + s * rows * d)
      }
    }
    if residual {
      for s in 0..<streams {
        let target = dx + s * streamStride
        let source = dMixed + s * rows * d
        for i in 0..<(rows * d) { target[i] += source[i] }
      }
    }
    dropout.backward(dMixed)
    for (s, expert) in taskExperts.enumerated() {
      let dHidden = ctx.arena.zeroed(rows * expert.totalRank)
      expert.combineBackward(dMixed + s * rows * d, ctx, dHidden: dHidden, dGates: nil)
      expert.projectBackward(dHidden, ctx, dx: dx + s * streamStride)
    }
    if let shared, let dBalance = balanceGradient {
      let n = shared.expertCount
      let groups = inputShared ? 1 : streams
      let dHidden = ctx.arena.zeroed(groups * rows * shared.totalRank)
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
