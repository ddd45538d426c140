// Conv1d with kernel 3 and padding 1 over packed channels-last sequences (reference:
// torch.nn.Conv1d(D, R, 3, padding=1) on [B, D, T] with zero padding; here the valid steps of all
// sequences are rows of one [rows, D] matrix, `Segments` telling where each sequence starts).
// Weight layout is PyTorch's [R, D, 3], read as a matrix [R, 3D] whose column d*3 + k multiplies the
// input step t + k - 1. The kernel-3 conv is one GEMM over an im2col copy of the input:
//   cols[row, d*3 + k] = x[row + k - 1, d]   (zero across a sequence's ends)
//   y = cols W^T + bias
// A kernel-1 conv is `linearForward` on the rows.

/// Fills `cols` [rows, 3D] from `x` [rows, D]; every step sees its neighbours within its own sequence.
@inlinable
public func im2col3<T: Scalar>(
  _ cols: UnsafeMutablePointer<T>, _ x: UnsafePointer<T>, segments: Segments, channels d: Int
) {
  for s in 0..<segments.count {
    let (first, last) = (segments.start(s), segments.end(s))
    for r in first..<last {
      let row = cols + r * 3 * d
      let here = x + r * d
      let hasPrev = r > first
      let hasNext = r + 1 < last
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
  _ dx: UnsafeMutablePointer<T>, _ dcols: UnsafePointer<T>, segments: Segments, channels d: Int
) {
  for s in 0..<segments.count {
    let (first, last) = (segments.start(s), segments.end(s))
    for r in first..<last {
      let row = dcols + r * 3 * d
      let here = dx + r * d
      let hasPrev = r > first
      let hasNext = r + 1 < last
      for c in 0..<d {
        if hasPrev { here[c - d] += row[3 * c] }
        here[c] += row[3 * c + 1]
        if hasNext { here[c + d] += row[3 * c + 2] }
      }
    }
  }
}

/// Kernel-3 conv, padding 1: `out` [rows, R] from `x` [rows, D]. `cols` [rows, 3D] is filled here and
/// is what the backward pass needs. Cost `6 rows D R` FLOPs.
@inlinable
public func conv3Forward<T: Scalar>(
  _ out: UnsafeMutablePointer<T>, cols: UnsafeMutablePointer<T>, _ x: UnsafePointer<T>,
  _ weight: UnsafePointer<T>, _ bias: UnsafePointer<T>?, segments: Segments, inputs d: Int, outputs r: Int
) {
  im2col3(cols, x, segments: segments, channels: d)
  linearForward(out, cols, weight, bias, rows: segments.rows, inputs: 3 * d, outputs: r)
}

/// Accumulates the weight and bias gradients and, when `dx` is given, the input gradient (through
/// `dcols` [rows, 3D], scratch space).
@inlinable
public func conv3Backward<T: Scalar>(
  dx: UnsafeMutablePointer<T>?, dcols: UnsafeMutablePointer<T>?, dweight: UnsafeMutablePointer<T>?,
  dbias: UnsafeMutablePointer<T>?, dout: UnsafePointer<T>, cols: UnsafePointer<T>, weight: UnsafePointer<T>,
  segments: Segments, inputs d: Int, outputs r: Int
) {
  linearBackward(
    dinp: nil, dweight: dweight, dbias: dbias, dout: dout, inp: cols, weight: weight, rows: segments.rows,
    inputs: 3 * d, outputs: r)
  if let dx, let dcols {
    gemm(m: segments.rows, n: 3 * d, k: r, dout, weight, dcols)
    col2im3Add(dx, dcols, segments: segments, channels: d)
  }
}
