// `mmolre metrics` run as a process on small CSVs written to a temporary folder; expected values
// computed by hand in the comments.
import Foundation
import Testing

/// The built `mmolre` binary (the CLITests target depends on it, so it is built first).
let mmolrePath: String = {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  #if DEBUG
    let order = ["debug", "release"]
  #else
    let order = ["release", "debug"]
  #endif
  let candidates = order.map { root.appendingPathComponent(".build/\($0)/mmolre").path }
  return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
}()

/// Exit status, standard output and standard error of `mmolre arguments...`.
func runMmolre(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: mmolrePath)
  process.arguments = arguments
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let outData = out.fileHandleForReading.readDataToEndOfFile()
  let errData = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// Writes `text` to a new file in a fresh temporary folder and returns its path.
func temporaryFile(_ name: String, _ text: String) throws -> String {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mmolre-cli-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  let path = folder.appendingPathComponent(name).path
  try text.write(toFile: path, atomically: true, encoding: .utf8)
  return path
}

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: mmolrePath), "mmolre binary not built"))
struct MetricsCommandTests {
  // Windows line endings, a quoted header, extra columns, `+`, exponent and `-0.0` spellings.
  static let csv =
    [
      #"id,"y_true",y_pred,happy_true,happy_score,note"#,
      "a,1.5,+0.5,1,0.8,x",
      "b,-1,2e-1,0,0.5,y",
      "c,-0.0,-0.5,2,3e-1,z",
      "d,-2,-2.5,0,0.1,w",
    ].joined(separator: "\r\n") + "\r\n"

  static func json(_ arguments: [String]) throws -> [String: Double] {
    let result = try runMmolre(arguments)
    #expect(result.status == 0, "\(result.err)")
    let object = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Double]
    return try #require(object)
  }

  @Test func jsonMatchesHandComputedValues() throws {
    let path = try temporaryFile("m.csv", Self.csv)
    let got = try Self.json(["metrics", path, "--json"])
    // y 1.5 -1 0 -2, p .5 .2 -.5 -2.5.
    // Has0: y>=0 T F T F, p>=0 T T F F -> 2/4; class T: TP 1 FP 1 FN 1 -> .5, class F the same -> .5.
    // Non0 drops c: y>0 T F F, p>0 T T F -> 2/3; class T: 2/3 (support 1), class F: 2/3 (support 2).
    // Mult: p -> 0 0 -0 -2, y -> 2 -1 0 -2 (also clipped to 2): hits c and d -> .5 for both.
    // MAE (1 + 1.2 + .5 + .5) / 4 = .8. Corr: centred sums sxy 4.6875, sxx 5.4675, syy 6.6875.
    let expected: [String: Double] = [
      "Has0_acc_2": 0.5, "Has0_F1_score": 0.5, "Non0_acc_2": 2.0 / 3, "Non0_F1_score": 2.0 / 3,
      "Mult_acc_5": 0.5, "Mult_acc_7": 0.5, "MAE": 0.8, "Corr": 4.6875 / (5.4675 * 6.6875).squareRoot(),
      // happy: truth T F T F (intensity 2 is present), scores .8 .5 .3 .1 -> d T T F F (0.5 counts):
      // TP 1 FP 1 FN 1 TN 1 -> WA .5, F1 .5, micro .5; AUC: .8 beats .5 and .1, .3 beats .1 -> 3/4.
      "happy_WA": 0.5, "happy_F1": 0.5, "happy_AUC": 0.75, "mean_WA": 0.5, "mean_F1": 0.5, "mean_AUC": 0.75,
      "micro_F1": 0.5,
    ]
    #expect(Set(got.keys) == Set(expected.keys))
    for (key, value) in expected {
      #expect(abs((got[key] ?? .nan) - value) <= 1e-12, "\(key): \(got[key] ?? .nan) vs \(value)")
    }
  }

  @Test func thresholdsChangeTheDecisions() throws {
    let path = try temporaryFile("m.csv", Self.csv)
    // t = .3: d T T T F -> TP 2 FP 1 FN 0 TN 1: WA (2 * 2 / 2 + 1) / 4 = 3/4; F1 class T 4/5, class F
    // 2/3 -> 11/15; micro 4/5.
    for option in ["0.3", "happy=0.3"] {
      let got = try Self.json(["metrics", path, "--thresholds", option, "--json"])
      #expect(abs(got["happy_WA"]! - 0.75) <= 1e-12)
      #expect(abs(got["happy_F1"]! - 11.0 / 15) <= 1e-12)
      #expect(abs(got["micro_F1"]! - 0.8) <= 1e-12)
    }
  }

  @Test func textTableSaysWhatWasSkipped() throws {
    let path = try temporaryFile("m.csv", "y_true,y_pred\n1,0.5\n-1,\n0.5,-0.25\n")
    let result = try runMmolre(["metrics", path])
    #expect(result.status == 0)
    #expect(result.out.contains("sentiment: 2 samples (1 skipped: empty cell)"))
    // MAE (.5 + .75) / 2 = .625 -> 0.6250 with four decimals, keys aligned.
    #expect(result.out.contains("\nMAE            0.6250\n"))
  }

  @Test func badCellExits65NamingLineAndColumn() throws {
    let path = try temporaryFile("bad.csv", "y_true,y_pred\n1,0.5\n0.5,abc\n")
    let result = try runMmolre(["metrics", path])
    #expect(result.status == 65)
    #expect(result.err.contains("bad.csv: line 3: column y_pred: abc is not a number"), "\(result.err)")
    #expect(result.err.split(separator: "\n").count == 1)
  }

  @Test func otherErrors() throws {
    let none = try temporaryFile("none.csv", "a,b\n1,2\n")
    #expect(try runMmolre(["metrics", none]).status == 65)
    let path = try temporaryFile("m.csv", Self.csv)
    let count = try runMmolre(["metrics", path, "--thresholds", "0.3,0.4"])
    #expect(count.status == 65 && count.err.contains("2 values but the file has 1 emotion(s) (happy"))
    #expect(try runMmolre(["metrics", path, "--thresholds", "hapy=0.3"]).status == 64)
    #expect(try runMmolre(["metrics", path + ".missing"]).status == 65)
    #expect(try runMmolre(["metrics"]).status == 64)
  }
}

