// compare: grouping, mean and sample std per group, best marks, paired t-tests against a baseline,
// checked against values computed by hand and once with numpy/scipy (pasted below).
import Data
import Foundation
import Testing
import Tracker

@Suite struct ComparisonTests {
  /// e4 (seeds 1-3), e2 (seeds 1-3), e8 (seed 1 only).
  static func makeStore(_ folder: TemporaryFolder) throws -> Store {
    let store = try Store.open(path: folder.file("s.sqlite"))
    let e4 = [(0.80, 0.70), (0.82, 0.72), (0.78, 0.74)]
    let e2 = [(0.75, 0.75), (0.80, 0.71), (0.74, 0.80)]
    for (seed, (acc, mae)) in zip(1...3, e4) {
      try finishedRun(store, experts: 4, seed: seed, test: ["Non0_acc_2": acc, "MAE": mae, "Extra": 1])
    }
    for (seed, (acc, mae)) in zip(1...3, e2) {
      try finishedRun(store, experts: 2, seed: seed, test: ["Non0_acc_2": acc, "MAE": mae, "Extra": 1])
    }
    try finishedRun(store, experts: 8, seed: 1, test: ["Non0_acc_2": 0.9, "MAE": 0.9, "Extra": 1])
    // Not finished: never compared.
    let running = try store.createRun(name: "r", seed: 9, config: sampleConfig(experts: 16), cellKey: "r")
    try store.logEpoch(running, epoch: 1, train: [:], valid: [:], learningRate: 0, seconds: 0, steps: 0)
    return store
  }

  @Test func meansStdsBestAndPairedTests() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let store = try Self.makeStore(folder)
    let table = try store.compare(
      ComparisonRequest(
        grouping: .keys(["model.n_experts"]), baseline: try ComparisonRequest.parseBaseline("model.n_experts=4")))
    #expect(table.keys == ["model.n_experts"])
    #expect(table.metrics == ["Non0_acc_2", "MAE"])  // headline set, in its order; Extra is not headline
    #expect(table.groups.map { $0.values[0] } == [.int(2), .int(4), .int(8)])
    #expect(table.groups.map(\.seeds) == [[1, 2, 3], [1, 2, 3], [1]])
    #expect(table.baseline == 1)
    #expect(table.warnings.isEmpty)

    // numpy: e2 = [0.75, 0.80, 0.74]: mean 0.7633333333333333, std(ddof=1) 0.03214550253664321;
    // e4 = [0.80, 0.82, 0.78]: mean 0.8000000000000002, std 0.019999999999999962.
    let e2 = try #require(table.groups[0].summaries["Non0_acc_2"])
    #expect(e2.n == 3 && abs(e2.mean - 0.7633333333333333) < 1e-12 && abs(e2.std! - 0.03214550253664321) < 1e-12)
    let e4 = try #require(table.groups[1].summaries["Non0_acc_2"])
    #expect(abs(e4.mean - 0.80) < 1e-12 && abs(e4.std! - 0.02) < 1e-12)
    let e8 = try #require(table.groups[2].summaries["Non0_acc_2"])
    #expect(e8.n == 1 && e8.mean == 0.9 && e8.std == nil)

    // Best: highest accuracy (e8), lowest MAE (e4: mean 0.72 vs e2 0.7533 and e8 0.9).
    #expect(table.best["Non0_acc_2"] == [2])
    #expect(table.best["MAE"] == [1])

    // scipy.stats.ttest_rel(e2, e4): statistic -4.1576092031014795, pvalue 0.053270737593743005;
    // MAE e2 [0.75, 0.71, 0.80] vs e4 [0.70, 0.72, 0.74]: statistic 1.5249857033260465, pvalue 0.2667644248932336.
    let accuracy = try #require(table.groups[0].differences["Non0_acc_2"])
    #expect(accuracy.n == 3 && abs(accuracy.meanDifference - (-0.036666666666666667)) < 1e-12)
    #expect(abs(accuracy.t! - (-4.1576092031014795)) < 1e-9 && abs(accuracy.p! - 0.053270737593743005) < 1e-9)
    let mae = try #require(table.groups[0].differences["MAE"])
    #expect(abs(mae.t! - 1.5249857033260465) < 1e-9 && abs(mae.p! - 0.2667644248932336) < 1e-9)
    // One shared seed: a difference but no test.
    let single = try #require(table.groups[2].differences["Non0_acc_2"])
    #expect(single.n == 1 && abs(single.meanDifference - 0.1) < 1e-12 && single.p == nil)
    #expect(table.groups[1].differences.isEmpty)
  }

  @Test func autoGroupingFindsVaryingKeysAndWarnsAboutConfounds() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let store = try Self.makeStore(folder)
    try finishedRun(store, experts: 4, seed: 4, lr: 0.01, test: ["Non0_acc_2": 0.5, "MAE": 1])
    let auto = try store.compare(ComparisonRequest(grouping: .auto, metrics: .all))
    #expect(auto.keys == ["model.n_experts", "train.lr"])
    #expect(auto.metrics == ["Non0_acc_2", "MAE", "Extra"])
    #expect(auto.warnings.isEmpty)
    let byExperts = try store.compare(ComparisonRequest(grouping: .keys(["model.n_experts"])))
    #expect(byExperts.warnings.count == 1)
    #expect(byExperts.warnings.first?.contains("train.lr also differs inside group model.n_experts=4") == true)
  }

  @Test func badRequestsNameTheProblem() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let store = try Self.makeStore(folder)
    let key = #expect(throws: TrackerError.self) {
      try store.compare(ComparisonRequest(grouping: .keys(["model.n_expert"])))
    }
    #expect(key?.message.contains("did you mean model.n_experts?") == true)
    let metric = #expect(throws: TrackerError.self) {
      try store.compare(ComparisonRequest(metrics: .list(["MAEE"])))
    }
    #expect(metric?.message.contains("did you mean MAE?") == true)
    let split = #expect(throws: TrackerError.self) { try store.compare(ComparisonRequest(split: "tset")) }
    #expect(split?.message.contains("did you mean test?") == true)
    let baseline = #expect(throws: TrackerError.self) {
      try store.compare(
        ComparisonRequest(
          grouping: .keys(["model.n_experts"]), baseline: try ComparisonRequest.parseBaseline("model.n_experts=5")))
    }
    #expect(baseline?.message.contains("matches 0 groups") == true)
  }

  @Test func baselineAndListParsing() throws {
    let pairs = try ComparisonRequest.parseBaseline("model.expert_ranks=[8,8],model.gating=topk")
    #expect(pairs.map(\.key) == ["model.expert_ranks", "model.gating"])
    #expect(pairs.map(\.value) == [.array([.int(8), .int(8)]), .string("topk")])
    #expect(ComparisonRequest.parseList("MAE, Corr,,mosi/Non0_acc_2") == ["MAE", "Corr", "mosi/Non0_acc_2"])
    #expect(Comparison.lowerIsBetter("mosi/MAE") && Comparison.lowerIsBetter("valid_loss"))
    #expect(!Comparison.lowerIsBetter("Corr"))
  }
}
