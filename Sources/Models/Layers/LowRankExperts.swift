// Low-rank experts, stored and computed fused (reference: mmolre.models.experts.LowRankExperts).
//
// A low-rank expert is f(x) = B(act(A(x))) with A = Conv1d(d, r, 3, padding 1) and B = Conv1d(r, d, 1),
// both with bias. A mixture sum_n g_n f_n(x) with a per-utterance gate g is linear in each expert's
// second conv, so g_n B_n(h_n) = W_n (g_n h_n) + g_n b_n: all first convs are one Conv1d(d, sum r_n)
// (`project`), the gate scales each expert's rank slice, all second convs are one Conv1d(sum r_n, d)
// without bias, and the bias is g @ b (`combine`). `LoopExperts` keeps the plain loop over experts
// that this must equal (values and gradients), for tests and benchmarks.
//
// Activations are channels-last: x [B, T, d], hidden [B, T, R] with R = sum r_n.
// Parameters (PyTorch names and shapes): down.weight [R, d, 3], down.bias [R], up_weight [d, R, 1],
// up_bias [N, d].
import Numerics

public final class LowRankExperts<T: Scalar> {
  public let dModel: Int
  public let ranks: [Int]
  public let activation: ModelConfig.Activation
  public let downWeight: ParameterRef
  public let downBias: ParameterRef
  public let upWeight: ParameterRef
  public let upBias: ParameterRef
  /// Expert index of each hidden column.
  let expertOfColumn: [Int]
  public var totalRank: Int { expertOfColumn.count }
  public var expertCount: Int { ranks.count }

  // Saved by project.
  var projectInput: UnsafePointer<T>?
  var preActivation: UnsafeMutablePointer<T>?
  var projectSegments: Segments?
  // Saved by combine.
  var hidden: UnsafePointer<T>?
  var hiddenShared = false
  var gates: UnsafePointer<T>?
  var scaled: UnsafeMutablePointer<T>?
  var combineStreams = 0
  var combineSegments: Segments?

  public init(_ params: ParameterSet<T>, _ name: String, dModel: Int, ranks: [Int], activation: ModelConfig.Activation)
  {
    precondition(!ranks.isEmpty && ranks.allSatisfy { $0 > 0 }, "expert ranks must be positive")
    self.dModel = dModel
    self.ranks = ranks
    self.activation = activation
    expertOfColumn = ranks.enumerated().flatMap { n, r in Array(repeating: n, count: r) }
    let total = ranks.reduce(0, +)
    downWeight = params.add("\(name).down.weight", shape: [total, dModel, 3])
    downBias = params.add("\(name).down.bias", shape: [total])
    upWeight = params.add("\(name).up_weight", shape: [dModel, total, 1])
    upBias = params.add("\(name).up_bias", shape: [ranks.count, dModel])
  }

  /// A node over the same parameters (one UniTSE shared by all modalities).
  public init(sharing other: LowRankExperts<T>) {
    dModel = other.dModel
    ranks = other.ranks
    activation = other.activation
    expertOfColumn = other.expertOfColumn
    downWeight = other.downWeight
    downBias = other.downBias
    upWeight = other.upWeight
    upBias = other.upBias
  }

  /// `(start, stop)` of each expert's rank slice in the fused hidden dimension.
  public var slices: [(Int, Int)] {
    var start = 0
    return ranks.map { r in
      defer { start += r }
      return (start, start + r)
    }
  }

  /// As independent PyTorch convs: the first conv uniform in +-1/sqrt(3d); each expert's second conv
  /// (its slice of up_weight and its up_bias row) uniform in +-1/sqrt(r_n).
  public func initialize(_ params: ParameterSet<T>, rng: inout RandomStream) {
    let bound = 1 / Double(3 * dModel).squareRoot()
    Initialization.uniform(params.value(downWeight), count: totalRank * dModel * 3, bound: bound, rng: &rng)
    Initialization.uniform(params.value(downBias), count: totalRank, bound: bound, rng: &rng)
    let up = params.value(upWeight)
    let upB = params.value(upBias)
    for (n, (start, stop)) in slices.enumerated() {
      let b = 1 / Double(stop - start).squareRoot()
      for row in 0..<dModel {
        Initialization.uniform(up + row * totalRank + start, count: stop - start, bound: b, rng: &rng)
      }
      Initialization.uniform(upB + n * dModel, count: dModel, bound: b, rng: &rng)
    }
  }

  /// All experts' first convs and the activation: `[rows, d] -> [rows, R]`.
  public func project(_ x: UnsafePointer<T>, segments: Segments, _ ctx: Context<T>) -> UnsafeMutablePointer<T> {
    let rows = segments.rows
    let pre = ctx.arena.take(rows * totalRank)
    conv3Forward(
      pre, work: ctx.arena.take(conv3WorkspaceCount(rows: rows, inputs: dModel, outputs: totalRank)), x,
      ctx.value(downWeight), ctx.value(downBias), segments: segments, inputs: dModel, outputs: totalRank)
    projectInput = x
    preActivation = pre
    projectSegments = segments
    switch activation {
    case .none:
      return pre
    case .relu:
      let h = ctx.arena.take(rows * totalRank)
      reluForward(h, pre, count: rows * totalRank)
      return h
    case .gelu:
      let h = ctx.arena.take(rows * totalRank)
      geluForward(h, pre, count: rows * totalRank)
      return h
    }
  }

