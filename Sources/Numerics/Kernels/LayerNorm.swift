// LayerNorm over the last dimension (reference: torch.nn.LayerNorm; llm.c layernorm_forward/backward).
// Shapes: x, y [N, C]; weight, bias [C]; mean, rstd [N] saved for backward.

/// `y = (x - mean) * rstd * weight + bias` per row, with the biased variance as PyTorch uses.
@inlinable
public func layerNormForward<T: Scalar>(
  _ out: UnsafeMutablePointer<T>, mean: UnsafeMutablePointer<T>, rstd: UnsafeMutablePointer<T>,
  _ x: UnsafePointer<T>, _ weight: UnsafePointer<T>, _ bias: UnsafePointer<T>, rows n: Int, channels c: Int,
  eps: T = 1e-5
) {
  let scale = 1 / T(c)
  for r in 0..<n {
    let row = x + r * c
    var m: T = 0
    for j in 0..<c { m += row[j] }
    m *= scale
    var v: T = 0
    for j in 0..<c {
      let shifted = row[j] - m
      v += shifted * shifted
    }
    v *= scale
    let s = 1 / T.sqrt(v + eps)
    let o = out + r * c
    for j in 0..<c { o[j] = (row[j] - m) * s * weight[j] + bias[j] }
    mean[r] = m
    rstd[r] = s
  }
}

/// Accumulates `dx`, `dweight`, `dbias` from `dout`.
@inlinable
public func layerNormBackward<T: Scalar>(
  dx: UnsafeMutablePointer<T>, dweight: UnsafeMutablePointer<T>, dbias: UnsafeMutablePointer<T>,
  dout: UnsafePointer<T>, x: UnsafePointer<T>, weight: UnsafePointer<T>, mean: UnsafePointer<T>,
  rstd: UnsafePointer<T>, rows n: Int, channels c: Int
) {
  let scale = 1 / T(c)
  for r in 0..<n {
    let dy = dout + r * c
    let row = x + r * c
    let m = mean[r]
    let s = rstd[r]
    // Two reductions, then one pass: dx = s * (dnorm - mean(dnorm) - norm * mean(dnorm * norm)).
    var dnormMean: T = 0
    var dnormNormMean: T = 0
    for j in 0..<c {
      let norm = (row[j] - m) * s
      let dnorm = weight[j] * dy[j]
      dnormMean += dnorm
      dnormNormMean += dnorm * norm
    }
    dnormMean *= scale
    dnormNormMean *= scale
    let dxRow = dx + r * c
    for j in 0..<c {
      let norm = (row[j] - m) * s
      dbias[j] += dy[j]
      dweight[j] += norm * dy[j]
      dxRow[j] += (weight[j] * dy[j] - dnormMean - norm * dnormNormMean) * s
    }
  }
}
