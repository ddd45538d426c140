// Scaled dot-product attention with several heads and a key padding mask, after the projections
// (reference: torch.nn.MultiheadAttention's core, `F.scaled_dot_product_attention` semantics).
// Shapes: q [B, Tq, D], k and v [B, Tk, D] with D = heads * headDim (head h owns columns
// h*headDim ..< (h+1)*headDim); keyMask [B, Tk] (1 = attend); probs [B, heads, Tq, Tk] saved for
// backward; out [B, Tq, D] (heads concatenated, the input of the output projection).
// A query whose keys are all masked gets all-zero probabilities here; callers that follow the
// reference unmask the first key of such a sample instead (`safeKeyMask`).

/// The attention sizes of one call.
public struct AttentionShape: Sendable {
  public var batch: Int
  public var queries: Int
  public var keys: Int
  public var heads: Int
  public var headDim: Int
  public init(batch: Int, queries: Int, keys: Int, heads: Int, headDim: Int) {
    self.batch = batch
    self.queries = queries
    self.keys = keys
    self.heads = heads
    self.headDim = headDim
  }
  public var width: Int { heads * headDim }
  /// Elements of the saved probabilities.
  public var probabilityCount: Int { batch * heads * queries * keys }
}

/// The reference's key padding mask: a sample with no valid key attends to its first (zero) step, so
/// its softmax stays defined. `out` and `mask` are [B, T]; 1 = attend.
@inlinable
public func safeKeyMask<T: Scalar>(_ out: UnsafeMutablePointer<T>, _ mask: UnsafePointer<T>, batch b: Int, steps t: Int)
{
  for s in 0..<b {
    var any = false
    for step in 0..<t {
      out[s * t + step] = mask[s * t + step] != 0 ? 1 : 0
      any = any || mask[s * t + step] != 0
    }
    if !any, t > 0 { out[s * t] = 1 }
  }
}

/// `out = softmax(q k^T / sqrt(headDim) + mask) v` per sample and head. With `dropoutScale`
/// ([B, heads, Tq, Tk]: 0 or 1/(1-p)), the probabilities are multiplied by it before `v` and the
/// dropped probabilities are written to `dropped`.
@inlinable
public func attentionForward<T: Scalar>(
  _ out: UnsafeMutablePointer<T>, probs: UnsafeMutablePointer<T>, q: UnsafePointer<T>, k: UnsafePointer<T>,
  v: UnsafePointer<T>, keyMask: UnsafePointer<T>, shape: AttentionShape,
  dropoutScale: UnsafePointer<T>? = nil, dropped: UnsafeMutablePointer<T>? = nil
) {
  let (tq, tk, d, dh) = (shape.queries, shape.keys, shape.width, shape.headDim)
  let scale = 1 / T.sqrt(T(dh))
  for s in 0..<shape.batch {
    for h in 0..<shape.heads {
      let p = probs + ((s * shape.heads + h) * tq) * tk
      let qh = q + s * tq * d + h * dh
      let kh = k + s * tk * d + h * dh
      let vh = v + s * tk * d + h * dh
      gemm(transB: true, m: tq, n: tk, k: dh, alpha: scale, qh, lda: d, kh, ldb: d, p, ldc: tk)
      let m = keyMask + s * tk
      for i in 0..<tq {
        let row = p + i * tk
        for j in 0..<tk where m[j] == 0 { row[j] = -T.infinity }
      }
      softmaxForward(p, p, rows: tq, columns: tk)
      var used = UnsafePointer(p)
      if let dropoutScale, let dropped {
        let offset = ((s * shape.heads + h) * tq) * tk
        for i in 0..<(tq * tk) { dropped[offset + i] = p[i] * dropoutScale[offset + i] }
        used = UnsafePointer(dropped + offset)
      }
      gemm(m: tq, n: dh, k: tk, used, lda: tk, vh, ldb: d, out + s * tq * d + h * dh, ldc: d)
    }
  }
}

/// Accumulates `dq`, `dk`, `dv` from `dout`. `scratch` needs `Tq * Tk` elements.
@inlinable
public func attentionBackward<T: Scalar>(
  dq: UnsafeMutablePointer<T>, dk: UnsafeMutablePointer<T>, dv: UnsafeMutablePointer<T>, dout: UnsafePointer<T>,
  probs: UnsafePointer<T>, q: UnsafePointer<T>, k: UnsafePointer<T>, v: UnsafePointer<T>, shape: AttentionShape,
  scratch: UnsafeMutablePointer<T>, dropoutScale: UnsafePointer<T>? = nil, dropped: UnsafePointer<T>? = nil
) {
  let (tq, tk, d, dh) = (shape.queries, shape.keys, shape.width, shape.headDim)
  let scale = 1 / T.sqrt(T(dh))
  for s in 0..<shape.batch {
    for h in 0..<shape.heads {
      let offset = ((s * shape.heads + h) * tq) * tk
      let p = probs + offset
      let used = dropped.map { $0 + offset } ?? p
      let qh = q + s * tq * d + h * dh
      let kh = k + s * tk * d + h * dh
      let vh = v + s * tk * d + h * dh
      let doh = dout + s * tq * d + h * dh
      // dv += P_used^T dO ; dP_used = dO v^T
      gemm(transA: true, m: tk, n: dh, k: tq, used, lda: tk, doh, ldb: d, beta: 1, dv + s * tk * d + h * dh, ldc: d)
      gemm(transB: true, m: tq, n: tk, k: dh, doh, lda: d, vh, ldb: d, scratch, ldc: tk)
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
      gemm(m: tq, n: dh, k: tk, scratch, lda: tk, kh, ldb: d, beta: 1, dq + s * tq * d + h * dh, ldc: d)
      gemm(transA: true, m: tk, n: dh, k: tq, scratch, lda: tk, qh, ldb: d, beta: 1, dk + s * tk * d + h * dh, ldc: d)
    }
  }
}
