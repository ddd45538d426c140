import Data
import Foundation
import Testing

/// Label tables: hand-made tables with known problems, and the real MOSI/MOSEI files in
/// ../shared/data (counts from SOURCES.md; values checked there by hand or with Python's csv module).
@Suite struct LabelTableTests {
  static let good = """
    video_id,clip_id,text,label,annotation,mode
    vidA,1,hello there,1.5,Positive,train
    vidA,2,,-0.4,Negative,train
    vidB,1,meh,0.0,Neutral,dev
    vidC,3,bad,-3.0,Negative,test

    """

  @Test func smallTableIsNormalised() throws {
    let folder = try TestFiles.scratch()
    let table = try LabelTable.load(path: TestFiles.write(Self.good, to: "label.csv", in: folder))
    #expect(table.rows.map(\.id) == ["vidA$_$1", "vidA$_$2", "vidB$_$1", "vidC$_$3"])
    #expect(table.rows.map(\.mode) == ["train", "train", "valid", "test"])  // dev -> valid
    #expect(table.rows.map(\.text) == ["hello there", "", "meh", "bad"])
    #expect(table.rows.map(\.label) == [1.5, -0.4, 0, -3])
    #expect(table.rows.map(\.line) == [2, 3, 4, 5])
    #expect(!table.hasEmotions && table.rows.allSatisfy { $0.emotions.allSatisfy { $0.isNaN } })
  }

  @Test(arguments: [
    ("label,annotation", "score,annotation", "missing column label"),
    (",mode\n", ",split\n", "missing column mode"),
    ("1.5", "3.5", "label outside [-3, 3] for 1 clips (line 2: vidA$_$1 = 3.5)"),
    ("1.5", "", "label is NaN or empty for 1 clips (line 2: vidA$_$1)"),
    ("1.5", "nan", "label is NaN"),
    ("1.5", "abc", "column label has non-numeric values (line 2: vidA$_$1 = abc)"),
    (",dev", ",train", "split valid has zero rows"),
    (",dev", ",holdout", "column mode has unknown values holdout"),
    ("vidB,1", "vidA,1", "2 rows share an id (line 2: vidA$_$1, line 4: vidA$_$1)"),
  ])
  func brokenTablesNameFileAndProblem(find: String, replace: String, expected: String) throws {
    let folder = try TestFiles.scratch()
    let path = try TestFiles.write(Self.good.replacingOccurrences(of: find, with: replace), to: "label.csv", in: folder)
    do {
      _ = try LabelTable.load(path: path)
      Issue.record("accepted: \(expected)")
    } catch let error as DataError {
      #expect(error.message.hasPrefix(path + ": "))
      #expect(error.message.contains(expected), "\(error.message)")
    }
    #expect(LabelTable.problems(path: path).contains { $0.hasPrefix(path) && $0.contains(expected) })
  }

  @Test func everyProblemIsListedAtOnce() throws {
    let folder = try TestFiles.scratch()
    let text = Self.good.replacingOccurrences(of: "1.5", with: "9").replacingOccurrences(of: "-0.4", with: "")
      .replacingOccurrences(of: ",dev", with: ",train")
    let problems = LabelTable.problems(path: try TestFiles.write(text, to: "label.csv", in: folder))
    #expect(problems.count == 3)
  }

