import Foundation

/// A JSON document as a value: configs, model cards, safetensors headers, store rows.
///
/// Numbers keep their integer-ness (`4` is `.int`, `4.0` and `1e-3` are `.double`), objects keep key
/// order as written. `canonical` gives one spelling per value (sorted keys, numbers in shortest
/// round-trip form, integral doubles as integers) so two configs that mean the same hash the same.
public enum JSONValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case array([JSONValue])
  /// Key order is kept as written; duplicate keys are rejected by the parser.
  case object([(String, JSONValue)])

  public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): return true
    case (.bool(let a), .bool(let b)): return a == b
    case (.int(let a), .int(let b)): return a == b
    case (.double(let a), .double(let b)): return a == b
    case (.int(let a), .double(let b)), (.double(let b), .int(let a)): return Double(a) == b
    case (.string(let a), .string(let b)): return a == b
    case (.array(let a), .array(let b)): return a == b
    case (.object(let a), .object(let b)):
      return a.count == b.count
        && Dictionary(a, uniquingKeysWith: { x, _ in x }) == Dictionary(b, uniquingKeysWith: { x, _ in x })
    default: return false
    }
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(canonical)
  }
}

// MARK: - Accessors

extension JSONValue {
  /// The value under `key` of an object; nil for a missing key or a non-object.
  public subscript(key: String) -> JSONValue? {
    guard case .object(let pairs) = self else { return nil }
    return pairs.first(where: { $0.0 == key })?.1
  }

  /// The object's pairs in order; nil for a non-object.
  public var objectPairs: [(String, JSONValue)]? {
    if case .object(let pairs) = self { return pairs }
    return nil
  }

  public var arrayValue: [JSONValue]? {
    if case .array(let items) = self { return items }
    return nil
  }

  public var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  public var boolValue: Bool? {
    if case .bool(let b) = self { return b }
    return nil
  }

  /// An integer, also from a double with an integral value (`4.0`).
  public var intValue: Int? {
    switch self {
    case .int(let i): return i
    case .double(let d) where d.rounded() == d && abs(d) < 9.0e15: return Int(d)
    default: return nil
    }
  }

  /// A number as a double (integers convert).
  public var doubleValue: Double? {
    switch self {
    case .int(let i): return Double(i)
    case .double(let d): return d
    default: return nil
    }
  }

  public var isNull: Bool {
    if case .null = self { return true }
    return false
  }

  /// A short name of the kind of value, for error messages.
  public var kindName: String {
    switch self {
    case .null: return "null"
    case .bool: return "a boolean"
    case .int: return "an integer"
    case .double: return "a number"
    case .string: return "a string"
    case .array: return "a list"
    case .object: return "an object"
    }
  }

  /// Sets `value` under `key` of an object, replacing an existing key in place.
  /// - Precondition: `self` is an object.
  public mutating func set(_ key: String, _ value: JSONValue) {
    guard case .object(var pairs) = self else { preconditionFailure("set(_:_:) on \(kindName)") }
    if let i = pairs.firstIndex(where: { $0.0 == key }) {
      pairs[i].1 = value
    } else {
      pairs.append((key, value))
    }
    self = .object(pairs)
  }

  /// Removes `key` from an object; no-op for a missing key.
  public mutating func remove(_ key: String) {
    guard case .object(var pairs) = self else { return }
    pairs.removeAll(where: { $0.0 == key })
    self = .object(pairs)
  }
}

// MARK: - Writing

extension JSONValue {
  /// One spelling per value: sorted keys, no spaces, doubles with integral values written as
  /// integers (`1.0` -> `1`), others in Swift's shortest round-trip form (`1e-3` -> `0.001`).
  public var canonical: String {
    var out = ""
    write(to: &out, sortKeys: true, indent: nil, level: 0, canonicalNumbers: true)
    return out
  }

  /// Compact JSON in the stored key order.
  public var compact: String {
    var out = ""
    write(to: &out, sortKeys: false, indent: nil, level: 0, canonicalNumbers: false)
    return out
  }

  /// Indented JSON (two spaces) in the stored key order, for files people read.
  public var pretty: String {
    var out = ""
    write(to: &out, sortKeys: false, indent: "  ", level: 0, canonicalNumbers: false)
    return out
  }

  /// A number written as JSON; non-finite values (which JSON lacks) become `null`.
  public static func formatNumber(_ d: Double) -> String {
    guard d.isFinite else { return "null" }
    if d == d.rounded(), abs(d) < 1e16 { return String(Int(d)) }
    return "\(d)"
  }

