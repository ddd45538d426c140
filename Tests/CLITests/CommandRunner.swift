// CommandRunner: runs the built `mmolre` binary (found from this file's path: .build/debug or
// .build/release, matching the test build) and collects its exit status and output.
import Foundation
import Testing

struct CommandResult {
  let status: Int32
  let stdout: String
  let stderr: String
}

enum CommandRunner {
  static let root = #filePath.components(separatedBy: "/Tests/")[0]

  /// The binary of the configuration the tests were built in.
  static var executable: String {
    #if DEBUG
      let preferred = ["debug", "release"]
    #else
      let preferred = ["release", "debug"]
    #endif
    let candidates = preferred.map { root + "/.build/\($0)/mmolre" }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
  }

  /// Runs `mmolre arguments...` in `directory` and waits for it.
  @discardableResult
  static func run(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws
    -> CommandResult
  {
    let process = try start(arguments, in: directory, environment: environment)
    let (output, error) = drain(process)
    return CommandResult(status: process.terminationStatus, stdout: output, stderr: error)
  }

  /// Reads a started process's stdout and stderr to the end (both at once, so a chatty process cannot
  /// fill one pipe and block) and waits for it to exit.
  static func drain(_ process: Process) -> (String, String) {
    let out = (process.standardOutput as! Pipe).fileHandleForReading
    let err = (process.standardError as! Pipe).fileHandleForReading
    let errorBox = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errorBox.data = err.readDataToEndOfFile()
      group.leave()
    }
    let outputData = out.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return (String(decoding: outputData, as: UTF8.self), String(decoding: errorBox.data, as: UTF8.self))
  }

  private final class Box: @unchecked Sendable {
    var data = Foundation.Data()
  }

  /// Starts `mmolre arguments...` with piped stdout and stderr, without waiting.
  static func start(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws
    -> Process
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "MMOLRE_STORE")
    for (key, value) in environment { env[key] = value }
    process.environment = env
    process.standardOutput = Pipe()
    process.standardError = Pipe()
    try process.run()
    return process
  }

  /// The JSON objects of `mmolre runs --json` (one per line).
  static func runs(store: String, where expression: String? = nil) throws -> [[String: Any]] {
    var arguments = ["runs", "--json", "--store", store]
    if let expression { arguments += ["--where", expression] }
    let result = try run(arguments)
    #expect(result.status == 0, "\(result.stderr)")
    return result.stdout.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Foundation.Data($0.utf8)) as? [String: Any]
    }
  }

  /// Parses a JSON object printed by a command.
  static func object(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Foundation.Data(text.utf8)) as? [String: Any])
  }
}

/// A fresh temporary folder.
func makeTemporaryFolder() -> String {
  let path = NSTemporaryDirectory() + "mmolre-cli-\(UUID().uuidString.prefix(8))"
  try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// pdflatex over a LaTeX file the tests wrote (CI installs it: texlive-latex-base and -recommended).
enum PDFLaTeX {
  /// Compiles `file` in `folder`: its exit status and the tail of its log, or nil (with a line saying
  /// so) when pdflatex is not installed.
  static func compile(_ file: String, in folder: String) throws -> (status: Int32, log: String)? {
    guard
      let pdflatex = ["/usr/bin/pdflatex", "/usr/local/bin/pdflatex"].first(where: FileManager.default.isExecutableFile)
    else {
      print(
        "skipped compiling \(file): pdflatex is not installed (apt-get install texlive-latex-base texlive-latex-recommended)"
      )
      return nil
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: pdflatex)
    process.arguments = ["-interaction=nonstopmode", "-halt-on-error", file]
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    let logFile = folder + "/" + (file as NSString).deletingPathExtension + ".log"
    let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
    return (process.terminationStatus, String(log.suffix(1500)))
  }
}
