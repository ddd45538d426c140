import Data
import Foundation

// Every subcommand, in the order `mmolre --help` lists them.
// Names starting with "_" are hidden helpers for tests and benchmarks (not listed).
let commands: [any Command.Type] = [
  RunCommand.self, RunsCommand.self, ShowCommand.self, EvalCommand.self, CompareCommand.self, ExportCommand.self,
  ExportLatexCommand.self, ReportCommand.self, RmCommand.self, TagCommand.self, GcCommand.self, ZooCommand.self,
  PredictCommand.self, MetricsCommand.self, DataCommand.self, FeaturesCommand.self, EncodersCommand.self,
  BenchCommand.self,
  StoreWriterCommand.self,
]
let visibleCommands = commands.filter { !$0.name.hasPrefix("_") }

/// Exit statuses (sysexits.h): usage errors 64, bad input data 65; 130 after Ctrl-C.
enum ExitStatus {
  static let usage: Int32 = 64
  static let dataError: Int32 = 65
  static let failure: Int32 = 1
  /// Stopped by Ctrl-C (the shell's 128 + SIGINT).
  static let interrupted: Int32 = 130
}

@MainActor func topLevelHelp() -> String {
  var text = "mmolre: MMoLRE for joint sentiment and emotion recognition, with a SQLite experiment tracker.\n\n"
  text += "Usage: mmolre <command> [options]   (mmolre <command> --help for details)\n\nCommands:\n"
  let width = (visibleCommands.map { $0.name.count }.max() ?? 0) + 2
  for command in visibleCommands {
    text += "  \(command.name)\(String(repeating: " ", count: width - command.name.count))\(command.summary)\n"
  }
  return text
}

@MainActor func main() -> Int32 {
  var raw = Array(CommandLine.arguments.dropFirst())
  guard let first = raw.first, first != "--help", first != "-h", first != "help" else {
    print(topLevelHelp(), terminator: "")
    return raw.isEmpty ? ExitStatus.usage : 0
  }
  raw.removeFirst()
  guard let command = commands.first(where: { $0.name == first }) else {
    let hint = nearestName(to: first, among: visibleCommands.map { $0.name }).map { "; did you mean \($0)?" } ?? ""
    printError("mmolre: unknown command \(first)\(hint)")
    return ExitStatus.usage
  }
  if raw.contains("--help") || raw.contains("-h") {
    print(command.helpText, terminator: "")
    return 0
  }
  do {
    let arguments = try Arguments(raw, specs: command.options)
    try command.run(arguments)
    return 0
  } catch let error as UsageError {
    printError("mmolre \(command.name): \(error.message)")
    return ExitStatus.usage
  } catch {
    let (status, message) = describe(error)
    printError("mmolre \(command.name): \(message)")
    return status
  }
}

exit(main())
