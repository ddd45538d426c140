// Modified Gram-Schmidt: orthonormal rows spanning the same nested subspaces as the input rows, the
// Q of a thin QR factorisation of the transposed matrix (up to the signs of Q's columns, which LAPACK
// leaves to its Householder reflections and Gram-Schmidt fixes by a positive R diagonal). The
// modified form subtracts each projection from the running remainder, which keeps the result
// orthogonal to rounding level for the few, well-conditioned rows used here.

/// Orthonormalisation of a few vectors, in Double.
public enum GramSchmidt {
  /// Replaces the `count` rows of `rows` (row-major, `count x dim`) by orthonormal ones: row `i` of
  /// the result spans, with rows `0..<i`, what input rows `0...i` span.
  ///
  /// - Precondition: `count <= dim`, `rows.count == count * dim`, and the rows are linearly
  ///   independent (random normal rows are, with probability one); an exactly dependent row becomes zero.
  /// - Complexity: O(count^2 * dim).
  public static func orthonormalizeRows(_ rows: inout [Double], count: Int, dim: Int) {
    precondition(count <= dim, "\(count) vectors cannot be orthonormal in \(dim) dimensions")
    precondition(rows.count == count * dim, "rows holds \(rows.count) values, not \(count) x \(dim)")
    for i in 0..<count {
      let ri = i * dim
      for j in 0..<i {
        let rj = j * dim
        var dot = 0.0
        for d in 0..<dim { dot += rows[ri + d] * rows[rj + d] }
        for d in 0..<dim { rows[ri + d] -= dot * rows[rj + d] }
      }
      normalize(&rows, row: i, dim: dim)
    }
  }

  /// Scales row `row` of `rows` to unit Euclidean length; a zero row stays zero.
  public static func normalize(_ rows: inout [Double], row: Int, dim: Int) {
    let start = row * dim
    var squares = 0.0
    for d in 0..<dim { squares += rows[start + d] * rows[start + d] }
    let norm = squares.squareRoot()
    guard norm > 0 else { return }
    for d in 0..<dim { rows[start + d] /= norm }
  }
}
