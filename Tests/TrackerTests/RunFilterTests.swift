// --where: the language's semantics over a small store, errors with a caret, and hostile text.
import Data
import Foundation
import Testing
import Tracker

@Suite struct RunFilterTests {
  static func makeStore(_ folder: TemporaryFolder) throws -> (Store, [String: RunID]) {
    let store = try Store.open(path: folder.file("s.sqlite"))
    var ids: [String: RunID] = [:]
    ids["a"] = try finishedRun(store, experts: 2, seed: 1, lr: 0.001, name: "a", test: ["Non0_acc_2": 0.7])
    ids["b"] = try finishedRun(store, experts: 4, seed: 1, lr: 0.001, name: "b", test: ["Non0_acc_2": 0.8])
    ids["c"] = try finishedRun(store, experts: 8, seed: 2, lr: 0.003, name: "c", test: ["Non0_acc_2": 0.9])
    let ranked = try store.createRun(
      name: "d", seed: 3,
      config: .object([
        ("model", .object([("n_experts", .int(2)), ("expert_ranks", .array([.int(8), .int(8)]))])),
        ("data", .object([("name", .string("mosi"))])),
      ]), cellKey: "d")
    try store.finishRun(ranked, results: ["test": ["mosi/Non0_acc_2": 0.6]])
    ids["d"] = ranked
    try store.tag(ids["b"]!, add: ["paper", "best"])
    return (store, ids)
  }

  static func names(_ store: Store, _ expression: String) throws -> [String] {
    try store.runs(where: expression).map(\.name).sorted()
  }

  @Test func comparisonsOverConfigRunFieldsTagsAndMetrics() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let (store, _) = try Self.makeStore(folder)
    #expect(try Self.names(store, "model.n_experts = 4") == ["b"])
    #expect(try Self.names(store, "model.n_experts in (2, 8)") == ["a", "c", "d"])
    #expect(try Self.names(store, "model.n_experts not in (2, 8)") == ["b"])
    #expect(try Self.names(store, "train.lr < 0.002 and not model.n_experts = 4") == ["a"])
    #expect(try Self.names(store, "train.lr = 1e-3") == ["a", "b"])
    #expect(try Self.names(store, "(model.n_experts = 2 or model.n_experts >= 8) and run.seed = 1") == ["a"])
    #expect(try Self.names(store, "run.tag = 'paper'") == ["b"])
    #expect(try Self.names(store, "run.tag != 'paper'") == ["a", "c", "d"])
    #expect(try Self.names(store, "metrics.test.Non0_acc_2 >= 0.8") == ["b", "c"])
    #expect(try Self.names(store, "metrics.test.`mosi/Non0_acc_2` > 0.5") == ["d"])
    #expect(try Self.names(store, "run.name like 'A%' or run.name = \"c\"") == ["a", "c"])
    #expect(try Self.names(store, "model.shared_experts = true") == ["a", "b", "c"])
    #expect(try Self.names(store, "model.expert_ranks = [8, 8]") == ["d"])
    #expect(try Self.names(store, "model.expert_ranks = null") == ["a", "b", "c"])
    #expect(try Self.names(store, "model.architecture != 'mmolre'") == ["d"])  // d lacks the key
    #expect(try Self.names(store, "run.status = 'finished' and run.experiment = 'default'") == ["a", "b", "c", "d"])
    #expect(try Self.names(store, "config.data.name = 'mosi'") == ["d"])
    #expect(try Self.names(store, "NOT run.seed < 2 AND model.n_experts <> 2") == ["c"])
  }

  @Test func errorsPointAtThePosition() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let (store, _) = try Self.makeStore(folder)
    func message(_ expression: String) -> String {
      do {
        _ = try store.runs(where: expression)
        return "no error"
      } catch let error as TrackerError {
        #expect(error.kind == .usage)
        return error.message
      } catch {
        return "\(error)"
      }
    }
    #expect(
      message("model.n_experts = ")
        == "--where: expected a value, found the end at position 19\n  model.n_experts = \n                    ^")
    #expect(message("model.n_expert = 4").contains("did you mean model.n_experts?"))
    #expect(message("run.status = 'finishd'").contains("did you mean finished?"))
    #expect(message("run.stat = 'x'").contains("did you mean run.status?"))
    #expect(message("metrics.test.MAE > 1").contains("no run has the metric MAE in test"))
    #expect(message("metrics.tset.Non0_acc_2 > 1").contains("did you mean test?"))
    #expect(message("(run.seed = 1").contains("expected ')'"))
    #expect(message("run.seed = 1 run.seed = 2").contains("expected 'and', 'or'"))
    #expect(message("run.name = 'open").contains("unterminated string at position 12"))
    #expect(message("run.seed ~ 1").contains("unexpected character ~ at position 10\n  run.seed ~ 1\n           ^"))
  }

  @Test func hostileTextChangesNothing() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let (store, _) = try Self.makeStore(folder)
    let before = try store.storeStatistics()
    let hostile = [
      "run.name = 'x'; DROP TABLE runs; --'",
      "run.name = 'x''; DROP TABLE runs; --'",
      "run.name = \"x\\\" OR 1=1 --\"",
      "`model.n_experts) OR 1=1 --` = 4",
      "run.name = 'a' or 1=1",
      "metrics.test.`Non0_acc_2; DELETE FROM results` > 0",
      "run.name like '%' ; VACUUM",
    ]
    for expression in hostile {
      let matched = try? store.runs(where: expression)
      // Either an error or a literal match of the text: never every run through injected SQL.
      #expect(matched == nil || matched!.isEmpty, "\(expression)")
    }
    #expect(try store.storeStatistics() == before)
    #expect(try store.runs().count == 4)
  }
}
