// The six cases of shared/golden/metrics/cases.json, computed with the reference implementation
// (cff5b35); every expected key must agree to 1e-9. Skipped when the shared folder is absent.
import Data
import Foundation
import Metrics
import Testing

private let casesPath = SharedFolder.forTests().map { $0 + "/golden/metrics/cases.json" }

@Suite(.enabled(if: casesPath.map { FileManager.default.fileExists(atPath: $0) } ?? false, "no shared golden folder"))
struct GoldenCasesTests {
  static func cases() throws -> [JSONValue] {
    try readJSON(casesPath ?? "").requireArray("cases")
  }

  @Test func allSixCasesAgree() throws {
    let cases = try Self.cases()
    #expect(cases.count == 6)
    for item in cases {
      let name = item["name"]?.stringValue ?? "?"
      let expected = item["expected"]?.metricValues ?? [:]
      let got: [String: Double]
      switch item["kind"]?.stringValue {
      case "msa":
        got = try MSAMetrics.compute(predictions: item["y_pred"]!.doubles, labels: item["y_true"]!.doubles)
      case "mer":
        let thresholds = item["thresholds"].flatMap { $0.isNull ? nil : $0.doubles }
        got = try MERMetrics.compute(
          probabilities: item["probs"]!.flatDoubles, presence: item["presence"]!.flatDoubles.map { $0 > 0 },
          thresholds: thresholds)
      default:
        Issue.record("\(name): unknown kind")
        continue
      }
      #expect(expected.count >= 8, "\(name)")
      expectMetrics(got, expected, tolerance: 1e-9, name)
    }
  }
}

extension JSONValue {
  func requireArray(_ key: String) throws -> [JSONValue] {
    guard let items = self[key]?.arrayValue else { throw DataError("no list under \(key)") }
    return items
  }
}
