// Multi-head attention over packed sequences (reference: torch.nn.MultiheadAttention with
// batch_first and a key padding mask, one call as MulT-style cross-modal attention). Parameters by PyTorch's names:
// in_proj_weight [3d, d] stacks the query, key and value projections, in_proj_bias [3d],
// out_proj.weight [d, d], out_proj.bias [d]. Dropout acts on the attention probabilities.
// Shapes: query [Nq, d] and keyValue [Nk, d] packed; sequence s attends from its query rows to its key rows.
import Numerics

public final class MultiHeadAttention<T: Scalar> {
  public let dModel: Int
  public let heads: Int
  public let inProjWeight: ParameterRef
  public let inProjBias: ParameterRef
  public let outProj: Linear<T>
  public let dropout: Double
  var query: UnsafePointer<T>?
  var keyValue: UnsafePointer<T>?
  var q: UnsafeMutablePointer<T>?
  var k: UnsafeMutablePointer<T>?
  var v: UnsafeMutablePointer<T>?
  var probs: UnsafeMutablePointer<T>?
  var dropoutScale: UnsafeMutablePointer<T>?
  var dropped: UnsafeMutablePointer<T>?
  var shape = AttentionShape(heads: 1, headDim: 1)
  var querySegments: Segments?
  var keySegments: Segments?

  public init(_ params: ParameterSet<T>, _ name: String, dModel: Int, heads: Int, dropout: Double) {
    precondition(dModel % heads == 0, "heads must divide d_model")
    self.dModel = dModel
    self.heads = heads
    self.dropout = dropout
    inProjWeight = params.add("\(name).in_proj_weight", shape: [3 * dModel, dModel])
    inProjBias = params.add("\(name).in_proj_bias", shape: [3 * dModel])
    outProj = Linear(params, "\(name).out_proj", inputs: dModel, outputs: dModel)
  }

  /// PyTorch's `_reset_parameters`: xavier-uniform in_proj_weight over the whole [3d, d] matrix,
  /// zero biases, the default Linear init for out_proj.weight.
  public func initialize(_ params: ParameterSet<T>, rng: inout RandomStream) {
    Initialization.xavierUniform(params.value(inProjWeight), fanIn: dModel, fanOut: 3 * dModel, rng: &rng)
    Initialization.fill(params.value(inProjBias), count: 3 * dModel, value: 0)
    outProj.initialize(params, rng: &rng)
    Initialization.fill(params.value(outProj.bias!), count: dModel, value: 0)
  }

  public func forward(
    query x: UnsafePointer<T>, keyValue kv: UnsafePointer<T>, queries: Segments, keys: Segments, _ ctx: Context<T>
  ) -> UnsafeMutablePointer<T> {
    let d = dModel
    let (nq, nk) = (queries.rows, keys.rows)
    let w = ctx.value(inProjWeight)
    let bias = ctx.value(inProjBias)
    let qq = ctx.arena.take(nq * d)
    let kk = ctx.arena.take(nk * d)
    let vv = ctx.arena.take(nk * d)
    linearForward(qq, x, w, bias, rows: nq, inputs: d, outputs: d)
    linearForward(kk, kv, w + d * d, bias + d, rows: nk, inputs: d, outputs: d)
    linearForward(vv, kv, w + 2 * d * d, bias + 2 * d, rows: nk, inputs: d, outputs: d)
    shape = AttentionShape(heads: heads, headDim: d / heads)
    let count = shape.probabilityCount(queries: queries, keys: keys)
    let p = ctx.arena.take(count)
    let attended = ctx.arena.take(nq * d)
    if ctx.training && dropout > 0 {
      let scale = ctx.arena.take(count)
      dropoutMask(scale, count: count, p: dropout, rng: &ctx.dropoutRandom)
      let kept = ctx.arena.take(count)
      attentionForward(
        attended, probs: p, q: qq, k: kk, v: vv, queries: queries, keys: keys, shape: shape, dropoutScale: scale,
        dropped: kept)
      dropoutScale = scale
      dropped = kept
    } else {
      attentionForward(attended, probs: p, q: qq, k: kk, v: vv, queries: queries, keys: keys, shape: shape)
      dropoutScale = nil
      dropped = nil
    }
    querySegments = queries
    keySegments = keys
    query = x
    keyValue = kv
    q = qq
    k = kk
    v = vv
    probs = p
    return outProj.forward(attended, rows: nq, ctx)
  }

  /// Accumulates parameter gradients, `dQuery` [Nq, d] and `dKeyValue` [Nk, d].
  public func backward(
    _ dout: UnsafePointer<T>, _ ctx: Context<T>, dQuery: UnsafeMutablePointer<T>, dKeyValue: UnsafeMutablePointer<T>
  ) {
    guard let query, let keyValue, let q, let k, let v, let probs, let queries = querySegments, let keys = keySegments
    else { preconditionFailure("attention backward before forward") }
    let d = dModel
    let (nq, nk) = (queries.rows, keys.rows)
    let dAttended = ctx.arena.zeroed(nq * d)
    outProj.backward(dout, ctx, dx: dAttended)
    let dq = ctx.arena.zeroed(nq * d)
    let dk = ctx.arena.zeroed(nk * d)
    let dv = ctx.arena.zeroed(nk * d)
    attentionBackward(
      dq: dq, dk: dk, dv: dv, dout: dAttended, probs: probs, q: q, k: k, v: v, queries: queries, keys: keys,
      shape: shape, scratch: ctx.arena.take(shape.largestBlock(queries: queries, keys: keys)),
      dropoutScale: dropoutScale, dropped: dropped)
    let w = ctx.value(inProjWeight)
    let dw = ctx.gradient(inProjWeight)
    let db = ctx.gradient(inProjBias)
    linearBackward(
      dinp: dQuery, dweight: dw, dbias: db, dout: dq, inp: query, weight: w, rows: nq, inputs: d, outputs: d)
    linearBackward(
      dinp: dKeyValue, dweight: dw + d * d, dbias: db + d, dout: dk, inp: keyValue, weight: w + d * d, rows: nk,
      inputs: d, outputs: d)
    linearBackward(
      dinp: dKeyValue, dweight: dw + 2 * d * d, dbias: db + 2 * d, dout: dv, inp: keyValue, weight: w + 2 * d * d,
      rows: nk, inputs: d, outputs: d)
  }
}