  /// Accumulates the first convs' gradients and, when given, `dx` from `dHidden` [rows, R].
  public func projectBackward(_ dHidden: UnsafePointer<T>, _ ctx: Context<T>, dx: UnsafeMutablePointer<T>?) {
    guard let x = projectInput, let preActivation, let segments = projectSegments else {
      preconditionFailure("LowRankExperts.projectBackward before project")
    }
    let rows = segments.rows
    var dpre = UnsafeMutablePointer(mutating: dHidden)
    if activation != .none {
      dpre = ctx.arena.zeroed(rows * totalRank)
      if activation == .relu {
        reluBackward(dx: dpre, dout: dHidden, x: preActivation, count: rows * totalRank)
      } else {
        geluBackward(dx: dpre, dout: dHidden, x: preActivation, count: rows * totalRank)
      }
    }
    conv3Backward(
      dx: dx, work: ctx.arena.take(conv3WorkspaceCount(rows: rows, inputs: dModel, outputs: totalRank)),
      dweight: ctx.gradient(downWeight), dbias: ctx.gradient(downBias), dout: dpre, x: x, weight: ctx.value(downWeight),
      segments: segments, inputs: dModel, outputs: totalRank)
  }

  /// Gate-weighted sum of all experts' second convs for `streams` streams stacked one after another:
  /// `hidden` [S, rows, R] (or [rows, R] used by every stream when `sharedHidden`), `gates` [S, B, N]
  /// -> [S, rows, d]; `segments` are one stream's sequences (B of them).
  public func combine(
    hidden h: UnsafePointer<T>, sharedHidden: Bool, gates g: UnsafePointer<T>, streams s: Int, segments: Segments,
    _ ctx: Context<T>
  ) -> UnsafeMutablePointer<T> {
    let (r, n, b, rows) = (totalRank, expertCount, segments.count, segments.rows)
    let sc = ctx.arena.take(s * rows * r)
    // The bias g @ up_bias per utterance, broadcast over its rows.
    let bias = ctx.arena.take(s * b * dModel)
    gemm(m: s * b, n: dModel, k: n, g, ctx.value(upBias), bias)
    let out = ctx.arena.take(s * rows * dModel)
    for stream in 0..<s {
      for sample in 0..<b {
        let gate = g + (stream * b + sample) * n
        let sampleBias = bias + (stream * b + sample) * dModel
        for row in segments.start(sample)..<segments.end(sample) {
          let source = h + ((sharedHidden ? 0 : stream * rows) + row) * r
          let target = sc + (stream * rows + row) * r
          for column in 0..<r { target[column] = source[column] * gate[expertOfColumn[column]] }
          (out + (stream * rows + row) * dModel).update(from: sampleBias, count: dModel)
        }
      }
    }
    gemm(transB: true, m: s * rows, n: dModel, k: r, sc, ctx.value(upWeight), beta: 1, out)
    hidden = h
    hiddenShared = sharedHidden
    gates = g
    scaled = sc
    combineStreams = s
    combineSegments = segments
    return out
  }

  /// Accumulates the second convs' gradients, `dHidden` (shaped like `combine`'s hidden) and, when
  /// given, `dGates` [S, B, N], from `dout` [S, rows, d].
  public func combineBackward(
    _ dout: UnsafePointer<T>, _ ctx: Context<T>, dHidden: UnsafeMutablePointer<T>, dGates: UnsafeMutablePointer<T>?
  ) {
    guard let h = hidden, let g = gates, let sc = scaled, let segments = combineSegments else {
      preconditionFailure("combineBackward before combine")
    }
    let (s, r, n, d, b, rows) = (combineStreams, totalRank, expertCount, dModel, segments.count, segments.rows)
    gemm(transA: true, m: d, n: r, k: s * rows, dout, sc, beta: 1, ctx.gradient(upWeight))
    let dScaled = ctx.arena.take(s * rows * r)
    gemm(m: s * rows, n: r, k: d, dout, ctx.value(upWeight), dScaled)
    // Per-utterance sums of dout over its rows drive the bias terms.
    let doutSum = ctx.arena.zeroed(s * b * d)
    for stream in 0..<s {
      for sample in 0..<b {
        let target = doutSum + (stream * b + sample) * d
        for row in segments.start(sample)..<segments.end(sample) {
          let source = dout + (stream * rows + row) * d
          for c in 0..<d { target[c] += source[c] }
        }
      }
    }
    // d up_bias[n] += sum_{s,b} g[s,b,n] * doutSum[s,b]
    gemm(transA: true, m: n, n: d, k: s * b, g, doutSum, beta: 1, ctx.gradient(upBias))
    let upB = ctx.value(upBias)
    for stream in 0..<s {
      for sample in 0..<b {
        let index = stream * b + sample
        let gate = g + index * n
        for row in segments.start(sample)..<segments.end(sample) {
          let hiddenRow = h + ((hiddenShared ? 0 : stream * rows) + row) * r
          let dHiddenRow = dHidden + ((hiddenShared ? 0 : stream * rows) + row) * r
          let dRow = dScaled + (stream * rows + row) * r
          for column in 0..<r { dHiddenRow[column] += dRow[column] * gate[expertOfColumn[column]] }
          if let dGates {
            for column in 0..<r { dGates[index * n + expertOfColumn[column]] += dRow[column] * hiddenRow[column] }
          }
        }
        if let dGates {
          for expert in 0..<n {
            var dot: T = 0
            for c in 0..<d { dot += doutSum[index * d + c] * upB[expert * d + c] }
            dGates[index * n + expert] += dot
          }
        }
      }
    }
  }
}
