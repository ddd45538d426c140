import Data
import Models
import Numerics
import Testing

/// Whole-model gradients against central finite differences in Double, for configurations the golden
/// cases do not cover (dropout on, noisy top-k, a shared UniTSE, uniform gates, one block, three
/// modalities, no task expert, concat fusion with a single task).
@Suite struct ModelGradientTests {
  static let variants: [(String, @Sendable (inout ModelConfig) -> Void)] = [
    (
      "dropout 0.2, noisy top-k",
      {
        $0.dropout = 0.2; $0.gating = .topk; $0.gateNoise = true
      }
    ),
    (
      "shared UniTSE, GELU experts",
      {
        $0.shareUnitse = true; $0.expertActivation = .gelu
      }
    ),
    (
      "uniform gates, one block, three modalities",
      {
        $0.gating = .uniform; $0.nBlocks = 1; $0.modalities = ["text", "audio", "vision"]
      }
    ),
    (
      "no task expert, no residual",
      {
        $0.taskExpert = false; $0.residual = false
      }
    ),
    (
      "hard sharing, no layer norm, ER only, concat",
      {
        $0.architecture = .hardSharing; $0.layerNorm = false; $0.tasks = ["ER"]; $0.fusion = .concat
      }
    ),
    (
      "shared experts off, SA only",
      {
        $0.sharedExperts = false; $0.tasks = ["SA"]
      }
    ),
  ]

  @Test(arguments: 0..<variants.count)
  func gradientsMatchFiniteDifferences(_ index: Int) throws {
    var config = ModelConfig()
    config.dModel = 8
    config.nExperts = 3
    config.expertRanks = [2, 3, 4]
    config.taskRank = 2
    config.fusionHeads = 2
    config.dropout = 0
    Self.variants[index].1(&config)
    let dims = ["text": 5, "audio": 4, "vision": 3]
    let model = try MMoLREModel<Double>(config: config, featureDims: dims)
    model.initialize(seed: 11)
    var rng = RandomStream(seed: 5, stream: 9)
    for (mean, std) in zip(model.means, model.stds) {
      for i in 0..<mean.count {
        model.params.value(mean)[i] = 0.1 * rng.nextNormal()
        model.params.value(std)[i] = 1 + 0.2 * rng.nextUniform()
      }
    }
    let b = 3
    let steps = config.modalities.map { ["text": 4, "audio": 5, "vision": 3][$0]! }
    let lengths = [[4, 2, 1], [5, 3, 0], [3, 1, 2]]
    var features: [[Double]] = []
    var masks: [[Double]] = []
    for (m, name) in config.modalities.enumerated() {
      let (t, dim) = (steps[m], dims[name]!)
      var x = [Double](repeating: 0, count: b * t * dim)
      var mask = [Double](repeating: 0, count: b * t)
      for s in 0..<b {
        for step in 0..<min(lengths[m][s], t) {
          mask[s * t + step] = 1
          for j in 0..<dim { x[(s * t + step) * dim + j] = rng.nextNormal() }
        }
      }
      features.append(x)
      masks.append(mask)
    }
    let sentiment = [1.5, -0.7, Double.nan]
    let emotions = [0, 1, 0.5, 0, 2, 0] + [Double](repeating: .nan, count: 6) + [1, 0, 0, 0.3, 0, 1]

    var inputGradient: [Double] = []
    func lossAndGradient() -> (Double, [Double]) {
      let arena = Arena<Double>()
      let batch = Batch<Double>(modalities: config.modalities, featureDims: config.modalities.map { dims[$0]! })
      batch.fill(
        size: b, steps: steps, features: features, masks: masks, sentiment: sentiment, emotions: emotions, arena: arena)
      let ctx = Context(params: model.params, arena: arena, training: true, seed: 77)
      let out = model.forward(batch, ctx)
      model.params.zeroGradients()
      let parts = model.loss(out, lambdaER: 0.7, lambdaBalance: 0.3, ctx)
      // The first modality's input gradient too (what a fine-tuned text encoder receives), packed.
      let inputDim = dims[config.modalities[0]]!
      let rows = batch.segments(0).rows
      let dInput = arena.zeroed(max(rows, 1) * inputDim)
      model.backward(ctx, inputGradients: [0: dInput])
      inputGradient = Array(UnsafeBufferPointer(start: dInput, count: rows * inputDim))
      return (parts.total, Array(model.params.gradients))
    }
    let (_, analytic) = lossAndGradient()
    let values = model.params.values
    let picks = (0..<40).map { _ in rng.nextInt(below: values.count) }
    var worst = 0.0
    let scale = max(analytic.map(abs).max()!, 1e-3)
    for i in picks {
      let saved = values[i]
      values[i] = saved + 1e-6
      let plus = lossAndGradient().0
      values[i] = saved - 1e-6
      let minus = lossAndGradient().0
      values[i] = saved
      worst = max(worst, abs((plus - minus) / 2e-6 - analytic[i]))
    }
    #expect(worst <= 1e-6 * scale, "\(Self.variants[index].0): worst \(worst), scale \(scale)")

    // The input gradient of the first modality against finite differences of its valid steps.
    _ = lossAndGradient()
    let analyticInput = inputGradient
    let (t0, dim0) = (steps[0], dims[config.modalities[0]]!)
    var packedRow = 0
    var worstInput = 0.0
    for s in 0..<b {
      for step in 0..<t0 where masks[0][s * t0 + step] != 0 {
        for j in [0, dim0 - 1] {
          let i = (s * t0 + step) * dim0 + j
          let saved = features[0][i]
          features[0][i] = saved + 1e-6
          let plus = lossAndGradient().0
          features[0][i] = saved - 1e-6
          let minus = lossAndGradient().0
          features[0][i] = saved
          worstInput = max(worstInput, abs((plus - minus) / 2e-6 - analyticInput[packedRow * dim0 + j]))
        }
        packedRow += 1
      }
    }
    let inputScale = max(analyticInput.map { abs($0) }.max() ?? 0, 1e-3)
    #expect(
      worstInput <= 1e-6 * inputScale, "\(Self.variants[index].0) input: worst \(worstInput), scale \(inputScale)")
  }
}
