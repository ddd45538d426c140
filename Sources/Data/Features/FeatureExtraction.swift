// Building a feature cache from a label table (the reference's `mmolre features extract`, cff5b35
// `features/extract.py`, for the text modality): each clip's transcript, normalised as the reference
// does (`str(text).strip()`; an empty one filled from `textFrom` by clip id, else encoded as the empty
// string, i.e. [CLS] [SEP]), is tokenised and truncated to `maxLength` tokens ([CLS] and [SEP] kept),
// encoded by a frozen encoder into its per-token last hidden states, and written to the cache.
//
// Resumable: the clips of each split, in table order, are cut into chunks of `chunkSize`; each chunk
// is one shard, written atomically. The manifest is written (incomplete) before the first shard, so a
// rerun first checks that it asks for the same encoder, max_length and table (else it stops, naming
// the field); it then keeps every shard that is whole and holds the chunk's clips and encodes only the
// others. The chunks are fixed by the table, and each is computed the same way, so an interrupted and
// restarted extraction writes the same cache as an uninterrupted one.
import Foundation

/// One `mmolre features extract` job.
public struct FeatureExtraction {
  /// The frozen encoder: its identity (recorded in the manifest) and a function from token id
  /// sequences to per-token features (`[T_i * dim]` each, in input order).
  public struct Encoder {
    public var name: String
    public var modelSHA256: String
    public var dim: Int
    public var encode: ([[Int32]]) throws -> [[Float]]

    public init(name: String, modelSHA256: String, dim: Int, encode: @escaping ([[Int32]]) throws -> [[Float]]) {
      self.name = name
      self.modelSHA256 = modelSHA256
      self.dim = dim
      self.encode = encode
    }
  }

  /// Told after each shard, encoded or kept; throwing from it stops the extraction (the shards
  /// written so far stay, so a rerun continues).
  public struct Progress: Sendable {
    public var shard: String
    /// Whether this shard was encoded now (false: kept from an earlier run).
    public var encoded: Bool
    public var clipsDone: Int
    public var clipsTotal: Int
    /// Clips encoded in this run so far and the seconds their tokenising and encoding took.
    public var clipsEncoded: Int
    public var encodeSeconds: Double
  }

  /// What an extraction did.
  public struct Report: Sendable {
    public var folder: String
    public var clips: Int
    public var clipsPerSplit: [String: Int]
    /// Clips encoded now and clips kept from shards of an earlier run.
    public var encoded: Int
    public var reused: Int
    public var tokens: Int
    /// Seconds spent tokenising and encoding (model loading and writing excluded), and in all.
    public var encodeSeconds: Double
    public var seconds: Double
    /// What reading the tables changed (filled transcripts, empty ones).
    public var notes: [String]

    public var tokensPerClip: Double { clips > 0 ? Double(tokens) / Double(clips) : 0 }
    /// Clips encoded per second of encoding (0 when nothing was encoded).
    public var clipsPerSecond: Double { encodeSeconds > 0 ? Double(encoded) / encodeSeconds : 0 }
  }

  public var tablePath: String
  /// A label table whose transcripts fill this table's empty ones (MOSI: UniMSE's `MOSI-label.csv`).
  public var textFromPath: String?
  public var folder: String
  public var maxLength: Int
  public var chunkSize: Int
  /// Only the first `limit` clips of the table (in table order).
  public var limit: Int?
  /// Replace a cache made with other settings instead of stopping.
  public var overwrite: Bool

  public init(
    tablePath: String, textFromPath: String? = nil, folder: String, maxLength: Int = 64, chunkSize: Int = 256,
    limit: Int? = nil, overwrite: Bool = false
  ) {
    self.tablePath = tablePath
    self.textFromPath = textFromPath
    self.folder = folder
    self.maxLength = maxLength
    self.chunkSize = chunkSize
    self.limit = limit
    self.overwrite = overwrite
  }

  /// The transcripts to encode, by clip id, and the table's notes.
  public func transcripts() throws -> (table: LabelTable, texts: [String: String]) {
    var table = try LabelTable.load(path: tablePath)
    if let textFromPath {
      table = table.fillingEmptyTexts(
        from: try LabelTable.load(path: textFromPath, requireSplits: [], dropUnsplit: false))
    }
    if let limit { table.rows = Array(table.rows.prefix(max(0, limit))) }
    var texts: [String: String] = [:]
    for row in table.rows { texts[row.id] = Self.normalized(row.text) }
    return (table, texts)
  }

