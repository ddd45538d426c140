import Data
import Foundation
import Testing

/// The feature cache and its resumable extraction, with a tiny vocabulary and a fake encoder whose
/// output is known by hand: token j of a clip of n tokens with id t gives the frame [t, j, n].
@Suite struct FeatureCacheTests {
  static let pieces = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",  // 0-4
    "good", "bad", "movie", "very", "not",  // 5-9
  ]

  /// Ten clips: train 5, valid 2, test 3 (rows interleaved, as in MMSA's tables); one empty transcript.
  static let table = """
    video_id,clip_id,text,label,annotation,mode
    v1,1,very good movie,2.0,Positive,train
    v1,2,bad,-1.0,Negative,valid
    v2,1, not good ,-0.5,Negative,train
    v2,2,,0.0,Neutral,test
    v3,1,movie,0.2,Positive,train
    v3,2,very very bad movie,-2.5,Negative,test
    v4,1,good good,1.0,Positive,train
    v4,2,not bad,0.4,Positive,valid
    v5,1,very,0.0,Neutral,train
    v5,2,good movie,1.6,Positive,test

    """

  /// Counts the clips it encodes.
  final class FakeEncoder: @unchecked Sendable {
    var clips = 0
    var encoder: FeatureExtraction.Encoder {
      FeatureExtraction.Encoder(name: "fake", modelSHA256: "f00d", dim: 3) { tokens in
        self.clips += tokens.count
        return tokens.map { ids in ids.enumerated().flatMap { j, t in [Float(t), Float(j), Float(ids.count)] } }
      }
    }
  }

  static func tokenizer() throws -> WordPieceTokenizer {
    try WordPieceTokenizer(vocabulary: WordPieceVocabulary(tokens: pieces))
  }

  static func job(_ folder: String, table: String, maxLength: Int = 8, chunkSize: Int = 2) -> FeatureExtraction {
    FeatureExtraction(tablePath: table, folder: folder + "/cache", maxLength: maxLength, chunkSize: chunkSize)
  }

  struct Stop: Error {}

  @Test func extractionWritesTokenFeaturesPerClip() throws {
    let folder = try TestFiles.scratch()
    let table = try TestFiles.write(Self.table, to: "label.csv", in: folder)
    let fake = FakeEncoder()
    let report = try Self.job(folder, table: table).run(tokenizer: Self.tokenizer(), encoder: fake.encoder)
    #expect(report.clips == 10 && report.encoded == 10 && report.reused == 0 && fake.clips == 10)
    #expect(report.clipsPerSplit == ["train": 5, "valid": 2, "test": 3])
    // Tokens by hand in table order: 5+3+4+2+3+6+4+4+3+4 ([CLS] and [SEP] on each; the empty one is
    // [CLS] [SEP]).
    #expect(report.tokens == 38)
    #expect(report.notes.contains { $0.contains("1 clips have an empty transcript") && $0.contains("v2$_$2") })

    let cache = try FeatureCache.open(folder: folder + "/cache")
    let manifest = cache.manifest
    #expect(manifest.complete && manifest.count == 10 && manifest.dim == 3 && manifest.maxLength == 8)
    #expect(manifest.encoder == "fake" && manifest.encoderSHA256 == "f00d" && manifest.level == "token")
    // Shards of 2 per split in table order: train 2+2+1, valid 2, test 2+1.
    #expect(
      manifest.shards.map(\.file) == [
        "train-00000.safetensors", "train-00001.safetensors", "train-00002.safetensors", "valid-00000.safetensors",
        "test-00000.safetensors", "test-00001.safetensors",
      ])
    #expect(manifest.shards[1].ids == ["v3$_$1", "v4$_$1"])
    #expect(manifest.labelTableSHA256 == SHA256.hex(Array(Self.table.utf8)))

    let all = try cache.readAll()
    #expect(all.count == 10)
    // "very good movie" -> [CLS] very good movie [SEP] = 2 8 5 7 3.
    #expect(all["v1$_$1"] == [2, 0, 5, 8, 1, 5, 5, 2, 5, 7, 3, 5, 3, 4, 5])
    // " not good " is stripped; the empty transcript is [CLS] [SEP].
    #expect(all["v2$_$1"] == [2, 0, 4, 9, 1, 4, 5, 2, 4, 3, 3, 4])
    #expect(all["v2$_$2"] == [2, 0, 2, 3, 1, 2])

    let lookup = cache.clipFeatures()
    #expect(lookup.modality == "text" && lookup.dim == 3)
    #expect(try lookup.lookup("v5$_$2") == all["v5$_$2"])
    #expect(try lookup.lookup("v1$_$1") == all["v1$_$1"])
    #expect(try lookup.lookup("nope$_$1") == nil)
    let splits = try LabelTable.load(path: table).splits(source: "toy", features: [lookup])
    #expect(splits["train"]!.features["text"]!.offsets == [0, 5, 9, 12, 16, 19])
    #expect(Array(splits["test"]!.features["text"]!.frames(2)) == all["v5$_$2"]!)
  }

  @Test func longTranscriptsAreTruncatedKeepingClassAndSeparator() throws {
    let folder = try TestFiles.scratch()
    let table = try TestFiles.write(Self.table, to: "label.csv", in: folder)
    _ = try Self.job(folder, table: table, maxLength: 4).run(
      tokenizer: Self.tokenizer(), encoder: FakeEncoder().encoder)
    let all = try FeatureCache.open(folder: folder + "/cache").readAll()
    // very very bad movie -> [CLS] very very [SEP]
    #expect(all["v3$_$2"] == [2, 0, 4, 8, 1, 4, 8, 2, 4, 3, 3, 4])
  }

  @Test func emptyTranscriptsAreFilledFromAnotherTable() throws {
    let folder = try TestFiles.scratch()
    let table = try TestFiles.write(Self.table, to: "label.csv", in: folder)
    let other = try TestFiles.write(
      "video_id,clip_id,text,label,mode\nv2,2,bad movie,0.0,test\nv1,1,not this one,2.0,train\n", to: "other.csv",
      in: folder)
    var job = Self.job(folder, table: table)
    job.textFromPath = other
    _ = try job.run(tokenizer: Self.tokenizer(), encoder: FakeEncoder().encoder)
    let cache = try FeatureCache.open(folder: folder + "/cache")
    let all = try cache.readAll()
    #expect(all["v2$_$2"] == [2, 0, 4, 6, 1, 4, 7, 2, 4, 3, 3, 4])
    #expect(all["v1$_$1"]!.count == 15)  // non-empty transcripts stay
    #expect(cache.manifest.textFromSHA256 == (try FeatureExtraction.fileSHA256(other)))
  }

  /// An extraction stopped after two written shards leaves an unfinished cache; the rerun encodes only
  /// the clips of the missing shards and writes the same cache as an uninterrupted extraction.
  @Test func interruptedExtractionResumesWithTheMissingClipsOnly() throws {
    let folder = try TestFiles.scratch()
    let table = try TestFiles.write(Self.table, to: "label.csv", in: folder)
    let fake = FakeEncoder()
    var written = 0
    #expect(throws: Stop.self) {
      try Self.job(folder, table: table).run(tokenizer: Self.tokenizer(), encoder: fake.encoder) { progress in
        if progress.encoded { written += 1 }
        if written == 2 { throw Stop() }
      }
    }
    #expect(fake.clips == 4)
    let error = #expect(throws: DataError.self) { try FeatureCache.open(folder: folder + "/cache") }
    #expect(error?.message.contains("has not finished (2 of 6 shards)") == true, "\(error?.message ?? "")")

    let resumed = FakeEncoder()
    let report = try Self.job(folder, table: table).run(tokenizer: Self.tokenizer(), encoder: resumed.encoder)
    #expect(resumed.clips == 6 && report.encoded == 6 && report.reused == 4)

    let fresh = try TestFiles.scratch()
    _ = try Self.job(fresh, table: table).run(tokenizer: Self.tokenizer(), encoder: FakeEncoder().encoder)
    let a = try FeatureCache.open(folder: folder + "/cache")
    let b = try FeatureCache.open(folder: fresh + "/cache")
    #expect(try a.readAll() == b.readAll())
    #expect(a.manifest.shards.map(\.sha256) == b.manifest.shards.map(\.sha256))

    // A second extraction into the folder while one runs stops at once.
    var concurrent: DataError?
    _ = try Self.job(folder, table: table).run(tokenizer: Self.tokenizer(), encoder: FakeEncoder().encoder) { _ in
      guard concurrent == nil else { return }
      concurrent = #expect(throws: DataError.self) {
        try Self.job(folder, table: table).run(tokenizer: Self.tokenizer(), encoder: FakeEncoder().encoder)
      }
    }
    #expect(
      concurrent?.message
        == "\(folder)/cache: another mmolre features extract is writing this cache; wait for it to finish")

    // A finished cache is all kept on a rerun.
    let again = FakeEncoder()
    let rerun = try Self.job(folder, table: table).run(tokenizer: Self.tokenizer(), encoder: again.encoder)
    #expect(again.clips == 0 && rerun.reused == 10)
  }

  @Test func aDamagedShardIsRefusedOnReadAndEncodedAgain() throws {
    let folder = try TestFiles.scratch()
    let table = try TestFiles.write(Self.table, to: "label.csv", in: folder)
    _ = try Self.job(folder, table: table).run(tokenizer: Self.tokenizer(), encoder: FakeEncoder().encoder)
    let shard = folder + "/cache/valid-00000.safetensors"
    #expect(FileManager.default.fileExists(atPath: folder + "/cache/.verified.json"))
    // Changed in place: same size and inode, so only the modification time tells the stamp it changed.
    let bytes = [UInt8](FileManager.default.contents(atPath: shard)!)
    let handle = try #require(FileHandle(forWritingAtPath: shard))
    try handle.seek(toOffset: UInt64(bytes.count - 1))
    try handle.write(contentsOf: [bytes[bytes.count - 1] ^ 0x40])
    try handle.close()
    let error = #expect(throws: DataError.self) { try FeatureCache.open(folder: folder + "/cache").readAll() }
    #expect(error?.message == "\(shard): sha256 differs from manifest.json; the shard changed after extraction")
    let fake = FakeEncoder()
    _ = try Self.job(folder, table: table).run(tokenizer: Self.tokenizer(), encoder: fake.encoder)
    #expect(fake.clips == 2)
    #expect(try FeatureCache.open(folder: folder + "/cache").readAll()["v1$_$2"] == [2, 0, 3, 6, 1, 3, 3, 2, 3])
  }

  @Test func aCacheOfOtherSettingsIsAnErrorNamingTheField() throws {
    let folder = try TestFiles.scratch()
    let table = try TestFiles.write(Self.table, to: "label.csv", in: folder)
    _ = try Self.job(folder, table: table).run(tokenizer: Self.tokenizer(), encoder: FakeEncoder().encoder)
    let manifest = folder + "/cache/manifest.json"

    let shorter = #expect(throws: DataError.self) {
      try Self.job(folder, table: table, maxLength: 6).run(tokenizer: Self.tokenizer(), encoder: FakeEncoder().encoder)
    }
    #expect(shorter?.message.hasPrefix("\(manifest): max_length is 8 in this cache but 6 is asked for") == true)

    var other = FakeEncoder().encoder
    other.name = "other"
    let encoder = #expect(throws: DataError.self) {
      try Self.job(folder, table: table).run(tokenizer: Self.tokenizer(), encoder: other)
    }
    #expect(encoder?.message.hasPrefix("\(manifest): encoder is fake in this cache but other is asked for") == true)

    let changed = try TestFiles.write(
      Self.table.replacingOccurrences(of: "2.0,Positive", with: "1.0,Positive"), to: "label.csv", in: folder)
    let table2 = #expect(throws: DataError.self) {
      try Self.job(folder, table: changed).run(tokenizer: Self.tokenizer(), encoder: FakeEncoder().encoder)
    }
    #expect(table2?.message.contains("label_table_sha256 is") == true)
    #expect(table2?.message.contains("pass --overwrite to replace it") == true)

    // --overwrite rebuilds it for the new table.
    var job = Self.job(folder, table: changed)
    job.overwrite = true
    let fake = FakeEncoder()
    _ = try job.run(tokenizer: Self.tokenizer(), encoder: fake.encoder)
    #expect(fake.clips == 10)

    // Reading checks too: a run asking for another max_length or a text_from table.
    let cache = try FeatureCache.open(folder: folder + "/cache")
    var wanted = cache.manifest.settings
    wanted.maxLength = 64
    let read = #expect(throws: DataError.self) { try cache.check(wanted, fix: "Rebuild it.") }
    #expect(
      read?.message == "\(manifest): max_length is 8 in this cache but 64 is asked for; the cache was made "
        + "with other settings or for another table. Rebuild it.")
    wanted = cache.manifest.settings
    wanted.textFromSHA256 = "abc"
    let textFrom = #expect(throws: DataError.self) { try cache.check(wanted, fix: "") }
    #expect(textFrom?.message.contains("text_from_sha256 is none in this cache but abc is asked for") == true)
    try cache.check(cache.manifest.settings, fix: "")
  }

  @Test func limitAndForeignFolders() throws {
    let folder = try TestFiles.scratch()
    let table = try TestFiles.write(Self.table, to: "label.csv", in: folder)
    var job = Self.job(folder, table: table)
    job.limit = 3
    let report = try job.run(tokenizer: Self.tokenizer(), encoder: FakeEncoder().encoder)
    #expect(report.clips == 3 && report.clipsPerSplit == ["train": 2, "valid": 1])
    #expect(try FeatureCache.open(folder: folder + "/cache").manifest.limit == 3)
    // Without the limit the same folder grows to the whole table: train-00000 holds the same two clips
    // and is kept; valid-00000 now holds two clips instead of one and is encoded again.
    job.limit = nil
    let fake = FakeEncoder()
    _ = try job.run(tokenizer: Self.tokenizer(), encoder: fake.encoder)
    #expect(fake.clips == 8)
    #expect(try FeatureCache.open(folder: folder + "/cache").readAll().count == 10)

    let foreign = try TestFiles.scratch()
    _ = try TestFiles.write("x", to: "notes.txt", in: foreign + "/cache")
    let error = #expect(throws: DataError.self) {
      try Self.job(foreign, table: table).run(tokenizer: Self.tokenizer(), encoder: FakeEncoder().encoder)
    }
    #expect(error?.message.contains("holds other files than a feature cache (notes.txt)") == true)
    let missing = #expect(throws: DataError.self) { try FeatureCache.open(folder: foreign + "/nothing") }
    #expect(
      missing?.message == "\(foreign)/nothing/manifest.json: not found; a feature cache folder holds manifest.json")
  }
}
