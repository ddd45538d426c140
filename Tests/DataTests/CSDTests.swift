import Data
import Foundation
import Testing

/// Computational sequences: the toy fixtures (Fixtures/csd/README.md gives every value used here),
/// alignment against the overlap rule, truncation, and the real MOSI opinion labels.
@Suite struct CSDTests {
  static let labels = TestFiles.fixture("csd/toy_labels.csd")
  static let audio = TestFiles.fixture("csd/toy_audio.csd")
  static let folds = StandardFolds(videos: ["train": ["v1", "v2"], "valid": ["v3"], "test": ["v4"]])

  @Test func readsSequencesAndMetadata() throws {
    let labels = try ComputationalSequence.read(path: Self.labels)
    #expect(labels.root == "Labels" && labels.dim == 7 && labels.datasetName == "toy")
    #expect(labels.videos == ["v1", "v2", "v3", "v4"] && labels.rowCount == 10)
    #expect(labels.entries["v2"]?.intervals == [0, 1, 1, 2.5, 3, 4])
    let audio = try ComputationalSequence.read(path: Self.audio)
    // v2[0] and v2[1] are merged into v2, in order.
    #expect(audio.videos == ["v1", "v2", "v3", "v4"] && audio.dim == 2)
    #expect(audio.entries["v2"]?.count == 16 && audio.entries["v2"]?.intervals[16] == 2.0)
    #expect(audio.nonFiniteCount == 2)
    let (root, metadata) = try ComputationalSequence.readMetadata(path: Self.audio)
    #expect(root == "COVAREP" && metadata["dataset name"] == .string("toy"))
  }

