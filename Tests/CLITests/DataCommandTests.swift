import Data
import Foundation
import Testing

/// `mmolre data inspect|validate`, run as a process: exit statuses, one-line errors, JSON.
@Suite struct DataCommandTests {
  static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  static let fixtures = testsFolder.appendingPathComponent("DataTests/Fixtures").path
  static var sharedData: String? {
    SharedFolder.forTests().map { $0 + "/data" }.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
  }

  /// Runs the mmolre binary built beside the test bundle; returns (status, stdout, stderr).
  static func mmolre(_ arguments: String...) throws -> (Int32, String, String) {
    let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let binary = folder.appendingPathComponent("mmolre")
    try #require(FileManager.default.isExecutableFile(atPath: binary.path), "no mmolre binary at \(binary.path)")
    let process = Process()
    process.executableURL = binary
    process.arguments = ["data"] + arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
  }

  static func scratch(_ name: String) throws -> String {
    let folder = NSTemporaryDirectory() + "mmolre-data-cli-\(getpid())-\(name)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
  }

  @Test func inspectRealMOSEI() throws {
    guard let data = Self.sharedData else { return }
    let (status, out, _) = try Self.mmolre("inspect", data + "/mosei/label.csv")
    #expect(status == 0)
    #expect(out.contains("clips: 16326/1871/4659 (train/valid/test), 22856 in all"))
    // Prevalence of intensity > 0 over all 22856 rows, computed with Python's csv module.
    let expected = [
      0.535526776338817, 0.2589254462723136, 0.21582954147707387, 0.10001750087504375, 0.1767588379418971,
      0.08277913895694784,
    ]
    let allRow = try #require(
      out.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("all ") })
    let printed = allRow.split(separator: " ").dropFirst().compactMap { Double($0) }
    #expect(printed.count == 6 && zip(printed, expected).allSatisfy { abs($0 - $1) < 5e-4 })
    let (_, json, _) = try Self.mmolre("inspect", data + "/mosei/label.csv", "--json")
    let summary = try JSONValue(parsing: json)
    #expect(summary["format"] == .string("table") && summary["emotion_labelled"] == .int(22856))
    let prevalence = MultimodalDataset.emotions.compactMap { summary["emotion_prevalence"]?[$0]?.doubleValue }
    #expect(prevalence.count == 6 && zip(prevalence, expected).allSatisfy { abs($0 - $1) < 1e-12 })
    #expect(summary["splits"]?["train"]?["sentiment"]?["min"]?.doubleValue == -3)
    #expect(summary["splits"]?["test"]?["sentiment"]?["max"]?.doubleValue == 3)
    #expect(summary["splits"]?["valid"]?["empty_texts"] == .int(0))
  }

  @Test func inspectRealMOSITableAndLabelSequence() throws {
    guard let data = Self.sharedData else { return }
    var (status, out, _) = try Self.mmolre("inspect", data + "/mosi/label.csv", "--json")
    let summary = try JSONValue(parsing: out)
    #expect(status == 0 && summary["splits"]?["train"]?["empty_texts"] == .int(3))
    #expect(summary["splits"]?["test"]?["empty_texts"] == .int(1) && summary["emotion_prevalence"] == nil)
    (status, out, _) = try Self.mmolre(
      "inspect", data + "/mosi/label.csv", "--text-from", data + "/mosi/unimse_MOSI-label.csv")
    #expect(status == 0 && out.contains("filled 4 of 4 empty transcripts") && out.contains("emotions: none"))
    (status, out, _) = try Self.mmolre("inspect", data + "/mosi/CMU_MOSI_Opinion_Labels.csd")
    #expect(status == 0 && out.contains("format csd") && out.contains("clips: 1284/229/686"))
  }

  @Test func validateRealFiles() throws {
    guard let data = Self.sharedData else { return }
    for file in ["/mosi/label.csv", "/mosei/label.csv", "/mosi/CMU_MOSI_Opinion_Labels.csd"] {
      let (status, out, _) = try Self.mmolre("validate", data + file)
      #expect(status == 0 && out.hasSuffix("ok (\(file.hasSuffix(".csd") ? "csd" : "table"))\n"), "\(file)")
    }
  }

  @Test func brokenTablesExit65WithEveryProblem() throws {
    let folder = try Self.scratch("broken")
    let path = folder + "/label.csv"
    try AtomicFile.write(
      "video_id,clip_id,text,label,annotation,mode\nvidA,1,x,9,Positive,train\nvidA,2,,,Negative,train\n"
        + "vidA,2,y,0,Neutral,test\nvidB,1,z,1,Positive,holdout\n", to: path)
    var (status, out, err) = try Self.mmolre("validate", path)
    #expect(status == 65)
    #expect(out.contains("\(path): 1 problem (table):") && out.contains("unknown values holdout"))
    #expect(err == "mmolre data: \(path): 1 problem found\n")
    try AtomicFile.write(
      "video_id,clip_id,text,label,annotation,mode\nvidA,1,x,9,Positive,train\nvidA,2,,,Negative,train\n"
        + "vidA,2,y,0,Neutral,test\n", to: path)
    (status, out, err) = try Self.mmolre("validate", path, "--json")
    let report = try JSONValue(parsing: out)
    let problems = report["problems"]?.arrayValue?.compactMap(\.stringValue) ?? []
    #expect(status == 65 && report["ok"] == .bool(false) && problems.count == 4)
    #expect(problems.contains { $0.contains("label outside [-3, 3] for 1 clips (line 2: vidA$_$1 = 9)") })
    #expect(problems.contains { $0.contains("label is NaN or empty for 1 clips (line 3: vidA$_$2)") })
    #expect(problems.contains { $0.contains("2 rows share an id") })
    #expect(problems.contains { $0.contains("split valid has zero rows") })
    (status, out, err) = try Self.mmolre("inspect", path)
    #expect(status == 65 && out.isEmpty)
    #expect(err.hasPrefix("mmolre data: \(path): label is NaN") && err.split(separator: "\n").count == 1)
  }

  @Test func pickleSummaryAndHostilePickle() throws {
    let (status, out, _) = try Self.mmolre(
      "inspect", Self.fixtures + "/pickles/mmsa_np2_p5.pkl", "--json", "--name", "mosi")
    let summary = try JSONValue(parsing: out)
    #expect(status == 0 && summary["format"] == .string("mmsa"))
    #expect(["train", "valid", "test"].map { summary["splits"]?[$0]?["clips"] } == [.int(4), .int(2), .int(3)])
    #expect(summary["modalities"]?["audio"]?["dim"] == .int(3) && summary["modalities"]?["text"]?["dim"] == .int(4))
    #expect(summary["modalities"]?["audio"]?["non_finite"]?["train"] == .int(4))
    // text lengths 2 + i % 3 for i = 0..3: 2, 3, 4, 2.
    let lengths = summary["modalities"]?["text"]?["lengths"]?["train"]
    #expect(lengths?["min"] == .int(2) && lengths?["median"]?.doubleValue == 2.5 && lengths?["max"] == .int(4))
    #expect(summary["splits"]?["train"]?["sources"]?["mosi"] == .int(4))
    let marker = "/tmp/mmolre-pwned"
    try? FileManager.default.removeItem(atPath: marker)
    let hostile = Self.fixtures + "/pickles/hostile_os_system.pkl"
    for action in ["inspect", "validate"] {
      // inspect stops with the refusal on stderr; validate lists it as the problem on stdout.
      let (code, out, err) = try Self.mmolre(action, hostile)
      let report = action == "inspect" ? err : out
      #expect(code == 65)
      #expect(report.contains("refers to posix.system") && report.contains("nothing in it was run"))
    }
    #expect(!FileManager.default.fileExists(atPath: marker))
  }

  @Test func sequencesAloneAndAlignedToLabels() throws {
    let audio = Self.fixtures + "/csd/toy_audio.csd"
    var (status, out, _) = try Self.mmolre("inspect", audio, "--json")
    let summary = try JSONValue(parsing: out)
    // Frames every 0.25 s over [0, 4): 16 per video, 9 for v3 (none from 0.9 to 2.6).
    #expect(status == 0 && summary["videos"] == .int(4) && summary["rows"] == .int(57) && summary["dim"] == .int(2))
    #expect(summary["non_finite"] == .int(2) && summary["max_end_seconds"]?.doubleValue == 4)
    let folder = try Self.scratch("folds")
    let folds = folder + "/folds.json"
    try AtomicFile.write(#"{"train": ["v1", "v2"], "valid": ["v3"], "test": ["v4"]}"#, to: folds)
    (status, out, _) = try Self.mmolre(
      "inspect", Self.fixtures + "/csd/toy_labels.csd", "--folds", folds, "--features", "audio=\(audio)")
    #expect(status == 0 && out.contains("clips: 5/1/3 (train/valid/test), 9 in all"))
    #expect(out.contains("audio: dim 2") && out.contains("non-finite values set to 0: train 2"))
    #expect(out.contains("1 of 10 segments have no audio frames (v3$_$1); they are left out"))
    (status, _, _) = try Self.mmolre("validate", Self.fixtures + "/csd/toy_labels.csd", "--folds", folds)
    #expect(status == 0)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: audio))
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: folder + "/cut.csd"))
    let err: String
    (status, _, err) = try Self.mmolre("inspect", folder + "/cut.csd")
    #expect(status == 65 && err.contains("cut.csd") && err.contains("truncated"))
  }

  @Test func usageErrorsExit64() throws {
    for (arguments, expected) in [
      ([String](), "expected a subcommand"), (["inspekt", "x"], "did you mean inspect?"),
      (["inspect"], "needs a FILE"), (["validate", "a", "b"], "takes one FILE"),
      (["inspect", "x.csv", "--features", "audio"], "expected MODALITY=FILE"),
      (["inspect", "x.csv", "--format", "tabel"], "did you mean table?"),
    ] {
      let process = try Self.mmolreArray(arguments)
      #expect(process.0 == 64 && process.2.contains(expected), "\(arguments): \(process.2)")
    }
  }

  static func mmolreArray(_ arguments: [String]) throws -> (Int32, String, String) {
    switch arguments.count {
    case 0: return try mmolre()
    case 1: return try mmolre(arguments[0])
    case 2: return try mmolre(arguments[0], arguments[1])
    case 3: return try mmolre(arguments[0], arguments[1], arguments[2])
    default: return try mmolre(arguments[0], arguments[1], arguments[2], arguments[3])
    }
  }
}
