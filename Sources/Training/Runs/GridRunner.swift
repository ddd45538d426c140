// Runs every (config cell x seed) of a grid into the store (DESIGN section 3): a cell is the canonical
// config without naming, seeds, threads and display fields, with numbers canonicalised. Finished cells
// are skipped, killed ones resumed from their latest checkpoint, so an interrupted grid continues
// where it stopped; a failed run keeps its error text and the grid goes on.
import Data
import Foundation
import Metrics
import Tracker

/// What happened to one cell of a grid.
public struct CellOutcome: Sendable {
  public enum Kind: String, Sendable { case trained, resumed, skipped, failed, busy }
  public var kind: Kind
  public var run: RunID?
  public var config: RunConfig
  public var seed: Int
  /// Test metrics (trained, resumed, skipped-finished).
  public var test: [String: Double]
  public var error: String?
}

/// Events for a progress display.
public enum GridEvent {
  case cellStarted(index: Int, of: Int, config: RunConfig, seed: Int, run: RunID, resumedFrom: RunID?)
  case cellSkipped(index: Int, of: Int, run: RunID, reason: String)
  case training(TrainingProgress)
  /// Data was loaded for the cells that follow (PreparedData.description: datasets, counts, notes).
  case dataPrepared(description: String)
  case cellFinished(index: Int, of: Int, outcome: CellOutcome)
}

public final class GridRunner {
  public let store: Store
  public let experiment: String
  public let runName: String?
  public var onEvent: (GridEvent) -> Void = { _ in }
  /// Loads the data of a config; cells that share a data config share one load.
  public var prepareData: (RunConfig) throws -> PreparedData
  private var dataCache: [String: PreparedData] = [:]

  public init(
    store: Store, experiment: String, runName: String?, prepareData: @escaping (RunConfig) throws -> PreparedData
  ) {
    self.store = store
    self.experiment = experiment
    self.runName = runName
    self.prepareData = prepareData
  }

  /// Trains every cell; stops at the first interruption (rethrown after the run is marked killed).
  public func run(cells: [RunConfig], seeds explicitSeeds: [Int]?) throws -> [CellOutcome] {
    let jobs = cells.flatMap { config in (explicitSeeds ?? config.train.seeds).map { (config, $0) } }
    var outcomes: [CellOutcome] = []
    for (index, (config, seed)) in jobs.enumerated() {
      let cellKey = config.cellJSON.canonical
      let existing = try store.findCell(cellKey: cellKey, seed: seed)
      if let existing, existing.status == .finished {
        onEvent(.cellSkipped(index: index, of: jobs.count, run: existing.id, reason: "finished earlier"))
        let test = try store.results(existing.id)["test"] ?? [:]
        outcomes.append(CellOutcome(kind: .skipped, run: existing.id, config: config, seed: seed, test: test))
        continue
      }
      if let existing, existing.status == .running {
        onEvent(.cellSkipped(index: index, of: jobs.count, run: existing.id, reason: "running in another process"))
        outcomes.append(CellOutcome(kind: .busy, run: existing.id, config: config, seed: seed, test: [:]))
        continue
      }
      let resumes = existing?.status == .killed ? existing?.id : nil
      let outcome = try train(
        config: config, seed: seed, cellKey: cellKey, resumes: resumes, index: index, of: jobs.count)
      outcomes.append(outcome)
      onEvent(.cellFinished(index: index, of: jobs.count, outcome: outcome))
    }
    return outcomes
  }

  /// Continues one killed (or failed) run to the end.
  public func resume(_ reference: String) throws -> CellOutcome {
    let record = try store.run(reference)
    guard record.status == .killed || record.status == .failed else {
      throw ConfigError(
        "run \(record.id.short) is \(record.status.rawValue); only a killed or failed run can be resumed")
    }
    let config = try RunConfig.fromJSON(try store.config(record.id), origin: "run \(record.id.short)")
    let outcome = try train(
      config: config, seed: record.seed, cellKey: config.cellJSON.canonical, resumes: record.id, index: 0, of: 1)
    onEvent(.cellFinished(index: 0, of: 1, outcome: outcome))
    return outcome
  }

