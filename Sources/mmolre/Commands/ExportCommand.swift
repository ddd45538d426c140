// `mmolre export`: the comparison (or one row per run) as CSV, Markdown or JSON.
import Data
import Tracker

enum ExportCommand: Command {
  static let name = "export"
  static let summary = "export grouped results (or one row per run) as csv, markdown or json"
  static let help = """
    Usage: mmolre export --format csv|markdown|json [--per-run] [--where EXPR] [--by KEYS|auto]
                         [--metrics LIST|all] [--split test] [--baseline KEY=VALUE] [--out FILE]
           mmolre export --format markdown --spec SPEC.json [--out RESULTS.md]

    The table of `mmolre compare` (same selection flags) in a file format: CSV with mean, std and, with
    a baseline, difference and p-value columns per metric at full precision; Markdown as compare
    prints it; JSON with every summary and per-seed value. --per-run writes one row per finished run
    instead (run id, name, seed, the grouping keys, each metric). --spec writes a whole Markdown document
    (RESULTS.md): the spec's sections, each with its tables computed from the store and the reference
    figures the spec carries (see docs/results-spec.json).
    """
  static let options: [OptionSpec] =
    [
      .value("format", "FORMAT", "csv, markdown or json"), .flag("per-run", "one row per run instead of per group"),
      .value("spec", "FILE", "markdown: a results document from a spec (RESULTS.md)"),
    ]
    + SelectionOptions.specs + [SelectionOptions.digitsOption, OutputFile.option, StoreAccess.option]

  static func run(_ arguments: Arguments) throws {
    guard let format = arguments.value("format") else {
      throw UsageError("--format is required (csv, markdown or json)")
    }
    guard ["csv", "markdown", "json"].contains(format) else {
      throw UsageError("--format: csv, markdown or json, not \(format)")
    }
    if let path = arguments.value("spec") {
      guard format == "markdown" else { throw UsageError("--spec writes markdown; use --format markdown") }
      let spec = try JSONValue(contentsOfFile: path)
      let document = try ResultsDocument(spec: spec, origin: path)
      let store = try StoreAccess.open(arguments)
      try OutputFile.emit(try document.render(store: store, digits: try SelectionOptions.digits(arguments)), arguments)
      return
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
