// Training one seed (reference: mmolre.training.trainer.Trainer). Protocol (DESIGN section 6): the
// checkpoint is selected on validation loss alone, ER thresholds are chosen on validation predictions
// of that checkpoint, and every reported metric comes from it. With `train.ema_decay` the candidates
// are the moving average of the weights. Each step: forward, joint loss, backward, gradient clipping,
// AdamW with the schedule's rate, the average's update — on buffers from one arena, reset per step.
import Data
import Foundation
import Metrics
import Models
import Numerics
import Tracker

/// Progress of a running seed, for a progress bar.
public struct TrainingProgress: Sendable {
  public var epoch: Int
  public var maxEpochs: Int
  public var step: Int
  public var steps: Int
  public var trainLoss: Double?
  public var validLoss: Double?
}

/// Raised between steps when `shouldStop` says so (Ctrl-C): the last epoch checkpoint stays resumable.
public struct TrainingInterrupted: Error, CustomStringConvertible {
  /// The store's run, once `GridRunner` has marked it `killed`.
  public var run: RunID?

  public init(run: RunID? = nil) { self.run = run }

  public var description: String {
    guard let run else { return "interrupted" }
    return "interrupted: run \(run.short) is marked killed; continue it with mmolre run --resume \(run.short)"
  }
}

public final class Trainer {
  public let config: RunConfig
  public let data: PreparedData
  public let seed: Int
  public weak var recorder: RunRecorder?
  public var onProgress: ((TrainingProgress) -> Void)?
  /// Checked between steps; true stops training with `TrainingInterrupted`.
  public var shouldStop: () -> Bool = { false }

  public let model: MMoLREModel<Float>
  let arena = Arena<Float>()
  let context: Context<Float>
  let optimizer: AdamW<Float>
  let schedule: LearningRateSchedule
  let average: WeightAverage<Float>?
  let batch: Batch<Float>
  let train: MultimodalDataset
  let valid: MultimodalDataset
  let test: MultimodalDataset
  let trainLengths: [Int]?
  /// The jointly fine-tuned text encoder (`features.finetune_text`).
  public let text: TextFineTuner?
  var state = TrainingState()
  /// The best checkpoint so far (weights file bytes).
  var bestWeights: [UInt8]?

  public init(config: RunConfig, data: PreparedData, seed: Int) throws {
    self.config = config
    self.data = data
    self.seed = seed
    train = try data.split("train")
    valid = try data.split("valid")
    test = try data.split("test")
    var dims: [String: Int] = [:]
    for m in config.model.modalities { dims[m] = train.featureDim(m) }
    if config.features.finetuneText {
      guard let index = config.model.modalities.firstIndex(of: "text") else {
        throw ConfigError("features.finetune_text: model.modalities has no text")
      }
      let tuner = try TextFineTuner(config: config, splits: data.splits, modality: index)
      dims["text"] = tuner.width
      text = tuner
    } else {
      text = nil
    }
    let model = try MMoLREModel<Float>(config: config.model, featureDims: dims)
    self.model = model
    model.initialize(seed: UInt64(truncatingIfNeeded: seed))
    // A fine-tuned encoder's output is not standardised (the reference skips it in fit_normalizer).
    Normalizer.fit(model, on: train, skipping: text == nil ? [] : ["text"])
    context = Context(params: model.params, arena: arena, training: true, seed: UInt64(truncatingIfNeeded: seed))
    let t = config.train
    optimizer = AdamW(
      count: model.params.trainableCount,
      groups: [ParameterGroup(range: 0..<model.params.trainableCount, learningRate: t.learningRate)],
      weightDecay: t.weightDecay)
    let stepsPerEpoch = (train.count + t.batchSize - 1) / t.batchSize
    let total = max(stepsPerEpoch * t.maxEpochs, 1)
    schedule = LearningRateSchedule(
      kind: LearningRateSchedule.Kind(rawValue: t.schedule) ?? .constant,
      warmupSteps: Int((t.warmupRatio * Double(total)).rounded(.toNearestOrEven)), totalSteps: total)
    average = t.emaDecay.map { WeightAverage(values: model.params.values, decay: $0) }
    batch = Batch(modalities: config.model.modalities, featureDims: config.model.modalities.map { dims[$0]! })
    trainLengths = t.groupByLength ? (text?.tokenCounts("train") ?? BatchOrder.lengths(of: train)) : nil
  }