  @Test func emotionColumnsAreChecked() throws {
    let folder = try TestFiles.scratch()
    let header = "video_id,clip_id,text,label,annotation,mode,happy,sad,anger,surprise,disgust,fear\n"
    let rows = "a,1,x,1,Positive,train,1,0,0,0,0,0\na,2,x,1,Positive,valid,0,0,0,0,0,0\n"
    let good = try LabelTable.load(
      path: TestFiles.write(header + rows + "a,3,x,1,Positive,test,0,0,0,0,0,0.333\n", to: "ok.csv", in: folder))
    #expect(good.hasEmotions && good.rows[2].emotions == [0, 0, 0, 0, 0, 0.333])
    let cases = [
      ("a,3,x,1,Positive,test,0,0,0,0,4,0\n", "emotion intensities outside [0, 3] for 1 clips (line 4: a$_$3)"),
      ("a,3,x,1,Positive,test,0,,0,0,0,0\n", "emotion labels are only partly given for 1 clips (line 4: a$_$3)"),
    ]
    for (last, expected) in cases {
      let path = try TestFiles.write(header + rows + last, to: "bad.csv", in: folder)
      #expect(throws: DataError.self) { try LabelTable.load(path: path) }
      let problems = LabelTable.problems(path: path)
      #expect(problems.count == 1 && problems[0].hasPrefix("\(path): \(expected)"))
    }
    let happyOnly = try TestFiles.write(
      "video_id,clip_id,label,mode,happy\na,1,0,train,1\n", to: "happy.csv", in: folder)
    #expect(
      LabelTable.problems(path: happyOnly).first?.contains("sad, anger, surprise, disgust, fear are missing") == true)
  }

  @Test func idColumnAndSentimentColumnAreAccepted() throws {
    let folder = try TestFiles.scratch()
    let path = try TestFiles.write(
      "id,sentiment,mode\nabc$_$3,0.5,train\nx_y_7,-1,valid\nq_1,2,test\n", to: "labels.csv", in: folder)
    let table = try LabelTable.load(path: path)
    #expect(table.rows.map(\.videoID) == ["abc", "x_y", "q"])
    #expect(table.rows.map(\.clipID) == ["3", "7", "1"])
    #expect(table.rows.map(\.annotation) == ["Positive", "Negative", "Positive"])
  }

  @Test func splitsJoinFeaturesById() throws {
    let folder = try TestFiles.scratch()
    let table = try LabelTable.load(path: TestFiles.write(Self.good, to: "label.csv", in: folder))
    // vidC$_$3 has no audio; vidA$_$2 holds -inf; the dictionary order is irrelevant.
    let audio = ClipFeatures(
      modality: "audio", dim: 2,
      byID: ["vidB$_$1": [5, 6], "vidA$_$2": [1, -.infinity, 3, 4], "vidA$_$1": [7, 8, 9, 10, 11, 12]])
    let text = ClipFeatures(modality: "text", dim: 1, lookup: { id in id == "vidC$_$3" ? [0] : [1, 2, 3] })
    #expect(throws: DataError.self) { try table.splits(source: "toy", features: [text, audio]) }
    let partial = try table.splits(source: "toy", features: [text, audio], splitNames: ["train", "valid"])
    let train = try #require(partial["train"])
    #expect(train.ids == ["vidA$_$1", "vidA$_$2"] && train.sources == ["toy", "toy"])
    #expect(train.modalities == ["text", "audio"] && train.texts == ["hello there", ""])
    #expect(Array(train.features["audio"]!.frames(1)) == [1, 0, 3, 4])
    #expect(train.features["audio"]!.length(0) == 3)
    #expect(partial.nonFinite == ["train": ["audio": 1]])
    #expect(train.sentiment == [1.5, -0.4] && train.emotions.allSatisfy { $0.isNaN })
    let labelsOnly = try table.splits(source: "toy")
    #expect(labelsOnly.splitNames == ["train", "valid", "test"] && labelsOnly["test"]?.modalities == [])
  }

  // MARK: - Real files

  @Test func realMOSI() throws {
    guard let data = TestFiles.sharedData else { return }
    let table = try LabelTable.load(path: data + "/mosi/label.csv")
    #expect(table.rows.count == 2199)
    #expect(table.modeCounts == ["train": 1284, "valid": 229, "test": 686])
    #expect(table.rows.map(\.label).min() == -3 && table.rows.map(\.label).max() == 3)
    #expect(!table.hasEmotions)
    let first = table.rows[0]
    #expect(first.id == "03bSnISJMiM$_$1" && first.text == "anyhow it was really good")
    #expect(first.label == 2.4000000953674316 && first.start == 51.90453338623047)
    // SOURCES.md: exactly these four clips have empty text; UniMSE's table has theirs.
    let empty = ["2WGyTLYerpo$_$44", "5W7Z1C_fDaE$_$24", "BioHAh1qJAQ$_$30", "lXPQBPVc5Cw$_$30"]
    #expect(table.rows.filter { $0.text.isEmpty }.map(\.id).sorted() == empty)
    let unimse = try LabelTable.load(path: data + "/mosi/unimse_MOSI-label.csv", requireSplits: [], dropUnsplit: false)
    let filled = table.fillingEmptyTexts(from: unimse)
    #expect(!filled.rows.contains { $0.text.isEmpty })
    let byID = Dictionary(uniqueKeysWithValues: filled.rows.map { ($0.id, $0.text) })
    #expect(byID["2WGyTLYerpo$_$44"] == "SHES BEAUTIFUL")
    #expect(byID["5W7Z1C_fDaE$_$24"] == "YEAP ABSOLUTELY NOT TO BE MISSED")
    #expect(byID["03bSnISJMiM$_$1"] == "anyhow it was really good")  // non-empty texts are kept
    #expect(filled.notes.last?.contains("filled 4 of 4 empty transcripts") == true)
    // The standard folds give the table's own modes, video by video.
    let folds = try StandardFolds.shared(dataset: "mosi", sharedFolder: SharedFolder.forTests())
    #expect(folds.videos.mapValues(\.count) == ["train": 52, "valid": 10, "test": 31])
    #expect(table.withModes(from: folds).rows.map(\.mode) == table.rows.map(\.mode))
  }

  @Test func realMOSEIWithEmotions() throws {
    guard let data = TestFiles.sharedData else { return }
    let table = try LabelTable.load(path: data + "/mosei/label.csv")
    #expect(table.rows.count == 22856)
    #expect(table.modeCounts == ["train": 16326, "valid": 1871, "test": 4659])
    #expect(table.rows.allSatisfy { $0.hasEmotions })
    let all = table.rows.flatMap(\.emotions)
    #expect(all.min() == 0 && all.max()! <= 3)
    let row = try #require(table.rows.first { $0.id == "-3g5yACwYnA$_$13" })
    #expect(row.label == 0.6666666865348816 && row.emotions == [0, 0, 0, 0, 0, 0])
    #expect(row.start == 119.919 && row.end == 125.299 && row.sdkClipID == 1)
    #expect(row.text == "They've been able to find solutions or at least bring some answers to the table.")
    // Emotions from the SDK-derived table, joined by SDK index and by interval onto blanked rows,
    // must give label.csv's own emotions.
    var blank = table
    for i in blank.rows.indices { blank.rows[i].emotions = Array(repeating: .nan, count: 6) }
    let source = try EmotionLabels.load(path: data + "/mosei/mosei_labels.csv")
    #expect(source.entries.count == 23259)
    for key in [EmotionLabels.JoinKey.index, .interval] {
      let joined = try blank.attachingEmotions(from: source, on: key)
      #expect(joined.rows.map(\.emotions) == table.rows.map(\.emotions), "\(key)")
      #expect(joined.notes.isEmpty)
    }
    #expect(try blank.attachingEmotions(from: source).rows.map(\.emotions) == table.rows.map(\.emotions))
    let folds = try StandardFolds.shared(dataset: "mosei", sharedFolder: SharedFolder.forTests())
    #expect(folds.videos.mapValues(\.count) == ["train": 2249, "valid": 300, "test": 678])
  }

  @Test func moseiRowsOutsideTheFoldsAreDropped() throws {
    guard let data = TestFiles.sharedData else { return }
    let table = try LabelTable.load(path: data + "/mosei/mosei_labels.csv")
    // SOURCES.md: SDK folds give 16327/1871/4662 plus 399 rows marked none.
    #expect(table.modeCounts == ["train": 16327, "valid": 1871, "test": 4662])
    #expect(table.dropped == 399 && table.notes.count == 1)
  }

  @Test func emotionsFromAnMMSATableJoinByIdNotByClipNumber() throws {
    let folder = try TestFiles.scratch()
    let header = "video_id,clip_id,text,label,annotation,mode"
    let target = try LabelTable.load(
      path: TestFiles.write(
        "\(header),sdk_clip_id\nv,7,a,1,P,train,0\nv,3,b,1,P,valid,1\nw,1,c,0,N,test,0\n", to: "t.csv", in: folder))
    let source = try EmotionLabels.load(
      path: TestFiles.write(
        "\(header),happy,sad,anger,surprise,disgust,fear\nv,3,x,1,P,valid,0,0,0,0,0,3\nv,7,x,1,P,train,1,0,0,0,0,0\n"
          + "v,0,x,1,P,train,0,2,0,0,0,0\n", to: "emo.csv", in: folder))
    let joined = try target.attachingEmotions(from: source)
    #expect(joined.rows[0].emotions == [1, 0, 0, 0, 0, 0])
    #expect(joined.rows[1].emotions == [0, 0, 0, 0, 0, 3])
    #expect(joined.rows[2].emotions.allSatisfy { $0.isNaN })
    #expect(joined.notes == ["\(folder)/emo.csv: 1 of 3 clips found no emotion labels (joined by id)"])
  }

  @Test func mosiPlusMOSEIConcatenatePerSplit() throws {
    guard let data = TestFiles.sharedData else { return }
    let mosi = try LabelTable.load(path: data + "/mosi/label.csv").splits(source: "mosi")
    let mosei = try LabelTable.load(path: data + "/mosei/label.csv").splits(source: "mosei")
    let mixed = try LoadedSplits.concatenating([mosi, mosei])
    let train = try #require(mixed["train"])
    #expect(train.count == 1284 + 16326 && mixed["test"]?.count == 686 + 4659)
    #expect(train.sources.filter { $0 == "mosi" }.count == 1284)
    // ER is masked (NaN) for MOSI and present for every MOSEI clip.
    #expect((0..<train.count).allSatisfy { train.hasEmotions($0) == (train.sources[$0] == "mosei") })
    #expect(train.texts?.count == train.count)
  }
}