  @Test func labelSegmentsBecomeRows() throws {
    let table = try CSDLoader.labelTable(sequence: ComputationalSequence.read(path: Self.labels))
    #expect(
      table.rows.map(\.id) == [
        "v1$_$0", "v1$_$1", "v2$_$0", "v2$_$1", "v2$_$2", "v3$_$0", "v3$_$1", "v4$_$0", "v4$_$1", "v4$_$2",
      ])
    // sentiment linspace(-2, 2, n) + 0.1 k in float32
    let expected: [Float] = [-2, 2, -1.9, 0.1, 2.1, -1.8, 2.2, -1.7, 0.3, 2.3]
    #expect(table.rows.map { Float($0.label) } == expected)
    // emotion j of segment s of video k = ((j + k + s) % 4) / 3; v2 (k = 1), segment 2:
    #expect(table.rows[4].emotions.map(Float.init) == [3, 0, 1, 2, 3, 0].map { Float($0) / 3 })
    #expect(table.rows[4].start == 3 && table.rows[4].end == 4 && table.rows[4].sdkClipID == 2)
    let emotions = try EmotionLabels.load(path: Self.labels)
    #expect(emotions.entries.count == 10 && emotions.entries[4].emotions == table.rows[4].emotions)
  }

  @Test func alignmentTakesFramesInsideEachSegment() throws {
    let loaded = try CSDLoader.load(
      labels: Self.labels, features: [(modality: "audio", path: Self.audio)], folds: Self.folds)
    let train = try #require(loaded["train"])
    #expect(train.ids == ["v1$_$0", "v1$_$1", "v2$_$0", "v2$_$1", "v2$_$2"] && train.sources[0] == "toy")
    let audio = train.features["audio"]!
    // v1 [0, 1]: frames starting 0, .25, .5, .75 (the one starting at 1.0 only touches); -inf -> 0.
    #expect(Array(audio.frames(0)) == [0, 0, 0.25, 0, 0.5, 0, 0.75, 0])
    // v1 [1, 2.5]: frames starting 1.0 ... 2.25; frame 5 (start 1.25) had NaN in column 1 -> 0.
    #expect(Array(audio.frames(1)) == [1, 0, 1.25, 0, 1.5, 0, 1.75, 0, 2, 0, 2.25, 0])
    // v2 [3, 4] from the second stored entry v2[1].
    #expect(Array(audio.frames(4)) == [3, 1, 3.25, 1, 3.5, 1, 3.75, 1])
    #expect(loaded.nonFinite == ["train": ["audio": 2]])
    #expect(train.emotions[0..<6].map { $0 } == [0, 1, 2, 3, 0, 1].map { Float($0) / 3 })
    // v3 [1, 2.5] has no frames: left out and named.
    #expect(loaded["valid"]?.ids == ["v3$_$0"])
    #expect(loaded.notes.contains { $0.contains("toy_audio.csd: 1 of 10 segments have no audio frames (v3$_$1)") })
    let kept = try CSDLoader.load(
      labels: Self.labels, features: [(modality: "audio", path: Self.audio)], folds: Self.folds, empty: .keep)
    #expect(kept["valid"]?.ids == ["v3$_$0", "v3$_$1"] && kept["valid"]?.features["audio"]?.length(1) == 0)
    #expect(throws: DataError.self) {
      try CSDLoader.load(
        labels: Self.labels, features: [(modality: "audio", path: Self.audio)], folds: Self.folds, empty: .error)
    }
  }

  @Test func emotionsAttachBySDKIndex() throws {
    let folder = try TestFiles.scratch()
    let path = try TestFiles.write(
      "video_id,clip_id,happy,sad,anger,surprise,disgust,fear\nv2,1,3,0,0,0,0,0.5\nv1,0,0,2,0,0,0,0\n",
      to: "emotions.csv", in: folder)
    let loaded = try CSDLoader.load(labels: Self.labels, folds: Self.folds, emotions: EmotionLabels.load(path: path))
    let train = try #require(loaded["train"])
    #expect(train.ids[0] == "v1$_$0" && Array(train.emotions[0..<6]) == [0, 2, 0, 0, 0, 0])
    #expect(train.ids[3] == "v2$_$1" && Array(train.emotions[18..<24]) == [3, 0, 0, 0, 0, 0.5])
    #expect(!train.hasEmotions(1) && loaded["test"]?.hasEmotions(0) == false)
    #expect(loaded.notes.contains { $0.contains("8 of 10 clips found no emotion labels (joined by index)") })
  }

  @Test func windowSearchAgreesWithTheOverlapRule() {
    // 300 sorted frames of irregular length; the rule checked frame by frame, with no window search.
    var starts: [Double] = []
    var t = 0.0
    for k in 0..<300 {
      starts.append(t)
      t += 0.01 + Double(k % 7) * 0.013
    }
    let intervals = starts.flatMap { [$0, $0 + 0.05] }
    let features = starts.indices.map { Float($0) }
    let sequence = ComputationalSequence(
      origin: "mem", root: "r", dim: 1,
      entries: ["v": .init(features: features, intervals: intervals, words: [])], metadata: [:], holdsWords: false)
    for (start, end) in [(0.0, 0.3), (1.234, 2.5), (3.0, 3.0), (starts[100], starts[100] + 0.05), (-1, 0), (50, 60)] {
      let expected = starts.indices.filter { min(starts[$0] + 0.05, end) - max(starts[$0], start) > 1e-6 }
      #expect(sequence.frames(video: "v", start: start, end: end) == expected.map { Float($0) }, "\(start)-\(end)")
    }
    #expect(sequence.frames(video: "absent", start: 0, end: 1) == nil)
  }

  @Test func malformedAndTruncatedFilesAreClearErrors() throws {
    do {
      _ = try ComputationalSequence.read(path: TestFiles.fixture("csd/toy_malformed.csd"))
      Issue.record("malformed accepted")
    } catch let error as DataError {
      #expect(error.message.hasSuffix("toy_malformed.csd: entry v1 has 3 feature rows but 2 intervals"))
    }
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.labels)))
    let folder = try TestFiles.scratch()
    for cut in [0, 7, 100, 512, 2048, 4096, bytes.count / 2, bytes.count - 1000, bytes.count - 1] {
      let path = "\(folder)/cut\(cut).csd"
      try AtomicFile.write(Array(bytes[..<cut]), to: path)
      do {
        _ = try CSDLoader.load(labels: path, folds: Self.folds)
        Issue.record("cut at \(cut) accepted")
      } catch let error as DataError {
        #expect(error.message.hasPrefix(path) && error.message.contains("truncated"), "\(error.message)")
      }
    }
    #expect(throws: DataError.self) { try CSDLoader.load(labels: Self.labels) }  // no folds for "toy"
  }

  @Test func realMOSIOpinionLabelsMatchTheLabelTable() throws {
    guard let data = TestFiles.sharedData else { return }
    let path = data + "/mosi/CMU_MOSI_Opinion_Labels.csd"
    let sequence = try ComputationalSequence.read(path: path)
    #expect(sequence.root == "Opinion Segment Labels" && sequence.datasetName == "mosi")
    #expect(sequence.entries.count == 93 && sequence.rowCount == 2199 && sequence.dim == 1)
    // Segment ids are (video, 1-based index): labels equal label.csv's label column clip by clip.
    let segments = try CSDLoader.labelTable(sequence: sequence)
    let table = try LabelTable.load(path: data + "/mosi/label.csv")
    let byID = Dictionary(uniqueKeysWithValues: table.rows.map { ($0.id, $0) })
    #expect(segments.rows.count == 2199 && Set(segments.rows.map(\.id)) == Set(byID.keys))
    for row in segments.rows {
      let other = try #require(byID[row.id])
      #expect(Float(row.label) == Float(other.label) && row.start == other.start && row.end == other.end, "\(row.id)")
    }
    let loaded = try CSDLoader.load(
      labels: path, folds: StandardFolds.shared(dataset: "mosi", sharedFolder: SharedFolder.forTests()))
    #expect(loaded.splitNames.map { loaded[$0]!.count } == [1284, 229, 686])
    for split in loaded.splitNames {
      #expect(loaded[split]!.ids.allSatisfy { byID[$0]?.mode == split })
      #expect(loaded[split]!.emotions.allSatisfy { $0.isNaN })
    }
  }
}

/// Safetensors truncated at many offsets: always a clear error, never a crash.
@Suite struct SafetensorsTruncationTests {
  @Test func truncationAtManyOffsets() throws {
    var file = SafetensorsFile(metadata: ["card": "{\"name\": \"toy\"}"])
    file.tensors["w"] = SafetensorsTensor(shape: [3, 4], values: (0..<12).map(Float.init), dtype: .f32)
    file.tensors["b"] = SafetensorsTensor(shape: [2], int64: [7, -1])
    let bytes = file.serialized()
    for cut in 0..<bytes.count {
      #expect(throws: SafetensorsError.self, "cut at \(cut)") {
        try SafetensorsFile(bytes: Array(bytes[..<cut]), origin: "cut.safetensors")
      }
    }
  }
}
