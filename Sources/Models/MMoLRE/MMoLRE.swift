// MMoLRE, the Multimodal Mixture of Low-Rank Experts (Zhang et al., ICME 2025, arXiv 2505.14143), and
// its hard-sharing variant (reference: mmolre.models.mmolre.MMoLRE and models.base):
//
//   per modality m:  x_m = Dropout(Linear((features_m - mean_m) / std_m))
//                    streams_m = UniTSE_m(x_m)                 one stream per task ([S, rows_m, d])
//   per stream s:    fused_s = TaskFusion_s(streams_*,s)       cross-modal attention, pooling, gate
//   per task t:      out_t = Head_t(fused_stream(t))           SA: sentiment; ER: six presence logits
//   loss = L1(SA) + lambda_ER BCE(ER) + lambda_bal mean_{m, block} CV^2(gates)
//
// `architecture = hard_sharing` runs one stream for all tasks, so only the heads differ. Sequences are
// packed (see `Batch`): the reference padded and masked, which gives the same values on valid steps. Every
// parameter lives in one flat `ParameterSet` under the reference's `state_dict` names, so the golden
// files in ../shared/golden/mmolre load by name.
import Data
import Numerics

/// The outputs of one forward pass, in the context's arena.
public struct ModelOutput<T: Scalar> {
  /// [B] predicted sentiment (nil without the SA task).
  public var sentiment: UnsafeMutablePointer<T>?
  /// [B, 6] emotion presence logits (nil without the ER task).
  public var emotionLogits: UnsafeMutablePointer<T>?
  /// The load-balancing loss: the mean over modalities and blocks of each block's mean CV^2.
  public var balance: T
}

/// The parts of the joint loss of one batch.
public struct LossParts: Sendable {
  public var total: Double
  /// Mean L1 over samples with a sentiment label (0 if none).
  public var sa: Double
  /// Mean BCE over samples with emotion labels and the six emotions (0 if none).
  public var er: Double
  public var balance: Double
  public var sentimentCount: Int
  public var emotionCount: Int
}

public final class MMoLREModel<T: Scalar> {
  public let config: ModelConfig
  /// Feature size per modality, in `config.modalities` order.
  public let featureDims: [Int]
  public let params: ParameterSet<T>
  public let means: [ParameterRef]
  public let stds: [ParameterRef]
  let projections: [Linear<T>]
  let projectionDropouts: [Dropout<T>]
  /// One per modality (sharing parameters when `shareUnitse`).
  public let unitse: [UniTSE<T>]
  /// One per stream.
  public let fusions: [TaskFusion<T>]
  /// One per task.
  public let heads: [TaskHead<T>]
  public let streamNames: [String]

  // Saved by forward and loss.
  var batch: Batch<T>?
  var streamOutputs: [UnsafeMutablePointer<T>?]
  var streamGradients: [UnsafeMutablePointer<T>?]
  var fusedOutputs: [UnsafeMutablePointer<T>?]
  var fusedGradients: [UnsafeMutablePointer<T>?]
  var headGradients: [UnsafeMutablePointer<T>?]
  /// The stream each task's head reads.
  let streamOfTask: [Int]
  var balanceWeight: T = 0

