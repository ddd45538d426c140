// A results document (RESULTS.md) generated from the store and a spec file: every table is a
// `compare` over the store, written as Markdown beside literal reference figures the spec carries
// (the PyTorch implementation's, cff5b35), so the document needs no hand-copying and is rebuilt by
// one command after new runs land.
//
// Spec (JSON): {"title": "...", "text": ["paragraph", ...], "sections": [{"title": "...",
//   "text": [...], "command": "mmolre run ...", "tables": [{"title": "...", "where": "EXPR",
//   "by": ["key", ...] | "auto", "metrics": ["Non0_acc_2", ...] | "all", "split": "test",
//   "baseline": "KEY=VALUE", "transpose": true}], "reference": {"title": "...", "header": [...],
//   "rows": [[...], ...]}, "after": ["paragraph", ...]}]}
import Data

public struct ResultsDocument: Sendable {
  public let spec: JSONValue
  public let origin: String

  /// Reads and checks a spec; errors name the file and the field.
  public init(spec: JSONValue, origin: String) throws {
    guard spec.objectPairs != nil else { throw TrackerError(.usage, "\(origin): the spec must be a JSON object") }
    guard spec["title"]?.stringValue != nil else {
      throw TrackerError(.usage, "\(origin): title: a string is required")
    }
    guard let sections = spec["sections"]?.arrayValue else {
      throw TrackerError(.usage, "\(origin): sections: a list is required")
    }
    for (i, section) in sections.enumerated() {
      guard section["title"]?.stringValue != nil else {
        throw TrackerError(.usage, "\(origin): sections[\(i)].title: a string is required")
      }
      for (j, table) in (section["tables"]?.arrayValue ?? []).enumerated() where table.objectPairs == nil {
        throw TrackerError(.usage, "\(origin): sections[\(i)].tables[\(j)]: an object is required")
      }
    }
    self.spec = spec
    self.origin = origin
  }

  /// The Markdown document: the spec's text with each table computed from `store`.
  public func render(store: Store, digits: Int = 4) throws -> String {
    var out = "# \(spec["title"]!.stringValue!)\n\n"
    out += Self.paragraphs(spec["text"])
    for (i, section) in spec["sections"]!.arrayValue!.enumerated() {
      out += "## \(section["title"]!.stringValue!)\n\n"
      out += Self.paragraphs(section["text"])
      if let command = section["command"]?.stringValue { out += "```bash\n\(command)\n```\n\n" }
      for (j, table) in (section["tables"]?.arrayValue ?? []).enumerated() {
        let request = try Self.request(table, origin: "\(origin): sections[\(i)].tables[\(j)]")
        if let title = table["title"]?.stringValue { out += "\(title)\n\n" }
        // A section whose runs have not finished yet says so instead of failing the whole document.
        if try store.runs(where: request.filter, status: .finished).isEmpty {
          out += "_No finished runs yet for `\(request.filter ?? "all runs")`: run the command above._\n\n"
          continue
        }
        let comparison = try store.compare(request)
        let formatter = ComparisonFormatter(digits: digits, transpose: table["transpose"]?.boolValue ?? false)
        out += formatter.render(comparison, style: .markdown) + "\n"
      }
      if let reference = section["reference"] {
        let label = "\(origin): sections[\(i)].reference"
        guard let header = reference["header"]?.arrayValue?.compactMap(\.stringValue),
          let rows = reference["rows"]?.arrayValue?.map({ $0.arrayValue?.map { $0.stringValue ?? $0.compact } ?? [] })
        else { throw TrackerError(.usage, "\(label): header and rows are required") }
        out += (reference["title"]?.stringValue ?? "PyTorch reference (cff5b35)") + "\n\n"
        out += TextTable(header: header, rows: rows, rightAligned: Set(1..<header.count)).markdown() + "\n"
      }
      out += Self.paragraphs(section["after"])
    }
    return out
  }

  static func paragraphs(_ value: JSONValue?) -> String {
    guard let items = value?.arrayValue else { return value?.stringValue.map { $0 + "\n\n" } ?? "" }
    return items.compactMap(\.stringValue).map { $0 + "\n\n" }.joined()
  }

  static func request(_ table: JSONValue, origin: String) throws -> ComparisonRequest {
    var request = ComparisonRequest(filter: table["where"]?.stringValue, split: table["split"]?.stringValue ?? "test")
    if let keys = table["by"]?.arrayValue {
      request.grouping = .keys(keys.compactMap(\.stringValue))
    } else if let by = table["by"]?.stringValue, by != "auto" {
      request.grouping = .keys(ComparisonRequest.parseList(by))
    }
    if let metrics = table["metrics"]?.arrayValue {
      request.metrics = .list(metrics.compactMap(\.stringValue))
    } else if table["metrics"]?.stringValue == "all" {
      request.metrics = .all
    }
    if let baseline = table["baseline"]?.stringValue {
      request.baseline = try ComparisonRequest.parseBaseline(baseline)
    }
    return request
  }
}
