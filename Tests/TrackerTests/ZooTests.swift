// The zoo: card checks, the registry's versions, and export/import archives that bring the weights
// back byte for byte.
import Data
import Foundation
import Testing
import Tracker

@Suite struct ZooTests {
  /// A hand-written card (Tests/Fixtures, outside every target so SwiftPM does not bundle it).
  static let fixture = #filePath.components(separatedBy: "/Tests/")[0] + "/Tests/Fixtures/zoo-card.json"

  static func weights() -> [UInt8] {
    SafetensorsFile(
      tensors: ["w": SafetensorsTensor(shape: [2, 2], values: [1.0, 2, 3, 4] as [Float])], metadata: ["format": "pt"]
    ).serialized()
  }

  @Test func fixtureCardParses() throws {
    let card = try ZooCard(text: try String(contentsOfFile: Self.fixture, encoding: .utf8), origin: "zoo-card.json")
    #expect(card.name == "mmolre-cpu-fixture")
    #expect(card.seeds == [1111, 1112, 1113])
    #expect(card.metrics["test"]?["Non0_acc_2"]?.mean == 0.8256)
    #expect(card.metrics["test"]?["MAE"]?.std == 0.0189)
    #expect(card.tolerance(for: "MAE") == 0.03 && card.tolerance(for: "Corr") == 0.02)
  }

  @Test func badCardsNameTheField() {
    func message(_ text: String) -> String {
      do {
        _ = try ZooCard(text: text, origin: "zoo/x.json")
        return "no error"
      } catch {
        return "\(error)"
      }
    }
    #expect(message(#"{"config": {}}"#).hasPrefix("zoo/x.json: name:"))
    #expect(message(#"{"name": "a b", "config": {}}"#).hasPrefix("zoo/x.json: name:"))
    #expect(message(#"{"name": "a", "config": 3}"#).hasPrefix("zoo/x.json: config:"))
    #expect(message(#"{"name": "a", "config": {}, "seeds": [1, "2"]}"#).hasPrefix("zoo/x.json: seeds:"))
    #expect(message(#"{"name": "a", "config": {}, "metrics": {"test": {"MAE": "low"}}}"#).contains("metrics.test.MAE"))
    #expect(message(#"{"name": "a", "config": {}, "weights_sha256": "abc"}"#).contains("weights_sha256"))
    #expect(message(#"{"name": "a", "config": {}} x"#).contains("not valid JSON"))
  }

  @Test func embeddedCardsAllParse() throws {
    #expect(try ZooCard.embedded().count == EmbeddedResources.zooCards.count)
  }

  @Test func registryVersionsAndArchiveRoundTrip() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let store = try Store.open(path: folder.file("s.sqlite"))
    let run = try store.createRun(name: "a", seed: 1, config: sampleConfig(), cellKey: "k")
    try store.putCheckpoint(run, kind: .best, epoch: 2, weights: Self.weights())
    try store.finishRun(run, results: ["test": ["MAE": 0.7]])
    let card = JSONValue.object([("name", .string("m")), ("config", sampleConfig())])
    #expect(try store.registerModel(name: "m", card: card, run: run) == 1)
    #expect(try store.registerModel(name: "m", card: card, run: run) == 1)  // same weights and card
    var changed = card
    changed.set("description", .string("v2"))
    #expect(try store.registerModel(name: "m", card: changed, run: run) == 2)

    let model = try store.registeredModel(name: "m", version: 1)
    #expect(model.run == run && model.weightsSHA256 == SHA256.hex(Self.weights()))
    let archive = try ZooArchive.archive(weights: try store.weights(of: model), card: card, name: "m", version: 1)
    let unpacked = try ZooArchive.unpack(archive, origin: "m.safetensors")
    #expect(unpacked.weights == Self.weights())
    #expect(unpacked.card.name == "m")
    // The archive is a safetensors file any reader takes, with the card in its metadata.
    let file = try SafetensorsFile(bytes: archive, origin: "m.safetensors")
    #expect(file.metadata["format"] == "pt" && file.metadata["mmolre.card"] != nil)

    // Removing the run keeps the registered weights.
    try store.deleteRuns([run])
    #expect(try store.registeredModel(name: "m").run == nil)
    #expect(try store.weights(of: try store.registeredModel(name: "m")) == Self.weights())
    let missing = #expect(throws: TrackerError.self) { try store.registeredModel(name: "n") }
    #expect(missing?.message.contains("did you mean m?") == true)
  }

  @Test func archiveWithWrongWeightsHashIsRefused() throws {
    var card = JSONValue.object([("name", .string("m")), ("config", .object([]))])
    card.set("weights_sha256", .string(String(repeating: "0", count: 64)))
    let archive = try ZooArchive.archive(weights: Self.weights(), card: card, name: "m", version: 1)
    let error = #expect(throws: TrackerError.self) { try ZooArchive.unpack(archive, origin: "m.safetensors") }
    #expect(error?.message.contains("the file was changed") == true)
  }
}