  /// Builds the model and allocates its parameters (zero until `initialize` or a load).
  /// - Throws: `ModelError` when the config is invalid or a modality has no feature size.
  public init(config: ModelConfig, featureDims dims: [String: Int]) throws {
    if let problem = config.validate().first { throw ModelError("\(problem.key): \(problem.message)") }
    let missing = config.modalities.filter { dims[$0] == nil }
    if !missing.isEmpty {
      throw ModelError("model.modalities: no features for \(missing) (data has \(dims.keys.sorted()))")
    }
    self.config = config
    featureDims = config.modalities.map { dims[$0]! }
    let params = ParameterSet<T>()
    self.params = params
    means = zip(config.modalities, featureDims).map { params.add("mean_\($0)", shape: [$1], trainable: false) }
    stds = zip(config.modalities, featureDims).map { params.add("std_\($0)", shape: [$1], trainable: false) }
    projections = zip(config.modalities, featureDims).map {
      Linear(params, "project.\($0).0", inputs: $1, outputs: config.dModel)
    }
    projectionDropouts = config.modalities.map { _ in Dropout(p: config.dropout) }
    streamNames = config.streamNames
    if config.shareUnitse {
      let first = UniTSE(params, "unitse.shared", config: config, streams: config.streamNames.count)
      unitse = [first] + config.modalities.dropFirst().map { _ in UniTSE(sharing: first) }
    } else {
      unitse = config.modalities.map {
        UniTSE(params, "unitse.\($0)", config: config, streams: config.streamNames.count)
      }
    }
    fusions = config.streamNames.map { TaskFusion(params, "fusion.\($0)", config: config) }
    streamOfTask = config.tasks.map { task in config.streamNames.firstIndex(of: config.stream(of: task))! }
    heads = config.tasks.map {
      TaskHead(params, "heads.\($0)", dModel: config.dModel, outputs: $0 == "SA" ? 1 : 6, dropout: config.dropout)
    }
    params.allocate()
    let m = config.modalities.count
    streamOutputs = Array(repeating: nil, count: m)
    streamGradients = streamOutputs
    fusedOutputs = Array(repeating: nil, count: config.streamNames.count)
    fusedGradients = fusedOutputs
    headGradients = Array(repeating: nil, count: config.tasks.count)
    for (mean, std) in zip(means, stds) {
      Initialization.fill(params.value(mean), count: mean.count, value: 0)
      Initialization.fill(params.value(std), count: std.count, value: 1)
    }
  }

  /// Random initialisation from `seed` in the reference's module order (projections, UniTSE,
  /// fusion, heads), each layer with PyTorch's default scheme.
  public func initialize(seed: UInt64) {
    var rng = RandomStream(seed: seed, stream: RandomStreamID.initialization)
    for projection in projections { projection.initialize(params, rng: &rng) }
    for (i, u) in unitse.enumerated() where !(config.shareUnitse && i > 0) { u.initialize(params, rng: &rng) }
    for fusion in fusions { fusion.initialize(params, rng: &rng) }
    for head in heads { head.initialize(params, rng: &rng) }
  }

  /// Trainable parameters.
  public var parameterCount: Int { params.trainableCount }

  /// Gates [B, N] of modality `m`, block `j` (0-based), stream `s` from the last forward pass; nil
  /// without shared experts. The reference names them `"<modality>/block<j+1>/<stream>"`.
  public func gates(modality m: Int, block j: Int, stream s: Int) -> UnsafePointer<T>? {
    guard let b = batch, let g = unitse[m].blocks[j].lastGates else { return nil }
    return g + s * b.size * config.nExperts
  }

  /// Modality weights [B, M] of stream `s` from the last pass (gated fusion only).
  public func modalityWeights(stream s: Int) -> UnsafePointer<T>? { fusions[s].lastWeights }

  public func forward(_ batch: Batch<T>, _ ctx: Context<T>) -> ModelOutput<T> {
    self.batch = batch
    let (b, d) = (batch.size, config.dModel)
    var balance: T = 0
    for m in config.modalities.indices {
      let segments = batch.segments(m)
      let rows = segments.rows
      let dim = featureDims[m]
      let standardized = ctx.arena.take(max(rows, 1) * dim)
      let mean = ctx.value(means[m])
      let std = ctx.value(stds[m])
      let x = batch.features[m]
      for row in 0..<rows {
        for j in 0..<dim { standardized[row * dim + j] = (x[row * dim + j] - mean[j]) / std[j] }
      }
      let p = projections[m].forward(standardized, rows: rows, ctx)
      projectionDropouts[m].forward(p, count: rows * d, ctx)
      streamOutputs[m] = unitse[m].forward(p, segments: segments, ctx)
      for block in unitse[m].blocks { balance += block.balance }
    }
    balance /= T(config.modalities.count * config.nBlocks)
    for s in fusions.indices {
      fusedOutputs[s] = fusions[s].forward(
        streams: { m in UnsafePointer(self.streamOutputs[m]! + s * batch.segments(m).rows * d) },
        segments: { batch.segments($0) }, batch: b, ctx)
    }
    var output = ModelOutput<T>(sentiment: nil, emotionLogits: nil, balance: balance)
    for (i, task) in config.tasks.enumerated() {
      let y = heads[i].forward(fusedOutputs[streamOfTask[i]]!, rows: b, ctx)
      if task == "SA" { output.sentiment = y } else { output.emotionLogits = y }
    }
    return output
  }