  /// Continues from a saved `last` checkpoint (its weights and training state) and the best
  /// checkpoint saved before it.
  public func restore(weights: SafetensorsFile, state saved: TrainingState, best: [UInt8]?, origin: String) throws {
    if saved.bestEpoch > 0 && best == nil {
      throw SafetensorsError("\(origin): the best checkpoint of epoch \(saved.bestEpoch) is missing")
    }
    bestWeights = best
    try ModelWeights.load(weights, into: model, encoder: text?.encoder, origin: origin)
    guard saved.adamM.count == model.params.trainableCount else {
      throw SafetensorsError("\(origin): the optimizer state does not fit this model")
    }
    optimizer.restore(step: saved.optimizerStep, m: saved.adamM, v: saved.adamV)
    if let average {
      guard let savedAverage = saved.emaAverage else {
        throw SafetensorsError("\(origin): the saved state has no weight average, but train.ema_decay is set")
      }
      average.restore(updates: saved.emaUpdates, average: savedAverage)
    }
    if let text {
      guard let m = saved.textAdamM, let v = saved.textAdamV, m.count == text.encoder.params.trainableCount else {
        throw SafetensorsError("\(origin): the saved state has no optimizer state for the fine-tuned text encoder")
      }
      text.optimizer.restore(step: saved.optimizerStep, m: m, v: v)
      if let average = text.average {
        guard let savedAverage = saved.textEmaAverage else {
          throw SafetensorsError("\(origin): the saved state has no weight average of the text encoder")
        }
        average.restore(updates: saved.emaUpdates, average: savedAverage)
      }
    }
    context.dropoutRandom = saved.dropoutRandom
    context.noiseRandom = saved.noiseRandom
    state = saved
  }

  /// Trains until `max_epochs` or `patience` epochs without a better validation loss, then
  /// evaluates the selected checkpoint.
  public func fit() throws -> SeedResult {
    let t = config.train
    BLASLibrary.setThreads(t.threads)
    while state.epoch < t.maxEpochs && state.badEpochs < t.patience {
      let started = Date()
      let trainLoss = try trainEpoch()
      let (validLoss, routing) = withAverage { validationPass() }
      let improved = validLoss["loss"]! < state.bestLoss
      var newBest: [UInt8]? = nil
      if improved {
        newBest = withAverage { weightsFile().serialized() }
        bestWeights = newBest
        state.bestLoss = validLoss["loss"]!
        state.bestEpoch = state.epoch + 1
        state.badEpochs = 0
      } else {
        state.badEpochs += 1
      }
      state.epoch += 1
      let seconds = Date().timeIntervalSince(started)
      state.seconds += seconds
      let summary = EpochSummary(
        epoch: state.epoch, train: trainLoss, valid: validLoss,
        learningRate: t.learningRate * schedule.multiplier(afterSteps: optimizer.step), seconds: seconds,
        steps: optimizer.step, routing: routing)
      try recorder?.epochFinished(summary, best: newBest, last: lastCheckpoint())
      onProgress?(
        TrainingProgress(
          epoch: state.epoch, maxEpochs: t.maxEpochs, step: 0, steps: 0, trainLoss: trainLoss["loss"],
          validLoss: validLoss["loss"]))
    }
    return try finish()
  }

  /// The `last` checkpoint: the trained (not averaged) weights and the training state.
  func lastCheckpoint() -> CheckpointPayload {
    var saved = state
    saved.optimizerStep = optimizer.step
    saved.adamM = Array(optimizer.m)
    saved.adamV = Array(optimizer.v)
    saved.emaUpdates = average?.updates ?? 0
    saved.emaAverage = average.map { Array($0.average) }
    saved.dropoutRandom = context.dropoutRandom
    saved.noiseRandom = context.noiseRandom
    saved.textAdamM = text.map { Array($0.optimizer.m) }
    saved.textAdamV = text.map { Array($0.optimizer.v) }
    saved.textEmaAverage = text?.average.map { Array($0.average) }
    return CheckpointPayload(weights: weightsFile().serialized(), trainingState: saved.serialized())
  }

  /// The weights file of the model (and the fine-tuned encoder's trainable tensors) as they are now.
  func weightsFile(thresholds: [Double]? = nil, extra: [String: String] = [:]) -> SafetensorsFile {
    ModelWeights.file(
      of: model, encoder: text?.encoder, config: config, seed: seed, thresholds: thresholds, extra: extra)
  }

  /// Runs `body` with the weight averages swapped in (when there are some).
  func withAverage<R>(_ body: () throws -> R) rethrows -> R {
    guard let average else { return try body() }
    average.swap(with: model.params.values)
    text?.average?.swap(with: text!.encoder.params.values)
    defer {
      average.swap(with: model.params.values)
      text?.average?.swap(with: text!.encoder.params.values)
    }
    return try body()
  }

