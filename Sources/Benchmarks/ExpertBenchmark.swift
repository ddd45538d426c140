// The fused low-rank experts against the loop over experts, and low-rank against full-rank experts
// (reference: cff5b35 benchmarks/bench_experts.py): one forward + backward of a mixture at the paper's
// size (d_model 768, four shared experts of ranks 16, 32, 64, 128, 32 utterances x 50 steps).
import Models
import Numerics

public struct ExpertBenchmark {
  public var dModel = 768
  public var batch = 32
  public var steps = 50
  public var repeats = 5

  public init() {}

  public struct Measurement: Sendable {
    public var label: String
    public var experts: Int
    public var parameters: Int
    /// FLOPs of one forward + backward (the GEMMs).
    public var flops: Int
    public var seconds: Double
    public var gflops: Double { Double(flops) / seconds / 1e9 }
  }

  /// Fused and loop forms of the same experts, and the fused form without the input's and the gates'
  /// gradients (what the reference's script times: its input and gates do not require grad).
  public func fusedAndLoop(ranks: [Int] = [16, 32, 64, 128]) -> (
    fused: Measurement, loop: Measurement, fusedWeightsOnly: Measurement
  ) {
    let setup = Setup(dModel: dModel, ranks: ranks, batch: batch, steps: steps)
    let fused = setup.measureStep(label: "fused", repeats: repeats)
    let loop = LoopExperts(setup.experts)
    let looped = setup.measure(label: "loop", repeats: repeats) { ctx in
      _ = loop.forward(setup.x, gates: setup.gates, segments: setup.segments, ctx)
      let dx = ctx.arena.zeroed(batch * steps * dModel)
      let dGates = ctx.arena.zeroed(batch * ranks.count)
      loop.backward(setup.dout, ctx, dx: dx, dGates: dGates)
    }
    let weightsOnly = setup.measureStep(label: "fused, weight gradients only", repeats: repeats, inputGradients: false)
    return (fused, looped, weightsOnly)
  }

  /// Low-rank experts with ranks spread 16..128 against `experts` full-rank ones (rank = d_model).
  public func lowVersusFull(experts: Int) -> (low: Measurement, full: Measurement) {
    var config = ModelConfig()
    config.dModel = dModel
    config.nExperts = experts
    config.rankMin = 16
    config.rankMax = 128
    let low = Setup(dModel: dModel, ranks: config.sharedRanks(), batch: batch, steps: steps)
    let full = Setup(dModel: dModel, ranks: Array(repeating: dModel, count: experts), batch: batch, steps: steps)
    return (
      low.measureStep(label: "low-rank", repeats: repeats),
      full.measureStep(label: "full-rank", repeats: max(1, repeats / 2))
    )
  }

  /// One set of experts with random weights, input, gates and upstream gradient.
  final class Setup {
    let params = ParameterSet<Float>()
    let experts: LowRankExperts<Float>
    let x: [Float]
    let gates: [Float]
    let dout: [Float]
    let batch: Int
    let steps: Int
    let storage = SegmentStorage()
    var segments: Segments { storage.segments }

    init(dModel: Int, ranks: [Int], batch: Int, steps: Int) {
      self.batch = batch
      self.steps = steps
      storage.set(lengths: Array(repeating: steps, count: batch))
      experts = LowRankExperts(params, "experts", dModel: dModel, ranks: ranks, activation: .none)
      params.allocate()
      var rng = RandomStream(seed: 1, stream: 1)
      experts.initialize(params, rng: &rng)
      x = (0..<(batch * steps * dModel)).map { _ in Float(rng.nextNormal()) }
      dout = (0..<(batch * steps * dModel)).map { _ in Float(rng.nextNormal()) }
      gates = (0..<(batch * ranks.count)).map { _ in 1 / Float(ranks.count) }
    }

    func measure(label: String, repeats: Int, _ step: (Context<Float>) -> Void) -> Measurement {
      let ctx = Context(params: params, training: true)
      FlopCounter.start()
      step(ctx)
      ctx.arena.reset()
      let flops = FlopCounter.stop()
      let seconds = Timing.best(repeats: repeats) {
        step(ctx)
        ctx.arena.reset()
      }
      return Measurement(
        label: label, experts: experts.expertCount, parameters: params.trainableCount, flops: flops, seconds: seconds)
    }

    /// One fused forward and backward; without `inputGradients`, no input and no gate gradients.
    func measureStep(label: String, repeats: Int, inputGradients: Bool = true) -> Measurement {
      measure(label: label, repeats: repeats) { ctx in
        let hidden = experts.project(x, segments: segments, ctx)
        _ = experts.combine(hidden: hidden, sharedHidden: false, gates: gates, streams: 1, segments: segments, ctx)
        let dHidden = ctx.arena.zeroed(batch * steps * experts.totalRank)
        let dGates = inputGradients ? ctx.arena.zeroed(batch * experts.expertCount) : nil
        let dx = inputGradients ? ctx.arena.zeroed(batch * steps * experts.dModel) : nil
        experts.combineBackward(dout, ctx, dHidden: dHidden, dGates: dGates)
        experts.projectBackward(dHidden, ctx, dx: dx)
      }
    }
  }
}
