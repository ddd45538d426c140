import Data
import Foundation
import Testing
import Training

/// Real-data preparation on hand-made label tables and feature caches of made-up features (a fake
/// encoder that claims MiniLM's identity, as a cache made by `mmolre features extract` records it).
@Suite struct DataPreparationTests {
  /// MOSI-like: sentiment only; clip v2$_$2 has no transcript (filled from `filler`).
  static let mosi = """
    video_id,clip_id,text,label,annotation,mode
    v1,1,good,2.0,Positive,train
    v1,2,bad movie,-1.0,Negative,train
    v2,1,not good,-0.5,Negative,valid
    v2,2,,0.0,Neutral,test
    v3,1,movie,0.2,Positive,train
    v3,2,very bad,-2.5,Negative,test

    """
  static let filler = "video_id,clip_id,text,label,mode\nv2,2,very good,0.0,test\n"
  /// MOSEI-like: with the six emotion columns.
  static let mosei = """
    video_id,clip_id,text,label,annotation,mode,happy,sad,anger,surprise,disgust,fear
    m1,0,very good movie,1.5,Positive,train,1.0,0.0,0.0,0.3333,0.0,0.0
    m1,1,bad,-1.0,Negative,valid,0.0,0.6667,1.0,0.0,0.0,0.0
    m2,0,not bad,0.5,Positive,test,0.3333,0.0,0.0,0.0,0.0,0.0
    m2,1,good good,2.0,Positive,train,2.0,0.0,0.0,0.0,0.0,0.0

    """
  static let pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad", "movie", "very", "not"]

  /// A scratch folder with the tables; `caches` builds `cache/<name>_minilm` for them.
  struct Files {
    let folder: String
    var mosi: String { folder + "/mosi/label.csv" }
    var mosei: String { folder + "/mosei/label.csv" }
    var filler: String { folder + "/mosi/unimse.csv" }

    init() throws {
      folder = NSTemporaryDirectory() + "mmolre-prep-\(getpid())-\(UUID().uuidString)"
      try AtomicFile.write(DataPreparationTests.mosi, to: folder + "/mosi/label.csv")
      try AtomicFile.write(DataPreparationTests.filler, to: folder + "/mosi/unimse.csv")
      try AtomicFile.write(DataPreparationTests.mosei, to: folder + "/mosei/label.csv")
    }

    func cache(_ name: String) -> String { folder + "/cache/\(name)_minilm" }

    /// Frame j of a clip of n tokens with id t is [t, j, n, 1].
    func build(table: String, textFrom: String?, name: String, maxLength: Int = 64) throws {
      let encoder = FeatureExtraction.Encoder(
        name: KnownEncoder.miniLM.name, modelSHA256: KnownEncoder.miniLM.model.sha256, dim: 4
      ) { tokens in
        tokens.map { ids in ids.enumerated().flatMap { j, t in [Float(t), Float(j), Float(ids.count), 1] } }
      }
      let job = FeatureExtraction(tablePath: table, textFromPath: textFrom, folder: cache(name), maxLength: maxLength)
      _ = try job.run(
        tokenizer: WordPieceTokenizer(vocabulary: WordPieceVocabulary(tokens: DataPreparationTests.pieces)),
        encoder: encoder)
    }

    func config(preset: String, _ extra: [String] = []) throws -> RunConfig {
      try RunConfig.load(
        preset: preset,
        overrides: [
          "data.paths=[\"\(mosi)\"]", "data.text_from=[\"\(filler)\"]",
          "data.feature_dirs={\"text\": \"\(folder)/cache/{name}_minilm\"}",
        ] + extra)
    }
  }

