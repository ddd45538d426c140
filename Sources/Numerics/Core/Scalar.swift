import CBLAS

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The element types kernels are written for: `Float` for training, `Double` for gradient checks
/// and the golden tests.
///
/// Every kernel is generic over `Scalar` and `@inlinable`, so a call from another module is
/// specialised for the concrete type and runs without dynamic dispatch.
public protocol Scalar: BinaryFloatingPoint, Sendable, CustomStringConvertible, LosslessStringConvertible
where RawSignificand: FixedWidthInteger {
  /// Row-major `C = alpha * op(A) op(B) + beta * C` on OpenBLAS (`cblas_sgemm` / `cblas_dgemm`).
  static func blasGemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
    a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
    beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
  static func exp(_ x: Self) -> Self
  static func log(_ x: Self) -> Self
  static func log1p(_ x: Self) -> Self
  static func erf(_ x: Self) -> Self
  /// erf for elementwise kernels (GELU): branch-free and vectorisable in `Float` (`|error| <= 4.1e-7`,
  /// see `FastErf.swift`), the libm `erf` in `Double` so gradient checks see the exact function.
  static func fastErf(_ x: Self) -> Self
  static func tanh(_ x: Self) -> Self
  static func sqrt(_ x: Self) -> Self
  static func pow(_ x: Self, _ y: Self) -> Self
}

@inlinable
func cblasTranspose(_ transposed: Bool) -> CBLAS_TRANSPOSE {
  transposed ? CblasTrans : CblasNoTrans
}

extension Float: Scalar {
  @inlinable
  public static func blasGemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, cblasTranspose(transA), cblasTranspose(transB), Int32(m), Int32(n), Int32(k),
      alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }
  @inlinable public static func exp(_ x: Float) -> Float { expf(x) }
  @inlinable public static func log(_ x: Float) -> Float { logf(x) }
  @inlinable public static func log1p(_ x: Float) -> Float { log1pf(x) }
  @inlinable public static func erf(_ x: Float) -> Float { erff(x) }
  @inlinable public static func fastErf(_ x: Float) -> Float { rationalErf(x) }
  @inlinable public static func tanh(_ x: Float) -> Float { tanhf(x) }
  @inlinable public static func sqrt(_ x: Float) -> Float { x.squareRoot() }
  @inlinable public static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
}

extension Double: Scalar {
  @inlinable
  public static func blasGemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
    a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
    beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    cblas_dgemm(
      CblasRowMajor, cblasTranspose(transA), cblasTranspose(transB), Int32(m), Int32(n), Int32(k),
      alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }
  @inlinable public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
  @inlinable public static func log(_ x: Double) -> Double { Glibc.log(x) }
  @inlinable public static func log1p(_ x: Double) -> Double { Glibc.log1p(x) }
  @inlinable public static func erf(_ x: Double) -> Double { Glibc.erf(x) }
  @inlinable public static func fastErf(_ x: Double) -> Double { Glibc.erf(x) }
  @inlinable public static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
  @inlinable public static func sqrt(_ x: Double) -> Double { x.squareRoot() }
  @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
}
