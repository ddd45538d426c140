// Task-adaptive multimodal fusion (reference: mmolre.models.fusion.TaskFusion): each modality attends
// to the other modalities' steps (MulT-style cross-modal attention, Tsai et al. 2019, one layer), is
// added back, normalised and mean-pooled over its steps; `gated` weighs the pooled modalities with a
// task-specific softmax gate over their concatenation, `concat` projects the concatenation (Linear
// then GELU). One modality: no attention, the pooled stream goes straight to the gate.
// Shapes: stream m [rows_m, d] packed by `segments[m]`; fused [B, d]; modality weights [B, M].
// A sample whose other modalities have no steps attends to one all-zero key, as the reference's
// padding mask unmasks the first (zero) padded step of such a sample.
import Numerics

public final class TaskFusion<T: Scalar> {
  public let dModel: Int
  public let modalities: [String]
  public let mode: ModelConfig.Fusion
  public let cross: [MultiHeadAttention<T>]
  public let norms: [LayerNorm<T>]
  public let gate: Linear<T>?
  public let project: Linear<T>?

  var streams: [UnsafePointer<T>?]
  var segments: [Segments?]
  let keySegments: [SegmentStorage]
  var batch = 0
  var stacked: UnsafeMutablePointer<T>?
  var weights: UnsafeMutablePointer<T>?
  var projected: UnsafeMutablePointer<T>?

  public init(_ params: ParameterSet<T>, _ name: String, config: ModelConfig) {
    dModel = config.dModel
    modalities = config.modalities
    mode = config.fusion
    let multi = modalities.count > 1
    cross =
      multi
      ? modalities.map {
        MultiHeadAttention(
          params, "\(name).cross.\($0)", dModel: config.dModel, heads: config.fusionHeads, dropout: config.dropout)
      } : []
    norms = multi ? modalities.map { LayerNorm(params, "\(name).norms.\($0)", channels: config.dModel) } : []
    let width = config.dModel * modalities.count
    gate = mode == .gated ? Linear(params, "\(name).gate", inputs: width, outputs: modalities.count) : nil
    project = mode == .concat ? Linear(params, "\(name).project.0", inputs: width, outputs: config.dModel) : nil
    streams = Array(repeating: nil, count: modalities.count)
    segments = Array(repeating: nil, count: modalities.count)
    keySegments = modalities.map { _ in SegmentStorage() }
  }

  public func initialize(_ params: ParameterSet<T>, rng: inout RandomStream) {
    for attention in cross { attention.initialize(params, rng: &rng) }
    for norm in norms { norm.initialize(params) }
    gate?.initialize(params, rng: &rng)
    project?.initialize(params, rng: &rng)
  }

  /// Modality weights of the last pass [B, M] (gated fusion only).
  public var lastWeights: UnsafePointer<T>? { weights.map { UnsafePointer($0) } }

  /// `input[m]` is modality m's stream for this task, packed by `segments(m)`.
  public func forward(
    streams input: (Int) -> UnsafePointer<T>, segments segmentsOf: (Int) -> Segments, batch b: Int, _ ctx: Context<T>
  ) -> UnsafeMutablePointer<T> {
    let d = dModel
    let count = modalities.count
    batch = b
    for m in 0..<count {
      streams[m] = input(m)
      segments[m] = segmentsOf(m)
    }
    let stack = ctx.arena.take(b * count * d)
    let pooled = ctx.arena.take(b * d)
    for m in 0..<count {
      let own = segments[m]!
      var x = input(m)
      if !cross.isEmpty {
        let keys = gatherKeys(excluding: m, ctx)
        let attended = cross[m].forward(query: x, keyValue: keys, queries: own, keys: keySegments[m].segments, ctx)
        for i in 0..<(own.rows * d) { attended[i] += x[i] }
        x = UnsafePointer(norms[m].forward(attended, rows: own.rows, ctx))
      }
      segmentMeanForward(pooled, x, segments: own, channels: d)
      for s in 0..<b { (stack + (s * count + m) * d).update(from: pooled + s * d, count: d) }
    }
    stacked = stack
    let fused = ctx.arena.take(b * d)
    if let gate {
      let logits = gate.forward(stack, rows: b, ctx)
      let w = ctx.arena.take(b * count)
      softmaxForward(w, logits, rows: b, columns: count)
      fused.update(repeating: 0, count: b * d)
      for s in 0..<b {
        for m in 0..<count {
          let weight = w[s * count + m]
          let source = stack + (s * count + m) * d
          for j in 0..<d { fused[s * d + j] += weight * source[j] }
        }
      }
      weights = w
    } else if let project {
      let h = project.forward(stack, rows: b, ctx)
      geluForward(fused, h, count: b * d)
      projected = h
      weights = nil
    }
    return fused
  }

