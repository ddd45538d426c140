import Data
import Testing
import Tracker

@Suite struct ResultsDocumentTests {
  @Test func rendersTablesFromTheStoreBesideReferenceFigures() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let store = try Store.open(path: folder.file("store.sqlite"))
    for (seed, value) in [(1, 0.80), (2, 0.82), (3, 0.84)] {
      try finishedRun(store, experts: 4, seed: seed, test: ["Non0_acc_2": value, "MAE": 0.6])
      try finishedRun(store, experts: 2, seed: seed, test: ["Non0_acc_2": value - 0.01, "MAE": 0.7])
    }
    let spec = try JSONValue(
      parsing: #"""
        {"title": "Results", "text": ["Intro."],
         "sections": [{"title": "Experts", "text": "Why.", "command": "mmolre run --sweep model.n_experts=2,4",
                       "tables": [{"by": ["model.n_experts"], "metrics": ["Non0_acc_2", "MAE"], "baseline": "model.n_experts=4"}],
                       "reference": {"header": ["metric", "mmolre"], "rows": [["Non0_acc_2", "0.8182 ± 0.0039"]]},
                       "after": ["Reading."]}]}
        """#)
    let text = try ResultsDocument(spec: spec, origin: "spec.json").render(store: store)
    #expect(
      text.hasPrefix(
        "# Results\n\nIntro.\n\n## Experts\n\nWhy.\n\n```bash\nmmolre run --sweep model.n_experts=2,4\n```"))
    // Mean and sample std of 0.80, 0.82, 0.84: 0.8200 ± 0.0200; of 0.79, 0.81, 0.83 the same std.
    #expect(text.contains("0.8200 ± 0.0200"))
    #expect(text.contains("0.8100 ± 0.0200"))
    #expect(text.contains("| Non0_acc_2 | 0.8182 ± 0.0039 |"))
    #expect(text.contains("PyTorch reference (cff5b35)"))
    #expect(text.hasSuffix("Reading.\n\n"))
  }

  @Test func aSpecWithoutSectionsIsRefused() throws {
    #expect(throws: TrackerError.self) {
      try ResultsDocument(spec: try JSONValue(parsing: #"{"title": "x"}"#), origin: "spec.json")
    }
  }
}
