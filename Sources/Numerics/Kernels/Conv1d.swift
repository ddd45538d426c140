// Conv1d with kernel 3 and padding 1 over channels-last sequences (reference: torch.nn.Conv1d(D, R, 3,
// padding=1), which works on [B, D, T]; here activations are [B, T, D] so kernels and GEMMs share rows).
// Weight layout is PyTorch's [R, D, 3], read as a matrix [R, 3D] whose column d*3 + k multiplies the
// input step t + k - 1. The kernel-3 conv is one GEMM over an im2col copy of the input:
//   cols[b*T + t, d*3 + k] = x[b, t + k - 1, d]   (zero outside 0..<T)
//   y = cols W^T + bias
// A kernel-1 conv is `linearForward` on the [B*T, D] rows.

/// Fills `cols` [B*T, 3D] from `x` [B, T, D]; every step sees its neighbours within its own sample.
@inlinable
public func im2col3<T: Scalar>(
  _ cols: UnsafeMutablePointer<T>, _ x: UnsafePointer<T>, batch b: Int, steps t: Int, channels d: Int
) {
  for s in 0..<b {
    for step in 0..<t {
      let row = cols + (s * t + step) * 3 * d
      let here = x + (s * t + step) * d
      let hasPrev = step > 0
      let hasNext = step + 1 < t
      for c in 0..<d {
        row[3 * c] = hasPrev ? here[c - d] : 0
        row[3 * c + 1] = here[c]
        row[3 * c + 2] = hasNext ? here[c + d] : 0
      }
    }
  }
}

/// Adds the im2col gradient back onto the input gradient: the transpose of `im2col3`.
@inlinable
public func col2im3Add<T: Scalar>(
  _ dx: UnsafeMutablePointer<T>, _ dcols: UnsafePointer<T>, batch b: Int, steps t: Int, channels d: Int
) {
  for s in 0..<b {
    for step in 0..<t {
      let row = dcols + (s * t + step) * 3 * d
      let here = dx + (s * t + step) * d
      let hasPrev = step > 0
      let hasNext = step + 1 < t
      for c in 0..<d {
        if hasPrev { here[c - d] += row[3 * c] }
        here[c] += row[3 * c + 1]
        if hasNext { here[c + d] += row[3 * c + 2] }
      }
    }
  }
}

/// Kernel-3 conv, padding 1: `out` [B*T, R] from `x` [B, T, D]. `cols` [B*T, 3D] is filled here and
/// is what the backward pass needs. Cost `6 B T D R` FLOPs.
@inlinable
public func conv3Forward<T: Scalar>(
  _ out: UnsafeMutablePointer<T>, cols: UnsafeMutablePointer<T>, _ x: UnsafePointer<T>,
  _ weight: UnsafePointer<T>, _ bias: UnsafePointer<T>?, batch b: Int, steps t: Int, inputs d: Int, outputs r: Int
) {
  im2col3(cols, x, batch: b, steps: t, channels: d)
  linearForward(out, cols, weight, bias, rows: b * t, inputs: 3 * d, outputs: r)
}

/// Accumulates the weight and bias gradients and, when `dx` is given, the input gradient (through
/// `dcols` [B*T, 3D], scratch space).
@inlinable
public func conv3Backward<T: Scalar>(
  dx: UnsafeMutablePointer<T>?, dcols: UnsafeMutablePointer<T>?, dweight: UnsafeMutablePointer<T>?,
  dbias: UnsafeMutablePointer<T>?, dout: UnsafePointer<T>, cols: UnsafePointer<T>, weight: UnsafePointer<T>,
  batch b: Int, steps t: Int, inputs d: Int, outputs r: Int
) {
  linearBackward(
    dinp: nil, dweight: dweight, dbias: dbias, dout: dout, inp: cols, weight: weight, rows: b * t, inputs: 3 * d,
    outputs: r)
  if let dx, let dcols {
    gemm(m: b * t, n: 3 * d, k: r, dout, weight, dcols)
    col2im3Add(dx, dcols, batch: b, steps: t, channels: d)
  }
}
