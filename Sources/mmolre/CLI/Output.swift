import Foundation

/// Writes to standard error (progress, warnings) without touching standard output.
func printError(_ text: String, terminator: String = "\n") {
  FileHandle.standardError.write(Data((text + terminator).utf8))
}

/// Whether standard error is a terminal (progress bars only then).
var standardErrorIsTerminal: Bool { isatty(2) != 0 }
