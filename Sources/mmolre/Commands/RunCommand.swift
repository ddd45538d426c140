import Data
import Foundation
import Metrics
import Tracker
import Training

/// `mmolre run`: trains every (config x seed) cell into the store and prints the test metrics.
struct RunCommand: Command {
  static let name = "run"
  static let summary = "train MMoLRE (default: the cpu preset on the synthetic benchmark), logged to the store"
  static let help = """
    Usage: mmolre run [CONFIG.json] [--preset NAME] [--set KEY=VALUE]... [--seeds 1,2,3]
                      [--sweep KEY=V1,V2]... [--name NAME] [--experiment NAME] [--store PATH]
           mmolre run --resume RUN [--store PATH]

    Trains every cell of the grid (the config with each combination of --sweep values) for every seed and
    logs config, per-epoch metrics, checkpoints and results into the store. A cell the store has finished
    is skipped; a killed one is resumed from its last epoch. --set and --sweep values are JSON ([16,32],
    null, true) or else plain strings; --sweep splits on top-level commas only, so
    'model.expert_ranks=[8,8],[4,16]' is two values. Ctrl-C stops between steps and leaves a resumable run.
    Presets: \(Presets.names.joined(separator: ", ")).
    """
  static let options: [OptionSpec] = [
    .value("preset", "NAME", "the preset under the config (default cpu)"),
    .value("set", "KEY=VALUE", "override one config key", repeatable: true),
    .value("seeds", "LIST", "comma-separated seeds (default: train.seeds)"),
    .value("sweep", "KEY=V1,V2", "a grid axis", repeatable: true),
    .value("name", "NAME", "run name (default: <config name>-s<seed>)"),
    .value("experiment", "NAME", "experiment the runs belong to (default: default)"),
    .value("store", "PATH", "the store (default: $MMOLRE_STORE or ./mmolre.sqlite)"),
    .value("resume", "RUN", "continue a killed run"),
    .flag("quiet", "no progress bar"),
  ]

  static func run(_ arguments: Arguments) throws {
    if arguments.positionals.count > 1 {
      throw UsageError("at most one config file, got \(arguments.positionals.joined(separator: " "))")
    }
    let store = try Store.open(path: Store.resolvePath(explicit: arguments.value("store")))
    let progress = ProgressLine(enabled: !arguments.flag("quiet"))
    let runner = GridRunner(
      store: store, experiment: arguments.value("experiment") ?? "default", runName: arguments.value("name"),
      prepareData: DataPreparation.prepare)
    runner.onEvent = { event in report(event, progress) }
    Interruption.install()
    if let reference = arguments.value("resume") {
      let outcome = try runner.resume(reference)
      progress.clear()
      print(summaryTable([outcome], reference: nil))
      if outcome.kind == .failed { throw RunFailure(message: outcome.error ?? "failed") }
      return
    }
    let file = arguments.positionals.first
    let overrides = arguments.all("set")
    let axes = try arguments.all("sweep").map { try SweepAxis(parsing: $0) }
    let cells = try SweepAxis.cells(axes).map {
      try RunConfig.load(preset: arguments.value("preset"), file: file, overrides: overrides + $0)
    }
    for warning in Set(cells.flatMap(\.warnings)).sorted() { printError("mmolre run: warning: \(warning)") }
    let seeds = try arguments.intList("seeds")
    // The oracle's figures exist for the synthetic benchmark only (real data would be read twice).
    let synthetic = cells.count == 1 && cells[0].data.kind == .synthetic
    let reference = synthetic ? try? DataPreparation.prepare(cells[0]).reference : nil
    let outcomes = try runner.run(cells: cells, seeds: seeds)
    progress.clear()
    if cells.count == 1 {
      print(summaryTable(outcomes, reference: reference))
    } else {
      print(gridSummary(outcomes))
    }
    let failed = outcomes.filter { $0.kind == .failed }
    if !failed.isEmpty {
      throw RunFailure(
        message: "\(failed.count) of \(outcomes.count) runs failed; see mmolre runs --where \"run.status = 'failed'\"")
    }
  }

