import Data
import Foundation
import Models

/// A resolved run configuration: every key of `ConfigSchema` with a checked value, read from a
/// preset, an optional JSON file and `--set key=value` overrides, in that order.
///
/// ```swift
/// let config = try RunConfig.load(preset: "cpu", overrides: ["model.n_experts=8", "train.seeds=[1,2]"])
/// config.model.nExperts      // 8
/// config.cellJSON.canonical  // the identity of a grid cell, without naming, seeds and threads
/// ```
public struct RunConfig: Sendable {
  /// Every key with its value, dotted.
  public let values: [String: JSONValue]
  /// Warnings about reference-only keys that were renamed or ignored.
  public let warnings: [String]

  public var name: String { values["name"]!.stringValue! }
  public let data: DataConfig
  public let features: FeaturesConfig
  public let model: ModelConfig
  public let train: TrainConfig

  /// The nested JSON of every key (what a checkpoint's metadata and the store hold).
  public var json: JSONValue { Self.nest(values) }

  /// The identity of a grid cell: every key that can change results (no name, seeds, threads or
  /// display fields), numbers canonicalised by `JSONValue.canonical`.
  public var cellJSON: JSONValue {
    Self.nest(values.filter { key, _ in !(ConfigSchema.byKey[key]?.cellNeutral ?? false) && key != "train.seeds" })
  }

  /// Keys and values in schema order, for the store's typed params table.
  public var flattened: [(String, JSONValue)] { ConfigSchema.fields.map { ($0.key, values[$0.key]!) } }

  // MARK: - Loading

  /// Preset, then `file` (which may name its own `"preset"`), then overrides.
  public static func load(preset: String? = nil, file: String? = nil, overrides: [String] = []) throws -> RunConfig {
    var layers: [(String, JSONValue)] = []
    var presetName = preset ?? "cpu"
    var fileJSON: JSONValue?
    if let file {
      guard let data = FileManager.default.contents(atPath: file) else {
        throw ConfigError("\(file): config file not found")
      }
      do {
        fileJSON = try JSONValue(parsing: [UInt8](data))
      } catch {
        throw ConfigError("\(file): not valid JSON (\(error))")
      }
      guard fileJSON?.objectPairs != nil else { throw ConfigError("\(file): the top level must be an object") }
      if let named = fileJSON?["preset"] {
        guard let text = named.stringValue else { throw ConfigError("\(file): preset: expected a preset name") }
        if preset == nil { presetName = text }
        fileJSON?.remove("preset")
      }
    }
    layers.append(("preset \(presetName)", try Presets.json(named: presetName)))
    if let file, let fileJSON { layers.append((file, fileJSON)) }
    for text in overrides {
      let (key, value) = try parseOverride(text)
      layers.append(("--set \(text)", nestOne(key: key, value: value)))
    }
    return try resolve(layers)
  }

  /// A config from one JSON object on top of the schema defaults (a checkpoint's or the store's).
  public static func fromJSON(_ json: JSONValue, origin: String) throws -> RunConfig {
    try resolve([(origin, json)])
  }

