// Inverted dropout (reference: torch.nn.Dropout): at train time each element is kept with
// probability 1 - p and scaled by 1/(1 - p). The scale factors (0 or 1/(1-p)) are drawn from a
// counter-based stream, saved for backward, and reproducible from the stream position.

/// Fills `scale` with 0 or `1/(1-p)`: an element is dropped when a 32-bit draw falls below `p * 2^32`.
@inlinable
public func dropoutMask<T: Scalar>(_ scale: UnsafeMutablePointer<T>, count: Int, p: Double, rng: inout RandomStream) {
  let keepScale = T(1 / (1 - p))
  let threshold = UInt64(p * 4_294_967_296.0)
  for i in 0..<count { scale[i] = UInt64(rng.nextUInt32()) < threshold ? 0 : keepScale }
}

/// `out = x * scale` (in place allowed).
@inlinable
public func dropoutForward<T: Scalar>(
  _ out: UnsafeMutablePointer<T>, _ x: UnsafePointer<T>, scale: UnsafePointer<T>, count: Int
) {
  for i in 0..<count { out[i] = x[i] * scale[i] }
}

/// `dx += dy * scale`.
@inlinable
public func dropoutBackward<T: Scalar>(
  dx: UnsafeMutablePointer<T>, dout: UnsafePointer<T>, scale: UnsafePointer<T>, count: Int
) {
  for i in 0..<count { dx[i] += dout[i] * scale[i] }
}