  /// A transcript as the reference encodes it: surrounding whitespace removed.
  public static func normalized(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

  /// The shards of `table`: per split (train, valid, test), its clips in table order cut into chunks.
  public static func plan(_ table: LabelTable, chunkSize: Int) -> [FeatureCacheManifest.Shard] {
    var shards: [FeatureCacheManifest.Shard] = []
    for split in DataConventions.splits {
      let ids = table.rows.filter { $0.mode == split }.map(\.id)
      for (k, start) in stride(from: 0, to: ids.count, by: chunkSize).enumerated() {
        shards.append(
          FeatureCacheManifest.Shard(
            file: FeatureCache.shardFileName(split: split, index: k), split: split,
            ids: Array(ids[start..<min(start + chunkSize, ids.count)])))
      }
    }
    return shards
  }

  /// The settings a cache for this table and `encoder` has.
  public func settings(encoder: String, encoderSHA256: String, dim: Int?) throws -> FeatureCacheSettings {
    FeatureCacheSettings(
      encoder: encoder, encoderSHA256: encoderSHA256, dim: dim, maxLength: maxLength,
      labelTableSHA256: try Self.fileSHA256(tablePath), textFromSHA256: try textFromPath.map(Self.fileSHA256))
  }

  /// sha256 of a file's bytes.
  /// - Throws: `DataError` naming the file when it cannot be read.
  public static func fileSHA256(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DataError("\(path): file not found or not readable")
    }
    return data.withUnsafeBytes { SHA256.hex($0.bindMemory(to: UInt8.self)) }
  }

  /// Encodes the clips that no finished shard holds and writes the cache.
  /// - Throws: `DataError` for a bad table, a folder that holds other files, or a cache made with other
  ///   settings (naming the field; `overwrite` replaces it instead); whatever `encoder` or `onShard` throw.
  public func run(
    tokenizer: WordPieceTokenizer, encoder: Encoder, onShard: (Progress) throws -> Void = { _ in }
  ) throws -> Report {
    precondition(chunkSize > 0 && maxLength >= 2, "chunkSize > 0 and maxLength >= 2")
    let started = DispatchTime.now().uptimeNanoseconds
    var (table, texts) = try transcripts()
    let settings = try settings(encoder: encoder.name, encoderSHA256: encoder.modelSHA256, dim: encoder.dim)
    _ = try existingManifest(wanted: settings)  // a file in the way, or other settings: stop before locking
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let lock = try FolderLock(folder: folder)
    defer { lock.release() }
    var manifest = FeatureCacheManifest(
      encoder: encoder.name, encoderSHA256: encoder.modelSHA256, dim: encoder.dim, maxLength: maxLength,
      labelTable: tablePath, labelTableSHA256: settings.labelTableSHA256, textFrom: textFromPath,
      textFromSHA256: settings.textFromSHA256, limit: limit, chunkSize: chunkSize,
      shards: Self.plan(table, chunkSize: chunkSize))
    let previous = try prepareFolder(wanted: settings)
    try manifest.write(folder: folder)

    let empty = table.rows.filter { texts[$0.id]!.isEmpty }.map(\.id)
    if !empty.isEmpty {
      table.notes.append(
        "\(tablePath): \(empty.count) clips have an empty transcript and are encoded as [CLS] [SEP] "
          + "(\(DataConventions.listed(empty)))")
    }
    var report = Report(
      folder: folder, clips: manifest.count,
      clipsPerSplit: table.rows.reduce(into: [:]) { $0[$1.mode, default: 0] += 1 },
      encoded: 0, reused: 0, tokens: 0, encodeSeconds: 0, seconds: 0, notes: table.notes)
    for k in manifest.shards.indices {
      var shard = manifest.shards[k]
      let kept = keptShard(shard, previous: previous)
      if let kept {
        shard.sha256 = kept.sha256
        shard.tokens = kept.tokens
        report.reused += shard.ids.count
      } else {
        let start = DispatchTime.now().uptimeNanoseconds
        let tokens = shard.ids.map { id in tokenizer.encode(texts[id]!, maxLength: maxLength).map { Int32($0) } }
        let features = try encoder.encode(tokens)
        report.encodeSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        try Self.checkShape(features, tokens: tokens, dim: encoder.dim, ids: shard.ids)
        (shard.sha256, shard.tokens) = try FeatureCache.writeShard(
          shard, features: features, dim: encoder.dim, folder: folder)
        report.encoded += shard.ids.count
      }
      manifest.shards[k] = shard
      report.tokens += shard.tokens ?? 0
      try onShard(
        Progress(
          shard: shard.file, encoded: kept == nil, clipsDone: report.encoded + report.reused,
          clipsTotal: manifest.count,
          clipsEncoded: report.encoded, encodeSeconds: report.encodeSeconds))
    }
    removeStaleShards(keeping: Set(manifest.shards.map(\.file)))
    FeatureCache.stampShards(of: manifest, folder: folder)
    manifest.complete = true
    try manifest.write(folder: folder)  // last: a complete manifest marks a finished cache
    report.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    return report
  }

