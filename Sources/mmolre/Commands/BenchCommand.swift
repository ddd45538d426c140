// `mmolre bench`: the measurements behind BENCHMARKS.md; `bench store` times the experiment store.
import Benchmarks
import Data
import Foundation
import Numerics
import Tracker
import Training

enum BenchCommand: Command {
  static let name = "bench"
  static let summary =
    "run a benchmark: epoch (training speed), experts (fused vs loop, low vs full rank), encoder (MiniLM), "
    + "finetune (MiniLM fine-tuning), store"
  static let help = """
    Usage: mmolre bench epoch [--preset NAME] [--set KEY=VALUE]... [--epochs N] [--threads 1,2]
           mmolre bench experts [--threads N]
           mmolre bench encoder [--table FILE] [--text-from FILE] [--threads 1,2]
           mmolre bench finetune [--table FILE] [--clips N] [--threads N] [--modes 1,2,3,4,5]
           mmolre bench store [--runs N] [--writers N] [--runs-per-writer N] [--epoch-seconds S] [--folder DIR]

    store: the tracker's cost per logged epoch (30 epochs x 20 metrics), bytes per run (25 params,
    20 final metrics, weights aside), a filtered `runs` query and the grouped compare table on a store
    of N runs (default 10,000), and N writer processes (default 4) on one store, counting what landed.
    Prints a Markdown table beside MLflow 3.17's figures for the same workload.

    epoch: seconds per training epoch (data prepared beforehand, nothing logged) and the GFLOP/s of its
    GEMMs beside the sgemm peak measured in the same run. experts: the fused mixture against the loop
    over experts at the paper's size, and low-rank against full-rank experts for N = 4, 8, 16.

    encoder: MiniLM clips per second on a label table's transcripts (default MOSI's 2199, texts filled
    from UniMSE's table as the presets do; 64 tokens, batches of 32, model loading excluded), with the
    GFLOP/s of its GEMMs and the sgemm peak measured in the same run, beside the reference's 197 clips/s.

    finetune: milliseconds per clip of a MiniLM fine-tuning step (tokenise, forward, backward of the
    features' mean, AdamW) on a fixed sample of a label table's training transcripts (default 640 of
    MOSEI's, batch 32, 1 thread): the whole model or a trainable top over the memoized frozen bottom,
    random or length-grouped batches, as the reference's benchmarks/bench_finetune.py; the memo's one-time
    fill cost and size, and the GEMMs' GFLOP/s beside the sgemm peak measured in the same run.
    """
  static let options: [OptionSpec] = [
    .value("runs", "N", "runs in the large store (default 10000)"),
    .value("writers", "N", "concurrent writer processes (default 4)"),
    .value("runs-per-writer", "N", "runs each writer logs (default 50)"),
    .value("epoch-seconds", "S", "the cpu preset's epoch time to compare with (default 2)"),
    .value("folder", "DIR", "where the temporary stores go (default a temporary folder)"),
    .value("preset", "NAME", "epoch: the preset to time (default cpu)"),
    .value("set", "KEY=VALUE", "epoch: a config override", repeatable: true),
    .value("epochs", "N", "epoch: epochs to time (default 3)"),
    .value(
      "threads", "LIST", "epoch, encoder: threads to try (default 1,2); experts, finetune: threads (default 1)"),
    .value(
      "table", "FILE",
      "encoder: label table (default ../shared/data/mosi/label.csv); finetune: default ../shared/data/mosei/label.csv"),
    .value("clips", "N", "finetune: training transcripts sampled (default 640)"),
    .value("modes", "LIST", "finetune: which of the five modes to run, 1-based (default all)"),
    .value("text-from", "FILE", "encoder: table filling empty transcripts (default MOSI's unimse table; '' for none)"),
    .value("repeats", "N", "encoder: timed passes per thread count, best reported (default 2)"),
  ]

  static func run(_ arguments: Arguments) throws {
    guard let what = arguments.positionals.first, arguments.positionals.count == 1 else {
      throw UsageError("expected what to benchmark: \(available.joined(separator: ", "))")
    }
    switch what {
    case "store": try store(arguments)
    case "epoch": try epoch(arguments)
    case "experts": try experts(arguments)
    case "encoder": try encoder(arguments)
    case "finetune": try finetune(arguments)
    default: throw UsageError("unknown benchmark \(what); available: \(available.joined(separator: ", "))")
    }
  }

