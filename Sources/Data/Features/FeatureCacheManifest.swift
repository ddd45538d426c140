// The manifest of a feature cache (`manifest.json`): what made the features, for which table, and the
// shard files that hold them. It is written before the first shard (`complete: false`, so an
// interrupted extraction can check that a rerun asks for the same thing) and again after the last
// (`complete: true`, with each shard's sha256 and token count). Its own sha256 is the cache's
// fingerprint in the experiment store: it covers the settings, the clip ids and, through the shard
// hashes, every feature value.
//
// {"format": "mmolre-feature-cache", "version": 1, "modality": "text", "encoder": "all-MiniLM-L6-v2",
//  "encoder_sha256": "53aa...", "dim": 384, "max_length": 64, "level": "token",
//  "label_table": "../shared/data/mosi/label.csv", "label_table_sha256": "...", "text_from": ...,
//  "text_from_sha256": ..., "limit": null, "chunk_size": 256, "count": 2199, "tokens": 66012,
//  "complete": true, "shards": [{"file": "train-00000.safetensors", "split": "train", "count": 256,
//  "tokens": 7702, "sha256": "...", "ids": ["03bSnISJMiM$_$1", ...]}, ...]}
import Foundation

/// What a feature cache holds and how it was made.
public struct FeatureCacheManifest: Sendable, Equatable {
  public static let format = "mmolre-feature-cache"
  public static let version = 1
  public static let fileName = "manifest.json"

  /// One shard file: the features of `ids` (a run of one split's clips in table order).
  public struct Shard: Sendable, Equatable {
    /// File name inside the cache folder (`train-00000.safetensors`).
    public var file: String
    public var split: String
    /// Clip ids (`video$_$clip`), the tensor names inside the file.
    public var ids: [String]
    /// Tokens over all its clips, and the file's sha256; nil until the shard is written.
    public var tokens: Int?
    public var sha256: String?

    public init(file: String, split: String, ids: [String], tokens: Int? = nil, sha256: String? = nil) {
      self.file = file
      self.split = split
      self.ids = ids
      self.tokens = tokens
      self.sha256 = sha256
    }
  }

  /// `text` (the only modality `mmolre features extract` makes).
  public var modality: String
  /// The encoder's canonical name and the pinned sha256 of its weights file.
  public var encoder: String
  public var encoderSHA256: String
  /// Values per token.
  public var dim: Int
  /// Tokens per transcript at most, [CLS] and [SEP] included.
  public var maxLength: Int
  /// `token`: one row per token (the last hidden state), special tokens kept.
  public var level: String
  /// The label table as given on the command line (for messages) and the sha256 of its bytes.
  public var labelTable: String
  public var labelTableSHA256: String
  /// The table whose transcripts filled empty ones, if any.
  public var textFrom: String?
  public var textFromSHA256: String?
  /// `--limit`: only the first clips of the table were encoded.
  public var limit: Int?
  /// Clips per shard.
  public var chunkSize: Int
  public var complete: Bool
  public var shards: [Shard]

  public init(
    modality: String = "text", encoder: String, encoderSHA256: String, dim: Int, maxLength: Int,
    level: String = "token", labelTable: String, labelTableSHA256: String, textFrom: String? = nil,
    textFromSHA256: String? = nil, limit: Int? = nil, chunkSize: Int, complete: Bool = false, shards: [Shard]
  ) {
    self.modality = modality
    self.encoder = encoder
    self.encoderSHA256 = encoderSHA256
    self.dim = dim
    self.maxLength = maxLength
    self.level = level
    self.labelTable = labelTable
    self.labelTableSHA256 = labelTableSHA256
    self.textFrom = textFrom
    self.textFromSHA256 = textFromSHA256
    self.limit = limit
    self.chunkSize = chunkSize
    self.complete = complete
    self.shards = shards
  }

  /// Clips over all shards.
  public var count: Int { shards.reduce(0) { $0 + $1.ids.count } }

  /// Tokens over all shards, once every shard is written.
  public var tokens: Int? {
    shards.reduce(0 as Int?) { total, shard in total.flatMap { t in shard.tokens.map { t + $0 } } }
  }

  // MARK: - JSON

  public var json: JSONValue {
    func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
    let shardValues: [JSONValue] = shards.map { shard in
      .object([
        ("file", .string(shard.file)), ("split", .string(shard.split)), ("count", .int(shard.ids.count)),
        ("tokens", shard.tokens.map(JSONValue.int) ?? .null), ("sha256", optional(shard.sha256)),
        ("ids", .array(shard.ids.map(JSONValue.string))),
      ])
    }
    return .object([
      ("format", .string(Self.format)), ("version", .int(Self.version)), ("modality", .string(modality)),
      ("encoder", .string(encoder)), ("encoder_sha256", .string(encoderSHA256)), ("dim", .int(dim)),
      ("max_length", .int(maxLength)), ("level", .string(level)), ("label_table", .string(labelTable)),
      ("label_table_sha256", .string(labelTableSHA256)), ("text_from", optional(textFrom)),
      ("text_from_sha256", optional(textFromSHA256)), ("limit", limit.map(JSONValue.int) ?? .null),
      ("chunk_size", .int(chunkSize)), ("count", .int(count)), ("tokens", tokens.map(JSONValue.int) ?? .null),
      ("complete", .bool(complete)), ("shards", .array(shardValues)),
    ])
  }

