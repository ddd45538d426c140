// Inverted dropout (reference: torch.nn.Dropout): at train time each element is kept with
// probability 1 - p and scaled by 1/(1 - p). The scale factors (0 or 1/(1-p)) are drawn from a
// counter-based stream, saved for backward, and reproducible from the stream position.
// Each decision uses 16 random bits, so one Philox block decides eight elements; the drop
// probability is p rounded to a multiple of 2^-16 (0.1 becomes 0.100006), the scale uses p itself.

/// Fills `scale` with 0 or `1/(1-p)`.
@inlinable
public func dropoutMask<T: Scalar>(_ scale: UnsafeMutablePointer<T>, count: Int, p: Double, rng: inout RandomStream) {
  let keepScale = T(1 / (1 - p))
  let threshold = UInt32((p * 65_536).rounded())
  var i = 0
  while i < count {
    let block = rng.nextBlock()
    for word in 0..<4 {
      let bits = block[word]
      if i < count { scale[i] = bits & 0xFFFF < threshold ? 0 : keepScale }
      if i + 1 < count { scale[i + 1] = bits >> 16 < threshold ? 0 : keepScale }
      i += 2
    }
  }
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
