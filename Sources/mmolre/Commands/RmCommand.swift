// `mmolre rm`: remove runs (and the blobs only they used) from the store.
import Tracker

enum RmCommand: Command {
  static let name = "rm"
  static let summary = "remove runs from the store"
  static let help = """
    Usage: mmolre rm RUN... [--force]
           mmolre rm --where EXPR [--yes] [--force]

    Removes each RUN (id, id prefix or name) with its params, epochs, results, predictions,
    checkpoints and tags; weights no other run or registered model uses are deleted too (`mmolre gc`
    then returns the space to the file system). With --where, lists the matching runs and removes them
    only with --yes. A running run is refused unless --force.
    """
  static let options: [OptionSpec] = [
    .value("where", "EXPR", "remove the runs matching EXPR (with --yes)"),
    .flag("yes", "with --where: really remove them"),
    .flag("force", "also remove runs that are still running"),
    StoreAccess.option,
  ]

  static func run(_ arguments: Arguments) throws {
    let expression = arguments.value("where")
    guard !arguments.positionals.isEmpty || expression != nil else {
      throw UsageError("give the runs to remove (RUN... or --where EXPR)")
    }
    let store = try StoreAccess.open(arguments)
    var runs = try arguments.positionals.map { try store.run($0) }
    if let expression { runs += try store.runs(where: expression) }
    var seen = Set<RunID>()
    runs = runs.filter { seen.insert($0.id).inserted }
    guard !runs.isEmpty else {
      printError("no runs match")
      return
    }
    if expression != nil, !arguments.flag("yes") {
      print(RunFormatter.listing(runs).plain(), terminator: "")
      printError("\(runs.count) run\(runs.count == 1 ? "" : "s") would be removed; add --yes to remove them")
      return
    }
    try store.deleteRuns(runs.map(\.id), force: arguments.flag("force"))
    for run in runs { print("removed \(run.id.short) \(run.name)") }
  }
}
