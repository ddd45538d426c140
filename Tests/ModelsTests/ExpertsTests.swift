import Models
import Numerics
import Testing

/// The fused mixture must equal the loop over experts (reference_mixture), in values and gradients.
@Suite struct ExpertsTests {
  @Test(arguments: [ModelConfig.Activation.none, .relu, .gelu])
  func fusedEqualsLoop(_ activation: ModelConfig.Activation) {
    let (b, d) = (3, 6)
    let storage = SegmentStorage()
    storage.set(lengths: [5, 2, 4])
    let segments = storage.segments
    let params = ParameterSet<Double>()
    let experts = LowRankExperts(params, "shared", dModel: d, ranks: [2, 3, 4], activation: activation)
    params.allocate()
    var rng = RandomStream(seed: 3, stream: 1)
    experts.initialize(params, rng: &rng)
    let xValues = (0..<(11 * d)).map { _ in rng.nextNormal() }
    var gates = [Double](repeating: 0, count: b * 3)
    let logits = (0..<(b * 3)).map { _ in rng.nextNormal() }
    softmaxForward(&gates, logits, rows: b, columns: 3)
    let dout = (0..<(11 * d)).map { _ in rng.nextNormal() }

    let ctx = Context(params: params, training: true)
    // The layers keep a pointer to their input for the backward pass, so it must outlive both passes
    // (an array's implicit pointer lives only for one call).
    let x = ctx.arena.take(11 * d)
    x.update(from: xValues, count: 11 * d)
    // Fused: project once, combine with the gates.
    params.zeroGradients()
    let hidden = experts.project(x, segments: segments, ctx)
    let fusedOut = experts.combine(
      hidden: hidden, sharedHidden: false, gates: gates, streams: 1, segments: segments, ctx)
    let fused = Array(UnsafeBufferPointer(start: fusedOut, count: 11 * d))
    var dxFused = [Double](repeating: 0, count: 11 * d)
    var dgFused = [Double](repeating: 0, count: b * 3)
    let dHidden = ctx.arena.zeroed(11 * experts.totalRank)
    experts.combineBackward(dout, ctx, dHidden: dHidden, dGates: &dgFused)
    experts.projectBackward(dHidden, ctx, dx: &dxFused)
    let gradFused = Array(params.gradients)

    // Loop.
    params.zeroGradients()
    let loop = LoopExperts(experts)
    let loopOut = loop.forward(x, gates: gates, segments: segments, ctx)
    let looped = Array(UnsafeBufferPointer(start: loopOut, count: 11 * d))
    var dxLoop = [Double](repeating: 0, count: 11 * d)
    var dgLoop = [Double](repeating: 0, count: b * 3)
    loop.backward(dout, ctx, dx: &dxLoop, dGates: &dgLoop)
    let gradLoop = Array(params.gradients)

    func close(_ a: [Double], _ c: [Double]) -> Bool {
      zip(a, c).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) }
    }
    #expect(close(fused, looped))
    #expect(close(dxFused, dxLoop))
    #expect(close(dgFused, dgLoop))
    #expect(close(gradFused, gradLoop))
    #expect(gradFused.contains { $0 != 0 })
  }
}
