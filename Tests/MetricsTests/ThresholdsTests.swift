// Threshold selection on validation data: the reference's worked cases (cff5b35 tests/test_metrics.py).
import Metrics
import Testing

@Suite struct ThresholdsTests {
  @Test func defaultGridHoldsTheExactDecimals() {
    #expect(Thresholds.defaultGrid.count == 19)
    #expect(Thresholds.defaultGrid.contains(0.5))
    // The doubles nearest 0.05, 0.15, 0.95 (the reference rounds its linspace to 10 decimals).
    #expect(Thresholds.defaultGrid.first == 0.05 && Thresholds.defaultGrid[2] == 0.15)
    #expect(Thresholds.defaultGrid.last == 0.95)
  }

  @Test func knownBestPerEmotion() throws {
    let presence = rows(Array(repeating: [true, true, false, false], count: 6))
    let probabilities = rows([
      [0.72, 0.8, 0.68, 0.1],  // happy: WA 1 only for t in (.68, .72] -> 0.70
      [0.9, 0.95, 0.2, 0.1],  // sad: perfect over .25 ... .9 -> tie broken toward 0.5
      [0.9, 0.91, 0.6, 0.55],  // anger: perfect for t in (.6, .9] -> 0.65 closest to 0.5
      [0.15, 0.2, 0.05, 0.01],  // surprise: 0.1 and 0.15 perfect; 0.15 closer to 0.5
      [0.01, 0.02, 0.98, 0.99],  // disgust: inverted: every grid point gives WA 0.5 -> 0.5
      // fear: t in .15 ... .30 -> WA (1 + 1/2) / 2 = .75; t = .35 -> (1/2 + 1) / 2 = .75; else .5
      // -> tie over .15 ... .35 -> .35.
      [0.36, 0.31, 0.305, 0.1],
    ])
    let t = try Thresholds.choose(probabilities: probabilities, presence: presence)
    let want = [0.70, 0.5, 0.65, 0.15, 0.5, 0.35]
    #expect(t.count == 6)
    for (got, expected) in zip(t, want) { #expect(close(got, expected), "\(t)") }
  }

  @Test func equidistantTieTakesTheLowerAndOneClassGetsHalf() throws {
    var presence = rows(Array(repeating: [true, true, false, false], count: 6))
    for i in 0..<4 { presence[i * 6 + 2] = false }  // anger: no positives
    let probabilities = rows(Array(repeating: [0.8, 0.9, 0.1, 0.2], count: 6))
    var warnings: [String] = []
    let t = try Thresholds.choose(
      probabilities: probabilities, presence: presence, grid: [0.7, 0.3], onWarning: { warnings.append($0) })
    // 0.3 and 0.7 both separate perfectly and lie 0.2 from 0.5: the lower wins.
    #expect(t == [0.3, 0.3, 0.5, 0.3, 0.3, 0.3])
    #expect(warnings.count == 1 && warnings[0].contains("anger"))
  }

  @Test func chosenThresholdIsGridOptimal() throws {
    // Deterministic pseudo-random data (a linear congruential sequence), 200 x 6.
    var state: UInt64 = 7
    func next() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    let presence = (0..<1200).map { _ in next() < 0.3 }
    let probabilities = presence.map { min(1, 0.3 * ($0 ? 1 : 0) + next() * 0.7) }
    let t = try Thresholds.choose(probabilities: probabilities, presence: presence)
    let best = try MERMetrics.compute(probabilities: probabilities, presence: presence, thresholds: t)
    for g in Thresholds.defaultGrid {
      let other = try MERMetrics.compute(
        probabilities: probabilities, presence: presence, thresholds: Array(repeating: g, count: 6))
      for e in MetricKeys.emotions { #expect(best["\(e)_WA"]! >= other["\(e)_WA"]! - 1e-12) }
    }
    #expect(throws: MetricsError.self) {
      try Thresholds.choose(probabilities: probabilities, presence: presence, grid: [1.2])
    }
    #expect(throws: MetricsError.self) {
      try Thresholds.choose(probabilities: probabilities, presence: presence, grid: [])
    }
  }
}
