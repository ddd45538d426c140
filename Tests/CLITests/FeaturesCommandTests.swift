import Data
import Foundation
import Testing

/// `mmolre features extract|info`, the missing-cache error of `mmolre run`, and `mmolre data
/// pseudo-label`, through the binary. The extraction tests need the fetched MiniLM (they fail with the
/// `mmolre encoders fetch minilm` message without it) and MOSI's table in ../shared/data.
@Suite(.serialized) struct FeaturesCommandTests {
  static var mosi: String? {
    guard let shared = SharedFolder.forTests() else { return nil }
    let folder = shared + "/data/mosi"
    return FileManager.default.fileExists(atPath: folder + "/label.csv") ? folder : nil
  }

  @Test func extractIsResumableAndRunReadsTheCache() throws {
    guard let mosi = Self.mosi else { return }
    let folder = makeTemporaryFolder()
    let extract = [
      "features", "extract", mosi + "/label.csv", "--text-from", mosi + "/unimse_MOSI-label.csv", "--out",
      "cache/mosi_minilm", "--limit", "12", "--chunk-size", "5", "--threads", "1", "--quiet",
    ]
    let first = try CommandRunner.run(extract, in: folder)
    #expect(first.status == 0, "\(first.stderr)")
    // The first 12 rows of MOSI's table are train rows.
    #expect(first.stdout.contains("clips: 12 (train 12); encoded 12, kept 0"), "\(first.stdout)")
    #expect(first.stdout.contains("feature cache: cache/mosi_minilm (all-MiniLM-L6-v2, dim 384, max_length 64)"))
    let again = try CommandRunner.run(extract, in: folder)
    #expect(again.status == 0 && again.stdout.contains("encoded 0, kept 12"), "\(again.stdout)\(again.stderr)")
    let info = try CommandRunner.run(["features", "info", "cache/mosi_minilm"], in: folder)
    #expect(info.status == 0 && info.stdout.contains("clips: 12 (train 12), --limit 12"), "\(info.stdout)")

    // Another max length for the same folder is refused, naming the field.
    let other = try CommandRunner.run(extract + ["--max-length", "32"], in: folder)
    #expect(other.status == 65)
    #expect(other.stderr.contains("max_length is 64 in this cache but 32 is asked for"), "\(other.stderr)")
  }

  @Test func runWithoutTheCacheSaysHowToBuildIt() throws {
    guard let mosi = Self.mosi else { return }
    let folder = makeTemporaryFolder()
    let result = try CommandRunner.run(
      [
        "run", "--preset", "mosi-text", "--set", "data.paths=[\"\(mosi)/label.csv\"]", "--set",
        "data.text_from=[\"\(mosi)/unimse_MOSI-label.csv\"]", "--store", "runs.sqlite", "--quiet",
      ], in: folder)
    #expect(result.status == 65)
    #expect(
      result.stderr.contains(
        "cache/mosi_minilm: the text feature cache of \(mosi)/label.csv has not been built yet; build it with "
          + "`mmolre features extract \(mosi)/label.csv --text-from \(mosi)/unimse_MOSI-label.csv "
          + "--out cache/mosi_minilm`"), "\(result.stderr)")
  }

  @Test func usageErrors() throws {
    let missing = try CommandRunner.run(["features", "extract"])
    #expect(missing.status == 64 && missing.stderr.contains("features extract needs a path"))
    let length = try CommandRunner.run(["features", "extract", "x.csv", "--max-length", "1"])
    #expect(length.status == 64 && length.stderr.contains("--max-length: must be at least 2, got 1"))
    let encoder = try CommandRunner.run(["features", "extract", "x.csv", "--encoder", "minilmm"])
    #expect(encoder.status == 64 && encoder.stderr.contains("did you mean minilm?"), "\(encoder.stderr)")
    let pseudo = try CommandRunner.run(["data", "pseudo-label", "x.csv", "--out", "y.csv"])
    #expect(pseudo.status == 64 && pseudo.stderr.contains("needs --reference CSV"))
  }

  /// Six utterances with real emotions against a four-utterance reference: every one is labelled, the
  /// CSV has a row each and the evaluation table is printed and written.
  @Test func pseudoLabelWritesLabelsAndScoresThem() throws {
    let folder = makeTemporaryFolder()
    try AtomicFile.write(
      """
      video_id,clip_id,text,label,mode,happy,sad,anger,surprise,disgust,fear
      a,0,i love this movie it is wonderful,2.5,train,2,0,0,0,0,0
      a,1,this is terrible and i hate it,-2.0,train,0,1,2,0,0,0
      b,0,it was okay i guess,0.0,valid,0,0,0,0,0,0
      b,1,what a great surprise,1.0,test,1,0,0,1,0,0
      c,0,so sad to see it end,-1.0,test,0,2,0,0,0,0
      c,1,the food was fine,0.0,test,0,0,0,0,0,0

      """, to: folder + "/label.csv")
    try AtomicFile.write(
      """
      Utterance,Emotion,Sentiment
      I am so happy for you!,joy,positive
      "Wow, I did not expect that!",surprise,positive
      I hate you.,anger,negative
      Okay.,neutral,neutral

      """, to: folder + "/meld.csv")
    let result = try CommandRunner.run(
      [
        "data", "pseudo-label", "label.csv", "--reference", "meld.csv", "--out", "out/pseudo.csv",
        "--embedding-cache", "emb", "--threads", "1",
      ], in: folder)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("pseudo labels: out/pseudo.csv (6 utterances; reference: 4 utterances)"))
    #expect(result.stdout.contains("| metric | pseudo | polarity_baseline | polarity_random |"), "\(result.stdout)")
    #expect(result.stdout.contains("evaluation: out/pseudo.eval.json"))
    let csv = try CSVTable(contentsOf: folder + "/out/pseudo.csv")
    #expect(csv.rows.count == 6)
    let pseudo = try csv.requireColumn("pseudo_emotion")
    // The neutral utterances can only get the one neutral reference utterance; the negative ones anger.
    #expect(
      csv.rows.map { $0[pseudo] }.enumerated().allSatisfy { k, e in
        [2, 5].contains(k) ? e == "neutral" : [1, 4].contains(k) ? e == "anger" : ["joy", "surprise"].contains(e)
      })
    // The reference embeddings were kept; a second run reuses them.
    let rerun = try CommandRunner.run(
      [
        "data", "pseudo-label", "label.csv", "--reference", "meld.csv", "--out", "out/pseudo.csv", "--embedding-cache",
        "emb",
      ],
      in: folder)
    #expect(rerun.status == 0 && rerun.stdout.contains("(reused)"), "\(rerun.stdout)\(rerun.stderr)")
  }
}
