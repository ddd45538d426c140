// Softmax over the last dimension (reference: torch.softmax(dim=-1)). Shapes: x, y [N, C].
// Entries equal to -infinity get probability 0 (masked attention keys, dropped top-k experts).

/// Row-wise softmax, max-subtracted for stability. A row of all -infinity is left as zeros.
@inlinable
public func softmaxForward<T: Scalar>(
  _ out: UnsafeMutablePointer<T>, _ x: UnsafePointer<T>, rows n: Int, columns c: Int
) {
  for r in 0..<n {
    let row = x + r * c
    let o = out + r * c
    var maxValue = -T.infinity
    for j in 0..<c where row[j] > maxValue { maxValue = row[j] }
    if maxValue == -T.infinity {
      o.update(repeating: 0, count: c)
      continue
    }
    var sum: T = 0
    for j in 0..<c {
      let e = row[j] == -T.infinity ? 0 : T.exp(row[j] - maxValue)
      o[j] = e
      sum += e
    }
    let inv = 1 / sum
    for j in 0..<c { o[j] *= inv }
  }
}

/// `dx += y * (dy - sum_j dy_j y_j)` per row, from the forward output `y`.
@inlinable
public func softmaxBackward<T: Scalar>(
  dx: UnsafeMutablePointer<T>, dout: UnsafePointer<T>, y: UnsafePointer<T>, rows n: Int, columns c: Int
) {
  for r in 0..<n {
    let dy = dout + r * c
    let p = y + r * c
    var dot: T = 0
    for j in 0..<c { dot += dy[j] * p[j] }
    let d = dx + r * c
    for j in 0..<c { d[j] += p[j] * (dy[j] - dot) }
  }
}
