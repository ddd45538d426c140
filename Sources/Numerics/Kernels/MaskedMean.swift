// Mean over the valid time steps of each sequence (reference: mmolre.models.router.masked_mean).
// Shapes: x [B, T, C], mask [B, T] (1 = real step), y [B, C]. An empty sequence gives zeros: the
// count is clamped to at least 1, as in the reference.

@inlinable
public func maskedMeanForward<T: Scalar>(
  _ out: UnsafeMutablePointer<T>, _ x: UnsafePointer<T>, mask: UnsafePointer<T>, batch b: Int, steps t: Int,
  channels c: Int
) {
  for s in 0..<b {
    let o = out + s * c
    o.update(repeating: 0, count: c)
    var valid: T = 0
    for step in 0..<t where mask[s * t + step] != 0 {
      valid += mask[s * t + step]
      let row = x + (s * t + step) * c
      let w = mask[s * t + step]
      for j in 0..<c { o[j] += w * row[j] }
    }
    let inv = 1 / max(valid, 1)
    for j in 0..<c { o[j] *= inv }
  }
}

/// `dx[b, t] += mask[b, t] * dy[b] / count_b`.
@inlinable
public func maskedMeanBackward<T: Scalar>(
  dx: UnsafeMutablePointer<T>, dout: UnsafePointer<T>, mask: UnsafePointer<T>, batch b: Int, steps t: Int,
  channels c: Int
) {
  for s in 0..<b {
    var valid: T = 0
    for step in 0..<t { valid += mask[s * t + step] }
    let inv = 1 / max(valid, 1)
    let dy = dout + s * c
    for step in 0..<t where mask[s * t + step] != 0 {
      let w = mask[s * t + step] * inv
      let row = dx + (s * t + step) * c
      for j in 0..<c { row[j] += w * dy[j] }
    }
  }
}
