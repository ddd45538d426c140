import Numerics
import Testing

/// Central finite differences in Double: for inputs `x_j`, the scalar `L = sum(out * w)` with fixed
/// random weights `w`; `backward(inputs, w)` must return dL/dx_j for every input.
struct GradientCheck {
  var step = 1e-6
  var tolerance = 1e-6

  /// Checks every element of every input; the error is relative to the largest gradient magnitude of
  /// that input (and at least 1e-3, so tiny gradients are compared absolutely).
  func check(
    _ name: String, inputs: [[Double]], outputs: Int,
    forward: ([[Double]]) -> [Double], backward: ([[Double]], [Double]) -> [[Double]],
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    var rng = RandomStream(seed: 99, stream: UInt64(outputs))
    let weights = (0..<outputs).map { _ in rng.nextNormal() }
    let analytic = backward(inputs, weights)
    for (j, input) in inputs.enumerated() {
      var numeric = [Double](repeating: 0, count: input.count)
      for i in input.indices {
        var plus = inputs
        plus[j][i] += step
        var minus = inputs
        minus[j][i] -= step
        let lp = zip(forward(plus), weights).reduce(0) { $0 + $1.0 * $1.1 }
        let lm = zip(forward(minus), weights).reduce(0) { $0 + $1.0 * $1.1 }
        numeric[i] = (lp - lm) / (2 * step)
      }
      let scale = max(numeric.map(abs).max() ?? 0, 1e-3)
      let worst = zip(numeric, analytic[j]).map { abs($0 - $1) }.max() ?? 0
      #expect(
        worst <= tolerance * scale, "\(name): input \(j) max |analytic - numeric| = \(worst) (scale \(scale))",
        sourceLocation: sourceLocation)
    }
  }
}

/// Deterministic test values.
func randomValues(_ count: Int, seed: UInt64, scale: Double = 1) -> [Double] {
  var rng = RandomStream(seed: seed, stream: 7)
  return (0..<count).map { _ in rng.nextNormal() * scale }
}

extension Array where Element == Double {
  /// Runs `body` with a mutable pointer to a copy and returns the copy.
  func withCopy(_ body: (UnsafeMutablePointer<Double>) -> Void) -> [Double] {
    var copy = self
    copy.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    return copy
  }
}