  static func report(_ event: GridEvent, _ progress: ProgressLine) {
    switch event {
    case .cellStarted(let index, let total, let config, let seed, let run, let resumedFrom):
      progress.clear()
      let how = resumedFrom.map { "resuming \($0.short) as" } ?? "training"
      printError("[\(index + 1)/\(total)] \(how) run \(run.short): \(config.name), seed \(seed)")
    case .cellSkipped(let index, let total, let run, let reason):
      progress.clear()
      printError("[\(index + 1)/\(total)] skipped: run \(run.short) \(reason)")
    case .dataPrepared(let description):
      progress.clear()
      for line in description.split(separator: "\n") { printError("data: \(line)") }
    case .training(let p):
      let fraction =
        p.steps > 0
        ? (Double(p.epoch) + Double(p.step) / Double(p.steps)) / Double(p.maxEpochs)
        : Double(p.epoch) / Double(p.maxEpochs)
      var text =
        "epoch \(min(p.epoch + (p.steps > 0 ? 1 : 0), p.maxEpochs))/\(p.maxEpochs) \(ProgressLine.bar(fraction))"
      if p.steps > 0 { text += " step \(p.step)/\(p.steps)" }
      if let loss = p.trainLoss { text += String(format: " loss %.3f", loss) }
      if let valid = p.validLoss { text += String(format: " valid %.3f", valid) }
      progress.show(text, force: p.steps == 0)
    case .cellFinished(_, _, let outcome):
      progress.clear()
      if outcome.kind == .failed {
        printError("  failed: \(outcome.error ?? "")")
      } else {
        let keys = ["Non0_acc_2", "MAE", "Corr", "mean_WA"].filter { outcome.test[$0] != nil }
        printError("  test " + keys.map { String(format: "%@ %.4f", $0, outcome.test[$0]!) }.joined(separator: ", "))
      }
    }
  }

  /// Test metrics per seed, mean +- sample std, and the oracle beside them (synthetic data).
  static func summaryTable(_ outcomes: [CellOutcome], reference: [String: Double]?) -> String {
    let done = outcomes.filter { !$0.test.isEmpty }
    guard !done.isEmpty else { return "no finished runs" }
    let printed = MetricKeys.msa + ["mean_WA", "mean_F1", "micro_F1", "mean_AUC"]
    let all = Set(done.flatMap(\.test.keys))
    var keys = printed.filter { all.contains($0) }
    keys += all.filter { key in
      key.contains("/") && printed.contains(String(key.split(separator: "/", maxSplits: 1)[1]))
    }.sorted()
    var header = ["metric"] + done.map { "seed \($0.seed)" }
    if done.count > 1 { header.append("mean ± std") }
    if reference != nil { header.append("oracle") }
    var rows: [[String]] = []
    for key in keys {
      let values = done.compactMap { $0.test[key] }
      var row = [key] + done.map { $0.test[key].map { String(format: "%.4f", $0) } ?? "-" }
      if done.count > 1 {
        let mean = Statistics.mean(values) ?? .nan
        let std = Statistics.sampleStandardDeviation(values)
        row.append(String(format: "%.4f", mean) + (std.map { String(format: " ± %.4f", $0) } ?? ""))
      }
      if let reference { row.append(reference[key].map { String(format: "%.4f", $0) } ?? "-") }
      rows.append(row)
    }
    let runs = done.compactMap { $0.run?.short }.joined(separator: ", ")
    let title = "test metrics (\(done.count) seed\(done.count == 1 ? "" : "s"); runs \(runs))"
    return title + "\n" + TextTable(header: header, rows: rows, rightAligned: Set(1..<header.count)).plain()
  }

  static func gridSummary(_ outcomes: [CellOutcome]) -> String {
    let counts = Dictionary(grouping: outcomes, by: \.kind).mapValues(\.count)
    let parts = CellOutcome.Kind.allCasesInOrder.compactMap { kind in counts[kind].map { "\($0) \(kind.rawValue)" } }
    return "\(outcomes.count) runs: " + parts.joined(separator: ", ") + "\ncompare them with: mmolre compare --by auto"
  }
}

extension CellOutcome.Kind {
  static let allCasesInOrder: [CellOutcome.Kind] = [.trained, .resumed, .skipped, .busy, .failed]
}

/// Some runs of a grid failed: exit status 1 with a pointer to them.
struct RunFailure: Error, CustomStringConvertible {
  let message: String
  var description: String { message }
}
