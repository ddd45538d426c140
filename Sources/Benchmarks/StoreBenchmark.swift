// StoreBenchmark: `mmolre bench store`: the tracker's cost per epoch, bytes per run, a filtered `runs`
// query and the grouped `compare` table on a store of 10,000 runs, and concurrent writer processes
// losing nothing; beside MLflow 3.17 on SQLite measured with the same workload (BENCHMARKS.md).
import Data
import Foundation
import Tracker

public struct StoreBenchmark {
  /// Where the stores are made (removed afterwards).
  public var folder: String
  /// Runs in the large store.
  public var runs: Int
  public var writers: Int
  public var runsPerWriter: Int
  /// The `cpu` preset's epoch time the per-epoch cost is compared with.
  public var epochSeconds: Double
  /// The mmolre binary, for the writer processes (`mmolre _store-writer`).
  public var executable: String

  public init(
    folder: String, runs: Int = 10_000, writers: Int = 4, runsPerWriter: Int = 50, epochSeconds: Double = 2,
    executable: String
  ) {
    self.folder = folder
    self.runs = runs
    self.writers = writers
    self.runsPerWriter = runsPerWriter
    self.epochSeconds = epochSeconds
    self.executable = executable
  }

  /// The filter of the timed `runs` query: one config key and one result, about a quarter of the runs.
  public static let filter = "model.n_experts = 4 and metrics.test.Non0_acc_2 > 0.61"

  public struct Report: Sendable {
    public var epochMilliseconds: (median: Double, mean: Double, p95: Double)
    public var bytesPerRun: Double
    public var storeBytes: Int
    public var runs: Int
    public var populateSeconds: Double
    public var filteredMilliseconds: Double
    public var filteredCount: Int
    public var compareMilliseconds: Double
    public var compareGroups: Int
    public var writers: Int
    public var writerEpochsExpected: Int
    public var writerEpochsFound: Int
    public var writerRunsFinished: Int
    public var writerSeconds: Double
    public var epochSeconds: Double
  }

  /// Runs every measurement; `progress` gets a line per step.
  public func run(progress: (String) -> Void) throws -> Report {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let workload = StoreWorkload()

    progress("per-epoch cost: 20 runs x 30 epochs, each logEpoch timed")
    let epochTimes = try timeEpochs(workload)

    progress("filling a store with \(runs) runs")
    let bigPath = folder + "/big.sqlite"
    try removeStore(bigPath)
    let emptyBytes = try emptyStoreBytes()
    let started = Date()
    let store = try Store.open(path: bigPath)
    let chunk = 250
    for first in stride(from: 0, to: runs, by: chunk) {
      try store.batch {
        for index in first..<min(first + chunk, runs) {
          try workload.write(to: store, index: index, seed: 1111 + index % 5)
        }
      }
      if first % 2_000 == 0 { progress("  \(first) runs") }
    }
    let populateSeconds = Date().timeIntervalSince(started)
    try store.checkpointWAL()
    let storeBytes = try store.storeStatistics().fileBytes

    progress("filtered runs query and grouped compare on \(runs) runs")
    var filteredCount = 0
    let filtered = try Self.median(repeats: 5) { filteredCount = try store.runs(where: Self.filter).count }
    var groups = 0
    let compare = try Self.median(repeats: 5) {
      let comparison = try store.compare(
        ComparisonRequest(grouping: .keys(["model.n_experts"]), metrics: .list(["Non0_acc_2", "MAE", "Corr"])))
      groups = comparison.groups.count
      _ = ComparisonFormatter().render(comparison, style: .plain)
    }

    progress("\(writers) writer processes x \(runsPerWriter) runs x \(workload.epochs) epochs")
    let (found, finished, seconds) = try concurrentWriters(workload)

    try removeStore(bigPath)
    return Report(
      epochMilliseconds: epochTimes, bytesPerRun: Double(storeBytes - emptyBytes) / Double(runs),
      storeBytes: storeBytes,
      runs: runs, populateSeconds: populateSeconds, filteredMilliseconds: filtered * 1000, filteredCount: filteredCount,
      compareMilliseconds: compare * 1000, compareGroups: groups, writers: writers,
      writerEpochsExpected: writers * runsPerWriter * workload.epochs, writerEpochsFound: found,
      writerRunsFinished: finished, writerSeconds: seconds, epochSeconds: epochSeconds)
  }

  /// Median, mean and 95th percentile of single logEpoch calls (milliseconds), each its own transaction.
  private func timeEpochs(_ workload: StoreWorkload) throws -> (median: Double, mean: Double, p95: Double) {
    let path = folder + "/epochs.sqlite"
    try removeStore(path)
    defer { try? removeStore(path) }
    let store = try Store.open(path: path)
    var times: [Double] = []
    for index in 0..<20 {
      let config = StoreWorkload.config(index)
      let run = try store.createRun(name: "e\(index)", seed: 1, config: config, cellKey: config.canonical)
      for epoch in 1...workload.epochs {
        let start = DispatchTime.now().uptimeNanoseconds
        try workload.logEpoch(store, run, index: index, seed: 1, epoch: epoch)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
      }
      try workload.finish(store, run, index: index, seed: 1)
    }
    times.sort()
    return (times[times.count / 2], times.reduce(0, +) / Double(times.count), times[times.count * 95 / 100])
  }

