import Data

/// A command-line usage error: exit status 64 and one line naming the flag or key.
struct UsageError: Error, CustomStringConvertible {
  let message: String
  var description: String { message }
  init(_ message: String) { self.message = message }
}

/// One `--flag` a command accepts.
struct OptionSpec {
  let name: String
  /// `nil` for a boolean flag; otherwise the placeholder shown in help (`PATH`, `N`).
  let value: String?
  let help: String
  var repeatable = false

  static func flag(_ name: String, _ help: String) -> OptionSpec {
    OptionSpec(name: name, value: nil, help: help)
  }
  static func value(_ name: String, _ placeholder: String, _ help: String, repeatable: Bool = false) -> OptionSpec {
    OptionSpec(name: name, value: placeholder, help: help, repeatable: repeatable)
  }
}

/// Parsed arguments of one command: positionals in order, option values by flag name.
struct Arguments {
  var positionals: [String] = []
  private(set) var values: [String: [String]] = [:]
  private(set) var flags: Set<String> = []

  /// Parses `--flag value`, `--flag=value` and boolean `--flag`; `--` ends options.
  init(_ raw: [String], specs: [OptionSpec]) throws {
    let byName = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0) })
    var i = 0
    var optionsEnded = false
    while i < raw.count {
      let token = raw[i]
      i += 1
      if optionsEnded || !token.hasPrefix("--") || token == "-" {
        positionals.append(token)
        continue
      }
      if token == "--" {
        optionsEnded = true
        continue
      }
      var name = String(token.dropFirst(2))
      var inline: String?
      if let eq = name.firstIndex(of: "=") {
        inline = String(name[name.index(after: eq)...])
        name = String(name[..<eq])
      }
      guard let spec = byName[name] else {
        let hint = nearestName(to: name, among: byName.keys).map { "; did you mean --\($0)?" } ?? ""
        throw UsageError("unknown option --\(name)\(hint)")
      }
      if spec.value == nil {
        if inline != nil { throw UsageError("--\(name) takes no value") }
        flags.insert(name)
        continue
      }
      let value: String
      if let inline {
        value = inline
      } else {
        guard i < raw.count else { throw UsageError("--\(name) needs a value (\(spec.value!))") }
        value = raw[i]
        i += 1
      }
      if !spec.repeatable, values[name] != nil { throw UsageError("--\(name) given twice") }
      values[name, default: []].append(value)
    }
  }

  func flag(_ name: String) -> Bool { flags.contains(name) }
  func value(_ name: String) -> String? { values[name]?.last }
  func all(_ name: String) -> [String] { values[name] ?? [] }

  /// An integer option, or a usage error naming it.
  func int(_ name: String) throws -> Int? {
    guard let text = value(name) else { return nil }
    guard let n = Int(text) else { throw UsageError("--\(name): expected an integer, got \(text)") }
    return n
  }

  /// A comma-separated integer list (`--seeds 1,2,3`).
  func intList(_ name: String) throws -> [Int]? {
    guard let text = value(name) else { return nil }
    return try text.split(separator: ",").map { part in
      guard let n = Int(part.trimmingCharacters(in: .whitespaces)) else {
        throw UsageError("--\(name): \(part) is not an integer")
      }
      return n
    }
  }
}
