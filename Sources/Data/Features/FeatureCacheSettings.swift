// The settings a cache's features depend on, as a run or an extraction asks for them, and the check
// that a cache on disk was made with them: a cache made with another encoder, max_length or label
// table is refused with the field that differs, never silently reused.

/// What a feature cache must have been made with.
public struct FeatureCacheSettings: Sendable, Equatable {
  public var modality: String
  /// The encoder's canonical name and the pinned sha256 of its weights.
  public var encoder: String
  public var encoderSHA256: String
  /// Values per token; nil when the asker does not know it (a run that has not loaded the encoder).
  public var dim: Int?
  public var maxLength: Int
  public var level: String
  /// sha256 of the label table's bytes, and of the table that filled its empty transcripts (if any).
  public var labelTableSHA256: String
  public var textFromSHA256: String?

  public init(
    modality: String = "text", encoder: String, encoderSHA256: String, dim: Int? = nil, maxLength: Int,
    level: String = "token", labelTableSHA256: String, textFromSHA256: String? = nil
  ) {
    self.modality = modality
    self.encoder = encoder
    self.encoderSHA256 = encoderSHA256
    self.dim = dim
    self.maxLength = maxLength
    self.level = level
    self.labelTableSHA256 = labelTableSHA256
    self.textFromSHA256 = textFromSHA256
  }

  /// The first field in which a cache made with `self` differs from `wanted`, as (manifest key,
  /// this value, wanted value); nil when they agree. Paths are not compared, only hashes: the same
  /// table under another path is the same table.
  public func mismatch(with wanted: FeatureCacheSettings) -> (field: String, cache: String, wanted: String)? {
    func text(_ s: String?) -> String { s ?? "none" }
    var checks: [(String, String, String)] = [
      ("modality", modality, wanted.modality),
      ("encoder", encoder, wanted.encoder),
      ("encoder_sha256", encoderSHA256, wanted.encoderSHA256),
      ("max_length", String(maxLength), String(wanted.maxLength)),
      ("level", level, wanted.level),
      ("label_table_sha256", labelTableSHA256, wanted.labelTableSHA256),
      ("text_from_sha256", text(textFromSHA256), text(wanted.textFromSHA256)),
    ]
    if let have = dim, let want = wanted.dim { checks.insert(("dim", String(have), String(want)), at: 3) }
    return checks.first { $0.1 != $0.2 }.map { (field: $0.0, cache: $0.1, wanted: $0.2) }
  }
}
