// `mmolre _store-writer` (hidden): writes synthetic runs into a store like a training process; the
// store benchmark and the concurrency and crash tests start several of these at once.
import Benchmarks
import Foundation
import Tracker

enum StoreWriterCommand: Command {
  static let name = "_store-writer"
  static let summary = "(hidden) write synthetic runs into a store, for tests and benchmarks"
  static let help = """
    Usage: mmolre _store-writer --store PATH [--runs N] [--epochs N] [--first-index I]
                                [--checkpoint-bytes B] [--pause-ms MS] [--seed S]

    Writes N runs of the store benchmark's workload (25 params, epochs of 20 metrics, 20 final
    metrics), printing each run id when created; with --checkpoint-bytes every epoch also stores a
    latest checkpoint of B bytes, with --pause-ms it sleeps after each epoch.
    """
  static let options: [OptionSpec] = [
    StoreAccess.option,
    .value("runs", "N", "runs to write (default 1)"),
    .value("epochs", "N", "epochs per run (default 30)"),
    .value("first-index", "I", "workload index of the first run (default 0)"),
    .value("checkpoint-bytes", "B", "size of the latest checkpoint stored with each epoch (default 0: none)"),
    .value("pause-ms", "MS", "sleep after each epoch (default 0)"),
    .value("seed", "S", "the runs' seed (default 1111)"),
  ]

  static func run(_ arguments: Arguments) throws {
    let workload = StoreWorkload(
      epochs: try arguments.int("epochs") ?? 30, checkpointBytes: try arguments.int("checkpoint-bytes") ?? 0,
      pauseSeconds: Double(try arguments.int("pause-ms") ?? 0) / 1000)
    let store = try StoreAccess.open(arguments, create: true)
    let first = try arguments.int("first-index") ?? 0
    let seed = try arguments.int("seed") ?? 1111
    for index in first..<(first + (try arguments.int("runs") ?? 1)) {
      try workload.write(to: store, index: index, seed: seed, experiment: "writers") { run in
        // Unbuffered, so a parent reading the pipe sees the id before the first epoch.
        FileHandle.standardOutput.write(Data((run.uid + "\n").utf8))
      }
    }
  }
}
