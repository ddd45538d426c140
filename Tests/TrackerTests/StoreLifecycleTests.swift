// The run life cycle the trainer drives, through the public Store API.
import Data
import Foundation
import Testing
import Tracker

@Suite struct StoreLifecycleTests {
  @Test func createLogFinishAndReadBack() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let store = try Store.open(path: folder.file("s.sqlite"))
    let config = sampleConfig(experts: 8, lr: 1e-3)
    let run = try store.createRun(
      name: "a", experiment: "grid", seed: 1111, config: config, cellKey: "k",
      environment: RunEnvironment(gitCommit: "abc", gitDirty: true, threads: 1), fingerprints: ["label.csv": "00ff"])
    #expect(run.uid.count == 16)
    try store.logEpoch(
      run, epoch: 1, train: ["loss": 0.75], valid: ["loss": 0.5, "MAE": .nan], learningRate: 0.001, seconds: 2,
      steps: 41, routing: [RoutingStat(task: "SA", modality: "text", block: 1, gates: [0.25, 0.75])],
      best: CheckpointPayload(weights: [1, 2, 3]), last: CheckpointPayload(weights: [1, 2, 3], trainingState: [9]))
    try store.finishRun(
      run, results: ["test": ["MAE": 0.7, "Corr": .nan]], thresholds: [0.5, 0.35],
      predictions: [
        "test": PredictionRows(ids: ["a", "b"], columns: [("sa_pred", [0.5, -1]), ("sa_label", [1, -2])])
      ],
      bestEpoch: 1, trainSeconds: 2, parameterCount: 123)

