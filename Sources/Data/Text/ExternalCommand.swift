import Foundation

// Runs a helper program (python3 for pip and zipfile) with Foundation's Process: no shell, so no
// quoting, and its standard output goes to our standard error so that a command's own output stays
// clean for scripts.

/// A program found on `PATH` (or given by path) and run to completion.
struct ExternalCommand {
  let executable: String

  /// `program` itself when it contains a slash, else the first executable of that name on `PATH`.
  init?(_ program: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
    if program.contains("/") {
      guard FileManager.default.isExecutableFile(atPath: program) else { return nil }
      executable = program
      return
    }
    let folders = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
    guard
      let found = folders.map({ "\($0)/\(program)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) })
    else { return nil }
    executable = found
  }

  /// Runs the program with `arguments` and waits; returns its exit status (128 + n when killed by
  /// signal n). `quiet` discards its output instead of passing it to standard error.
  func run(_ arguments: [String], quiet: Bool = false) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = quiet ? FileHandle.nullDevice : FileHandle.standardError
    process.standardError = quiet ? FileHandle.nullDevice : FileHandle.standardError
    try process.run()
    process.waitUntilExit()
    return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
  }
}
