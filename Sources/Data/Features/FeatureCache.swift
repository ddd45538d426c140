// A feature cache folder: per-clip token features `[T_i, dim]` float32 in safetensors shards, one
// tensor per clip named by its clip id (`video$_$clip`; safetensors names are any JSON string), and a
// `manifest.json` (`FeatureCacheManifest`) naming the shards, their clip ids and sha256. Shards hold
// runs of one split's clips in table order, so reading a split walks its shards in order and a lazy
// lookup keeps one decoded shard in memory (MOSEI's 22856 clips are about 1 GB of floats; the
// splits are built without a second full copy). Each shard is checked against its sha256 when read,
// unless `.verified.json` (written by the extraction: size, inode and modification time of each shard
// as it was hashed, see `VerificationStamp`) shows the file unchanged since: hashing MOSEI's 860 MB
// would add about 4 s to every run that reads it.
//
// Layout:
//   manifest.json
//   train-00000.safetensors   {"<clip id>": F32 [T, dim], ..., "__metadata__": {"split": "train"}}
//   ...  valid-00000.safetensors ... test-00000.safetensors ...
import Foundation

/// A finished feature cache, opened for reading.
///
/// ```swift
/// let cache = try FeatureCache.open(folder: "cache/mosi_minilm")
/// try cache.check(settings, fix: "mmolre features extract ...")
/// let splits = try table.splits(source: "mosi", features: [cache.clipFeatures()])
/// ```
public struct FeatureCache: Sendable {
  public let folder: String
  public let manifest: FeatureCacheManifest
  /// sha256 of `manifest.json`'s bytes: the cache's fingerprint (it names every shard's sha256).
  public let fingerprint: String
  /// Shards seen with their hash, and their file signature at that moment.
  let stamp: VerificationStamp

  /// Reads the manifest of a finished cache.
  /// - Throws: `DataError` naming the manifest when it is absent or malformed, or when the extraction
  ///   that writes it has not finished (rerunning the same command finishes it).
  public static func open(folder: String) throws -> FeatureCache {
    let (manifest, bytes) = try FeatureCacheManifest.read(folder: folder)
    guard manifest.complete else {
      let done = manifest.shards.filter { FileManager.default.fileExists(atPath: folder + "/" + $0.file) }.count
      throw DataError(
        "\(folder)/\(FeatureCacheManifest.fileName): the extraction that writes this cache has not finished "
          + "(\(done) of \(manifest.shards.count) shards); run the same `mmolre features extract` command again "
          + "to complete it")
    }
    return FeatureCache(
      folder: folder, manifest: manifest, fingerprint: SHA256.hex(bytes), stamp: VerificationStamp(folder: folder))
  }

  /// Checks that the cache was made with `wanted`.
  /// - Parameter fix: what to run to rebuild it, appended to the message.
  /// - Throws: `DataError` naming the manifest, the field that differs and both values.
  public func check(_ wanted: FeatureCacheSettings, fix: String) throws {
    guard let (field, have, want) = manifest.settings.mismatch(with: wanted) else { return }
    throw DataError(
      "\(folder)/\(FeatureCacheManifest.fileName): \(field) is \(have) in this cache but \(want) is asked for; "
        + "the cache was made with other settings or for another table. \(fix)")
  }

  // MARK: - Reading

  /// Every clip's features, `[T_i * dim]` row-major by clip id.
  /// - Throws: `DataError` naming the shard that is missing, damaged or changed since extraction.
  public func readAll() throws -> [String: [Float]] {
    var out: [String: [Float]] = [:]
    out.reserveCapacity(manifest.count)
    for shard in manifest.shards {
      for (id, frames) in try readShard(shard) { out[id] = frames }
    }
    return out
  }

  /// A lookup by clip id for `LabelTable.splits`, reading one shard at a time (the shard of the clip
  /// asked for, kept until a clip of another shard is asked for). A clip the cache lacks gives nil.
  public func clipFeatures() -> ClipFeatures {
    let cursor = ShardCursor(cache: self)
    return ClipFeatures(modality: manifest.modality, dim: manifest.dim) { try cursor.frames(of: $0) }
  }