    let record = try store.run(run.short)
    #expect(record.status == .finished)
    #expect(record.seed == 1111 && record.experiment == "grid" && record.epochCount == 1)
    #expect(record.environment.gitCommit == "abc" && record.environment.gitDirty == true)
    #expect(try store.config(run) == config)
    let epochs = try store.epochs(run)
    #expect(epochs.count == 1)
    #expect(epochs[0].train == ["loss": 0.75] && epochs[0].valid["loss"] == 0.5 && epochs[0].valid["MAE"]!.isNaN)
    #expect(epochs[0].routing == [RoutingStat(task: "SA", modality: "text", block: 1, gates: [0.25, 0.75])])
    let results = try store.results(run)
    #expect(results["test"]?["MAE"] == 0.7 && results["test"]?["Corr"]?.isNaN == true)
    #expect(try store.thresholds(run) == [0.5, 0.35])
    #expect(
      try store.predictions(run, split: "test")
        == PredictionRows(ids: ["a", "b"], columns: [("sa_pred", [0.5, -1]), ("sa_label", [1, -2])]))
    #expect(try store.fingerprints(run) == ["label.csv": "00ff"])
    let params = Dictionary(uniqueKeysWithValues: try store.params(run))
    #expect(params["model.n_experts"] == .int(8) && params["train.lr"] == .double(0.001))
    #expect(params["model.shared_experts"] == .bool(true) && params["model.expert_ranks"] == .null)
    let best = try #require(try store.checkpoint(run, kind: .best))
    #expect(best.weights == [1, 2, 3] && best.epoch == 1 && best.trainingState == nil)
    let last = try #require(try store.checkpoint(run, kind: .last))
    #expect(last.trainingState == [9])
    #expect(try store.storeStatistics().blobs == 2)  // best and last share the weights blob
  }

  @Test func lastCheckpointIsReplacedAndItsOldBlobDeleted() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let store = try Store.open(path: folder.file("s.sqlite"))
    let run = try store.createRun(name: "a", seed: 1, config: sampleConfig(), cellKey: "k")
    for epoch in 1...3 {
      try store.logEpoch(
        run, epoch: epoch, train: [:], valid: [:], learningRate: 0, seconds: 0, steps: 0,
        last: CheckpointPayload(weights: [UInt8](repeating: UInt8(epoch), count: 100), trainingState: [UInt8(epoch)]))
    }
    let infos = try store.checkpoints(run)
    #expect(infos.map(\.kind) == [.last] && infos[0].epoch == 3)
    #expect(try store.checkpoint(run, kind: .last)?.weights == [UInt8](repeating: 3, count: 100))
    // Only the current weights and state are left: gc finds nothing to delete.
    #expect(try store.collectGarbage(vacuum: false).blobsDeleted == 0)
    #expect(try store.storeStatistics().blobs == 2)
  }

  @Test func duplicateEpochAndWritesAfterTheEndAreRefused() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let store = try Store.open(path: folder.file("s.sqlite"))
    let run = try store.createRun(name: "a", seed: 1, config: sampleConfig(), cellKey: "k")
    try store.logEpoch(run, epoch: 1, train: [:], valid: [:], learningRate: 0, seconds: 0, steps: 0)
    #expect(throws: TrackerError.self) {
      try store.logEpoch(run, epoch: 1, train: [:], valid: [:], learningRate: 0, seconds: 0, steps: 0)
    }
    try store.interruptRun(run)
    #expect(try store.run(run.uid).status == .killed)
    let error = #expect(throws: TrackerError.self) { try store.heartbeat(run) }
    #expect(error?.kind == .state)
  }

  @Test func findCellPrefersFinishedThenRunningThenKilled() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let store = try Store.open(path: folder.file("s.sqlite"))
    #expect(try store.findCell(cellKey: "k", seed: 1) == nil)
    let killed = try store.createRun(name: "a", seed: 1, config: sampleConfig(), cellKey: "k")
    try store.logEpoch(
      killed, epoch: 1, train: ["loss": 1], valid: [:], learningRate: 0, seconds: 0, steps: 0,
      last: CheckpointPayload(weights: [7]))
    try store.logEpoch(
      killed, epoch: 2, train: ["loss": 0.5], valid: [:], learningRate: 0, seconds: 0, steps: 0,
      last: CheckpointPayload(weights: [8]))
    try store.interruptRun(killed)
    #expect(try store.findCell(cellKey: "k", seed: 1)?.id == killed)
    #expect(try store.findCell(cellKey: "k", seed: 2) == nil)
    #expect(try store.findCell(cellKey: "other", seed: 1) == nil)

    let resumed = try store.createRun(name: "a", seed: 1, config: sampleConfig(), cellKey: "k", resumes: killed)
    #expect(try store.findCell(cellKey: "k", seed: 1)?.id == resumed)
    #expect(try store.epochs(resumed).map(\.epoch) == [1, 2])
    #expect(try store.checkpoint(resumed, kind: .last)?.weights == [8])
    #expect(try store.run(resumed.uid).resumes == killed)
    try store.finishRun(resumed, results: ["test": ["MAE": 1]])
    #expect(try store.findCell(cellKey: "k", seed: 1)?.status == .finished)
    #expect(throws: TrackerError.self) {
      try store.createRun(name: "b", seed: 1, config: sampleConfig(), cellKey: "k", resumes: resumed)
    }
  }

  @Test func reapMarksRunsOfDeadProcessesKilled() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let path = folder.file("s.sqlite")
    let store = try Store.open(path: path)
    let run = try store.createRun(name: "a", seed: 1, config: sampleConfig(), cellKey: "k")
    // This process is alive: reaping leaves its run alone.
    #expect(try store.reapDeadRuns().isEmpty)
    #expect(try Store.open(path: path).run(run.uid).status == .running)
  }

  @Test func lookupByIdPrefixAndName() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let store = try Store.open(path: folder.file("s.sqlite"))
    let a = try finishedRun(store, seed: 1, name: "alpha", test: ["MAE": 1])
    try finishedRun(store, seed: 2, name: "twin", test: ["MAE": 1])
    try finishedRun(store, seed: 3, name: "twin", test: ["MAE": 1])
    #expect(try store.run("alpha").id == a)
    #expect(try store.run(a.uid).id == a)
    #expect(try store.run(String(a.uid.prefix(6))).id == a)
    let ambiguous = #expect(throws: TrackerError.self) { try store.run("twin") }
    #expect(ambiguous?.kind == .usage && ambiguous?.message.contains("use an id") == true)
    let missing = #expect(throws: TrackerError.self) { try store.run("alpah") }
    #expect(missing?.message.contains("did you mean alpha?") == true)
  }
}
