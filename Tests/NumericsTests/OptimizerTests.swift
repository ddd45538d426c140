import Foundation
import Numerics
import Testing

@Suite struct OptimizerTests {
  // Two AdamW steps of torch.optim.AdamW(lr=0.1, weight_decay=0.01) from p = [1, -2] with gradients
  // g1 = [0.5, -1], g2 = [-0.25, 0.5], written out by hand from the update rule in the file header:
  // step 1: p *= 1 - 0.001; m = 0.1 g; v = 0.001 g^2; mhat = g, vhat = g^2 -> p -= 0.1 * g / (|g| + 1e-8)
  @Test func adamWMatchesTheUpdateRule() {
    var p: [Double] = [1, -2]
    var g: [Double] = [0.5, -1]
    let opt = AdamW<Double>(count: 2, groups: [ParameterGroup(range: 0..<2, learningRate: 0.1)], weightDecay: 0.01)
    p.withUnsafeMutableBufferPointer { pp in
      g.withUnsafeMutableBufferPointer { gg in opt.update(values: pp, gradients: gg) }
    }
    let expected1 = [1 * 0.999 - 0.1 * 0.5 / (0.5 + 1e-8), -2 * 0.999 + 0.1 * 1 / (1 + 1e-8)]
    #expect(zip(p, expected1).allSatisfy { abs($0 - $1) < 1e-12 })
    g = [-0.25, 0.5]
    p.withUnsafeMutableBufferPointer { pp in
      g.withUnsafeMutableBufferPointer { gg in opt.update(values: pp, gradients: gg) }
    }
    for i in 0..<2 {
      let g1 = [0.5, -1][i]
      let g2 = g[i]
      let m = 0.9 * 0.1 * g1 + 0.1 * g2
      let v = 0.999 * 0.001 * g1 * g1 + 0.001 * g2 * g2
      let stepSize = 0.1 / (1 - 0.81)
      let denom = v.squareRoot() / (1 - 0.999 * 0.999).squareRoot() + 1e-8
      let expected = expected1[i] * 0.999 - stepSize * m / denom
      #expect(abs(p[i] - expected) < 1e-12)
    }
  }

  @Test func clippingScalesToTheMaximumNorm() {
    var g: [Float] = [3, 4]
    let norm = g.withUnsafeMutableBufferPointer { clipGradientNorm($0, maxNorm: 1) }
    #expect(norm == 5)
    #expect(abs(g[0] - 0.6) < 1e-6 && abs(g[1] - 0.8) < 1e-6)
    var small: [Float] = [0.3, 0.4]
    _ = small.withUnsafeMutableBufferPointer { clipGradientNorm($0, maxNorm: 1) }
    #expect(small == [0.3, 0.4])
  }

  @Test func schedulesFollowTheirClosedForms() {
    let linear = LearningRateSchedule(kind: .linear, warmupSteps: 10, totalSteps: 110)
    #expect(linear.multiplier(afterSteps: 0) == 0)
    #expect(linear.multiplier(afterSteps: 5) == 0.5)
    #expect(linear.multiplier(afterSteps: 10) == 1)
    #expect(linear.multiplier(afterSteps: 60) == 0.5)
    #expect(linear.multiplier(afterSteps: 200) == 0)
    let cosine = LearningRateSchedule(kind: .cosine, warmupSteps: 0, totalSteps: 100)
    #expect(cosine.multiplier(afterSteps: 0) == 1)
    #expect(abs(cosine.multiplier(afterSteps: 50) - 0.5) < 1e-15)
    #expect(abs(cosine.multiplier(afterSteps: 25) - 0.5 * (1 + cos(Double.pi / 4))) < 1e-15)
    let constant = LearningRateSchedule(kind: .constant, warmupSteps: 4, totalSteps: 100)
    #expect(constant.multiplier(afterSteps: 1) == 0.25 && constant.multiplier(afterSteps: 50) == 1)
  }

  @Test func weightAverageFollowsTheWarmupRecursion() {
    var w: [Double] = [1, 2]
    let average = w.withUnsafeMutableBufferPointer { WeightAverage(values: $0, decay: 0.9) }
    var expected: [Double] = [1, 2]
    for n in 1...30 {
      w = w.map { $0 + 0.5 }
      w.withUnsafeMutableBufferPointer { average.update(values: $0) }
      let d = min(0.9, Double(1 + n) / Double(10 + n))
      expected = zip(expected, w).map { d * $0 + (1 - d) * $1 }
    }
    #expect(zip(Array(average.average), expected).allSatisfy { abs($0 - $1) < 1e-12 })
    let before = w
    w.withUnsafeMutableBufferPointer { average.swap(with: $0) }
    #expect(zip(w, expected).allSatisfy { abs($0 - $1) < 1e-12 })
    w.withUnsafeMutableBufferPointer { average.swap(with: $0) }
    #expect(w == before)
  }
}