  /// Parses a manifest; `origin` (its path) names it in errors.
  /// - Throws: `DataError` naming the file and the field that is missing or of the wrong kind, or a
  ///   format or version this build does not read.
  public init(json: JSONValue, origin: String) throws {
    // Each reads `key` of `object` (default the manifest); `at` names the object in messages.
    func field(_ key: String, _ object: JSONValue?, _ at: String) throws -> JSONValue {
      guard let value = (object ?? json)[key] else { throw DataError("\(origin): no field \(at)\(key)") }
      return value
    }
    func string(_ key: String, in object: JSONValue? = nil, at: String = "") throws -> String {
      guard let s = try field(key, object, at).stringValue else {
        throw DataError("\(origin): \(at)\(key) is not a string")
      }
      return s
    }
    func int(_ key: String, in object: JSONValue? = nil, at: String = "") throws -> Int {
      guard let n = try field(key, object, at).intValue else {
        throw DataError("\(origin): \(at)\(key) is not an integer")
      }
      return n
    }
    func optionalInt(_ key: String, in object: JSONValue? = nil, at: String = "") throws -> Int? {
      ((object ?? json)[key] ?? .null).isNull ? nil : try int(key, in: object, at: at)
    }
    func optionalString(_ key: String, in object: JSONValue? = nil, at: String = "") throws -> String? {
      ((object ?? json)[key] ?? .null).isNull ? nil : try string(key, in: object, at: at)
    }
    guard json.objectPairs != nil else { throw DataError("\(origin): a manifest is a JSON object") }
    let format = try string("format")
    guard format == Self.format else {
      throw DataError("\(origin): format is \(format), not \(Self.format); not a feature cache manifest")
    }
    let version = try int("version")
    guard version == Self.version else {
      throw DataError("\(origin): version \(version); this mmolre reads feature cache version \(Self.version)")
    }
    modality = try string("modality")
    encoder = try string("encoder")
    encoderSHA256 = try string("encoder_sha256")
    dim = try int("dim")
    maxLength = try int("max_length")
    level = try string("level")
    labelTable = try string("label_table")
    labelTableSHA256 = try string("label_table_sha256")
    textFrom = try optionalString("text_from")
    textFromSHA256 = try optionalString("text_from_sha256")
    limit = try optionalInt("limit")
    chunkSize = try int("chunk_size")
    guard let complete = try field("complete", nil, "").boolValue else {
      throw DataError("\(origin): complete is not true or false")
    }
    self.complete = complete
    guard dim > 0 else { throw DataError("\(origin): dim \(dim) is not positive") }
    guard let items = try field("shards", nil, "").arrayValue else {
      throw DataError("\(origin): shards is not a list")
    }
    shards = try items.enumerated().map { k, item in
      let at = "shards[\(k)]."
      guard let ids = item["ids"]?.arrayValue else { throw DataError("\(origin): \(at)ids is not a list") }
      return Shard(
        file: try string("file", in: item, at: at), split: try string("split", in: item, at: at),
        ids: try ids.map { id in
          guard let s = id.stringValue else { throw DataError("\(origin): \(at)ids holds a non-string") }
          return s
        },
        tokens: try optionalInt("tokens", in: item, at: at), sha256: try optionalString("sha256", in: item, at: at))
    }
  }

  /// Reads `folder/manifest.json`.
  /// - Throws: `DataError` naming the file when it is absent, not JSON or not a manifest.
  public static func read(folder: String) throws -> (manifest: FeatureCacheManifest, bytes: [UInt8]) {
    let path = folder + "/" + fileName
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DataError("\(path): not found; a feature cache folder holds \(fileName)")
    }
    let bytes = [UInt8](data)
    let json: JSONValue
    do {
      json = try JSONValue(parsing: bytes)
    } catch {
      throw DataError("\(path): not JSON (\(error))")
    }
    return (try FeatureCacheManifest(json: json, origin: path), bytes)
  }

  /// The bytes `write(folder:)` writes (pretty JSON and a newline).
  public var bytes: [UInt8] { Array((json.pretty + "\n").utf8) }

  /// Writes `folder/manifest.json` atomically.
  public func write(folder: String) throws {
    try AtomicFile.write(bytes, to: folder + "/" + Self.fileName)
  }

  /// The settings the features depend on.
  public var settings: FeatureCacheSettings {
    FeatureCacheSettings(
      modality: modality, encoder: encoder, encoderSHA256: encoderSHA256, dim: dim, maxLength: maxLength, level: level,
      labelTableSHA256: labelTableSHA256, textFromSHA256: textFromSHA256)
  }
}
