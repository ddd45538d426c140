import Foundation
import Numerics
import Testing

/// `rationalErf` against libm's `erf` in Double, the independent reference.
@Suite struct FastErfTests {
  @Test func withinStatedErrorOverTheWholeRange() {
    var worst = 0.0
    for i in 0...200_000 {
      let x = Float(-8 + 16 * Double(i) / 200_000)
      worst = max(worst, abs(Double(rationalErf(x)) - erf(Double(x))))
    }
    #expect(worst <= 4.1e-7, "max |rationalErf - erf| = \(worst)")
    // Odd, saturating, NaN-propagating.
    #expect(rationalErf(0) == 0)
    #expect(rationalErf(-0.75) == -rationalErf(0.75))
    #expect(rationalErf(.infinity) == rationalErf(100) && abs(rationalErf(100) - 1) < 1e-6)
    #expect(rationalErf(.nan).isNaN)
    // Float's GELU uses it: GELU(1) = Phi(1) = 0.8413447460685429.
    var y: [Float] = [0]
    geluForward(&y, [1], count: 1)
    #expect(abs(Double(y[0]) - 0.8413447460685429) < 3e-7)
  }
}
