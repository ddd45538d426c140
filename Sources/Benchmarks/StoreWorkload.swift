// StoreWorkload: the synthetic run the store benchmark and the concurrency tests write: 25 config
// params, 30 epochs of 10 training and 10 validation metrics, 20 final test metrics (the workload the
// MLflow figures in BENCHMARKS.md were measured with), optionally a fake checkpoint every epoch.
import Data
import Foundation
import Tracker

public struct StoreWorkload: Sendable {
  public var epochs: Int
  /// Bytes of the fake `last` checkpoint logged with each epoch (0: none).
  public var checkpointBytes: Int
  /// A pause after each epoch, so a test can kill a writer mid-run.
  public var pauseSeconds: Double

  public init(epochs: Int = 30, checkpointBytes: Int = 0, pauseSeconds: Double = 0) {
    self.epochs = epochs
    self.checkpointBytes = checkpointBytes
    self.pauseSeconds = pauseSeconds
  }

  public static let expertCounts = [1, 2, 4, 8]
  public static let learningRates = [0.0005, 0.001, 0.002, 0.003, 0.005]
  public static let trainMetrics = (0..<10).map { "train_metric_\($0)" }
  public static let validMetrics = ["loss"] + (1..<10).map { "valid_metric_\($0)" }
  /// 20 final metrics: the eight headline ones and twelve more.
  public static let finalMetrics =
    ["Non0_acc_2", "Non0_F1_score", "MAE", "Corr", "Mult_acc_7", "mean_WA", "mean_F1", "mean_AUC"]
    + (0..<12).map { "extra_metric_\($0)" }

  /// The config of run `index`: 25 leaves; experts, ranks, learning rate and dropout vary with it.
  public static func config(_ index: Int) -> JSONValue {
    let experts = expertCounts[index % expertCounts.count]
    let lr = learningRates[(index / expertCounts.count) % learningRates.count]
    let rank = [16, 32, 64, 128][(index / 20) % 4]
    return .object([
      ("name", .string("bench-\(index)")),
      (
        "data",
        .object([
          ("kind", .string("synthetic")), ("synthetic", .object([("seed", .int(0)), ("n_train", .int(1284))])),
        ])
      ),
      (
        "model",
        .object([
          ("architecture", .string("mmolre")), ("d_model", .int(64)), ("dropout", .double(0.1)),
          ("n_blocks", .int(2)), ("n_experts", .int(experts)), ("rank_min", .int(4)), ("rank_max", .int(rank)),
          ("task_rank", .int(16)), ("shared_experts", .bool(true)), ("task_expert", .bool(true)),
          ("gating", .string("dense")), ("top_k", .int(2)), ("fusion", .string("gated")), ("fusion_heads", .int(4)),
          ("modalities", .array([.string("text"), .string("audio")])),
        ])
      ),
      (
        "train",
        .object([
          ("lr", .double(lr)), ("weight_decay", .double(0.0001)), ("batch_size", .int(32)), ("max_epochs", .int(30)),
          ("patience", .int(6)), ("lambda_er", .double(1)), ("lambda_bal", .double(0.01)),
        ])
      ),
    ])
  }

  /// A deterministic pseudo-random value in [0, 1) for (index, salt).
  static func noise(_ index: Int, _ salt: Int) -> Double {
    var x = UInt64(truncatingIfNeeded: index &* 0x9E37_79B9 &+ salt &* 0x85EB_CA6B)
    x ^= x >> 33
    x = x &* 0xFF51_AFD7_ED55_8CCD
    x ^= x >> 33
    return Double(x >> 11) / Double(1 << 53)
  }

  /// Writes run `index` with seed `seed` into `store` as the trainer would (`created` hears its id
  /// before the first epoch); returns its id.
  @discardableResult
  public func write(
    to store: Store, index: Int, seed: Int, experiment: String = "bench", created: (RunID) -> Void = { _ in }
  ) throws -> RunID {
    let config = Self.config(index)
    let run = try store.createRun(
      name: "\(experiment)-\(index)-s\(seed)", experiment: experiment, seed: seed, config: config,
      cellKey: config.canonical, environment: RunEnvironment(threads: 1))
    created(run)
    for epoch in 1...epochs {
      try logEpoch(store, run, index: index, seed: seed, epoch: epoch)
      if pauseSeconds > 0 { Thread.sleep(forTimeInterval: pauseSeconds) }
    }
    try finish(store, run, index: index, seed: seed)
    return run
  }

  /// Logs epoch `epoch` of run `index` (with a fake checkpoint when `checkpointBytes` > 0).
  public func logEpoch(_ store: Store, _ run: RunID, index: Int, seed: Int, epoch: Int) throws {
    let decay = 1 / Double(epoch)
    let source = index &+ 7919 &* seed
    let train = Dictionary(
      uniqueKeysWithValues: Self.trainMetrics.enumerated().map { ($1, decay + Self.noise(source, $0)) })
    let valid = Dictionary(
      uniqueKeysWithValues: Self.validMetrics.enumerated().map { ($1, decay + Self.noise(source, 100 + $0)) })
    let checkpoint =
      checkpointBytes > 0
      ? CheckpointPayload(weights: [UInt8](repeating: UInt8(truncatingIfNeeded: epoch), count: checkpointBytes)) : nil
    try store.logEpoch(
      run, epoch: epoch, train: train, valid: valid, learningRate: 0.001, seconds: 2, steps: 41, last: checkpoint)
  }

  /// Finishes run `index` with its 20 test metrics (accuracy-like values in [0.6, 0.9]).
  public func finish(_ store: Store, _ run: RunID, index: Int, seed: Int) throws {
    let source = index &+ 7919 &* seed
    let test = Dictionary(
      uniqueKeysWithValues: Self.finalMetrics.enumerated().map { ($1, 0.6 + 0.3 * Self.noise(source, 200 + $0)) })
    try store.finishRun(
      run, results: ["test": test], bestEpoch: epochs, trainSeconds: 2 * Double(epochs), parameterCount: 90_000)
  }
}