  static let available = ["epoch", "experts", "encoder", "finetune", "store"]

  /// The 1-minute load average (other jobs on the machine), or NaN.
  static func loadAverage() -> Double {
    var loads = [Double](repeating: .nan, count: 3)
    return getloadavg(&loads, 3) > 0 ? loads[0] : .nan
  }

  /// The reference's MiniLM throughput on this machine type (cff5b35 BENCHMARKS.md, 2 threads).
  static let referenceClipsPerSecond = 197.0

  static func encoder(_ arguments: Arguments) throws {
    let shared = SharedFolder.locate().map { $0 + "/data/mosi" } ?? "../shared/data/mosi"
    let table = arguments.value("table") ?? shared + "/label.csv"
    let defaultFiller = arguments.value("table") == nil ? shared + "/unimse_MOSI-label.csv" : ""
    let textFrom = arguments.value("text-from") ?? defaultFiller
    var bench = EncoderBenchmark(tablePath: table, textFromPath: textFrom.isEmpty ? nil : textFrom)
    bench.repeats = try arguments.int("repeats") ?? 2
    let measurements = try bench.run(threadCounts: try arguments.intList("threads") ?? [1, 2]) { printError($0) }
    var rows: [[String]] = []
    for m in measurements {
      rows.append([
        String(m.threads), String(format: "%.1f", m.clipsPerSecond), String(format: "%.1f", m.clipsPerCPUSecond),
        String(format: "%.2f", m.seconds),
        String(format: "%.1f", Double(m.tokens) / Double(m.clips)), String(format: "%.1f", m.gflops),
        String(format: "%.1f", m.sgemmPeak), String(format: "%.2f", m.shareOfPeak),
        String(format: "%.2f", m.gemmTimeShare), String(format: "%.1f", m.gemmOnlyGflops),
        String(format: "%.2f", m.gemmOnlyGflops / m.sgemmPeak),
        String(format: "%.2fx", m.clipsPerSecond / referenceClipsPerSecond),
      ])
    }
    print(
      "MiniLM (all-MiniLM-L6-v2) on \(measurements.first?.clips ?? 0) transcripts of \(table), max 64 tokens, "
        + "batch 32; OpenBLAS core \(BLASLibrary.coreName)")
    let header = [
      "threads", "clips/s", "clips/CPU-s x threads", "s", "tokens/clip", "GFLOP/s", "sgemm peak", "of peak",
      "time in GEMMs",
      "GFLOP/s in GEMMs", "of peak", "vs 197 clips/s",
    ]
    print(TextTable(header: header, rows: rows).markdown(), terminator: "")
    print(
      "clips/CPU-s x threads: the rate were each thread on a core of its own (a shared machine's wall-clock rate is "
        + "lower). GFLOP/s: the GEMMs' FLOPs over the wall time; in GEMMs: over the time inside them (per worker). "
        + String(format: "Load average %.1f at the end.", Self.loadAverage()))
  }

  static func finetune(_ arguments: Arguments) throws {
    let shared = SharedFolder.locate().map { $0 + "/data/mosei" } ?? "../shared/data/mosei"
    let table = arguments.value("table") ?? shared + "/label.csv"
    var bench = FineTuneBenchmark(tablePath: table)
    bench.clips = try arguments.int("clips") ?? 640
    let threads = try arguments.int("threads") ?? 1
    let load = loadAverage()
    let modes = try (arguments.intList("modes") ?? Array(1...FineTuneBenchmark.modes.count)).map { index in
      guard FineTuneBenchmark.modes.indices.contains(index - 1) else {
        throw UsageError("--modes: \(index) is not a mode number 1...\(FineTuneBenchmark.modes.count)")
      }
      return FineTuneBenchmark.modes[index - 1]
    }
    let report = try bench.run(threads: threads, modes: modes) { printError($0) }
    let base = report.measurements.first?.seconds ?? .nan
    var rows: [[String]] = []
    for m in report.measurements {
      rows.append([
        m.mode.name, thousands(m.trainableParameters), String(format: "%.1f", m.msPerClip),
        String(format: "%.2fx", base / m.seconds), String(format: "%.1f", m.memoFillSeconds),
        String(format: "%.1f", Double(m.memoBytes) / 1_048_576), String(format: "%.2f", m.gemmTimeShare),
        String(format: "%.1f", m.gemmGflops), String(format: "%.2f", m.gemmGflops / report.sgemmPeak),
      ])
    }
    print(
      "\(report.clips) training transcripts of \(table), batch \(bench.batchSize), \(threads) thread(s), OpenBLAS core "
        + "\(BLASLibrary.coreName); sgemm peak \(String(format: "%.1f", report.sgemmPeak)) GFLOP/s\n")
    let header = [
      "mode", "trainable params", "ms per clip", "speed-up", "memo fill (one-time) s", "memo MB", "time in GEMMs",
      "GFLOP/s in GEMMs", "of peak",
    ]
    print(TextTable(header: header, rows: rows).markdown(), terminator: "")
    print(
      String(
        format: "\nmean per clip: %.1f words, %.1f tokens. Load average %.1f before, %.1f after.", report.meanWords,
        report.meanTokens, load, loadAverage()))
  }