  private func write(to out: inout String, sortKeys: Bool, indent: String?, level: Int, canonicalNumbers: Bool) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .double(let d):
      if canonicalNumbers {
        out += Self.formatNumber(d)
      } else if !d.isFinite {
        out += "null"
      } else if d == d.rounded(), abs(d) < 1e16 {
        out += String(format: "%.1f", d)
      } else {
        out += "\(d)"
      }
    case .string(let s): Self.writeString(s, to: &out)
    case .array(let items):
      if items.isEmpty {
        out += "[]"
        return
      }
      out += "["
      for (i, item) in items.enumerated() {
        if i > 0 { out += "," }
        newline(&out, indent, level + 1)
        item.write(to: &out, sortKeys: sortKeys, indent: indent, level: level + 1, canonicalNumbers: canonicalNumbers)
      }
      newline(&out, indent, level)
      out += "]"
    case .object(let pairs):
      if pairs.isEmpty {
        out += "{}"
        return
      }
      let ordered =
        sortKeys ? pairs.sorted(by: { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) }) : pairs
      out += "{"
      for (i, (key, value)) in ordered.enumerated() {
        if i > 0 { out += "," }
        newline(&out, indent, level + 1)
        Self.writeString(key, to: &out)
        out += indent == nil ? ":" : ": "
        value.write(to: &out, sortKeys: sortKeys, indent: indent, level: level + 1, canonicalNumbers: canonicalNumbers)
      }
      newline(&out, indent, level)
      out += "}"
    }
  }

  private func newline(_ out: inout String, _ indent: String?, _ level: Int) {
    guard let indent else { return }
    out += "\n"
    out += String(repeating: indent, count: level)
  }

  static func writeString(_ s: String, to out: inout String) {
    out += "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      default:
        if scalar.value < 0x20 {
          out += String(format: "\\u%04x", scalar.value)
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out += "\""
  }
}

// MARK: - Reading

/// A JSON text that does not parse; `offset` is the byte position of the problem.
public struct JSONParseError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public let offset: Int
  public var description: String { "\(message) at byte \(offset)" }
}

extension JSONValue {
  /// Parses a whole JSON text (RFC 8259). Duplicate object keys are an error.
  public init(parsing text: String) throws(JSONParseError) {
    var parser = JSONParser(bytes: Array(text.utf8))
    self = try parser.parseDocument()
  }

  /// Parses JSON from UTF-8 bytes.
  public init(parsing bytes: [UInt8]) throws(JSONParseError) {
    var parser = JSONParser(bytes: bytes)
    self = try parser.parseDocument()
  }

  /// Reads and parses a JSON file.
  /// - Throws: `DataError` naming the file when it cannot be read or does not parse.
  public init(contentsOfFile path: String) throws(DataError) {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DataError("\(path): file not found or not readable")
    }
    do {
      try self.init(parsing: [UInt8](data))
    } catch {
      throw DataError("\(path): not JSON (\(error))")
    }
  }
}

struct JSONParser {
  let bytes: [UInt8]
  var i = 0
  var depth = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  mutating func parseDocument() throws(JSONParseError) -> JSONValue {
    skipSpace()
    let value = try parseValue()
    skipSpace()
    if i != bytes.count { throw fail("unexpected text after the JSON value") }
    return value
  }