  /// `key=value`; the value is JSON when it parses as JSON, else the plain string.
  public static func parseOverride(_ text: String) throws -> (String, JSONValue) {
    guard let eq = text.firstIndex(of: "=") else {
      throw ConfigError("--set \(text): expected KEY=VALUE, e.g. model.n_experts=8")
    }
    let key = text[..<eq].trimmingCharacters(in: .whitespaces)
    let raw = String(text[text.index(after: eq)...])
    if key.isEmpty || key.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
      throw ConfigError("--set \(text): empty key")
    }
    return (key, parseValue(raw))
  }

  /// JSON when `raw` parses as JSON (`8`, `[16,32]`, `null`, `true`, `"x"`), else the string itself.
  public static func parseValue(_ raw: String) -> JSONValue {
    let trimmed = raw.trimmingCharacters(in: .whitespaces)
    if let value = try? JSONValue(parsing: trimmed) { return value }
    return .string(raw)
  }

  static func resolve(_ layers: [(String, JSONValue)]) throws -> RunConfig {
    var values = Dictionary(uniqueKeysWithValues: ConfigSchema.fields.map { ($0.key, $0.defaultValue) })
    var warnings: [String] = []
    for (origin, layer) in layers {
      var flat: [(String, JSONValue)] = []
      try flatten(layer, prefix: "", origin: origin, into: &flat)
      for (key, value) in flat {
        if let renamed = ConfigSchema.legacyKeys[key] {
          if let target = renamed {
            warnings.append("\(origin): \(key) is now \(target)")
            values[target] = try check(target, value, origin: origin)
          } else {
            warnings.append("\(origin): \(key) has no meaning in the Swift version and is ignored")
          }
          continue
        }
        values[key] = try check(key, value, origin: origin)
      }
    }
    let origin = layers.last?.0 ?? "config"
    let model = try ModelConfig(values: values, origin: origin)
    let config = RunConfig(
      values: values, warnings: warnings, data: try DataConfig(values: values, origin: origin),
      features: FeaturesConfig(values: values), model: model, train: try TrainConfig(values: values, origin: origin))
    return config
  }

  private init(
    values: [String: JSONValue], warnings: [String], data: DataConfig, features: FeaturesConfig, model: ModelConfig,
    train: TrainConfig
  ) {
    self.values = values
    self.warnings = warnings
    self.data = data
    self.features = features
    self.model = model
    self.train = train
  }

  /// Dotted leaves of a JSON object; maps that are values (`data.feature_dirs`) stay whole.
  static func flatten(_ json: JSONValue, prefix: String, origin: String, into out: inout [(String, JSONValue)]) throws {
    guard let pairs = json.objectPairs else {
      throw ConfigError("\(origin): \(prefix.isEmpty ? "(root)" : prefix): expected an object, got \(json.kindName)")
    }
    for (name, value) in pairs {
      let key = prefix.isEmpty ? name : "\(prefix).\(name)"
      if ConfigSchema.byKey[key] != nil || ConfigSchema.legacyKeys[key] != nil {
        out.append((key, value))
      } else if ConfigSchema.sections.contains(key) {
        try flatten(value, prefix: key, origin: origin, into: &out)
      } else {
        let candidates = ConfigSchema.fields.map(\.key) + Array(ConfigSchema.sections)
        let hint = nearestName(to: key, among: candidates).map { "; did you mean \($0)?" } ?? ""
        throw ConfigError("\(origin): \(key): unknown key\(hint)")
      }
    }
  }

  /// The value checked against its field and normalised (integral doubles of int fields become ints).
  static func check(_ key: String, _ value: JSONValue, origin: String) throws -> JSONValue {
    let field = ConfigSchema.byKey[key]!
    func fail(_ message: String) -> ConfigError { ConfigError("\(origin): \(key): \(message)") }
    if value.isNull {
      if field.nullable { return .null }
      throw fail("null is not allowed")
    }
    switch field.kind {
    case .bool:
      guard case .bool = value else { throw fail("expected true or false, got \(value.compact)") }
      return value
    case .int(let min):
      guard let n = value.intValue else { throw fail("expected an integer, got \(value.compact)") }
      if let min, n < min { throw fail("must be at least \(min), got \(n)") }
      return .int(n)
    case .number(let min, let exclusiveMin, let max):
      guard let x = value.doubleValue, x.isFinite else { throw fail("expected a number, got \(value.compact)") }
      if let min, exclusiveMin ? x <= min : x < min {
        throw fail(
          "must be \(exclusiveMin ? "greater than" : "at least") \(JSONValue.formatNumber(min)), got \(value.compact)")
      }
      if let max, x >= max { throw fail("must be less than \(JSONValue.formatNumber(max)), got \(value.compact)") }
      return .double(x)
    case .choice(let choices):
      guard let s = value.stringValue else {
        throw fail("expected one of \(choices.joined(separator: ", ")), got \(value.compact)")
      }
      guard choices.contains(s) else {
        let hint = nearestName(to: s, among: choices).map { " (did you mean \($0)?)" } ?? ""
        throw fail("\(s) is not one of \(choices.joined(separator: ", "))\(hint)")
      }
      return value
    case .string:
      guard value.stringValue != nil else { throw fail("expected a string, got \(value.compact)") }
      return value
    case .intList(let min):
      guard let items = value.arrayValue else { throw fail("expected a list of integers, got \(value.compact)") }
      return .array(
        try items.map { item in
          guard let n = item.intValue else { throw fail("expected a list of integers, got \(value.compact)") }
          if let min, n < min { throw fail("every value must be at least \(min), got \(n)") }
          return .int(n)
        })
    case .stringList(let choices):
      guard let items = value.arrayValue else { throw fail("expected a list of strings, got \(value.compact)") }
      for item in items {
        guard let s = item.stringValue else { throw fail("expected a list of strings, got \(value.compact)") }
        if let choices, !choices.contains(s) { throw fail("\(s) is not one of \(choices.joined(separator: ", "))") }
      }
      return value
    case .stringMap:
      guard let pairs = value.objectPairs, pairs.allSatisfy({ $0.1.stringValue != nil }) else {
        throw fail("expected an object of strings, got \(value.compact)")
      }
      return value
    }
  }

  /// `{"a": {"b": v}}` from `a.b` and `v`.
  static func nestOne(key: String, value: JSONValue) -> JSONValue {
    key.split(separator: ".").reversed().reduce(value) { inner, part in .object([(String(part), inner)]) }
  }

  /// The nested object of dotted keys.
  static func nest(_ flat: [String: JSONValue]) -> JSONValue {
    var root = JSONValue.object([])
    for field in ConfigSchema.fields {
      guard let value = flat[field.key] else { continue }
      insert(&root, path: field.key.split(separator: ".").map(String.init)[...], value: value)
    }
    return root
  }

  private static func insert(_ node: inout JSONValue, path: ArraySlice<String>, value: JSONValue) {
    guard let head = path.first else { return }
    if path.count == 1 {
      node.set(head, value)
      return
    }
    var child = node[head] ?? .object([])
    insert(&child, path: path.dropFirst(), value: value)
    node.set(head, child)
  }
}