  /// The size of a store with the schema and nothing else.
  private func emptyStoreBytes() throws -> Int {
    let path = folder + "/empty.sqlite"
    try removeStore(path)
    defer { try? removeStore(path) }
    let store = try Store.open(path: path)
    try store.checkpointWAL()
    return try store.storeStatistics().fileBytes
  }

  /// Starts the writer processes on one fresh store, waits for them, counts what landed.
  private func concurrentWriters(_ workload: StoreWorkload) throws -> (epochs: Int, finished: Int, seconds: Double) {
    let path = folder + "/writers.sqlite"
    try removeStore(path)
    defer { try? removeStore(path) }
    _ = try Store.open(path: path)  // create it first, so the writers only write
    let started = Date()
    let processes = try (0..<writers).map { writer -> Process in
      let process = Process()
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments = [
        "_store-writer", "--store", path, "--runs", String(runsPerWriter), "--epochs", String(workload.epochs),
        "--first-index", String(writer * runsPerWriter),
      ]
      process.standardOutput = FileHandle.nullDevice
      try process.run()
      return process
    }
    for process in processes { process.waitUntilExit() }
    let seconds = Date().timeIntervalSince(started)
    for process in processes where process.terminationStatus != 0 {
      throw TrackerError(.sqlite, "a writer process exited with status \(process.terminationStatus)")
    }
    let store = try Store.open(path: path)
    let finished = try store.runs(status: .finished)
    let epochs = try finished.reduce(0) { $0 + (try store.epochs($1.id).count) }
    return (epochs, finished.count, seconds)
  }

  private func removeStore(_ path: String) throws {
    for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
      try FileManager.default.removeItem(atPath: path + suffix)
    }
  }

  /// The median wall time of `repeats` calls, in seconds.
  static func median(repeats: Int, _ body: () throws -> Void) throws -> Double {
    var times: [Double] = []
    for _ in 0..<repeats {
      let start = DispatchTime.now().uptimeNanoseconds
      try body()
      times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times.sorted()[times.count / 2]
  }
}

extension StoreBenchmark.Report {
  /// The results as the BENCHMARKS.md table, beside MLflow 3.17's figures for the same workload.
  public func markdown() -> String {
    let epochShare = epochMilliseconds.mean / (epochSeconds * 1000) * 100
    let kib = bytesPerRun / 1024
    func ratio(_ theirs: Double, _ ours: Double) -> String { String(format: "%.0fx", theirs / ours) }
    let rows: [[String]] = [
      [
        "store cost per epoch (20 metrics, one transaction)",
        String(
          format: "%.3f ms (median %.3f, p95 %.3f)", epochMilliseconds.mean, epochMilliseconds.median,
          epochMilliseconds.p95),
        "15.7 ms (`log_batch`)", ratio(15.7, epochMilliseconds.mean), "< 1.6 ms",
      ],
      [
        "share of a `cpu` epoch (\(String(format: "%.0f", epochSeconds)) s)", String(format: "%.3f%%", epochShare),
        String(format: "%.2f%%", 15.7 / (epochSeconds * 10)), ratio(15.7 / (epochSeconds * 10), epochShare), "< 1%",
      ],
      ["bytes per run (weights aside)", String(format: "%.1f KiB", kib), "172 KiB", ratio(172, kib), "< 17 KiB"],
      [
        "filtered `runs` query (\(filteredCount) of \(runs) runs)", String(format: "%.1f ms", filteredMilliseconds),
        "1.5 s (449 of 1,800 runs)", ratio(1500, filteredMilliseconds), "-",
      ],
      [
        "grouped table, 3 metrics by model.n_experts (\(runs) runs, \(compareGroups) groups)",
        String(format: "%.1f ms", compareMilliseconds), "4.9 s (1,800 runs)", ratio(4900, compareMilliseconds), "< 1 s",
      ],
      [
        "\(writers) concurrent writer processes",
        "\(writerEpochsFound) of \(writerEpochsExpected) epoch rows, "
          + "\(writerRunsFinished) runs finished, \(String(format: "%.1f", writerSeconds)) s", "-", "-", "nothing lost",
      ],
    ]
    return TextTable(header: ["measure", "mmolre", "MLflow 3.17 (SQLite)", "MLflow / mmolre", "goal"], rows: rows)
      .markdown()
      + String(
        format: "\nThe %d-run store took %.0f s to fill (%.1f MB on disk after a WAL checkpoint).\n", runs,
        populateSeconds, Double(storeBytes) / 1e6)
  }
}
