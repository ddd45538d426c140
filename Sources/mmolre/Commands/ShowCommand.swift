// `mmolre show RUN`: one run in full: fields, config, epoch curves, results, checkpoints.
import Tracker

enum ShowCommand: Command {
  static let name = "show"
  static let summary = "show one run: config, epoch curves, results, checkpoints"
  static let help = """
    Usage: mmolre show RUN [--epochs] [--json] [--store PATH]

    RUN is a run id, a unique id prefix (4+ hex digits) or a unique run name. Prints the run's fields,
    its config, a sparkline per epoch metric (first, last and best value), the final results per split,
    the ER thresholds, its checkpoints and data fingerprints. --epochs adds the full epoch table.
    """
  static let options: [OptionSpec] = [
    .flag("epochs", "also print the table of every epoch"),
    SelectionOptions.digitsOption,
    .flag("json", "everything as one JSON object"),
    StoreAccess.option,
  ]

  static func run(_ arguments: Arguments) throws {
    guard arguments.positionals.count == 1 else { throw UsageError("expected one RUN (an id, id prefix or name)") }
    let store = try StoreAccess.open(arguments)
    let run = try store.run(arguments.positionals[0])
    if arguments.flag("json") {
      print(try RunFormatter.detailJSON(store, run).pretty)
      return
    }
    let text = try RunFormatter.detail(
      store, run, epochTable: arguments.flag("epochs"), digits: try SelectionOptions.digits(arguments))
    print(text, terminator: "")
  }
}
