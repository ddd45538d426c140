// Scaled dot-product attention with several heads over packed sequences, after the projections
// (reference: the core of torch.nn.MultiheadAttention with a key padding mask). Sequence s attends
// from its query rows to its key rows only, so padding never enters.
// Shapes: q [Nq, D], k and v [Nk, D] with D = heads * headDim (head h owns columns
// h*headDim ..< (h+1)*headDim); probabilities, saved for backward, hold per sequence s a block
// [heads, Lq_s, Lk_s] one after another; out [Nq, D] (heads concatenated, the output projection's input).

/// The attention layout of one call: heads and their width.
public struct AttentionShape: Sendable {
  public var heads: Int
  public var headDim: Int
  public init(heads: Int, headDim: Int) {
    self.heads = heads
    self.headDim = headDim
  }
  public var width: Int { heads * headDim }

  /// Elements of the saved probabilities for these sequences.
  public func probabilityCount(queries: Segments, keys: Segments) -> Int {
    var total = 0
    for s in 0..<queries.count { total += heads * queries.length(s) * keys.length(s) }
    return total
  }

  /// The largest `Lq * Lk` of a sequence (the backward pass's scratch size).
  public func largestBlock(queries: Segments, keys: Segments) -> Int {
    var largest = 1
    for s in 0..<queries.count { largest = max(largest, queries.length(s) * keys.length(s)) }
    return largest
  }
}

/// `out = softmax(q k^T / sqrt(headDim)) v` per sequence and head. With `dropoutScale` (0 or 1/(1-p)
/// per probability), the probabilities are multiplied by it before `v`; the dropped probabilities go
/// to `dropped`.
@inlinable
public func attentionForward<T: Scalar>(
  _ out: UnsafeMutablePointer<T>, probs: UnsafeMutablePointer<T>, q: UnsafePointer<T>, k: UnsafePointer<T>,
  v: UnsafePointer<T>, queries: Segments, keys: Segments, shape: AttentionShape,
  dropoutScale: UnsafePointer<T>? = nil, dropped: UnsafeMutablePointer<T>? = nil
) {
  let (d, dh) = (shape.width, shape.headDim)
  let scale = 1 / T.sqrt(T(dh))
  var offset = 0
  for s in 0..<queries.count {
    let (tq, tk) = (queries.length(s), keys.length(s))
    let qs = q + queries.start(s) * d
    let ks = k + keys.start(s) * d
    let vs = v + keys.start(s) * d
    let os = out + queries.start(s) * d
    guard tk > 0 else {
      for r in 0..<tq { (os + r * d).update(repeating: 0, count: d) }
      continue
    }
    for h in 0..<shape.heads {
      let p = probs + offset
      gemm(transB: true, m: tq, n: tk, k: dh, alpha: scale, qs + h * dh, lda: d, ks + h * dh, ldb: d, p, ldc: tk)
      softmaxForward(p, p, rows: tq, columns: tk)
      var used = UnsafePointer(p)
      if let dropoutScale, let dropped {
        for i in 0..<(tq * tk) { dropped[offset + i] = p[i] * dropoutScale[offset + i] }
        used = UnsafePointer(dropped + offset)
      }
      gemm(m: tq, n: dh, k: tk, used, lda: tk, vs + h * dh, ldb: d, os + h * dh, ldc: d)
      offset += tq * tk
    }
  }
}

/// Accumulates `dq`, `dk`, `dv` from `dout`. `scratch` needs `shape.largestBlock(...)` elements.
@inlinable
public func attentionBackward<T: Scalar>(
  dq: UnsafeMutablePointer<T>, dk: UnsafeMutablePointer<T>, dv: UnsafeMutablePointer<T>, dout: UnsafePointer<T>,
  probs: UnsafePointer<T>, q: UnsafePointer<T>, k: UnsafePointer<T>, v: UnsafePointer<T>, queries: Segments,
  keys: Segments, shape: AttentionShape, scratch: UnsafeMutablePointer<T>,
  dropoutScale: UnsafePointer<T>? = nil, dropped: UnsafePointer<T>? = nil
) {
  let (d, dh) = (shape.width, shape.headDim)
  let scale = 1 / T.sqrt(T(dh))
  var offset = 0
  for s in 0..<queries.count {
    let (tq, tk) = (queries.length(s), keys.length(s))
    guard tk > 0 else { continue }
    let (qOff, kOff) = (queries.start(s) * d, keys.start(s) * d)
    for h in 0..<shape.heads {
      let p = probs + offset
      let used = dropped.map { $0 + offset } ?? p
      let doh = dout + qOff + h * dh
      // dv += P_used^T dO ; dP_used = dO v^T
      gemm(transA: true, m: tk, n: dh, k: tq, used, lda: tk, doh, ldb: d, beta: 1, dv + kOff + h * dh, ldc: d)
      gemm(transB: true, m: tq, n: tk, k: dh, doh, lda: d, v + kOff + h * dh, ldb: d, scratch, ldc: tk)
      if let dropoutScale {
        for i in 0..<(tq * tk) { scratch[i] *= dropoutScale[offset + i] }
      }
      // dS = P * (dP - rowsum(dP * P)), scaled as the scores were.
      for i in 0..<tq {
        let pr = p + i * tk
        let dr = scratch + i * tk
        var dot: T = 0
        for j in 0..<tk { dot += dr[j] * pr[j] }
        for j in 0..<tk { dr[j] = pr[j] * (dr[j] - dot) * scale }
      }
      gemm(m: tq, n: dh, k: tk, scratch, lda: tk, k + kOff + h * dh, ldb: d, beta: 1, dq + qOff + h * dh, ldc: d)
      gemm(
        transA: true, m: tk, n: dh, k: tq, scratch, lda: tk, q + qOff + h * dh, ldb: d, beta: 1, dk + kOff + h * dh,
        ldc: d)
      offset += tq * tk
    }
  }
}