  func fail(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: i) }

  mutating func skipSpace() {
    while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
  }

  mutating func parseValue() throws(JSONParseError) -> JSONValue {
    guard i < bytes.count else { throw fail("unexpected end of JSON") }
    switch bytes[i] {
    case UInt8(ascii: "{"): return try parseObject()
    case UInt8(ascii: "["): return try parseArray()
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"): try literal("true"); return .bool(true)
    case UInt8(ascii: "f"): try literal("false"); return .bool(false)
    case UInt8(ascii: "n"): try literal("null"); return .null
    default: return try parseNumber()
    }
  }

  mutating func literal(_ word: String) throws(JSONParseError) {
    let w = Array(word.utf8)
    guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else {
      throw fail("invalid literal")
    }
    i += w.count
  }

  mutating func parseObject() throws(JSONParseError) -> JSONValue {
    depth += 1
    if depth > 512 { throw fail("JSON nested too deeply") }
    defer { depth -= 1 }
    i += 1
    var pairs: [(String, JSONValue)] = []
    var seen = Set<String>()
    skipSpace()
    if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
      i += 1
      return .object(pairs)
    }
    while true {
      skipSpace()
      guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
      let keyStart = i
      let key = try parseString()
      if !seen.insert(key).inserted {
        throw JSONParseError(message: "duplicate key \"\(key)\"", offset: keyStart)
      }
      skipSpace()
      guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
      i += 1
      skipSpace()
      pairs.append((key, try parseValue()))
      skipSpace()
      guard i < bytes.count else { throw fail("unexpected end of JSON in an object") }
      if bytes[i] == UInt8(ascii: ",") {
        i += 1
        continue
      }
      if bytes[i] == UInt8(ascii: "}") {
        i += 1
        return .object(pairs)
      }
      throw fail("expected ',' or '}'")
    }
  }

  mutating func parseArray() throws(JSONParseError) -> JSONValue {
    depth += 1
    if depth > 512 { throw fail("JSON nested too deeply") }
    defer { depth -= 1 }
    i += 1
    var items: [JSONValue] = []
    skipSpace()
    if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
      i += 1
      return .array(items)
    }
    while true {
      skipSpace()
      items.append(try parseValue())
      skipSpace()
      guard i < bytes.count else { throw fail("unexpected end of JSON in a list") }
      if bytes[i] == UInt8(ascii: ",") {
        i += 1
        continue
      }
      if bytes[i] == UInt8(ascii: "]") {
        i += 1
        return .array(items)
      }
      throw fail("expected ',' or ']'")
    }
  }

  mutating func parseString() throws(JSONParseError) -> String {
    i += 1
    var scalars = String.UnicodeScalarView()
    var run = i
    func flush(_ end: Int, into scalars: inout String.UnicodeScalarView) {
      if end > run { scalars.append(contentsOf: String(decoding: bytes[run..<end], as: UTF8.self).unicodeScalars) }
    }
    while i < bytes.count {
      let b = bytes[i]
      if b == UInt8(ascii: "\"") {
        flush(i, into: &scalars)
        i += 1
        return String(scalars)
      }
      if b < 0x20 { throw fail("control character in a string") }
      if b == UInt8(ascii: "\\") {
        flush(i, into: &scalars)
        i += 1
        guard i < bytes.count else { break }
        let e = bytes[i]
        i += 1
        switch e {
        case UInt8(ascii: "\""): scalars.append("\"")
        case UInt8(ascii: "\\"): scalars.append("\\")
        case UInt8(ascii: "/"): scalars.append("/")
        case UInt8(ascii: "b"): scalars.append("\u{08}")
        case UInt8(ascii: "f"): scalars.append("\u{0C}")
        case UInt8(ascii: "n"): scalars.append("\n")
        case UInt8(ascii: "r"): scalars.append("\r")
        case UInt8(ascii: "t"): scalars.append("\t")
        case UInt8(ascii: "u"):
          var code = try hex4()
          if (0xD800..<0xDC00).contains(code) {
            guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
              throw fail("unpaired surrogate in a string")
            }
            i += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw fail("invalid surrogate pair") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
          }
          guard let scalar = Unicode.Scalar(code) else { throw fail("invalid \\u escape") }
          scalars.append(scalar)
        default: throw fail("invalid escape in a string")
        }
        run = i
        continue
      }
      i += 1
    }
    throw fail("unterminated string")
  }

  mutating func hex4() throws(JSONParseError) -> UInt32 {
    guard i + 4 <= bytes.count else { throw fail("short \\u escape") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let b = bytes[i]
      let digit: UInt32
      switch b {
      case 0x30...0x39: digit = UInt32(b - 0x30)
      case 0x41...0x46: digit = UInt32(b - 0x41 + 10)
      case 0x61...0x66: digit = UInt32(b - 0x61 + 10)
      default: throw fail("invalid hex digit in \\u escape")
      }
      value = value * 16 + digit
      i += 1
    }
    return value
  }

  mutating func parseNumber() throws(JSONParseError) -> JSONValue {
    let start = i
    if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
    guard i < bytes.count, (0x30...0x39).contains(bytes[i]) else {
      i = start
      throw fail("unexpected character")
    }
    if bytes[i] == 0x30 {
      i += 1
    } else {
      while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
    }
    var isInteger = true
    if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
      isInteger = false
      i += 1
      guard i < bytes.count, (0x30...0x39).contains(bytes[i]) else { throw fail("digit expected after '.'") }
      while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
    }
    if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
      isInteger = false
      i += 1
      if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
      guard i < bytes.count, (0x30...0x39).contains(bytes[i]) else { throw fail("digit expected in exponent") }
      while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
    }
    let text = String(decoding: bytes[start..<i], as: UTF8.self)
    if isInteger, let value = Int(text) { return .int(value) }
    guard let value = Double(text) else { throw JSONParseError(message: "invalid number", offset: start) }
    return .double(value)
  }
}
