// Elementwise activations (reference: torch.nn.GELU with the default exact erf form, torch.nn.ReLU).
// Backward accumulates into dx; `x` is the forward input. GELU's erf is `Scalar.fastErf`: exact in
// Double, a vectorisable rational approximation (|error| <= 4.1e-7) in Float, where libm's erff costs
// ~12 ns an element and would dominate a BERT layer's feed-forward block.

/// GELU, erf form: `y = x/2 (1 + erf(x / sqrt 2))`.
@inlinable
public func geluForward<T: Scalar>(_ out: UnsafeMutablePointer<T>, _ x: UnsafePointer<T>, count: Int) {
  let invSqrt2 = T(0.70710678118654752440)
  for i in 0..<count { out[i] = T(0.5) * x[i] * (1 + T.fastErf(x[i] * invSqrt2)) }
}

/// `dx += dy * (Phi(x) + x phi(x))`.
@inlinable
public func geluBackward<T: Scalar>(
  dx: UnsafeMutablePointer<T>, dout: UnsafePointer<T>, x: UnsafePointer<T>, count: Int
) {
  let invSqrt2 = T(0.70710678118654752440)
  let invSqrt2Pi = T(0.39894228040143267794)
  for i in 0..<count {
    let v = x[i]
    let cdf = T(0.5) * (1 + T.fastErf(v * invSqrt2))
    let pdf = invSqrt2Pi * T.exp(T(-0.5) * v * v)
    dx[i] += dout[i] * (cdf + v * pdf)
  }
}

/// `y = max(x, 0)`.
@inlinable
public func reluForward<T: Scalar>(_ out: UnsafeMutablePointer<T>, _ x: UnsafePointer<T>, count: Int) {
  for i in 0..<count { out[i] = x[i] > 0 ? x[i] : 0 }
}

/// `dx += dy` where `x > 0` (PyTorch's subgradient 0 at 0).
@inlinable
public func reluBackward<T: Scalar>(
  dx: UnsafeMutablePointer<T>, dout: UnsafePointer<T>, x: UnsafePointer<T>, count: Int
) {
  for i in 0..<count where x[i] > 0 { dx[i] += dout[i] }
}

/// Numerically stable `log(1 + exp(x))` (reference: torch.nn.functional.softplus with beta 1 and its
/// linear regime above 20).
@inlinable
public func softplus<T: Scalar>(_ x: T) -> T {
  x > 20 ? x : (x < -20 ? T.exp(x) : T.log1p(T.exp(x)))
}

/// `1 / (1 + exp(-x))` without overflow.
@inlinable
public func sigmoid<T: Scalar>(_ x: T) -> T {
  if x >= 0 { return 1 / (1 + T.exp(-x)) }
  let e = T.exp(x)
  return e / (1 + e)
}
