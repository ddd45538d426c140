// Top-k gating (Shazeer et al. 2017, eq. 3-5; reference: mmolre.models.router.Router): keep each
// row's k largest logits and set the rest to -infinity before the softmax, so dropped experts get
// gate 0. Shapes: logits [B, N]; `kept` [B, N] records the mask (1 kept, 0 dropped) for backward.

/// Writes `out` = logits where kept, -infinity elsewhere. Ties go to the lower index.
@inlinable
public func topKMaskForward<T: Scalar>(
  _ out: UnsafeMutablePointer<T>, kept: UnsafeMutablePointer<T>, _ logits: UnsafePointer<T>, rows b: Int,
  columns n: Int, k: Int
) {
  for r in 0..<b {
    let row = logits + r * n
    for j in 0..<n {
      // Rank of j: how many entries beat it (larger, or equal at a lower index).
      var better = 0
      for i in 0..<n where row[i] > row[j] || (row[i] == row[j] && i < j) { better += 1 }
      let keep = better < k
      kept[r * n + j] = keep ? 1 : 0
      out[r * n + j] = keep ? row[j] : -T.infinity
    }
  }
}

/// `dlogits += dout` where kept.
@inlinable
public func topKMaskBackward<T: Scalar>(
  dlogits: UnsafeMutablePointer<T>, dout: UnsafePointer<T>, kept: UnsafePointer<T>, count: Int
) {
  for i in 0..<count where kept[i] != 0 { dlogits[i] += dout[i] }
}
