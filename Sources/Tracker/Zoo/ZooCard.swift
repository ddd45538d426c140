// ZooCard: a model card of zoo/ (format in zoo/README.md): what a named model is, how it was trained,
// what it reached and within what tolerance a rebuild must land.
import Data

/// A model card: the config and recipe of a named model and the metrics it reached.
///
/// Required: `name` (letters, digits, `.`, `_`, `+`, `-`) and `config` (an object). Optional, checked when
/// present: `description`, `recipe`, `command` (strings), `data` (object), `seeds` (integers),
/// `metrics` (split -> metric -> number or `{"mean", "std"}`), `tolerance` (a number, or metric ->
/// number with an optional `default`), `openblas_core`, `weights_sha256` (64 hex digits).
public struct ZooCard: Sendable {
  /// The whole card as written.
  public let json: JSONValue
  public let name: String
  public let config: JSONValue

  /// Checks `json`; `origin` (a file name) starts every error message.
  public init(json: JSONValue, origin: String) throws {
    guard case .object = json else { throw TrackerError(.data, "\(origin): a model card is a JSON object") }
    guard let name = json["name"]?.stringValue, !name.isEmpty,
      name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._+-".contains($0)) })
    else {
      throw TrackerError(.data, "\(origin): name: a model name of letters, digits, '.', '_', '+' and '-' is required")
    }
    guard let config = json["config"], case .object = config else {
      throw TrackerError(.data, "\(origin): config: an object (the run config) is required")
    }
    for key in ["description", "recipe", "command", "openblas_core"] {
      if let value = json[key], value.stringValue == nil {
        throw TrackerError(.data, "\(origin): \(key): expected a string, got \(value.kindName)")
      }
    }
    if let data = json["data"], data.objectPairs == nil {
      throw TrackerError(.data, "\(origin): data: expected an object, got \(data.kindName)")
    }
    if let seeds = json["seeds"], seeds.arrayValue?.allSatisfy({ $0.intValue != nil }) != true {
      throw TrackerError(.data, "\(origin): seeds: expected a list of integers")
    }
    if let hash = json["weights_sha256"] {
      guard let text = hash.stringValue, text.count == 64, text.allSatisfy(\.isHexDigit) else {
        throw TrackerError(.data, "\(origin): weights_sha256: expected 64 hex digits")
      }
    }
    try Self.checkMetrics(json["metrics"], origin: origin)
    try Self.checkTolerance(json["tolerance"], origin: origin)
    self.json = json
    self.name = name
    self.config = config
  }

  /// Parses and checks card text.
  public init(text: String, origin: String) throws {
    let json: JSONValue
    do {
      json = try JSONValue(parsing: text)
    } catch {
      throw TrackerError(.data, "\(origin): not valid JSON (\(error))")
    }
    try self.init(json: json, origin: origin)
  }

  /// The cards compiled into the binary from zoo/*.json, in file-name order.
  public static func embedded() throws -> [ZooCard] {
    try EmbeddedResources.zooCards.map { try ZooCard(text: $0.text, origin: "zoo/\($0.name)") }
  }

  public var description: String? { json["description"]?.stringValue }
  public var command: String? { json["command"]?.stringValue }
  public var seeds: [Int] { json["seeds"]?.arrayValue?.compactMap(\.intValue) ?? [] }
  public var weightsSHA256: String? { json["weights_sha256"]?.stringValue }
  public var openBLASCore: String? { json["openblas_core"]?.stringValue }

  /// split -> metric -> (mean, std?) the card states.
  public var metrics: [String: [String: (mean: Double, std: Double?)]] {
    var out: [String: [String: (mean: Double, std: Double?)]] = [:]
    for (split, entries) in json["metrics"]?.objectPairs ?? [] {
      for (metric, value) in entries.objectPairs ?? [] {
        if let mean = value.doubleValue ?? value["mean"]?.doubleValue {
          out[split, default: [:]][metric] = (mean, value["std"]?.doubleValue)
        }
      }
    }
    return out
  }

  /// The absolute tolerance a rebuild's `metric` must meet (the card's per-metric value, its
  /// `default`, or its single number); nil when the card sets none.
  public func tolerance(for metric: String) -> Double? {
    guard let tolerance = json["tolerance"] else { return nil }
    if let single = tolerance.doubleValue { return single }
    return tolerance[metric]?.doubleValue ?? tolerance["default"]?.doubleValue
  }

  private static func checkMetrics(_ metrics: JSONValue?, origin: String) throws {
    guard let metrics else { return }
    guard let splits = metrics.objectPairs else { throw TrackerError(.data, "\(origin): metrics: expected an object") }
    for (split, entries) in splits {
      guard let pairs = entries.objectPairs else {
        throw TrackerError(.data, "\(origin): metrics.\(split): expected an object of metrics")
      }
      for (metric, value) in pairs where value.doubleValue == nil && value["mean"]?.doubleValue == nil {
        throw TrackerError(
          .data, "\(origin): metrics.\(split).\(metric): expected a number or {\"mean\": ..., \"std\": ...}")
      }
    }
  }

  private static func checkTolerance(_ tolerance: JSONValue?, origin: String) throws {
    guard let tolerance, tolerance.doubleValue == nil else { return }
    guard let pairs = tolerance.objectPairs, pairs.allSatisfy({ $0.1.doubleValue != nil }) else {
      throw TrackerError(.data, "\(origin): tolerance: expected a number or an object of numbers")
    }
  }
}
