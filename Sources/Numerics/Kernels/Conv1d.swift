// Conv1d with kernel 3 and padding 1 over packed channels-last sequences (reference:
// torch.nn.Conv1d(D, R, 3, padding=1) on [B, D, T] with zero padding; here the valid steps of all
// sequences are rows of one [rows, D] matrix, `Segments` telling where each sequence starts).
//
//   out[t] = bias + W_0 x[t-1] + W_1 x[t] + W_2 x[t+1]      (x = 0 across a sequence's ends)
//
// with W_k = weight[:, :, k] of PyTorch's [R, D, 3] layout. Rather than copying three shifted
// inputs side by side (im2col, 3D columns), one GEMM multiplies the input by all three taps at once,
// Y = x [W_0; W_1; W_2]^T ([rows, 3R]), and each output row adds its neighbours' slices:
// out[t] = bias + Y[t-1, tap 0] + Y[t, tap 1] + Y[t+1, tap 2]. The GEMM is wider (3R outputs) and
// reads the input in place, which makes it faster than im2col at every size here (BENCHMARKS.md).
// The backward pass is the transpose: dY[t, tap 0] = dout[t+1], dY[t, tap 1] = dout[t],
// dY[t, tap 2] = dout[t-1], then dx = dY W_cat and dW_cat = dY^T x.

/// Scratch elements `conv3Forward` and `conv3Backward` need: Y or dY [rows, 3R] and the reordered
/// weight (and its gradient) [3R, D].
@inlinable
public func conv3WorkspaceCount(rows: Int, inputs d: Int, outputs r: Int) -> Int {
  rows * 3 * r + 2 * 3 * r * d
}

/// `wcat[k*R + o, c] = weight[o, c, k]`: the three taps stacked as one [3R, D] matrix.
@inlinable
func conv3StackTaps<T: Scalar>(
  _ wcat: UnsafeMutablePointer<T>, _ weight: UnsafePointer<T>, inputs d: Int, outputs r: Int
) {
  for o in 0..<r {
    let source = weight + o * d * 3
    for k in 0..<3 {
      let target = wcat + (k * r + o) * d
      for c in 0..<d { target[c] = source[c * 3 + k] }
    }
  }
}

/// Kernel-3 conv, padding 1: `out` [rows, R] from `x` [rows, D]. Cost `6 rows D R` FLOPs.
/// `work` needs `conv3WorkspaceCount` elements; backward reads `x` again, not `work`.
@inlinable
public func conv3Forward<T: Scalar>(
  _ out: UnsafeMutablePointer<T>, work: UnsafeMutablePointer<T>, _ x: UnsafePointer<T>,
  _ weight: UnsafePointer<T>, _ bias: UnsafePointer<T>?, segments: Segments, inputs d: Int, outputs r: Int
) {
  let rows = segments.rows
  let y = work
  let wcat = work + rows * 3 * r
  conv3StackTaps(wcat, weight, inputs: d, outputs: r)
  gemm(transB: true, m: rows, n: 3 * r, k: d, x, wcat, y)
  for s in 0..<segments.count {
    let (first, last) = (segments.start(s), segments.end(s))
    for t in first..<last {
      let o = out + t * r
      let center = y + t * 3 * r + r
      if let bias {
        for j in 0..<r { o[j] = bias[j] + center[j] }
      } else {
        for j in 0..<r { o[j] = center[j] }
      }
      if t > first {
        let previous = y + (t - 1) * 3 * r
        for j in 0..<r { o[j] += previous[j] }
      }
      if t + 1 < last {
        let next = y + (t + 1) * 3 * r + 2 * r
        for j in 0..<r { o[j] += next[j] }
      }
    }
  }
}

/// Accumulates the weight and bias gradients and, when `dx` is given, the input gradient.
/// `work` needs `conv3WorkspaceCount` elements.
@inlinable
public func conv3Backward<T: Scalar>(
  dx: UnsafeMutablePointer<T>?, work: UnsafeMutablePointer<T>, dweight: UnsafeMutablePointer<T>?,
  dbias: UnsafeMutablePointer<T>?, dout: UnsafePointer<T>, x: UnsafePointer<T>, weight: UnsafePointer<T>,
  segments: Segments, inputs d: Int, outputs r: Int
) {
  let rows = segments.rows
  let dy = work
  let wcat = work + rows * 3 * r
  let dwcat = wcat + 3 * r * d
  for s in 0..<segments.count {
    let (first, last) = (segments.start(s), segments.end(s))
    for t in first..<last {
      let row = dy + t * 3 * r
      let here = dout + t * r
      for j in 0..<r { row[r + j] = here[j] }
      if t + 1 < last {
        let next = dout + (t + 1) * r
        for j in 0..<r { row[j] = next[j] }
      } else {
        row.update(repeating: 0, count: r)
      }
      if t > first {
        let previous = dout + (t - 1) * r
        for j in 0..<r { row[2 * r + j] = previous[j] }
      } else {
        (row + 2 * r).update(repeating: 0, count: r)
      }
    }
  }
  if let dbias { columnSums(dout, rows: rows, columns: r, into: dbias) }
  if let dweight {
    gemm(transA: true, m: 3 * r, n: d, k: rows, dy, x, dwcat)
    for o in 0..<r {
      let target = dweight + o * d * 3
      for k in 0..<3 {
        let source = dwcat + (k * r + o) * d
        for c in 0..<d { target[c * 3 + k] += source[c] }
      }
    }
  }
  if let dx {
    conv3StackTaps(wcat, weight, inputs: d, outputs: r)
    gemm(m: rows, n: d, k: 3 * r, dy, wcat, beta: 1, dx)
  }
}
