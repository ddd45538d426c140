// `mmolre report`: a self-contained HTML page with SVG plots from the store.
import Tracker

enum ReportCommand: Command {
  static let name = "report"
  static let summary = "write an HTML report: comparison, ablation charts, learning curves, routing"
  static let help = """
    Usage: mmolre report [--where EXPR] [--by KEYS|auto] [--metrics LIST|all] [--split test]
                         [--baseline KEY=VALUE] [--title TEXT] [--max-runs N] [--out report.html]

    One HTML file with everything inline (no scripts, nothing fetched): the comparison table of the
    selected finished runs, an ablation chart per metric (group means with ±std error bars over
    seeds), each run's learning curves (training and validation loss per epoch) and the expert routing
    per group, task, modality and block (mean gate per expert at the selected epoch).
    """
  static let options: [OptionSpec] =
    SelectionOptions.specs + [
      .value("title", "TEXT", "the page title (default: mmolre report)"),
      .value("max-runs", "N", "learning curves for at most N runs (default 40)"),
      SelectionOptions.digitsOption,
      .value("out", "FILE", "the HTML file (default report.html)"),
      StoreAccess.option,
    ]

  static func run(_ arguments: Arguments) throws {
    let request = try SelectionOptions.request(arguments)
    let store = try StoreAccess.open(arguments)
    let comparison = try store.compare(request)
    let report = HTMLReport(
      title: arguments.value("title") ?? "mmolre report", maxRuns: try arguments.int("max-runs") ?? 40,
      digits: try SelectionOptions.digits(arguments))
    let html = try report.render(store: store, comparison: comparison)
    var withDefault = arguments
    if arguments.value("out") == nil {
      withDefault = try Arguments(["--out", "report.html"], specs: [OutputFile.option])
    }
    try OutputFile.emit(html, withDefault)
  }
}
