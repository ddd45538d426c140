// Linear layer `y = x W^T + b` over the rows of a matrix (reference: torch.nn.Linear).
// Shapes: x [N, I], W [O, I] (PyTorch's layout), b [O], y [N, O].

/// `out[n, o] = sum_i inp[n, i] * weight[o, i] + bias[o]`. Cost `2 N I O` FLOPs.
@inlinable
public func linearForward<T: Scalar>(
  _ out: UnsafeMutablePointer<T>, _ inp: UnsafePointer<T>, _ weight: UnsafePointer<T>, _ bias: UnsafePointer<T>?,
  rows n: Int, inputs i: Int, outputs o: Int
) {
  if let bias {
    for r in 0..<n { (out + r * o).update(from: bias, count: o) }
  }
  gemm(transB: true, m: n, n: o, k: i, inp, weight, beta: bias == nil ? 0 : 1, out)
}

/// Accumulates `dweight += dout^T inp`, `dbias += sum_n dout`, and `dinp += dout W` when `dinp` is given.
@inlinable
public func linearBackward<T: Scalar>(
  dinp: UnsafeMutablePointer<T>?, dweight: UnsafeMutablePointer<T>?, dbias: UnsafeMutablePointer<T>?,
  dout: UnsafePointer<T>, inp: UnsafePointer<T>, weight: UnsafePointer<T>,
  rows n: Int, inputs i: Int, outputs o: Int
) {
  if let dinp { gemm(m: n, n: i, k: o, dout, weight, beta: 1, dinp) }
  if let dweight { gemm(transA: true, m: o, n: i, k: n, dout, inp, beta: 1, dweight) }
  if let dbias { columnSums(dout, rows: n, columns: o, into: dbias) }
}

/// `into[c] += sum_r m[r, c]`.
@inlinable
public func columnSums<T: Scalar>(_ m: UnsafePointer<T>, rows: Int, columns: Int, into: UnsafeMutablePointer<T>) {
  for r in 0..<rows {
    let row = m + r * columns
    for c in 0..<columns { into[c] += row[c] }
  }
}
