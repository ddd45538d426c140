// `mmolre zoo build` through the built binary, on a card file with a tiny synthetic config: metrics far
// from the card fail with status 1 (the model is still registered), a rebuild reuses the finished run,
// and a card stating the reached metrics passes; a card name that is not compiled in is a usage error.
import Foundation
import Testing

@Suite struct ZooBuildCommandTests {
  /// A card for a tiny model with `metrics` (test split) and a tolerance of 0.02.
  static func card(metrics: String) -> String {
    """
    {"name": "tiny-zoo", "description": "a tiny synthetic model for tests",
     "config": {"name": "tiny-zoo",
                "data": {"kind": "synthetic", "synthetic": {"n_train": 200, "n_valid": 64, "n_test": 100}},
                "model": {"d_model": 16, "fusion_heads": 2, "n_experts": 2, "rank_min": 4, "rank_max": 8},
                "train": {"max_epochs": 2, "patience": 2, "threads": 1}},
     "command": "mmolre zoo build --card tiny-zoo.json", "seeds": [5],
     "metrics": {"test": \(metrics)}, "tolerance": {"default": 0.02}}
    """
  }

  @Test func buildTrainsRegistersAndChecksTheCard() throws {
    let folder = makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let store = folder + "/zoo.sqlite"
    let file = folder + "/tiny-zoo.json"
    try Self.card(metrics: #"{"Non0_acc_2": 0.0, "MAE": 9.5}"#).write(toFile: file, atomically: true, encoding: .utf8)
    let failing = try CommandRunner.run(["zoo", "build", "--card", file, "--store", store, "--quiet"])
    #expect(failing.status == 1, "\(failing.stderr)")
    #expect(failing.stdout.contains("seed 5: trained run "))
    #expect(failing.stdout.contains("registered tiny-zoo v1"))
    #expect(failing.stdout.split(separator: "\n").filter { $0.hasSuffix("FAIL") }.count == 2)
    #expect(
      failing.stderr.contains("tiny-zoo: 2 of 2 metrics outside the card's tolerance (test.Non0_acc_2, test.MAE)"))

    // The reached values, from the same build again: the finished run is reused, not retrained.
    let again = try CommandRunner.run(["zoo", "build", "--card", file, "--store", store, "--json"])
    let object = try CommandRunner.object(again.stdout)
    let seeds = try #require(object["seeds"] as? [[String: Any]])
    #expect(seeds.count == 1 && seeds[0]["outcome"] as? String == "skipped")
    #expect(object["version"] as? Int == 1 && object["passed"] as? Bool == false)
    let checks = try #require(object["checks"] as? [[String: Any]])
    var reached: [String: Double] = [:]
    for check in checks { reached[check["metric"] as? String ?? ""] = check["reached"] as? Double }
    let accuracy = try #require(reached["Non0_acc_2"])
    let mae = try #require(reached["MAE"])
    #expect(accuracy > 0 && accuracy < 1 && mae > 0 && mae < 3)
    #expect(try CommandRunner.runs(store: store).count == 1)

    // A card stating what was reached (off by 0.01, inside the tolerance) passes; the card changed, so
    // it is a new version of the same weights.
    let stated = String(format: #"{"Non0_acc_2": %.6f, "MAE": %.6f}"#, accuracy + 0.01, mae - 0.01)
    try Self.card(metrics: stated).write(toFile: file, atomically: true, encoding: .utf8)
    let passing = try CommandRunner.run(["zoo", "build", "--card", file, "--store", store])
    #expect(passing.status == 0, "\(passing.stderr)")
    #expect(passing.stdout.contains("seed 5: reused finished run"))
    #expect(passing.stdout.contains("registered tiny-zoo v2"))
    #expect(passing.stdout.split(separator: "\n").filter { $0.hasSuffix("pass") }.count == 2)
    #expect(passing.stdout.contains("tiny-zoo: every metric within the card's tolerance"))
    let list = try CommandRunner.run(["zoo", "list", "--store", store])
    #expect(list.stdout.contains("tiny-zoo") && list.stdout.contains("v1 v2"))
    let export = try CommandRunner.run([
      "zoo", "export", "tiny-zoo", "--out", folder + "/tiny.safetensors", "--store", store,
    ])
    #expect(export.status == 0, "\(export.stderr)")
  }

  @Test func unknownCardsAreUsageErrors() throws {
    let folder = makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let unknown = try CommandRunner.run(["zoo", "build", "synthetic-mmolre-ful-rank", "--store", folder + "/s.sqlite"])
    #expect(unknown.status == 64)
    #expect(unknown.stderr.contains("did you mean synthetic-mmolre-full-rank?"), "\(unknown.stderr)")
    #expect(!FileManager.default.fileExists(atPath: folder + "/s.sqlite"))
    let both = try CommandRunner.run(["zoo", "build", "x", "--card", folder + "/none.json"])
    #expect(both.status == 64)
  }
}
