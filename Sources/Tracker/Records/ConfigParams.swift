// ConfigParams: a config as dotted-key params (`model.n_experts` = 4), the rows --where filters on.
import Data

/// Flattening of a JSON config into one typed value per dotted key, and the typed column encoding.
public enum ConfigParams {
  /// One `(dotted key, value)` per leaf of `config`, in key order: nested objects are walked, lists
  /// and empty objects are leaves (`model.expert_ranks` = `[8, 8]`). A non-object config is one param
  /// named `config`.
  public static func flatten(_ config: JSONValue) -> [(String, JSONValue)] {
    var out: [(String, JSONValue)] = []
    func walk(_ value: JSONValue, _ prefix: String) {
      if case .object(let pairs) = value, !pairs.isEmpty {
        for (key, child) in pairs { walk(child, prefix.isEmpty ? key : prefix + "." + key) }
      } else {
        out.append((prefix.isEmpty ? "config" : prefix, value))
      }
    }
    walk(config, "")
    return out
  }

  /// The `params.kind` code and the SQL value of a param: null 0, bool 1 (0/1), int 2, double 3,
  /// string 4, list or object 5 (canonical JSON text).
  static func encode(_ value: JSONValue) -> (Int64, SQLValue) {
    switch value {
    case .null: return (0, .null)
    case .bool(let b): return (1, .integer(b ? 1 : 0))
    case .int(let i): return (2, .integer(Int64(i)))
    case .double(let d): return (3, .real(d))
    case .string(let s): return (4, .text(s))
    case .array, .object: return (5, .text(value.canonical))
    }
  }

  /// The inverse of `encode`.
  static func decode(kind: Int64, _ value: SQLValue) -> JSONValue {
    switch (kind, value) {
    case (1, _): return .bool((value.int64 ?? 0) != 0)
    case (2, _): return value.int64.map { .int(Int($0)) } ?? .null
    case (3, _): return value.double.map { .double($0) } ?? .null
    case (4, .text(let s)): return .string(s)
    case (5, .text(let s)): return (try? JSONValue(parsing: s)) ?? .string(s)
    default: return .null
    }
  }
}
