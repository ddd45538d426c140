// The loop form of a mixture of low-rank experts, `sum_n g_n f_n(x)` with each expert computed on
// its own (reference: mmolre.models.experts.reference_mixture): the test reference that
// `LowRankExperts`' fused form must equal, and the baseline of the fused-vs-loop benchmark. It reads
// the fused parameters by slices, so both forms share weights.
import Numerics

public final class LoopExperts<T: Scalar> {
  public let fused: LowRankExperts<T>
  var gates: UnsafePointer<T>?
  var segments: Segments?
  var input: UnsafePointer<T>?
  var perExpert: [(pre: UnsafeMutablePointer<T>, hidden: UnsafeMutablePointer<T>)] = []

  public init(_ fused: LowRankExperts<T>) { self.fused = fused }

  /// `x` [rows, d], `gates` [B, N] -> [rows, d].
  public func forward(_ x: UnsafePointer<T>, gates g: UnsafePointer<T>, segments: Segments, _ ctx: Context<T>)
    -> UnsafeMutablePointer<T>
  {
    let (d, rTotal, rows) = (fused.dModel, fused.totalRank, segments.rows)
    let out = ctx.arena.zeroed(rows * d)
    let w = ctx.value(fused.downWeight)
    let bias = ctx.value(fused.downBias)
    let up = ctx.value(fused.upWeight)
    let upB = ctx.value(fused.upBias)
    perExpert.removeAll(keepingCapacity: true)
    let y = ctx.arena.take(rows * d)
    for (n, (start, stop)) in fused.slices.enumerated() {
      let r = stop - start
      let pre = ctx.arena.take(rows * r)
      conv3Forward(
        pre, work: ctx.arena.take(conv3WorkspaceCount(rows: rows, inputs: d, outputs: r)), x, w + start * d * 3,
        bias + start, segments: segments, inputs: d, outputs: r)
      let hidden = activate(pre, count: rows * r, ctx)
      // y = hidden W_n^T + b_n, W_n the columns start..<stop of up_weight [d, R]
      for row in 0..<rows { (y + row * d).update(from: upB + n * d, count: d) }
      gemm(transB: true, m: rows, n: d, k: r, hidden, lda: r, up + start, ldb: rTotal, beta: 1, y)
      for sample in 0..<segments.count {
        let gate = g[sample * fused.expertCount + n]
        for i in (segments.start(sample) * d)..<(segments.end(sample) * d) { out[i] += gate * y[i] }
      }
      perExpert.append((pre, hidden))
    }
    gates = g
    input = x
    self.segments = segments
    return out
  }

  /// Accumulates parameter gradients, `dx` [rows, d] and `dGates` [B, N].
  public func backward(
    _ dout: UnsafePointer<T>, _ ctx: Context<T>, dx: UnsafeMutablePointer<T>, dGates: UnsafeMutablePointer<T>
  ) {
    guard let g = gates, let x = input, let segments else { preconditionFailure("LoopExperts.backward before forward") }
    let (d, rTotal, rows) = (fused.dModel, fused.totalRank, segments.rows)
    let n = fused.expertCount
    for (expert, (start, stop)) in fused.slices.enumerated() {
      let r = stop - start
      let (pre, hidden) = perExpert[expert]
      // dy = g * dout per sample; the gate's gradient is dout . y
      let dy = ctx.arena.take(rows * d)
      let y = ctx.arena.take(rows * d)
      for row in 0..<rows { (y + row * d).update(from: ctx.value(fused.upBias) + expert * d, count: d) }
      gemm(
        transB: true, m: rows, n: d, k: r, hidden, lda: r, ctx.value(fused.upWeight) + start, ldb: rTotal, beta: 1, y)
      for sample in 0..<segments.count {
        let gate = g[sample * n + expert]
        var dot: T = 0
        for i in (segments.start(sample) * d)..<(segments.end(sample) * d) {
          dy[i] = gate * dout[i]
          dot += dout[i] * y[i]
        }
        dGates[sample * n + expert] += dot
      }
      gemm(
        transA: true, m: d, n: r, k: rows, dy, hidden, ldb: r, beta: 1, ctx.gradient(fused.upWeight) + start,
        ldc: rTotal)
      columnSums(dy, rows: rows, columns: d, into: ctx.gradient(fused.upBias) + expert * d)
      let dHidden = ctx.arena.take(rows * r)
      gemm(m: rows, n: r, k: d, dy, ctx.value(fused.upWeight) + start, ldb: rTotal, dHidden)
      var dpre = dHidden
      if fused.activation != .none {
        dpre = ctx.arena.zeroed(rows * r)
        if fused.activation == .relu {
          reluBackward(dx: dpre, dout: dHidden, x: pre, count: rows * r)
        } else {
          geluBackward(dx: dpre, dout: dHidden, x: pre, count: rows * r)
        }
      }
      conv3Backward(
        dx: dx, work: ctx.arena.take(conv3WorkspaceCount(rows: rows, inputs: d, outputs: r)),
        dweight: ctx.gradient(fused.downWeight) + start * d * 3, dbias: ctx.gradient(fused.downBias) + start,
        dout: dpre, x: x, weight: ctx.value(fused.downWeight) + start * d * 3, segments: segments, inputs: d, outputs: r
      )
    }
  }

  private func activate(_ pre: UnsafeMutablePointer<T>, count: Int, _ ctx: Context<T>) -> UnsafeMutablePointer<T> {
    switch fused.activation {
    case .none: return pre
    case .relu:
      let h = ctx.arena.take(count)
      reluForward(h, pre, count: count)
      return h
    case .gelu:
      let h = ctx.arena.take(count)
      geluForward(h, pre, count: count)
      return h
    }
  }
}
