import Data
import Foundation
import Metrics
import Numerics
import Testing
import Tracker
import Training

/// A small synthetic benchmark and model, so that a training run takes a second or two.
func smallConfig(_ extra: [String] = []) throws -> RunConfig {
  try RunConfig.load(
    preset: "cpu",
    overrides: [
      "data.synthetic.n_train=320", "data.synthetic.n_valid=96", "data.synthetic.n_test=160", "model.d_model=16",
      "model.fusion_heads=2", "train.max_epochs=4", "train.patience=4", "train.batch_size=32",
    ] + extra)
}

/// Keeps what a trainer reports in memory.
final class MemoryRecorder: RunRecorder {
  var epochs: [EpochSummary] = []
  var last: CheckpointPayload?
  var best: [UInt8]?

  func epochFinished(_ summary: EpochSummary, best: [UInt8]?, last: CheckpointPayload) throws {
    epochs.append(summary)
    if let best { self.best = best }
    self.last = last
  }
}

@Suite(.serialized) struct TrainerTests {
  @Test func aShortRunBeatsTheConstantPredictor() throws {
    let config = try smallConfig(["train.max_epochs=6", "train.patience=6"])
    let data = try DataPreparation.prepare(config)
    let result = try Trainer(config: config, data: data, seed: 1111).fit()
    // The constant predictor: the training mean sentiment has Corr 0 and, on this data, MAE about 1.25.
    let train = try data.split("train")
    let test = try data.split("test")
    let mean = train.sentiment.reduce(0, +) / Float(train.count)
    let constantMAE = test.sentiment.reduce(0.0) { $0 + Double(abs($1 - mean)) } / Double(test.count)
    #expect(result.test["MAE"]! < constantMAE - 0.25, "MAE \(result.test["MAE"]!) vs constant \(constantMAE)")
    #expect(result.test["Corr"]! > 0.5)
    #expect(result.test["mean_AUC"]! > 0.6)
    #expect(result.test["Non0_acc_2"]! > 0.7)
    #expect(result.thresholds?.count == 6)
  }

  @Test func theSameSeedGivesBitIdenticalWeights() throws {
    let config = try smallConfig(["train.max_epochs=2"])
    let data = try DataPreparation.prepare(config)
    let a = try Trainer(config: config, data: data, seed: 7).fit()
    let b = try Trainer(config: config, data: data, seed: 7).fit()
    let c = try Trainer(config: config, data: data, seed: 8).fit()
    #expect(a.bestWeights == b.bestWeights)
    #expect(a.test == b.test)
    #expect(a.bestWeights != c.bestWeights)
  }

  /// Interrupted during epoch 3 and resumed from the epoch-2 checkpoint, with dropout, noisy top-k
  /// gates, a learning-rate schedule and a weight average: the same result as an uninterrupted run.
  @Test func anInterruptedRunResumesToTheSameResult() throws {
    let config = try smallConfig([
      "model.gating=topk", "train.lr_schedule=cosine", "train.warmup_ratio=0.1", "train.ema_decay=0.9",
    ])
    let data = try DataPreparation.prepare(config)
    let whole = try Trainer(config: config, data: data, seed: 3).fit()

    let first = try Trainer(config: config, data: data, seed: 3)
    let recorder = MemoryRecorder()
    first.recorder = recorder
    first.shouldStop = { recorder.epochs.count == 2 }
    #expect(throws: TrainingInterrupted.self) { try first.fit() }
    let last = try #require(recorder.last)
    let resumed = try Trainer(config: config, data: data, seed: 3)
    try resumed.restore(
      weights: try SafetensorsFile(bytes: last.weights, origin: "last"),
      state: try TrainingState(bytes: last.trainingState!, origin: "last"), best: recorder.best, origin: "last")
    let continued = try resumed.fit()
    #expect(continued.bestWeights == whole.bestWeights)
    #expect(continued.test == whole.test)
    #expect(continued.bestEpoch == whole.bestEpoch)
  }

  @Test func aRunOnAStoreSkipsFinishedCellsAndLogsEverything() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mmolre-trainer-\(getpid())").path
    try? FileManager.default.removeItem(atPath: folder)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let store = try Store.open(path: folder + "/store.sqlite")
    let runner = GridRunner(store: store, experiment: "t", runName: nil, prepareData: DataPreparation.prepare)
    let cells = try [1, 2].map { try smallConfig(["train.max_epochs=2", "model.n_experts=\($0)"]) }
    let outcomes = try runner.run(cells: cells, seeds: [1, 2])
    #expect(outcomes.map(\.kind) == [.trained, .trained, .trained, .trained])
    let again = try runner.run(cells: cells, seeds: [1, 2])
    #expect(again.map(\.kind) == [.skipped, .skipped, .skipped, .skipped])
    #expect(again.map(\.test) == outcomes.map(\.test))
    let run = outcomes[0].run!
    #expect(try store.epochs(run).count == 2)
    #expect(try store.results(run)["test"] == outcomes[0].test)
    #expect(try store.predictions(run, split: "test")?.ids.count == 160)
    #expect(try store.checkpoint(run, kind: .best) != nil)
    // The stored predictions reproduce the stored test metrics.
    let rows = try #require(try store.predictions(run, split: "test"))
    let thresholds = try store.thresholds(run)
    let emotionTrue = (0..<rows.ids.count).flatMap { i in MetricKeys.emotions.map { rows.column($0)![i] } }
    let emotionProb = (0..<rows.ids.count).flatMap { i in MetricKeys.emotions.map { rows.column("\($0)_prob")![i] } }
    let predictions = try Predictions(
      ids: rows.ids, sources: rows.ids.map { _ in "synthetic" }, sentimentTrue: rows.column("sentiment")!,
      emotionTrue: emotionTrue, sentimentPred: rows.column("sentiment_pred"), emotionProb: emotionProb)
    #expect(try predictions.score(thresholds: thresholds) == outcomes[0].test)
  }
}