  private func data(for config: RunConfig) throws -> PreparedData {
    let key = Self.dataKey(config)
    if let cached = dataCache[key] { return cached }
    let prepared = try prepareData(config)
    dataCache[key] = prepared
    if !prepared.description.isEmpty { onEvent(.dataPrepared(description: prepared.description)) }
    return prepared
  }

  /// Keys that decide what data a run reads.
  static func dataKey(_ config: RunConfig) -> String {
    JSONValue.object(
      config.values.filter {
        $0.key.hasPrefix("data.") || $0.key == "model.modalities" || $0.key.hasPrefix("features.")
      }
      .sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    ).canonical
  }

  private func train(config: RunConfig, seed: Int, cellKey: String, resumes: RunID?, index: Int, of total: Int) throws
    -> CellOutcome
  {
    let prepared = try data(for: config)
    let name = runName ?? "\(config.name)-s\(seed)"
    let run = try store.createRun(
      name: name, experiment: experiment, seed: seed, config: config.json, cellKey: cellKey, params: config.flattened,
      environment: EnvironmentProbe.current(threads: config.train.threads), fingerprints: prepared.fingerprints,
      resumes: resumes)
    onEvent(.cellStarted(index: index, of: total, config: config, seed: seed, run: run, resumedFrom: resumes))
    do {
      let trainer = try Trainer(config: config, data: prepared, seed: seed)
      let recorder = StoreRecorder(store: store, run: run)
      trainer.recorder = recorder
      trainer.shouldStop = { Interruption.isRequested }
      trainer.onProgress = { [weak self] in self?.onEvent(.training($0)) }
      if resumes != nil, let last = try store.checkpoint(run, kind: .last) {
        let origin = "run \(run.short) last checkpoint"
        guard let stateBytes = last.trainingState else { throw SafetensorsError("\(origin): no training state") }
        try trainer.restore(
          weights: try SafetensorsFile(bytes: last.weights, origin: origin),
          state: try TrainingState(bytes: stateBytes, origin: origin),
          best: try store.checkpoint(run, kind: .best)?.weights,
          origin: origin)
      }
      let result = try trainer.fit()
      try store.putCheckpoint(run, kind: .best, epoch: result.bestEpoch, weights: result.bestWeights)
      try store.finishRun(
        run, results: ["valid": result.valid, "test": result.test], thresholds: result.thresholds,
        predictions: ["valid": Self.rows(result.validPredictions), "test": Self.rows(result.testPredictions)],
        bestEpoch: result.bestEpoch, trainSeconds: result.trainSeconds, parameterCount: result.parameterCount)
      return CellOutcome(
        kind: resumes == nil ? .trained : .resumed, run: run, config: config, seed: seed, test: result.test)
    } catch is TrainingInterrupted {
      try? store.interruptRun(run)
      throw TrainingInterrupted(run: run)
    } catch {
      try? store.failRun(run, error: String(describing: error))
      return CellOutcome(
        kind: .failed, run: run, config: config, seed: seed, test: [:], error: String(describing: error))
    }
  }

  /// Per-sample predictions as the store keeps them: true and predicted sentiment, true intensities
  /// and predicted probabilities of the six emotions.
  public static func rows(_ p: Predictions) -> PredictionRows {
    var columns: [(name: String, values: [Double])] = [("sentiment", p.sentimentTrue)]
    if let s = p.sentimentPred { columns.append(("sentiment_pred", s)) }
    for (j, emotion) in MetricKeys.emotions.enumerated() {
      columns.append((emotion, (0..<p.count).map { p.emotionTrue[$0 * 6 + j] }))
      if let prob = p.emotionProb { columns.append(("\(emotion)_prob", (0..<p.count).map { prob[$0 * 6 + j] })) }
    }
    let sourceNames = Set(p.sources).sorted()
    columns.append(("source_index", p.sources.map { Double(sourceNames.firstIndex(of: $0)!) }))
    return PredictionRows(ids: p.ids, columns: columns)
  }
}