  /// The encoder must give `tokens * dim` values per clip.
  static func checkShape(_ features: [[Float]], tokens: [[Int32]], dim: Int, ids: [String]) throws {
    guard features.count == tokens.count else {
      throw DataError("the encoder returned \(features.count) sequences for \(tokens.count) clips")
    }
    for i in features.indices where features[i].count != tokens[i].count * dim {
      throw DataError(
        "the encoder returned \(features[i].count) values for clip \(ids[i]) of \(tokens[i].count) tokens x \(dim)")
    }
  }

  /// Checks `folder` before the encoder is loaded: it must not hold other files, nor (unless
  /// `overwrite`) a cache made with other settings than `encoder` and this table.
  /// - Throws: `DataError` naming the folder or the manifest and the field that differs.
  public func checkFolder(encoder: String, encoderSHA256: String) throws {
    _ = try existingManifest(wanted: settings(encoder: encoder, encoderSHA256: encoderSHA256, dim: nil))
  }

  /// The manifest of an earlier run in `folder` when it is to be continued; nil when there is none or
  /// `overwrite` discards it.
  private func existingManifest(wanted: FeatureCacheSettings) throws -> FeatureCacheManifest? {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else { return nil }
    guard isDirectory.boolValue else { throw DataError("\(folder): exists and is not a folder") }
    let entries = try FileManager.default.contentsOfDirectory(atPath: folder)
    let foreign = entries.filter { !FeatureCache.isOwnFile($0) }.sorted()
    if !foreign.isEmpty {
      throw DataError(
        "\(folder): the folder holds other files than a feature cache (\(DataConventions.listed(foreign))); "
          + "choose another --out")
    }
    guard entries.contains(FeatureCacheManifest.fileName), !overwrite else { return nil }
    let previous = try FeatureCacheManifest.read(folder: folder).manifest
    if let (field, have, want) = previous.settings.mismatch(with: wanted) {
      throw DataError(
        "\(folder)/\(FeatureCacheManifest.fileName): \(field) is \(have) in this cache but \(want) is asked for; "
          + "pass --overwrite to replace it, or choose another --out")
    }
    return previous
  }

  /// Checks the folder (see `existingManifest`), creates it or, with `overwrite`, removes its shards;
  /// returns the manifest of an earlier run to continue.
  private func prepareFolder(wanted: FeatureCacheSettings) throws -> FeatureCacheManifest? {
    let previous = try existingManifest(wanted: wanted)
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    // A killed run may leave the temporary file of the shard it was writing.
    for name in try FileManager.default.contentsOfDirectory(atPath: folder)
    where name.hasPrefix(".") && name.hasSuffix(".partial") {
      try? FileManager.default.removeItem(atPath: folder + "/" + name)
    }
    if overwrite {
      for name in try FileManager.default.contentsOfDirectory(atPath: folder)
      where FeatureCache.isOwnFile(name) && !name.hasPrefix(".") {
        try FileManager.default.removeItem(atPath: folder + "/" + name)
      }
    }
    return previous
  }

  /// The sha256 and token count of a shard an earlier run wrote for the same clips, when its file is
  /// whole (it reads, and matches the earlier manifest's sha256 when that was recorded); else nil.
  private func keptShard(_ shard: FeatureCacheManifest.Shard, previous: FeatureCacheManifest?) -> (
    sha256: String, tokens: Int
  )? {
    guard let previous, let data = FileManager.default.contents(atPath: folder + "/" + shard.file) else { return nil }
    let bytes = [UInt8](data)
    let sha = SHA256.hex(bytes)
    let recorded = previous.shards.first { $0.file == shard.file }
    if let expected = recorded?.sha256, expected != sha { return nil }
    guard
      let frames = try? FeatureCache.decode(
        bytes, origin: shard.file, ids: shard.ids, dim: previous.dim, maxLength: previous.maxLength)
    else { return nil }
    return (sha, frames.values.reduce(0) { $0 + $1.count } / previous.dim)
  }

  /// Removes shard files of an earlier run that the plan no longer has (another --limit or chunk size).
  private func removeStaleShards(keeping names: Set<String>) {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
    for name in entries where name.hasSuffix(".safetensors") && !names.contains(name) && FeatureCache.isOwnFile(name) {
      try? FileManager.default.removeItem(atPath: folder + "/" + name)
    }
  }
}

/// An exclusive `flock` on `folder/.lock` for the length of an extraction, so that two extractions into
/// one folder stop at once instead of writing the same shards side by side. The kernel drops the lock
/// when the process dies, so a killed run never leaves the folder locked.
private struct FolderLock {
  let descriptor: Int32

  init(folder: String) throws {
    let path = folder + "/.lock"
    descriptor = open(path, O_CREAT | O_RDWR, 0o644)
    guard descriptor >= 0 else { throw DataError("\(path): cannot open the lock file") }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      close(descriptor)
      throw DataError("\(folder): another mmolre features extract is writing this cache; wait for it to finish")
    }
  }

  func release() {
    flock(descriptor, LOCK_UN)
    close(descriptor)
  }
}
