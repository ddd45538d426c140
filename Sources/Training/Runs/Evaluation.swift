// Re-evaluating a finished run from the store (`mmolre eval RUN`): its config and selected checkpoint
// are read back (the store checks the weights' sha256), the same data is prepared, the model's
// predictions are recomputed through the trainer's own evaluation pass and scored with the ER
// thresholds the run chose on validation. On the machine that trained it every figure must come back
// bit for bit (same weights, code, batch sizes and thread count); another OpenBLAS core may differ in
// the last bits, which shows up here as a difference, not as a silent change.
import Data
import Foundation
import Metrics
import Tracker

/// What re-evaluating one run gave, beside what its run logged.
public struct Evaluation: Sendable {
  /// One metric of one split: the value the run logged and the one recomputed now.
  public struct Figure: Sendable {
    public let split: String
    public let metric: String
    /// nil when only one side has the metric.
    public let logged: Double?
    public let reproduced: Double?

    /// Bit-equal values (NaN agrees with NaN).
    public var agrees: Bool {
      guard let logged, let reproduced else { return false }
      return logged.bitPattern == reproduced.bitPattern || (logged.isNaN && reproduced.isNaN)
    }
  }

  public let run: RunRecord
  /// The checkpoint evaluated (the run's `best`, i.e. the selected one) and its weights' sha256.
  public let checkpointEpoch: Int
  public let weightsSHA256: String
  /// The ER thresholds the run chose on validation (nil: 0.5 or no ER).
  public let thresholds: [Double]?
  /// Every metric of the evaluated splits, split by split in `MetricKeys.canonicalOrder`.
  public let figures: [Figure]
  /// split -> samples whose recomputed predictions differ from the stored ones (splits without stored
  /// predictions are absent).
  public let predictionDifferences: [String: Int]
  /// Data files whose sha256 now differs from the one the run recorded.
  public let changedData: [String]

  /// Whether everything came back exactly: every figure, every stored prediction, the data.
  public var agrees: Bool {
    figures.allSatisfy(\.agrees) && predictionDifferences.values.allSatisfy { $0 == 0 } && changedData.isEmpty
  }

  /// Re-evaluates `reference` (an id, id prefix or name) on `splits`.
  ///
  /// ```swift
  /// let evaluation = try Evaluation.reevaluate("3fa2", store: store, splits: ["valid", "test"])
  /// evaluation.agrees  // true on the machine that trained it
  /// ```
  /// - Parameter prepareData: loads a config's data (`DataPreparation.prepare`; tests may inject).
  /// - Throws: `ConfigError` when the run has not finished or has no best checkpoint; `TrackerError`
  ///   (`.data`, naming the run) when the checkpoint's bytes no longer match their sha256;
  ///   `SafetensorsError` when the weights do not fit the config.
  /// - Complexity: preparing the data plus one forward pass per split.
  public static func reevaluate(
    _ reference: String, store: Store, splits: [String] = ["valid", "test"],
    prepareData: (RunConfig) throws -> PreparedData = DataPreparation.prepare
  ) throws -> Evaluation {
    let run = try store.run(reference)
    guard run.status == .finished else {
      throw ConfigError(
        "run \(run.id.short) (\(run.name)) is \(run.status.rawValue); only a finished run has results to reproduce")
    }
    let origin = "run \(run.id.short) (\(run.name))"
    let config = try RunConfig.fromJSON(try store.config(run.id), origin: "\(origin) config")
    guard let checkpoint = try store.checkpoint(run.id, kind: .best) else {
      throw ConfigError("\(origin) has no best checkpoint to evaluate")
    }
    let data = try prepareData(config)
    let recorded = try store.fingerprints(run.id)
    let changedData = recorded.keys.filter { data.fingerprints[$0] != recorded[$0] }.sorted()

    let trainer = try Trainer(config: config, data: data, seed: run.seed)
    let weightsOrigin = "\(origin) best checkpoint"
    try trainer.load(
      weights: try SafetensorsFile(bytes: checkpoint.weights, origin: weightsOrigin), origin: weightsOrigin)
    let thresholds = try store.thresholds(run.id)
    let logged = try store.results(run.id)
    var figures: [Figure] = []
    var differences: [String: Int] = [:]
    for split in splits {
      let predictions = try trainer.predictions(on: split)
      let reproduced = try predictions.score(thresholds: thresholds)
      let loggedSplit = logged[split] ?? [:]
      for metric in MetricKeys.canonicalOrder(Set(loggedSplit.keys).union(reproduced.keys)) {
        figures.append(
          Figure(split: split, metric: metric, logged: loggedSplit[metric], reproduced: reproduced[metric]))
      }
      if let stored = try store.predictions(run.id, split: split) {
        differences[split] = Self.differingSamples(stored, GridRunner.rows(predictions))
      }
    }
    return Evaluation(
      run: run, checkpointEpoch: checkpoint.epoch, weightsSHA256: checkpoint.weightsSHA256, thresholds: thresholds,
      figures: figures, predictionDifferences: differences, changedData: changedData)
  }

  /// Samples of `a` and `b` that differ in any column (or all of them when the tables do not line up).
  static func differingSamples(_ a: PredictionRows, _ b: PredictionRows) -> Int {
    guard a.ids == b.ids, a.columns.map(\.name) == b.columns.map(\.name) else { return max(a.ids.count, b.ids.count) }
    return (0..<a.ids.count).filter { i in
      zip(a.columns, b.columns).contains { x, y in
        let (u, v) = (x.values[i], y.values[i])
        return u.bitPattern != v.bitPattern && !(u.isNaN && v.isNaN)
      }
    }.count
  }
}
