// The HTML report: one self-contained page with the comparison, ablation bars with error bars,
// learning curves and the routing of each group.
import Data
import Foundation
import Testing
import Tracker

@Suite struct HTMLReportTests {
  @Test func reportHasEverySectionAndNoExternalResources() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let store = try Store.open(path: folder.file("s.sqlite"))
    for (experts, seed) in [(2, 1), (2, 2), (4, 1), (4, 2)] {
      let run = try store.createRun(
        name: "e\(experts)-s\(seed)", seed: seed, config: sampleConfig(experts: experts), cellKey: "c\(experts)")
      for epoch in 1...3 {
        let gates = (0..<experts).map { Double($0 + 1) / Double(experts * (experts + 1) / 2) }
        try store.logEpoch(
          run, epoch: epoch, train: ["loss": 1 / Double(epoch)], valid: ["loss": 1.2 / Double(epoch)],
          learningRate: 0.001, seconds: 1, steps: 10,
          routing: [
            RoutingStat(task: "SA", modality: "text", block: 1, gates: gates),
            RoutingStat(task: "ER", modality: "audio", block: 2, gates: gates.reversed()),
          ])
      }
      try store.finishRun(run, results: ["test": ["MAE": 0.7 + 0.01 * Double(seed), "Corr": 0.5]], bestEpoch: 3)
    }
    let comparison = try store.compare(ComparisonRequest(grouping: .keys(["model.n_experts"])))
    let html = try HTMLReport(title: "Experts <ablation>").render(store: store, comparison: comparison)
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    #expect(html.contains("<title>Experts &lt;ablation&gt;</title>"))
    for heading in ["Comparison", "Ablation", "Learning curves", "Expert routing"] {
      #expect(html.contains("<h2>\(heading)</h2>"), "\(heading)")
    }
    // Two ablation charts (MAE, Corr), four learning-curve charts, two routing charts.
    #expect(html.components(separatedBy: "<svg ").count - 1 == 2 + 4 + 2)
    #expect(html.contains("model.n_experts=2 (2 runs)") && html.contains("SA text block 1"))
    // MAE of e2 and e4 is 0.715 ± 0.00707 (seeds 1 and 2): an error bar is drawn.
    #expect(html.contains("<td>0.7150 ± 0.0071</td>") || html.contains("<b>0.7150 ± 0.0071</b>"))
    #expect(!html.contains("<script") && !html.contains("href=") && !html.contains("src="))
  }
}