/// The byte-level CSV reader on the largest real table, and edge cases of the old character reader.
@Suite struct CSVReaderTests {
  @Test func edgeCases() throws {
    let table = try CSVTable(
      text: "\u{FEFF}a,b\r\n1,\"x\"\"y\"\r\n\r\n2,\n3,\"multi\r\nline\"\n4,caf\u{e9}", origin: "e.csv")
    #expect(table.header == ["a", "b"])
    #expect(table.rows == [["1", "x\"y"], ["2", ""], ["3", "multi\r\nline"], ["4", "caf\u{e9}"]])
    #expect(table.lineNumbers == [2, 4, 5, 7])
    #expect(throws: DataError.self) { try CSVTable(text: "a\n\"open\n", origin: "q.csv") }
  }

  @Test func notUTF8NamesTheLine() throws {
    let folder = try TestFiles.scratch()
    let path = "\(folder)/latin1.csv"
    try AtomicFile.write(Array("a,b\n1,2\n3,".utf8) + [0xE9] + Array("\n".utf8), to: path)
    do {
      _ = try CSVTable(contentsOf: path)
      Issue.record("Latin-1 accepted")
    } catch let error as DataError {
      #expect(error.message == "\(path): line 3: not UTF-8 text")
    }
  }

  @Test func moseiLabelTableQuotedFields() throws {
    guard let data = TestFiles.sharedData else { return }
    let table = try CSVTable(contentsOf: data + "/mosei/label.csv")
    #expect(table.header.count == 18 && table.rows.count == 22856)
    // The first row's text is quoted and holds commas and an apostrophe.
    #expect(table.rows[0][2].hasPrefix("Key is part of the people that we use to solve those issues, whether it's"))
  }
}