  /// The features of one shard, by clip id, after checking its sha256 (unless the extraction's stamp
  /// shows the file unchanged since it was hashed), that it holds exactly the manifest's ids, and that
  /// each is F32 `[T, dim]` with 1 <= T <= max_length.
  /// - Throws: `DataError` naming the shard that is missing, damaged or changed since extraction.
  public func readShard(_ shard: FeatureCacheManifest.Shard) throws -> [String: [Float]] {
    let path = folder + "/" + shard.file
    let signature = VerificationStamp.signature(of: path)
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DataError("\(path): shard not found (listed in \(FeatureCacheManifest.fileName))")
    }
    let bytes = [UInt8](data)
    if let expected = shard.sha256, signature.flatMap({ stamp.hash(of: shard.file, signature: $0) }) != expected,
      SHA256.hex(bytes) != expected
    {
      throw DataError(
        "\(path): sha256 differs from \(FeatureCacheManifest.fileName); the shard changed after extraction")
    }
    return try Self.decode(bytes, origin: path, ids: shard.ids, dim: manifest.dim, maxLength: manifest.maxLength)
  }

  /// Records each shard's hash with its file's signature in `.verified.json`, so that reads need not
  /// hash it again while it stays unchanged.
  static func stampShards(of manifest: FeatureCacheManifest, folder: String) {
    var stamp = VerificationStamp(folder: folder)
    for shard in manifest.shards {
      if let hash = shard.sha256, let signature = VerificationStamp.signature(of: folder + "/" + shard.file) {
        stamp.record(shard.file, hash: hash, signature: signature)
      }
    }
    stamp.save()
  }

  /// Parses shard bytes into features by clip id; see `readShard`.
  static func decode(_ bytes: [UInt8], origin: String, ids: [String], dim: Int, maxLength: Int) throws
    -> [String: [Float]]
  {
    let file: SafetensorsFile
    do {
      file = try SafetensorsFile(bytes: bytes, origin: origin)
    } catch let error as SafetensorsError {
      throw DataError(error.message)
    }
    if file.tensors.count != ids.count {
      throw DataError("\(origin): holds \(file.tensors.count) clips, the manifest lists \(ids.count)")
    }
    var out: [String: [Float]] = [:]
    out.reserveCapacity(ids.count)
    for id in ids {
      guard let tensor = file.tensors[id] else { throw DataError("\(origin): no tensor for clip \(id)") }
      guard tensor.dtype == .f32, tensor.shape.count == 2, tensor.shape[1] == dim,
        (1...maxLength).contains(tensor.shape[0])
      else {
        throw DataError(
          "\(origin): clip \(id) is \(tensor.dtype.rawValue) \(tensor.shape), expected F32 [1...\(maxLength), \(dim)]")
      }
      out[id] = floats(tensor.bytes)
    }
    return out
  }

  /// Little-endian float32 bytes as floats (one copy).
  static func floats(_ bytes: [UInt8]) -> [Float] {
    let count = bytes.count / 4
    return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      bytes.withUnsafeBytes { raw in
        for i in 0..<count {
          buffer[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
        }
      }
      initialized = count
    }
  }

  // MARK: - Writing

  /// Writes one shard atomically (a temporary file renamed into place, so it is whole or absent) and
  /// returns its sha256 and token count.
  /// - Precondition: one feature array per id, each whole rows of `dim`.
  public static func writeShard(
    _ shard: FeatureCacheManifest.Shard, features: [[Float]], dim: Int, folder: String
  ) throws -> (sha256: String, tokens: Int) {
    precondition(features.count == shard.ids.count, "one feature array per clip")
    var file = SafetensorsFile(metadata: ["split": shard.split, "format": FeatureCacheManifest.format])
    var tokens = 0
    for (id, frames) in zip(shard.ids, features) {
      precondition(frames.count % dim == 0 && !frames.isEmpty, "clip \(id): \(frames.count) values for dim \(dim)")
      tokens += frames.count / dim
      file.tensors[id] = SafetensorsTensor(shape: [frames.count / dim, dim], values: frames, dtype: .f32)
    }
    let bytes = file.serialized()
    try AtomicFile.write(bytes, to: folder + "/" + shard.file)
    return (SHA256.hex(bytes), tokens)
  }

  /// The shard file name of chunk `index` of `split`.
  public static func shardFileName(split: String, index: Int) -> String {
    let number = String(index)
    return "\(split)-\(String(repeating: "0", count: max(0, 5 - number.count)))\(number).safetensors"
  }

  /// Whether a file name is one this cache writes (manifest, shards, or a temporary file of either).
  static func isOwnFile(_ name: String) -> Bool {
    if name == FeatureCacheManifest.fileName || name.hasPrefix(".") { return true }
    guard name.hasSuffix(".safetensors"), let dash = name.lastIndex(of: "-") else { return false }
    return DataConventions.splits.contains(String(name[..<dash]))
  }
}

/// The shard a lazy lookup has decoded, replaced when a clip of another shard is asked for.
private final class ShardCursor {
  let cache: FeatureCache
  /// Clip id -> index into `cache.manifest.shards`.
  let shardOf: [String: Int]
  var current: Int?
  var frames: [String: [Float]] = [:]

  init(cache: FeatureCache) {
    self.cache = cache
    var index: [String: Int] = [:]
    for (k, shard) in cache.manifest.shards.enumerated() {
      for id in shard.ids { index[id] = k }
    }
    shardOf = index
  }

  func frames(of id: String) throws -> [Float]? {
    guard let k = shardOf[id] else { return nil }
    if current != k {
      frames = [:]  // release the previous shard before decoding the next
      frames = try cache.readShard(cache.manifest.shards[k])
      current = k
    }
    return frames[id]
  }
}
