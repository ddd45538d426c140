import Data

/// A `--sweep key=v1,v2,...` axis: values split on top-level commas only, so
/// `model.expert_ranks=[8,8],[4,16]` is two values; each value is JSON when it parses, else a string.
public struct SweepAxis: Sendable {
  public let key: String
  public let values: [String]

  public init(parsing text: String) throws {
    guard let eq = text.firstIndex(of: "=") else {
      throw ConfigError("--sweep \(text): expected KEY=V1,V2,..., e.g. model.n_experts=1,2,4")
    }
    key = text[..<eq].trimmingCharacters(in: .whitespaces)
    let raw = String(text[text.index(after: eq)...])
    var parts: [String] = []
    var depth = 0
    var inString = false
    var escaped = false
    var current = ""
    for c in raw {
      if inString {
        current.append(c)
        if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
        continue
      }
      switch c {
      case "\"": inString = true
      case "[", "{": depth += 1
      case "]", "}": depth -= 1
      case "," where depth == 0:
        parts.append(current)
        current = ""
        continue
      default: break
      }
      current.append(c)
    }
    parts.append(current)
    values = parts.map { $0.trimmingCharacters(in: .whitespaces) }
    if key.isEmpty || values.contains(where: \.isEmpty) {
      throw ConfigError("--sweep \(text): empty key or value")
    }
    if depth != 0 || inString { throw ConfigError("--sweep \(text): unbalanced brackets or quotes") }
  }

  /// Every combination of the axes' values as `key=value` overrides, the first axis slowest.
  public static func cells(_ axes: [SweepAxis]) -> [[String]] {
    axes.reduce([[]]) { partial, axis in
      partial.flatMap { prefix in axis.values.map { prefix + ["\(axis.key)=\($0)"] } }
    }
  }
}
