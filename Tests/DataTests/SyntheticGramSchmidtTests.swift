// Modified Gram-Schmidt, used for the synthetic benchmark's orthonormal signal directions.
import Data
import Numerics
import Testing

@Suite struct SyntheticGramSchmidtTests {
  @Test func handWorkedExample() {
    // (3, 4, 0) -> (0.6, 0.8, 0); (1, 0, 0) - 0.6 (0.6, 0.8, 0) = (0.64, -0.48, 0), norm 0.8 -> (0.8, -0.6, 0).
    var rows: [Double] = [3, 4, 0, 1, 0, 0]
    GramSchmidt.orthonormalizeRows(&rows, count: 2, dim: 3)
    let expected: [Double] = [0.6, 0.8, 0, 0.8, -0.6, 0]
    #expect(zip(rows, expected).allSatisfy { abs($0 - $1) < 1e-15 }, "\(rows)")
  }

  @Test func randomRowsBecomeOrthonormal() {
    var rng = RandomStream(seed: 9, stream: 1)
    let (count, dim) = (9, 32)
    var rows = (0..<(count * dim)).map { _ in rng.nextNormal() }
    let original = rows
    GramSchmidt.orthonormalizeRows(&rows, count: count, dim: dim)
    for i in 0..<count {
      for j in 0..<count {
        let dot = (0..<dim).map { rows[i * dim + $0] * rows[j * dim + $0] }.reduce(0, +)
        #expect(abs(dot - (i == j ? 1 : 0)) < 1e-12, "rows \(i), \(j): \(dot)")
      }
    }
    // The first row keeps its direction: Q's first column is the first input normalised.
    let norm = (0..<dim).map { original[$0] * original[$0] }.reduce(0, +).squareRoot()
    #expect((0..<dim).allSatisfy { abs(rows[$0] - original[$0] / norm) < 1e-14 })
  }
}
