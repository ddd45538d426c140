// `mmolre tag`: add or remove tags of a run, or set its note.
import Tracker

enum TagCommand: Command {
  static let name = "tag"
  static let summary = "add or remove tags of a run (run.tag in --where), or set its note"
  static let help = """
    Usage: mmolre tag RUN TAG... [--remove] [--note TEXT]

    Adds each TAG to RUN (id, id prefix or name), or with --remove takes them off. --note sets the
    run's free-text note ('' clears it). Tags select runs: mmolre compare --where "run.tag = 'paper'".
    """
  static let options: [OptionSpec] = [
    .flag("remove", "remove the tags instead of adding them"),
    .value("note", "TEXT", "set the run's note ('' clears it)"),
    StoreAccess.option,
  ]

  static func run(_ arguments: Arguments) throws {
    guard let reference = arguments.positionals.first else { throw UsageError("expected RUN TAG...") }
    let tags = Array(arguments.positionals.dropFirst())
    let note = arguments.value("note")
    guard !tags.isEmpty || note != nil else { throw UsageError("give at least one TAG, or --note TEXT") }
    let store = try StoreAccess.open(arguments)
    let run = try store.run(reference)
    if arguments.flag("remove") {
      try store.tag(run.id, remove: tags)
    } else {
      try store.tag(run.id, add: tags)
    }
    if let note { try store.setNote(run.id, note.isEmpty ? nil : note) }
    let now = try store.run(run.id.uid)
    print("\(now.id.short) \(now.name): tags \(now.tags.isEmpty ? "-" : now.tags.joined(separator: ", "))")
  }
}