  /// The joint loss of `output` on the batch; with `gradients`, also seeds the gradient that
  /// `backward` propagates.
  public func loss(
    _ output: ModelOutput<T>, lambdaER: Double, lambdaBalance: Double, _ ctx: Context<T>, gradients: Bool = true
  )
    -> LossParts
  {
    guard let batch else { preconditionFailure("loss before forward") }
    let b = batch.size
    var sa: T = 0
    var er: T = 0
    var nSA = 0
    var nER = 0
    for i in 0..<b {
      if batch.sentimentMask[i] != 0 { nSA += 1 }
      if batch.emotionMask[i] != 0 { nER += 1 }
    }
    for (i, task) in config.tasks.enumerated() {
      if task == "SA", let y = output.sentiment {
        let dy: UnsafeMutablePointer<T>? = gradients ? ctx.arena.take(b) : nil
        sa = l1Loss(y, batch.sentiment, mask: batch.sentimentMask, count: b, dpred: dy)
        headGradients[i] = dy
      } else if task == "ER", let logits = output.emotionLogits {
        let dy: UnsafeMutablePointer<T>? = gradients ? ctx.arena.take(b * 6) : nil
        er = bceWithLogitsLoss(
          logits, batch.emotionPresence, rowMask: batch.emotionMask, rows: b, columns: 6, dx: dy, upstream: T(lambdaER))
        headGradients[i] = dy
      }
    }
    balanceWeight = T(lambdaBalance) / T(config.modalities.count * config.nBlocks)
    let total = Double(sa) + lambdaER * Double(er) + lambdaBalance * Double(output.balance)
    return LossParts(
      total: total, sa: Double(sa), er: Double(er), balance: Double(output.balance), sentimentCount: nSA,
      emotionCount: nER)
  }

  /// Accumulates every parameter's gradient of the loss seeded by `loss(_:...)`. `inputGradients[m]`,
  /// when given, receives dLoss/dfeatures of modality m ([rows_m, D_m]; a fine-tuned text encoder's
  /// output gradient).
  public func backward(_ ctx: Context<T>, inputGradients: [Int: UnsafeMutablePointer<T>] = [:]) {
    guard let batch else { preconditionFailure("backward before forward") }
    let (b, d) = (batch.size, config.dModel)
    for s in fusedOutputs.indices { fusedGradients[s] = ctx.arena.zeroed(b * d) }
    for (i, head) in heads.enumerated() {
      guard let dy = headGradients[i] else { continue }
      head.backward(dy, ctx, dx: fusedGradients[streamOfTask[i]]!)
    }
    for m in config.modalities.indices {
      streamGradients[m] = ctx.arena.zeroed(max(streamNames.count * batch.segments(m).rows * d, 1))
    }
    for (s, fusion) in fusions.enumerated() {
      fusion.backward(fusedGradients[s]!, ctx) { m in self.streamGradients[m]! + s * batch.segments(m).rows * d }
    }
    for m in config.modalities.indices {
      let segments = batch.segments(m)
      let rows = segments.rows
      let dProjected = ctx.arena.zeroed(max(rows, 1) * d)
      unitse[m].backward(streamGradients[m]!, balanceWeight: balanceWeight, segments: segments, ctx, dx: dProjected)
      projectionDropouts[m].backward(dProjected)
      if let dFeatures = inputGradients[m] {
        let dim = featureDims[m]
        let dStandardized = ctx.arena.zeroed(max(rows, 1) * dim)
        projections[m].backward(dProjected, ctx, dx: dStandardized)
        let std = ctx.value(stds[m])
        for row in 0..<rows { for j in 0..<dim { dFeatures[row * dim + j] += dStandardized[row * dim + j] / std[j] } }
      } else {
        projections[m].backward(dProjected, ctx, dx: nil)
      }
    }
  }
}

/// A model that cannot be built: the message names the config key.
public struct ModelError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public var description: String { message }
  public init(_ message: String) { self.message = message }
}