  /// One pass over the training split: the steps of epoch `state.epoch`, no validation, nothing
  /// logged. `fit()` calls it; benchmarks time it alone.
  @discardableResult
  public func trainEpoch() throws -> [String: Double] {
    let t = config.train
    let batches = BatchOrder.batches(
      count: train.count, batchSize: t.batchSize, seed: seed, epoch: state.epoch, lengths: trainLengths)
    context.training = true
    var sums = (total: 0.0, sa: 0.0, er: 0.0, balance: 0.0)
    for (i, rows) in batches.enumerated() {
      if shouldStop() { throw TrainingInterrupted() }
      arena.reset()
      fillBatch(split: "train", train, rows: rows[...])
      let output = model.forward(batch, context)
      let parts = model.loss(output, lambdaER: t.lambdaER, lambdaBalance: t.lambdaBalance, context)
      model.params.zeroGradients()
      let scale = schedule.multiplier(afterSteps: optimizer.step)
      if let text {
        text.encoder.params.zeroGradients()
        let dText = text.inputGradient(batch: batch, context)
        model.backward(context, inputGradients: [text.modality: dText])
        text.backward(dText, context)
        clipGradientNorm([model.params.gradients, text.encoder.params.gradients], maxNorm: t.gradClip)
        text.optimizer.update(
          values: text.encoder.params.values, gradients: text.encoder.params.gradients, lrScale: scale)
        text.average?.update(values: text.encoder.params.values)
      } else {
        model.backward(context)
        clipGradientNorm(model.params.gradients, maxNorm: t.gradClip)
      }
      optimizer.update(values: model.params.values, gradients: model.params.gradients, lrScale: scale)
      average?.update(values: model.params.values)
      sums.total += parts.total
      sums.sa += parts.sa
      sums.er += parts.er
      sums.balance += parts.balance
      if i % 8 == 0 || i == batches.count - 1 {
        onProgress?(
          TrainingProgress(
            epoch: state.epoch, maxEpochs: t.maxEpochs, step: i + 1, steps: batches.count, trainLoss: parts.total,
            validLoss: nil))
      }
    }
    let n = Double(max(batches.count, 1))
    return ["loss": sums.total / n, "sa_loss": sums.sa / n, "er_loss": sums.er / n, "balance": sums.balance / n]
  }

  /// The batch of `rows` of a split; the text modality from the fine-tuned encoder when there is one.
  func fillBatch(split: String, _ dataset: MultimodalDataset, rows: ArraySlice<Int>) {
    guard let text else {
      batch.fill(from: dataset, rows: rows, arena: arena)
      return
    }
    batch.fill(from: dataset, rows: rows, arena: arena, supplied: [text.modality])
    text.forward(split: split, batch: batch, context)
  }

  /// Validation losses (sample-weighted means over the split, without the balance term), the
  /// validation metrics at threshold 0.5, and the mean gates.
  func validationPass() -> ([String: Double], [RoutingStat]) {
    let (predictions, losses, routing) = evaluate("valid", collectRouting: true)
    var out = losses
    if let metrics = try? predictions.score() {
      for key in MetricKeys.msa + ["mean_WA", "mean_F1", "mean_AUC", "micro_F1"] {
        if let v = metrics[key] { out[key] = v }
      }
    }
    return (out, routing)
  }