  /// `22713216` as `22,713,216`.
  static func thousands(_ value: Int) -> String {
    var digits = String(value.magnitude)
    var groups: [Substring] = []
    while digits.count > 3 {
      groups.insert(digits.suffix(3), at: 0)
      digits.removeLast(3)
    }
    groups.insert(Substring(digits), at: 0)
    return (value < 0 ? "-" : "") + groups.joined(separator: ",")
  }

  static func epoch(_ arguments: Arguments) throws {
    let config = try RunConfig.load(preset: arguments.value("preset"), overrides: arguments.all("set"))
    let epochs = try arguments.int("epochs") ?? 3
    let threads = try arguments.intList("threads") ?? [1, 2]
    var rows: [[String]] = []
    for t in threads {
      let peak = SgemmPeak.measure(threads: t)
      let report = try EpochBenchmark(config: config, epochs: epochs).run(threads: t)
      rows.append([
        String(t), String(format: "%.2f", report.bestSeconds),
        report.seconds.map { String(format: "%.2f", $0) }.joined(separator: " "),
        String(format: "%.1f", report.gflops), String(format: "%.1f", peak),
        String(format: "%.2f", report.gflops / peak),
      ])
    }
    print("epoch of preset \(config.name) (\(epochs) epochs; best)")
    print(
      TextTable(header: ["threads", "s/epoch", "all epochs", "GFLOP/s", "sgemm peak", "share"], rows: rows).markdown(),
      terminator: "")
  }

  static func experts(_ arguments: Arguments) throws {
    let threads = try arguments.int("threads") ?? 1
    let peak = SgemmPeak.measure(threads: threads)
    let bench = ExpertBenchmark()
    let (fused, loop, weightsOnly) = bench.fusedAndLoop()
    var rows: [[String]] = []
    for m in [fused, loop, weightsOnly] {
      rows.append([
        m.label, String(format: "%.1f", m.seconds * 1000), String(format: "%.1f", m.gflops),
        String(format: "%.2f", m.gflops / peak),
      ])
    }
    print(
      "fused vs loop, d_model 768, ranks 16/32/64/128, 32 x 50 steps, forward+backward, \(threads) thread(s); sgemm peak \(String(format: "%.1f", peak)) GFLOP/s"
    )
    print(TextTable(header: ["form", "ms", "GFLOP/s", "of peak"], rows: rows).markdown())
    print(String(format: "loop / fused time: %.2fx", loop.seconds / fused.seconds))
    var table: [[String]] = []
    for n in [4, 8, 16] {
      let (low, full) = bench.lowVersusFull(experts: n)
      table.append([
        String(n), String(low.parameters), String(full.parameters),
        String(format: "%.2fx", Double(full.parameters) / Double(low.parameters)),
        String(format: "%.2fx", Double(full.flops) / Double(low.flops)), String(format: "%.1f", low.seconds * 1000),
        String(format: "%.1f", full.seconds * 1000), String(format: "%.2fx", full.seconds / low.seconds),
      ])
    }
    print("\nlow-rank (ranks spread 16..128) vs full-rank (rank 768) experts")
    print(
      TextTable(
        header: ["N", "params low", "params full", "params ratio", "FLOPs ratio", "ms low", "ms full", "time ratio"],
        rows: table
      ).markdown(), terminator: "")
  }

  static func store(_ arguments: Arguments) throws {
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
