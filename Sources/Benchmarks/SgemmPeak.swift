import Numerics

/// The machine's float32 matrix-product speed: a 1024^3 `cblas_sgemm`, best of several, in GFLOP/s.
/// Every other figure is reported beside it (DESIGN section 9), since this machine's speed varies.
public enum SgemmPeak {
  public static func measure(threads: Int, size: Int = 1024, repeats: Int = 5) -> Double {
    BLASLibrary.setThreads(threads)
    let a = [Float](repeating: 0.5, count: size * size)
    var c = [Float](repeating: 0, count: size * size)
    let seconds = Timing.best(repeats: repeats) {
      gemm(m: size, n: size, k: size, a, a, &c)
    }
    return 2 * Double(size * size * size) / seconds / 1e9
  }
}