  @Test func aLabelTableIsJoinedToItsFeatureCache() throws {
    let files = try Files()
    try files.build(table: files.mosi, textFrom: files.filler, name: "mosi")
    let data = try DataPreparation.prepare(files.config(preset: "mosi-text"))
    let train = try data.split("train")
    let test = try data.split("test")
    let valid = try data.split("valid")
    #expect(train.ids == ["v1$_$1", "v1$_$2", "v3$_$1"] && valid.count == 1 && test.count == 2)
    #expect(train.modalities == ["text"] && train.featureDim("text") == 4 && train.sources == ["mosi", "mosi", "mosi"])
    // "bad movie" -> [CLS] bad movie [SEP] = 2 6 7 3: four frames [t, j, 4, 1].
    #expect(Array(train.features["text"]!.frames(1)) == [2, 0, 4, 1, 6, 1, 4, 1, 7, 2, 4, 1, 3, 3, 4, 1])
    // The filled transcript "very good" was encoded and is the dataset's text.
    #expect(Array(test.features["text"]!.frames(0)) == [2, 0, 4, 1, 8, 1, 4, 1, 5, 2, 4, 1, 3, 3, 4, 1])
    #expect(test.texts == ["very good", "very bad"])
    #expect(train.sentiment == [2, -1, 0.2])
    #expect(train.emotions.allSatisfy { $0.isNaN })
    let manifest = files.cache("mosi") + "/manifest.json"
    let expected = [
      files.mosi: SHA256.hex([UInt8](FileManager.default.contents(atPath: files.mosi)!)),
      files.filler: SHA256.hex([UInt8](FileManager.default.contents(atPath: files.filler)!)),
      manifest: SHA256.hex([UInt8](FileManager.default.contents(atPath: manifest)!)),
    ]
    #expect(data.fingerprints == expected)
    #expect(data.description.contains("mosi: \(files.mosi) (train 3, valid 1, test 2)"))
    #expect(data.description.contains("filled 1 of 1 empty transcripts"))
  }

  /// MOSI + MOSEI train together: splits concatenated in path order, MOSI's emotions NaN.
  @Test func mosiAndMoseiAreConcatenatedWithNaNEmotionsForMosi() throws {
    let files = try Files()
    try files.build(table: files.mosi, textFrom: files.filler, name: "mosi")
    try files.build(table: files.mosei, textFrom: nil, name: "mosei")
    let config = try files.config(
      preset: "mosi+mosei-text",
      ["data.paths=[\"\(files.mosi)\", \"\(files.mosei)\"]", "data.text_from=[\"\(files.filler)\", \"\"]"])
    let data = try DataPreparation.prepare(config)
    let train = try data.split("train")
    #expect(train.ids == ["v1$_$1", "v1$_$2", "v3$_$1", "m1$_$0", "m2$_$1"])
    #expect(train.sources == ["mosi", "mosi", "mosi", "mosei", "mosei"])
    #expect((0..<3).allSatisfy { !train.hasEmotions($0) } && train.hasEmotions(3) && train.hasEmotions(4))
    #expect(Array(train.emotions[18..<30]) == [1, 0, 0, 0.3333, 0, 0, 2, 0, 0, 0, 0, 0])
    #expect(train.features["text"]!.count == 5 && train.texts?.last == "good good")
    #expect(try data.split("valid").sources == ["mosi", "mosei"])
    #expect(data.fingerprints.count == 5)  // two tables, the filler and two manifests

    // A short training run on it works end to end.
    let tiny = try RunConfig.load(
      preset: "mosi+mosei-text",
      overrides: [
        "data.paths=[\"\(files.mosi)\", \"\(files.mosei)\"]", "data.text_from=[\"\(files.filler)\", \"\"]",
        "data.feature_dirs={\"text\": \"\(files.folder)/cache/{name}_minilm\"}", "train.max_epochs=2",
        "model.d_model=8", "model.fusion_heads=2", "train.batch_size=4",
      ])
    let result = try Trainer(config: tiny, data: data, seed: 1111).fit()
    #expect(result.test["MAE"] != nil && result.test["mean_WA"] != nil)
  }

