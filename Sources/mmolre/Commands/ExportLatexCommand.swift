// `mmolre export-latex`: the comparison as a booktabs table (or a compilable document).
import Tracker

enum ExportLatexCommand: Command {
  static let name = "export-latex"
  static let summary = "write the comparison as a LaTeX booktabs table"
  static let help = """
    Usage: mmolre export-latex [--where EXPR] [--by KEYS|auto] [--metrics LIST|all] [--split test]
                               [--baseline KEY=VALUE] [--caption TEXT] [--label LABEL] [--digits N]
                               [--standalone] [--out FILE]

    Groups as rows, metrics as columns (an arrow says which way is better), mean $\\pm$ sample std over
    seeds, the best per column in bold; with --baseline a dagger marks p < 0.05 in the paired t-test.
    Needs \\usepackage{booktabs}; --standalone writes a whole document that pdflatex compiles.
    """
  static let options: [OptionSpec] =
    SelectionOptions.specs + [
      .value("caption", "TEXT", "the caption (default: what the numbers are)"),
      .value("label", "LABEL", "the \\label (default tab:ablation)"),
      SelectionOptions.digitsOption,
      .flag("standalone", "a compilable document, not just the table"),
      OutputFile.option,
      StoreAccess.option,
    ]

  static func run(_ arguments: Arguments) throws {
    let request = try SelectionOptions.request(arguments)
    let store = try StoreAccess.open(arguments)
    let comparison = try store.compare(request)
    let table = LaTeXTable(
      caption: arguments.value("caption"), label: arguments.value("label") ?? "tab:ablation",
      digits: try SelectionOptions.digits(arguments), standalone: arguments.flag("standalone"))
    for warning in comparison.warnings { printError("warning: \(warning)") }
    try OutputFile.emit(table.render(comparison), arguments)
  }
}
