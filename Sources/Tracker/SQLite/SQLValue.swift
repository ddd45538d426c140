// SQLValue: a value bound to or read from SQLite (its five storage classes).

/// One SQLite value. Every value the store writes goes through a bound parameter of this type, never
/// through SQL text.
enum SQLValue: Sendable, Hashable {
  case null
  case integer(Int64)
  case real(Double)
  case text(String)
  case blob([UInt8])

  var int64: Int64? {
    switch self {
    case .integer(let i): return i
    case .real(let d) where d.rounded() == d && abs(d) < 9.0e18: return Int64(d)
    default: return nil
    }
  }

  var double: Double? {
    switch self {
    case .integer(let i): return Double(i)
    case .real(let d): return d
    default: return nil
    }
  }

  var text: String? {
    if case .text(let s) = self { return s }
    return nil
  }

  var isNull: Bool {
    if case .null = self { return true }
    return false
  }
}

extension SQLValue: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByFloatLiteral {
  init(integerLiteral value: Int64) { self = .integer(value) }
  init(stringLiteral value: String) { self = .text(value) }
  init(floatLiteral value: Double) { self = .real(value) }
}

extension SQLValue {
  /// An integer, or NULL for nil.
  static func int(_ value: Int?) -> SQLValue { value.map { .integer(Int64($0)) } ?? .null }
  /// A real, or NULL for nil or NaN (SQLite stores NaN as NULL anyway).
  static func real(_ value: Double?) -> SQLValue {
    guard let value, !value.isNaN else { return .null }
    return .real(value)
  }
  /// A text, or NULL for nil.
  static func text(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
}
