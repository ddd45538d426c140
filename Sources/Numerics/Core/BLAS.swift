import CBLAS

/// Row-major matrix product `C[m, n] = alpha * op(A) op(B) + beta * C` on OpenBLAS.
///
/// `op(A)` is `[m, k]` (A stored `[k, m]` when `transA`), `op(B)` is `[k, n]` (B stored `[n, k]`
/// when `transB`). Leading dimensions default to the packed row length. Cost: `2 m n k` FLOPs.
@inlinable
public func gemm<T: Scalar>(
  transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: T = 1,
  _ a: UnsafePointer<T>, lda: Int? = nil, _ b: UnsafePointer<T>, ldb: Int? = nil,
  beta: T = 0, _ c: UnsafeMutablePointer<T>, ldc: Int? = nil
) {
  guard m > 0, n > 0 else { return }
  if k == 0 {
    // BLAS leaves C untouched for k = 0 only when beta = 1; make the other cases explicit.
    if beta == 0 {
      c.update(repeating: 0, count: (ldc ?? n) * (m - 1) + n)
    } else if beta != 1 {
      for i in 0..<m { for j in 0..<n { c[i * (ldc ?? n) + j] *= beta } }
    }
    return
  }
  let started = FlopCounter.clock()
  T.blasGemm(
    transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
    a: a, lda: lda ?? (transA ? m : k), b: b, ldb: ldb ?? (transB ? k : n),
    beta: beta, c: c, ldc: ldc ?? n)
  FlopCounter.add(2 * m * n * k, since: started)
}

/// Facts about and settings of the OpenBLAS library this binary links.
public enum BLASLibrary {
  /// Threads OpenBLAS uses for one call; `0` keeps its default.
  public static func setThreads(_ count: Int) {
    if count > 0 { openblas_set_num_threads(Int32(count)) }
  }

  /// Threads OpenBLAS uses now.
  public static var threads: Int { Int(openblas_get_num_threads()) }

  /// The CPU kernel family OpenBLAS chose at start-up (`Haswell`, `SkylakeX`, ...); results differ
  /// in the last bits between families, so the tracker records it.
  public static var coreName: String {
    guard let name = openblas_get_corename() else { return "unknown" }
    return String(cString: name)
  }

  /// OpenBLAS's build description (version, threading model, core).
  public static var configuration: String {
    guard let config = openblas_get_config() else { return "unknown" }
    return String(cString: config)
  }
}
