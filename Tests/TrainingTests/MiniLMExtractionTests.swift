import Data
import Foundation
import Models
import Testing
import Training

/// `mmolre features extract`'s path with the real all-MiniLM-L6-v2 against Hugging Face's values
/// (../shared/golden/minilm: transcripts, their token ids and sentence embeddings). Needs the fetched
/// encoder: without it the test fails with the `mmolre encoders fetch minilm` message.
@Suite struct MiniLMExtractionTests {
  struct Golden {
    var texts: [String]
    var ids: [[Int]]
    var embeddings: [Float]
  }

  static func golden() throws -> Golden {
    guard let shared = SharedFolder.forTests() else { throw DataError("../shared not found (golden/minilm)") }
    let folder = shared + "/golden/minilm/"
    var texts: [String] = []
    var ids: [[Int]] = []
    for line in try String(contentsOfFile: folder + "tokens.jsonl", encoding: .utf8).split(separator: "\n") {
      let json = try JSONValue(parsing: String(line))
      texts.append(json["text"]?.stringValue ?? "")
      ids.append(json["input_ids"]?.arrayValue?.compactMap(\.intValue) ?? [])
    }
    let embeddings = try SafetensorsFile(contentsOf: folder + "embeddings.safetensors").tensor("sentence_embedding")
    return Golden(texts: texts, ids: ids, embeddings: embeddings.values(as: Float.self))
  }

  /// Ten transcripts of at most 64 tokens and one longer: the cached token features, mean-pooled and
  /// normalised, are Hugging Face's sentence embeddings within 1e-4; each clip has as many frames as
  /// HF's tokenizer gives ids, the long one 64.
  @Test func cachedTokenFeaturesAreMiniLMsHiddenStates() throws {
    let golden = try Self.golden()
    let short = Array(golden.ids.indices.filter { golden.ids[$0].count <= 64 }.prefix(10))
    let long = try #require(golden.ids.indices.first { golden.ids[$0].count > 64 })
    let chosen = short + [long]
    let modes = ["train", "train", "train", "train", "train", "train", "valid", "valid", "test", "test", "train"]
    var csv = "video_id,clip_id,text,label,mode\n"
    for (k, i) in chosen.enumerated() {
      csv += "g,\(k),\"\(golden.texts[i].replacingOccurrences(of: "\"", with: "\"\""))\",0.5,\(modes[k])\n"
    }
    let folder = NSTemporaryDirectory() + "mmolre-minilm-\(getpid())-\(UUID().uuidString)"
    try AtomicFile.write(csv, to: folder + "/label.csv")
    let frozen = try FrozenTextEncoder(name: "minilm")
    let report = try FeatureExtraction(tablePath: folder + "/label.csv", folder: folder + "/cache", chunkSize: 4)
      .run(tokenizer: frozen.tokenizer, encoder: frozen.extractionEncoder(batchSize: 3, threads: 2))
    #expect(report.encoded == 11)
    let cache = try FeatureCache.open(folder: folder + "/cache")
    #expect(cache.manifest.encoder == "all-MiniLM-L6-v2" && cache.manifest.dim == 384)
    let all = try cache.readAll()
    var worst: Float = 0
    for (k, i) in chosen.enumerated() {
      let frames = try #require(all["g$_$\(k)"])
      #expect(frames.count == min(golden.ids[i].count, 64) * 384, "clip \(k)")
      guard k < short.count else { continue }
      let pooled = frames.withUnsafeBufferPointer {
        SentencePooling.meanNormalized($0.baseAddress!, tokens: frames.count / 384, width: 384)
      }
      for j in 0..<384 { worst = max(worst, abs(pooled[j] - golden.embeddings[i * 384 + j])) }
    }
    #expect(worst <= 1e-4, "max |error| \(worst)")
  }
}
