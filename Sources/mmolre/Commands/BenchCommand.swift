// `mmolre bench`: the measurements behind BENCHMARKS.md; `bench store` times the experiment store.
import Benchmarks
import Foundation

enum BenchCommand: Command {
  static let name = "bench"
  static let summary = "run a benchmark (store: the experiment store's costs)"
  static let help = """
    Usage: mmolre bench store [--runs N] [--writers N] [--runs-per-writer N] [--epoch-seconds S] [--folder DIR]

    store: the tracker's cost per logged epoch (30 epochs x 20 metrics), bytes per run (25 params,
    20 final metrics, weights aside), a filtered `runs` query and the grouped compare table on a store
    of N runs (default 10,000), and N writer processes (default 4) on one store, counting what landed.
    Prints a Markdown table beside MLflow 3.17's figures for the same workload.
    """
  static let options: [OptionSpec] = [
    .value("runs", "N", "runs in the large store (default 10000)"),
    .value("writers", "N", "concurrent writer processes (default 4)"),
    .value("runs-per-writer", "N", "runs each writer logs (default 50)"),
    .value("epoch-seconds", "S", "the cpu preset's epoch time to compare with (default 2)"),
    .value("folder", "DIR", "where the temporary stores go (default a temporary folder)"),
  ]

  static func run(_ arguments: Arguments) throws {
    guard let what = arguments.positionals.first, arguments.positionals.count == 1 else {
      throw UsageError("expected what to benchmark: store")
    }
    guard what == "store" else { throw UsageError("unknown benchmark \(what); available: store") }
    let folder = arguments.value("folder") ?? NSTemporaryDirectory() + "mmolre-bench-\(getpid())"
    let seconds = try arguments.value("epoch-seconds").map { text -> Double in
      guard let value = Double(text), value > 0 else { throw UsageError("--epoch-seconds: a positive number") }
      return value
    }
    let benchmark = StoreBenchmark(
      folder: folder, runs: try arguments.int("runs") ?? 10_000, writers: try arguments.int("writers") ?? 4,
      runsPerWriter: try arguments.int("runs-per-writer") ?? 50, epochSeconds: seconds ?? 2,
      executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path)
    let report = try benchmark.run { printError($0) }
    if arguments.value("folder") == nil { try? FileManager.default.removeItem(atPath: folder) }
    print(report.markdown(), terminator: "")
  }
}
