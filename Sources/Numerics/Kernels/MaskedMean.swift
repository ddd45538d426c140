// Mean over the steps of each packed sequence (reference: mmolre.models.router.masked_mean, the mean
// over a padded sequence's valid steps). Shapes: x [rows, C], y [count, C]. An empty sequence gives
// zeros, as the reference's count clamped to at least 1.

@inlinable
public func segmentMeanForward<T: Scalar>(
  _ out: UnsafeMutablePointer<T>, _ x: UnsafePointer<T>, segments: Segments, channels c: Int
) {
  for s in 0..<segments.count {
    let o = out + s * c
    o.update(repeating: 0, count: c)
    for r in segments.start(s)..<segments.end(s) {
      let row = x + r * c
      for j in 0..<c { o[j] += row[j] }
    }
    let inv = 1 / T(max(segments.length(s), 1))
    for j in 0..<c { o[j] *= inv }
  }
}

/// `dx[row] += dy[sequence of row] / length`.
@inlinable
public func segmentMeanBackward<T: Scalar>(
  dx: UnsafeMutablePointer<T>, dout: UnsafePointer<T>, segments: Segments, channels c: Int
) {
  for s in 0..<segments.count {
    let inv = 1 / T(max(segments.length(s), 1))
    let dy = dout + s * c
    for r in segments.start(s)..<segments.end(s) {
      let row = dx + r * c
      for j in 0..<c { row[j] += inv * dy[j] }
    }
  }
}