/// The reference's prediction CSV layout, two sources and missing labels: the predictions of
/// Tests/Fixtures/Metrics/independent.json (values computed with scikit-learn, see independent.md).
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: mmolrePath), "mmolre binary not built"))
struct MetricsCommandReferenceLayoutTests {
  @Test func perSourceMetricsMatchTheIndependentFixture() throws {
    let fixturePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fixtures/Metrics/independent.json").path
    let root = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: fixturePath)))
    let p = try #require((root as? [String: Any])?["predictions"] as? [String: Any])
    let ids = try #require(p["ids"] as? [String])
    let sources = try #require(p["sources"] as? [String])
    let sentiment = try #require(p["sentiment_true"] as? [Any])
    let sentimentPred = try #require(p["sentiment_pred"] as? [Double])
    let emotions = try #require(p["emotion_true"] as? [[Any]])
    let probabilities = try #require(p["emotion_prob"] as? [[Double]])
    let thresholds = try #require(p["thresholds"] as? [Double])
    let expected = try #require(p["expected"] as? [String: Any])
    func cell(_ value: Any) -> String { (value as? Double).map { "\($0)" } ?? "" }  // null -> empty cell
    let names = ["happy", "sad", "anger", "surprise", "disgust", "fear"]
    var lines = ["id,source,sentiment,sentiment_pred," + names.map { "\($0),\($0)_prob" }.joined(separator: ",")]
    for i in ids.indices {
      let emotionCells = (0..<6).flatMap { [cell(emotions[i][$0]), "\(probabilities[i][$0])"] }
      lines.append(
        ([ids[i], sources[i], cell(sentiment[i]), "\(sentimentPred[i])"] + emotionCells).joined(separator: ","))
    }
    let path = try temporaryFile("predictions.csv", lines.joined(separator: "\n") + "\n")
    let list = thresholds.map { "\($0)" }.joined(separator: ",")
    let got = try MetricsCommandTests.json(["metrics", path, "--thresholds", list, "--json"])
    #expect(got.count == 68 && expected.count == 68)
    for (key, value) in expected {
      guard let value = value as? Double else { continue }
      #expect(abs((got[key] ?? .nan) - value) <= 1e-12, "\(key): \(got[key] ?? .nan) vs \(value)")
    }
  }
}
