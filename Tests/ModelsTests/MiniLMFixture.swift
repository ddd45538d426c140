import Data
import Foundation
import Models
import Numerics

// The real all-MiniLM-L6-v2 weights from the encoder cache and the golden values of
// ../shared/golden/minilm (Hugging Face BertModel + BertTokenizerFast; see its README.md). CI runs
// `mmolre encoders fetch minilm` before the tests, so missing weights are a failure, not a skip.

/// Why the fixture could not be loaded, as a Sendable error.
struct FixtureError: Error, CustomStringConvertible, Sendable {
  let description: String
}

enum MiniLMFixture {
  /// The config and weights, read once per test process.
  static let weights: Result<(config: BertModelConfig, file: SafetensorsFile, origin: String), FixtureError> = {
    do {
      let files = try EncoderFiles.locate(name: "minilm")
      return .success(
        (try BertModelConfig(contentsOf: files.config), try SafetensorsFile(contentsOf: files.model), files.model))
    } catch {
      return .failure(
        FixtureError(
          description: "the MiniLM tests need the fetched encoder (run `mmolre encoders fetch minilm`): \(error)"))
    }
  }()

  /// A fresh encoder with the real weights.
  static func encoder(trainableLayers: Int? = 0) throws -> TextEncoder<Float> {
    let (config, file, origin) = try weights.get()
    let encoder = try TextEncoder<Float>(config: config, trainableLayers: trainableLayers)
    try encoder.load(file, origin: origin)
    return encoder
  }

  /// ../shared/golden/minilm, or an error saying it is missing.
  static func goldenFolder() throws -> String {
    guard let shared = SharedFolder.forTests() else { throw FixtureError(description: "../shared not found") }
    return shared + "/golden/minilm/"
  }

  /// The input ids of the 257 golden texts, not truncated.
  static func tokens() throws -> [[Int32]] {
    let text = try String(contentsOfFile: goldenFolder() + "tokens.jsonl", encoding: .utf8)
    return try text.split(separator: "\n").enumerated().map { number, line in
      guard let ids = try JSONValue(parsing: String(line))["input_ids"]?.arrayValue else {
        throw FixtureError(description: "tokens.jsonl line \(number + 1): no input_ids")
      }
      return ids.map { Int32($0.intValue ?? -1) }
    }
  }

  /// sentence-transformers' truncation to `maxLength` tokens: [CLS], the first pieces, [SEP].
  static func truncated(_ ids: [Int32], to maxLength: Int) -> [Int32] {
    ids.count <= maxLength ? ids : Array(ids[..<(maxLength - 1)]) + [ids[ids.count - 1]]
  }
}
