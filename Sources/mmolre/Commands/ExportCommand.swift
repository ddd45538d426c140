// `mmolre export`: the comparison (or one row per run) as CSV, Markdown or JSON.
import Tracker

enum ExportCommand: Command {
  static let name = "export"
  static let summary = "export grouped results (or one row per run) as csv, markdown or json"
  static let help = """
    Usage: mmolre export --format csv|markdown|json [--per-run] [--where EXPR] [--by KEYS|auto]
                         [--metrics LIST|all] [--split test] [--baseline KEY=VALUE] [--out FILE]

    The table of `mmolre compare` (same selection flags) in a file format: CSV with mean, std and, with
    a baseline, difference and p-value columns per metric at full precision; Markdown as compare
    prints it; JSON with every summary and per-seed value. --per-run writes one row per finished run
    instead (run id, name, seed, the grouping keys, each metric).
    """
  static let options: [OptionSpec] =
    [.value("format", "FORMAT", "csv, markdown or json"), .flag("per-run", "one row per run instead of per group")]
    + SelectionOptions.specs + [SelectionOptions.digitsOption, OutputFile.option, StoreAccess.option]

  static func run(_ arguments: Arguments) throws {
    guard let format = arguments.value("format") else {
      throw UsageError("--format is required (csv, markdown or json)")
    }
    guard ["csv", "markdown", "json"].contains(format) else {
      throw UsageError("--format: csv, markdown or json, not \(format)")
    }
    let request = try SelectionOptions.request(arguments)
    let store = try StoreAccess.open(arguments)
    let comparison = try store.compare(request)
    let formatter = ComparisonFormatter(digits: try SelectionOptions.digits(arguments))
    let perRun = arguments.flag("per-run")
    let text: String
    switch (format, perRun) {
    case ("csv", false): text = formatter.csv(comparison)
    case ("csv", true): text = formatter.perRunTable(comparison, full: true).csv()
    case ("markdown", false): text = formatter.render(comparison, style: .markdown)
    case ("markdown", true): text = formatter.perRunTable(comparison, full: false).markdown()
    default: text = formatter.json(comparison, perRun: perRun).pretty + "\n"
    }
    try OutputFile.emit(text, arguments)
  }
}
