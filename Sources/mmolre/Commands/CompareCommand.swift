// `mmolre compare`: the ablation table: finished runs grouped by config keys, mean ± std over seeds,
// the best marked, paired t-tests against a baseline group.
import Foundation
import Tracker

enum CompareCommand: Command {
  static let name = "compare"
  static let summary = "compare finished runs grouped by ablation keys (mean ± std over seeds, paired tests)"
  static let help = """
    Usage: mmolre compare [--where EXPR] [--by KEYS | --by auto] [--metrics LIST | --metrics all]
                          [--split test] [--baseline KEY=VALUE] [--transpose] [--digits N] [--json]

    Groups the finished runs that match EXPR by the values of the config keys in --by (default auto:
    every key that varies among them, ignoring names, seeds, threads and display fields). Per group: the
    number of seeds n and, per metric, mean ± sample std over seeds (- when n = 1); the best group per
    metric is marked * (MAE and losses: lowest). With --baseline, a second table gives each group's
    difference to the baseline group, averaged over the seeds both have, with the two-sided paired
    t-test's p-value over those seeds. A warning names config keys that also vary inside a group (a
    confounded comparison). Default metrics: Non0_acc_2, Non0_F1_score, MAE, Corr, Mult_acc_7, mean_WA,
    mean_F1, mean_AUC where present (also with a dataset prefix, mosi/MAE).

    Examples:
      mmolre compare --by model.n_experts --baseline model.n_experts=4
      mmolre compare --where "run.experiment = 'ranks'" --by model.rank_max,model.task_rank --transpose
    """
  static let options: [OptionSpec] =
    SelectionOptions.specs + [
      .flag("transpose", "metrics as rows, groups as columns"),
      SelectionOptions.digitsOption,
      .flag("markdown", "a Markdown table instead of plain text"),
      .flag("json", "the comparison as JSON (means, stds, per-seed values, tests)"),
      StoreAccess.option,
    ]

  static func run(_ arguments: Arguments) throws {
    guard arguments.positionals.isEmpty else {
      throw UsageError("unexpected argument \(arguments.positionals[0]); select runs with --where")
    }
    let request = try SelectionOptions.request(arguments)
    let store = try StoreAccess.open(arguments)
    let comparison = try store.compare(request)
    let formatter = ComparisonFormatter(
      digits: try SelectionOptions.digits(arguments), transpose: arguments.flag("transpose"))
    if arguments.flag("json") {
      print(formatter.json(comparison).pretty)
      return
    }
    let text = formatter.render(comparison, style: arguments.flag("markdown") ? .markdown : .plain)
    print(text, terminator: "")
    // Warnings also go to stderr when stdout is piped, so they are not lost in a file.
    if isatty(1) == 0 { for warning in comparison.warnings { printError("warning: \(warning)") } }
  }
}