  /// Predictions, loss parts and (optionally) mean gates on a split, in evaluation mode.
  func evaluate(_ split: String, collectRouting: Bool = false) -> (Predictions, [String: Double], [RoutingStat]) {
    let dataset = data.splits[split]!
    let t = config.train
    context.training = false
    defer { context.training = true }
    let n = dataset.count
    let hasSA = config.model.tasks.contains("SA")
    let hasER = config.model.tasks.contains("ER")
    var sentiment = hasSA ? [Double](repeating: 0, count: n) : nil
    var probabilities = hasER ? [Double](repeating: 0, count: n * 6) : nil
    var saSum = 0.0
    var erSum = 0.0
    var nSA = 0
    var nER = 0
    let mConfig = config.model
    let groups = mConfig.sharedExperts ? mConfig.modalities.count * mConfig.nBlocks * mConfig.streamNames.count : 0
    var gateSums = [Double](repeating: 0, count: groups * mConfig.nExperts)
    for start in stride(from: 0, to: n, by: t.evalBatchSize) {
      let rows = Array(start..<min(start + t.evalBatchSize, n))
      arena.reset()
      fillBatch(split: split, dataset, rows: rows[...])
      let output = model.forward(batch, context)
      let parts = model.loss(output, lambdaER: t.lambdaER, lambdaBalance: 0, context, gradients: false)
      saSum += parts.sa * Double(parts.sentimentCount)
      erSum += parts.er * Double(parts.emotionCount)
      nSA += parts.sentimentCount
      nER += parts.emotionCount
      for (slot, row) in rows.enumerated() {
        if let y = output.sentiment { sentiment?[row] = Double(y[slot]) }
        if let logits = output.emotionLogits {
          for j in 0..<6 { probabilities?[row * 6 + j] = Double(sigmoid(logits[slot * 6 + j])) }
        }
      }
      if collectRouting && groups > 0 {
        var g = 0
        for m in mConfig.modalities.indices {
          for block in 0..<mConfig.nBlocks {
            for s in mConfig.streamNames.indices {
              if let gates = model.gates(modality: m, block: block, stream: s) {
                for slot in 0..<rows.count {
                  for e in 0..<mConfig.nExperts {
                    gateSums[g * mConfig.nExperts + e] += Double(gates[slot * mConfig.nExperts + e])
                  }
                }
              }
              g += 1
            }
          }
        }
      }
    }
    let sa = saSum / Double(max(nSA, 1))
    let er = erSum / Double(max(nER, 1))
    let losses = ["loss": sa + t.lambdaER * er, "sa_loss": sa, "er_loss": er]
    var routing: [RoutingStat] = []
    if collectRouting && groups > 0 {
      var g = 0
      for modality in mConfig.modalities {
        for block in 0..<mConfig.nBlocks {
          for stream in mConfig.streamNames {
            let gates = (0..<mConfig.nExperts).map { gateSums[g * mConfig.nExperts + $0] / Double(max(n, 1)) }
            routing.append(RoutingStat(task: stream, modality: modality, block: block + 1, gates: gates))
            g += 1
          }
        }
      }
    }
    let predictions = try! Predictions(
      ids: dataset.ids, sources: dataset.sources, sentimentTrue: dataset.sentiment.map(Double.init),
      emotionTrue: dataset.emotions.map(Double.init), sentimentPred: sentiment, emotionProb: probabilities)
    return (predictions, losses, routing)
  }

  /// Loads a weights file (a run's checkpoint) into the model and, with `features.finetune_text`, the
  /// text encoder's trainable tensors; `origin` names the file in errors.
  public func load(weights: SafetensorsFile, origin: String) throws {
    try ModelWeights.load(weights, into: model, encoder: text?.encoder, origin: origin)
  }

  /// The predictions of the current weights on split `name` (`train`, `valid` or `test`): the
  /// evaluation pass `fit()` scores its selected checkpoint with (evaluation mode, batches of
  /// `train.eval_batch_size` in row order, `train.threads` BLAS threads), so a checkpoint loaded with
  /// `load(weights:origin:)` gives back the predictions its run stored, bit for bit on the same machine.
  /// - Complexity: one forward pass over the split.
  public func predictions(on name: String) throws -> Predictions {
    _ = try data.split(name)
    BLASLibrary.setThreads(config.train.threads)
    return evaluate(name).0
  }

  /// Reloads the selected checkpoint and reports every metric from it.
  func finish() throws -> SeedResult {
    if let bestWeights {
      try ModelWeights.load(
        try SafetensorsFile(bytes: bestWeights, origin: "best checkpoint"), into: model, encoder: text?.encoder,
        origin: "best checkpoint")
    }
    let (validPredictions, _, _) = evaluate("valid")
    let (testPredictions, _, _) = evaluate("test")
    let thresholds = config.train.thresholds == .valid ? try validPredictions.tunedThresholds() : nil
    let validMetrics = try validPredictions.score(thresholds: thresholds)
    let testMetrics = try testPredictions.score(thresholds: thresholds)
    let weights = weightsFile(
      thresholds: thresholds, extra: ["best_epoch": String(state.bestEpoch), "best_valid_loss": "\(state.bestLoss)"]
    ).serialized()
    return SeedResult(
      seed: seed, bestEpoch: state.bestEpoch, epochs: state.epoch, valid: validMetrics, test: testMetrics,
      thresholds: thresholds, trainSeconds: state.seconds, parameterCount: model.parameterCount,
      validPredictions: validPredictions, testPredictions: testPredictions, bestWeights: weights)
  }
}
