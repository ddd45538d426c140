// Evaluation: a run re-evaluated from the store gives back its logged metrics and stored predictions
// bit for bit; with other data (here: shifted test labels) it reports the changed fingerprint and the
// metrics that moved instead of agreeing.
import Data
import Foundation
import Testing
import Tracker
import Training

@Suite(.serialized) struct EvaluationTests {
  @Test func aStoredRunIsReproducedExactlyAndChangedDataIsReported() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mmolre-eval-\(getpid())").path
    try? FileManager.default.removeItem(atPath: folder)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let store = try Store.open(path: folder + "/store.sqlite")
    let runner = GridRunner(store: store, experiment: "t", runName: "evaluated", prepareData: DataPreparation.prepare)
    let outcome = try #require(
      try runner.run(
        cells: [
          try smallConfig([
            "train.max_epochs=1", "data.synthetic.n_train=64", "data.synthetic.n_valid=32", "data.synthetic.n_test=48",
          ])
        ], seeds: [4]
      ).first)
    let run = try #require(outcome.run)

    let evaluation = try Evaluation.reevaluate(run.uid, store: store)
    #expect(evaluation.agrees)
    #expect(evaluation.predictionDifferences == ["valid": 0, "test": 0])
    #expect(evaluation.thresholds == (try store.thresholds(run)))
    let test = evaluation.figures.filter { $0.split == "test" }
    // 8 MSA metrics, 3 per emotion and the 4 MER means.
    #expect(test.count == 8 + 18 + 4 && evaluation.figures.count == 2 * test.count)
    #expect(Dictionary(uniqueKeysWithValues: test.map { ($0.metric, $0.reproduced!) }) == outcome.test)

    // The same run on data whose test sentiment moved by 0.5: not the data it was trained on.
    let shifted = try Evaluation.reevaluate("evaluated", store: store, splits: ["test"]) { config in
      var data = try DataPreparation.prepare(config)
      data.splits["test"]!.sentiment = data.splits["test"]!.sentiment.map { $0 + 0.5 }
      data.fingerprints["synthetic"] = "changed"
      return data
    }
    #expect(!shifted.agrees)
    #expect(shifted.changedData == ["synthetic"])
    #expect(shifted.figures.first { $0.metric == "MAE" }?.agrees == false)
    #expect(shifted.figures.first { $0.metric == "mean_AUC" }?.agrees == true)  // emotions untouched
    #expect((shifted.predictionDifferences["test"] ?? 0) == 48)
  }

  @Test func onlyFinishedRunsCanBeEvaluated() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mmolre-eval2-\(getpid())").path
    try? FileManager.default.removeItem(atPath: folder)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let store = try Store.open(path: folder + "/store.sqlite")
    let config = try smallConfig()
    let run = try store.createRun(name: "half", seed: 1, config: config.json, cellKey: config.cellJSON.canonical)
    try store.interruptRun(run)
    #expect {
      try Evaluation.reevaluate("half", store: store)
    } throws: { error in
      (error as? ConfigError)?.message.contains("is killed; only a finished run has results to reproduce") == true
    }
  }
}
