// Helpers shared by the Tracker tests: temporary store folders and small fixed runs.
import Data
import Foundation
import Tracker

/// A fresh folder under the temporary directory, removed by `cleanup()`.
struct TemporaryFolder {
  let path: String

  init() {
    path = NSTemporaryDirectory() + "mmolre-tracker-\(UUID().uuidString.prefix(8))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  func file(_ name: String) -> String { path + "/" + name }

  func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// A small config with the ablation keys compare groups on.
func sampleConfig(experts: Int = 4, lr: Double = 0.001, rank: Int = 32, name: String = "cpu") -> JSONValue {
  .object([
    ("name", .string(name)),
    (
      "model",
      .object([
        ("architecture", .string("mmolre")), ("n_experts", .int(experts)), ("rank_max", .int(rank)),
        ("expert_ranks", .null), ("shared_experts", .bool(true)),
      ])
    ),
    ("train", .object([("lr", .double(lr)), ("seeds", .array([.int(1111)]))])),
  ])
}

/// Creates and finishes one run with the given test results; returns its id.
@discardableResult
func finishedRun(
  _ store: Store, experts: Int = 4, seed: Int, lr: Double = 0.001, name: String? = nil, test: [String: Double],
  epochs: Int = 2
) throws -> RunID {
  let config = sampleConfig(experts: experts, lr: lr)
  let run = try store.createRun(
    name: name ?? "e\(experts)-s\(seed)", seed: seed, config: config, cellKey: "cell-\(experts)-\(lr)")
  for epoch in 1...max(1, epochs) {
    try store.logEpoch(
      run, epoch: epoch, train: ["loss": 1.0 / Double(epoch)], valid: ["loss": 1.1 / Double(epoch)],
      learningRate: lr, seconds: 0.5, steps: 10)
  }
  try store.finishRun(run, results: ["test": test], bestEpoch: epochs, trainSeconds: 1, parameterCount: 1000)
  return run
}
