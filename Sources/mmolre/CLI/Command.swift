/// One `mmolre` subcommand. The CLI only parses and prints: the work happens in the library
/// modules the command calls.
protocol Command {
  /// The word after `mmolre`.
  static var name: String { get }
  /// One line for `mmolre --help`.
  static var summary: String { get }
  /// Usage lines and a description for `mmolre NAME --help`, without the option list.
  static var help: String { get }
  static var options: [OptionSpec] { get }
  static func run(_ arguments: Arguments) throws
}

extension Command {
  /// The full help text: description, then one line per option.
  static var helpText: String {
    var text = help.trimmingCharacters(in: .newlines) + "\n"
    let all = options + [.flag("help", "show this help")]
    if !all.isEmpty {
      text += "\nOptions:\n"
      let labels = all.map { "--\($0.name)" + ($0.value.map { " \($0)" } ?? "") }
      let width = min((labels.map(\.count).max() ?? 0) + 2, 28)
      for (label, spec) in zip(labels, all) {
        let pad = label.count < width ? String(repeating: " ", count: width - label.count) : "  "
        text += "  \(label)\(pad)\(spec.help)\(spec.repeatable ? " (repeatable)" : "")\n"
      }
    }
    return text
  }
}
