// Task-adaptive multimodal fusion (reference: mmolre.models.fusion.TaskFusion): each modality attends
// to the other modalities' steps (MulT-style cross-modal attention, Tsai et al. 2019, one layer), is
// added back, normalised and mean-pooled over its valid steps; `gated` weighs the pooled modalities
// with a task-specific softmax gate over their concatenation, `concat` projects the concatenation
// (Linear then GELU). One modality: no attention, the pooled stream goes straight to the gate.
// Shapes: stream m [B, T_m, d] with mask [B, T_m]; fused [B, d]; modality weights [B, M].
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
  var masks: [UnsafePointer<T>?]
  var steps: [Int]
  var batch = 0
  var normed: [UnsafeMutablePointer<T>?]
  var keyMasks: [UnsafeMutablePointer<T>?]
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
    masks = streams
    steps = Array(repeating: 0, count: modalities.count)
    normed = Array(repeating: nil, count: modalities.count)
    keyMasks = normed
  }

  public func initialize(_ params: ParameterSet<T>, rng: inout RandomStream) {
    for attention in cross { attention.initialize(params, rng: &rng) }
    for norm in norms { norm.initialize(params) }
    gate?.initialize(params, rng: &rng)
    project?.initialize(params, rng: &rng)
  }

  /// Modality weights of the last pass [B, M] (gated fusion only).
  public var lastWeights: UnsafePointer<T>? { weights.map { UnsafePointer($0) } }

  public func forward(
    streams input: [UnsafePointer<T>], masks maskInput: [UnsafePointer<T>], steps t: [Int], batch b: Int,
    _ ctx: Context<T>
  ) -> UnsafeMutablePointer<T> {
    let d = dModel
    let count = modalities.count
    batch = b
    for m in 0..<count {
      streams[m] = input[m]
      masks[m] = maskInput[m]
      steps[m] = t[m]
    }
    let stack = ctx.arena.take(b * count * d)
    let pooled = ctx.arena.take(b * d)
    for m in 0..<count {
      var x = input[m]
      if !cross.isEmpty {
        let (keys, keyMask, tk) = gatherKeys(excluding: m, ctx)
        let attended = cross[m].forward(
          query: x, keyValue: keys, keyMask: keyMask, batch: b, queries: t[m], keys: tk, ctx)
        for i in 0..<(b * t[m] * d) { attended[i] += x[i] }
        let y = norms[m].forward(attended, rows: b * t[m], ctx)
        normed[m] = y
        keyMasks[m] = keyMask
        x = UnsafePointer(y)
      }
      maskedMeanForward(pooled, x, mask: maskInput[m], batch: b, steps: t[m], channels: d)
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

  /// The keys of modality `m`: the other modalities' streams concatenated along time per sample, with
  /// the reference's safe padding mask.
  private func gatherKeys(excluding m: Int, _ ctx: Context<T>) -> (
    UnsafeMutablePointer<T>, UnsafeMutablePointer<T>, Int
  ) {
    let d = dModel
    let others = (0..<modalities.count).filter { $0 != m }
    let tk = others.reduce(0) { $0 + steps[$1] }
    let keys = ctx.arena.take(batch * tk * d)
    let rawMask = ctx.arena.take(batch * tk)
    for s in 0..<batch {
      var offset = 0
      for o in others {
        (keys + (s * tk + offset) * d).update(from: streams[o]! + s * steps[o] * d, count: steps[o] * d)
        (rawMask + s * tk + offset).update(from: masks[o]! + s * steps[o], count: steps[o])
        offset += steps[o]
      }
    }
    let keyMask = ctx.arena.take(batch * tk)
    safeKeyMask(keyMask, rawMask, batch: batch, steps: tk)
    return (keys, keyMask, tk)
  }

  /// Accumulates parameter gradients and `dStreams[m]` [B, T_m, d] from `dFused` [B, d].
  public func backward(_ dFused: UnsafePointer<T>, _ ctx: Context<T>, dStreams: [UnsafeMutablePointer<T>]) {
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
      let tm = steps[m]
      if cross.isEmpty {
        maskedMeanBackward(dx: dStreams[m], dout: dPooled, mask: masks[m]!, batch: b, steps: tm, channels: d)
        continue
      }
      let dNormed = ctx.arena.zeroed(b * tm * d)
      maskedMeanBackward(dx: dNormed, dout: dPooled, mask: masks[m]!, batch: b, steps: tm, channels: d)
      let dSum = ctx.arena.zeroed(b * tm * d)
      norms[m].backward(dNormed, ctx, dx: dSum)
      // residual: the stream gets dSum directly and through the attention query
      let target = dStreams[m]
      for i in 0..<(b * tm * d) { target[i] += dSum[i] }
      let others = (0..<count).filter { $0 != m }
      let tk = others.reduce(0) { $0 + steps[$1] }
      let dKeys = ctx.arena.zeroed(b * tk * d)
      cross[m].backward(dSum, ctx, dQuery: target, dKeyValue: dKeys)
      for s in 0..<b {
        var offset = 0
        for o in others {
          let source = dKeys + (s * tk + offset) * d
          let destination = dStreams[o] + s * steps[o] * d
          for i in 0..<(steps[o] * d) { destination[i] += source[i] }
          offset += steps[o]
        }
      }
    }
  }
}
