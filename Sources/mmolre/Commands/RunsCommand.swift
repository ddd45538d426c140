// `mmolre runs`: list the store's runs, optionally filtered by a --where expression.
import Data
import Foundation
import Tracker

enum RunsCommand: Command {
  static let name = "runs"
  static let summary = "list runs in the store (--where EXPR filters)"
  static let help = """
    Usage: mmolre runs [--where EXPR] [--status STATUS] [--limit N] [--json] [--store PATH]

    Lists runs, oldest first: id (any unique prefix works elsewhere), name, experiment, status, seed,
    epochs logged, best epoch, start, training time and tags.

    EXPR compares fields with = != < <= > >= in (...) like, joined by and, or, not and parentheses:
      run.status = 'finished' and model.n_experts in (4, 8)
      train.lr < 0.002 and not run.tag = 'probe'
      metrics.test.Non0_acc_2 >= 0.82 or metrics.test.`mosi/Non0_acc_2` > 0.8
    Fields: config keys (model.n_experts, train.lr; config.KEY when a key starts with run or metrics),
    run fields (run.status, run.name, run.seed, run.experiment, run.tag, run.id, run.host, run.note,
    run.epochs, run.best_epoch, run.parameters, run.train_seconds), results (metrics.SPLIT.NAME, names
    with '/' or other characters in backticks). Values: numbers, 'text' or "text", true, false, null,
    [JSON lists]. != and not in also match runs that lack the key.
    """
  static let options: [OptionSpec] = [
    .value("where", "EXPR", "only runs matching EXPR"),
    .value("status", "STATUS", "only runs with this status (running, finished, failed, killed)"),
    .value("limit", "N", "only the newest N runs"),
    .flag("json", "JSON lines, one object per run"),
    StoreAccess.option,
  ]

  static func run(_ arguments: Arguments) throws {
    guard arguments.positionals.isEmpty else {
      throw UsageError("unexpected argument \(arguments.positionals[0]); filters go in --where")
    }
    var status: RunStatus?
    if let text = arguments.value("status") {
      guard let parsed = RunStatus(rawValue: text) else {
        let names = RunStatus.allCases.map(\.rawValue)
        throw UsageError("--status: one of \(names.joined(separator: ", ")), not \(text)")
      }
      status = parsed
    }
    let store = try StoreAccess.open(arguments)
    let runs = try store.runs(where: arguments.value("where"), status: status, limit: try arguments.int("limit"))
    if arguments.flag("json") {
      for run in runs { print(RunFormatter.json(run).compact) }
      return
    }
    guard !runs.isEmpty else {
      printError("no runs\(arguments.value("where") == nil ? " in \(store.path)" : " match")")
      return
    }
    print(RunFormatter.listing(runs).plain(), terminator: "")
  }
}
