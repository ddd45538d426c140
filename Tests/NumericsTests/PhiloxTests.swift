import Numerics
import Testing

@Suite struct PhiloxTests {
  // Known-answer tests of Random123 (kat_vectors, philox4x32_10).
  @Test func random123KnownAnswers() {
    #expect(Philox4x32.block(counter: .zero, key: .zero) == SIMD4(0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8))
    #expect(
      Philox4x32.block(counter: SIMD4(repeating: 0xffff_ffff), key: SIMD2(repeating: 0xffff_ffff))
        == SIMD4(0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd))
    #expect(
      Philox4x32.block(
        counter: SIMD4(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), key: SIMD2(0xa409_3822, 0x299f_31d0))
        == SIMD4(0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1))
  }

  @Test func resumeFromSavedStateDrawsTheSame() {
    var a = RandomStream(seed: 1111, stream: 3)
    for _ in 0..<7 { _ = a.nextUInt32() }
    let saved = (a.position, a.wordsLeft)
    var b = RandomStream(seed: 1111, stream: 3, position: saved.0, wordsLeft: saved.1)
    for _ in 0..<20 { #expect(a.nextUInt32() == b.nextUInt32()) }
  }

  @Test func normalMomentsAndUniformRange() {
    var rng = RandomStream(seed: 7, stream: 0)
    let n = 200_000
    var sum = 0.0
    var squares = 0.0
    for _ in 0..<n {
      let x = rng.nextNormal()
      sum += x
      squares += x * x
    }
    #expect(abs(sum / Double(n)) < 0.01)
    #expect(abs(squares / Double(n) - 1) < 0.02)
    var counts = [Int](repeating: 0, count: 5)
    for _ in 0..<50_000 { counts[rng.nextInt(below: 5)] += 1 }
    #expect(counts.allSatisfy { abs($0 - 10_000) < 500 })
  }
}
