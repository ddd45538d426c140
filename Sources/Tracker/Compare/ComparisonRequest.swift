// ComparisonRequest: what `compare`, `export` and `export-latex` select and how they group it.
import Data

/// The selection and grouping of a comparison table.
public struct ComparisonRequest: Sendable {
  /// How runs are grouped.
  public enum Grouping: Sendable, Equatable {
    /// By these dotted config keys, in this order.
    case keys([String])
    /// By every config key whose value varies among the selected runs (not `nonAblationKeys`).
    case auto
  }

  /// Which metrics become columns.
  public enum Metrics: Sendable, Equatable {
    /// The headline set (`Comparison.headlineMetrics`, with any dataset prefix) that the runs have.
    case headline
    /// Every metric the selected runs have in the split.
    case all
    /// These, in this order.
    case list([String])
  }

  /// A `--where` expression over the runs (nil: all finished runs).
  public var filter: String?
  public var grouping: Grouping
  public var metrics: Metrics
  /// The results split (`test`, `valid`).
  public var split: String
  /// `KEY=VALUE` conditions naming the baseline group (all must hold); nil for no baseline.
  public var baseline: [(key: String, value: JSONValue)]?

  public init(
    filter: String? = nil, grouping: Grouping = .auto, metrics: Metrics = .headline, split: String = "test",
    baseline: [(key: String, value: JSONValue)]? = nil
  ) {
    self.filter = filter
    self.grouping = grouping
    self.metrics = metrics
    self.split = split
    self.baseline = baseline
  }

  /// Parses `--baseline` text: `KEY=VALUE[,KEY=VALUE...]`, each VALUE JSON (`4`, `true`, `[8,8]`) or
  /// else a plain string; commas inside brackets or quotes do not split.
  public static func parseBaseline(_ text: String) throws -> [(key: String, value: JSONValue)] {
    try splitTopLevel(text).map { part in
      guard let eq = part.firstIndex(of: "="), eq != part.startIndex else {
        throw TrackerError(.usage, "--baseline: expected KEY=VALUE (e.g. model.n_experts=4), got \(part)")
      }
      let key = part[..<eq].trimmingCharacters(in: .whitespaces)
      let raw = part[part.index(after: eq)...].trimmingCharacters(in: .whitespaces)
      let value = (try? JSONValue(parsing: raw)) ?? .string(raw)
      return (key, value)
    }
  }

  /// Parses a comma-separated key list (`--by`, `--metrics`).
  public static func parseList(_ text: String) -> [String] {
    splitTopLevel(text).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }

  /// Splits on commas outside brackets, braces and quotes.
  static func splitTopLevel(_ text: String) -> [String] {
    var parts: [String] = []
    var current = ""
    var depth = 0
    var quote: Character?
    for c in text {
      if let q = quote {
        if c == q { quote = nil }
      } else if c == "\"" || c == "'" {
        quote = c
      } else if c == "[" || c == "{" {
        depth += 1
      } else if c == "]" || c == "}" {
        depth -= 1
      } else if c == ",", depth == 0 {
        parts.append(current)
        current = ""
        continue
      }
      current.append(c)
    }
    parts.append(current)
    return parts
  }
}
