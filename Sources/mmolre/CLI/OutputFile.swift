// OutputFile: write a command's text to `--out FILE` (atomically) or to standard output.
import Data

enum OutputFile {
  static let option = OptionSpec.value("out", "FILE", "write to FILE (atomically) instead of standard output")

  static func emit(_ text: String, _ arguments: Arguments) throws {
    guard let path = arguments.value("out") else {
      print(text, terminator: "")
      return
    }
    try AtomicFile.write(text, to: path)
    printError("wrote \(path)")
  }
}