  /// The keys of modality `m`: per sample the other modalities' rows one after another, or one zero row
  /// when they have none; their segments go to `keySegments[m]`.
  private func gatherKeys(excluding m: Int, _ ctx: Context<T>) -> UnsafeMutablePointer<T> {
    let d = dModel
    let count = modalities.count
    let storage = keySegments[m]
    storage.set(
      lengths: (0..<batch).lazy.map { s in
        var keys = 0
        for o in 0..<count where o != m { keys += self.segments[o]!.length(s) }
        return max(keys, 1)
      })
    let keys = ctx.arena.take(storage.segments.rows * d)
    for s in 0..<batch {
      var target = keys + storage.segments.start(s) * d
      var filled = 0
      for o in 0..<count where o != m {
        let segment = segments[o]!
        let count = segment.length(s) * d
        target.update(from: streams[o]! + segment.start(s) * d, count: count)
        target += count
        filled += count
      }
      if filled == 0 { target.update(repeating: 0, count: d) }
    }
    return keys
  }

  /// Accumulates parameter gradients and `dStreams(m)` [rows_m, d] from `dFused` [B, d].
  public func backward(_ dFused: UnsafePointer<T>, _ ctx: Context<T>, dStreams: (Int) -> UnsafeMutablePointer<T>) {
    guard let stack = stacked else { preconditionFailure("TaskFusion.backward before forward") }
    let (b, d, count) = (batch, dModel, modalities.count)
    let dStack = ctx.arena.zeroed(b * count * d)
    if let gate, let w = weights {
      let dw = ctx.arena.take(b * count)
      for s in 0..<b {
        for m in 0..<count {
          let source = stack + (s * count + m) * d
          let target = dStack + (s * count + m) * d
          var dot: T = 0
          let weight = w[s * count + m]
          for j in 0..<d {
            dot += dFused[s * d + j] * source[j]
            target[j] += weight * dFused[s * d + j]
          }
          dw[s * count + m] = dot
        }
      }
      let dLogits = ctx.arena.zeroed(b * count)
      softmaxBackward(dx: dLogits, dout: dw, y: w, rows: b, columns: count)
      gate.backward(dLogits, ctx, dx: dStack)
    } else if let project, let h = projected {
      let dh = ctx.arena.zeroed(b * d)
      geluBackward(dx: dh, dout: dFused, x: h, count: b * d)
      project.backward(dh, ctx, dx: dStack)
    }
    let dPooled = ctx.arena.take(b * d)
    for m in 0..<count {
      for s in 0..<b { (dPooled + s * d).update(from: dStack + (s * count + m) * d, count: d) }
      let own = segments[m]!
      if cross.isEmpty {
        segmentMeanBackward(dx: dStreams(m), dout: dPooled, segments: own, channels: d)
        continue
      }
      let dNormed = ctx.arena.zeroed(own.rows * d)
      segmentMeanBackward(dx: dNormed, dout: dPooled, segments: own, channels: d)
      let dSum = ctx.arena.zeroed(own.rows * d)
      norms[m].backward(dNormed, ctx, dx: dSum)
      // residual: the stream gets dSum directly and through the attention query
      let target = dStreams(m)
      for i in 0..<(own.rows * d) { target[i] += dSum[i] }
      let keys = keySegments[m].segments
      let dKeys = ctx.arena.zeroed(keys.rows * d)
      cross[m].backward(dSum, ctx, dQuery: target, dKeyValue: dKeys)
      // Scatter the keys' gradient back to the streams they came from (an inserted zero row has none).
      for s in 0..<b {
        var source = dKeys + keys.start(s) * d
        for o in 0..<count where o != m {
          let segment = segments[o]!
          let destination = dStreams(o) + segment.start(s) * d
          for i in 0..<(segment.length(s) * d) { destination[i] += source[i] }
          source += segment.length(s) * d
        }
      }
    }
  }
}