  @Test func aMissingCacheNamesTheCommandThatBuildsIt() throws {
    let files = try Files()
    let error = #expect(throws: DataError.self) { try DataPreparation.prepare(files.config(preset: "mosi-text")) }
    let folder = files.cache("mosi")
    #expect(
      error?.message
        == "\(folder): the text feature cache of \(files.mosi) has not been built yet; build it with "
        + "`mmolre features extract \(files.mosi) --text-from \(files.filler) --out \(folder)`")
    let longer = #expect(throws: DataError.self) {
      try DataPreparation.prepare(files.config(preset: "mosi-text", ["features.text_max_length=128"]))
    }
    #expect(longer?.message.hasSuffix("--out \(folder) --max-length 128`") == true)
  }

  @Test func aCacheOfOtherSettingsIsRefusedByField() throws {
    let files = try Files()
    try files.build(table: files.mosi, textFrom: files.filler, name: "mosi")
    let manifest = files.cache("mosi") + "/manifest.json"
    let length = #expect(throws: DataError.self) {
      try DataPreparation.prepare(files.config(preset: "mosi-text", ["features.text_max_length=32"]))
    }
    #expect(length?.message.hasPrefix("\(manifest): max_length is 64 in this cache but 32 is asked for") == true)
    #expect(length?.message.hasSuffix("--max-length 32 --overwrite`.") == true)
    let filler = SHA256.hex([UInt8](FileManager.default.contents(atPath: files.filler)!))
    let noFiller = #expect(throws: DataError.self) {
      try DataPreparation.prepare(files.config(preset: "mosi-text", ["data.text_from=[]"]))
    }
    #expect(noFiller?.message.contains("text_from_sha256 is \(filler) in this cache but none is asked for") == true)
    let missingDir = #expect(throws: ConfigError.self) {
      try DataPreparation.prepare(files.config(preset: "mosi-text", ["data.feature_dirs={}"]))
    }
    #expect(missingDir?.message.hasPrefix("data.feature_dirs.text: no feature cache named for modality text") == true)
    let audio = #expect(throws: DataError.self) {
      try DataPreparation.prepare(
        files.config(
          preset: "mosi-text",
          [
            "model.modalities=[\"text\", \"audio\"]",
            "data.feature_dirs={\"text\": \"\(files.folder)/cache/{name}_minilm\", \"audio\": \"\(files.folder)/none\"}",
          ]))
    }
    #expect(audio?.message.contains("mmolre features extract builds text caches only") == true)
  }

  /// The reader fixtures of DataTests (made with h5py and numpy; see their README.md files).
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("DataTests/Fixtures").path

  @Test func anMMSAPickleIsRestrictedToTheModelsModalities() throws {
    let pickle = Self.fixtures + "/pickles/mmsa_np2_p4.pkl"
    let config = try RunConfig.load(
      preset: "cpu",
      overrides: [
        "data.kind=mmsa", "data.paths=[\"\(pickle)\"]", "data.names=[\"toy\"]",
        "model.modalities=[\"audio\", \"text\"]",
      ])
    let data = try DataPreparation.prepare(config)
    let train = try data.split("train")
    // 4/2/3 clips; text [T, 4] and audio [T, 3] as the fixture was made; sources from data.names.
    let (valid, test) = (try data.split("valid"), try data.split("test"))
    #expect(train.count == 4 && valid.count == 2 && test.count == 3)
    #expect(train.modalities == ["audio", "text"] && train.featureDim("text") == 4 && train.featureDim("audio") == 3)
    #expect(train.sources == ["toy", "toy", "toy", "toy"] && train.texts?.first == "clip 0 of train café")
    #expect(data.fingerprints == [pickle: SHA256.hex([UInt8](FileManager.default.contents(atPath: pickle)!))])
    // data.text_field=text_bert: token id, mask and segment per token, three values a frame.
    let bert = try DataPreparation.prepare(
      RunConfig.load(
        preset: "cpu",
        overrides: [
          "data.kind=mmsa", "data.paths=[\"\(pickle)\"]", "data.text_field=text_bert", "model.modalities=[\"text\"]",
        ]))
    #expect(try bert.split("train").featureDim("text") == 3 && bert.split("train").sources.first == "pickles")
  }

  @Test func csdSequencesAreAlignedWithTheGivenFolds() throws {
    let files = try Files()
    let folds = files.folder + "/folds.json"
    try AtomicFile.write(#"{"train": ["v1", "v2"], "valid": ["v3"], "test": ["v4"]}"#, to: folds)
    let labels = Self.fixtures + "/csd/toy_labels.csd"
    let audio = Self.fixtures + "/csd/toy_audio.csd"
    let config = try RunConfig.load(
      preset: "cpu",
      overrides: [
        "data.kind=csd", "data.paths=[\"\(labels)\"]", "data.folds=[\"\(folds)\"]",
        "data.feature_dirs={\"audio\": \"\(audio)\"}", "model.modalities=[\"audio\"]",
      ])
    let data = try DataPreparation.prepare(config)
    // v1 2 + v2 3 segments train; v3's segment [1, 2.5] has no audio frames and is left out; v4 3.
    let (train, valid, test) = (try data.split("train"), try data.split("valid"), try data.split("test"))
    #expect(train.count == 5 && valid.count == 1 && test.count == 3)
    #expect(train.featureDim("audio") == 2 && train.hasEmotions(0))
    #expect(Set(data.fingerprints.keys) == [labels, audio, folds])
    let noFeatures = #expect(throws: ConfigError.self) {
      try DataPreparation.prepare(
        RunConfig.load(
          preset: "cpu",
          overrides: [
            "data.kind=csd", "data.paths=[\"\(labels)\"]", "data.folds=[\"\(folds)\"]", "model.modalities=[\"audio\"]",
          ]))
    }
    #expect(noFeatures?.message.hasPrefix("data.feature_dirs.audio: no feature .csd for modality audio") == true)
  }
}
