// The metrics of a `PredictionTable`: MSA over the rows with both sentiment cells, MER over the rows with
// every emotion cell, overall and, with several sources, per source (as the reference's `score`).
/// The computed metrics of one prediction table, with what was skipped and any warnings.
public struct PredictionTableScore: Sendable {
  public private(set) var values: [String: Double] = [:]
  public private(set) var warnings: [String] = []
  /// One line saying how many rows each task used and skipped.
  public private(set) var summary = ""

  public init(table: PredictionTable, thresholds: [Double]?) throws(MetricsError) {
    guard table.rowCount > 0 else { throw MetricsError("\(table.path): no data rows after the header") }
    let all = Array(0..<table.rowCount)
    var parts = ["\(table.path): \(table.rowCount) rows"]
    var notes: [String] = []
    values = try Self.metrics(table, rows: all, thresholds: thresholds, onWarning: { notes.append($0) })
    func counts(_ used: Int, _ skipped: Int) -> String {
      "\(used) samples" + (skipped > 0 ? " (\(skipped) skipped: empty cell)" : "")
    }
    if let sa = table.sentimentSamples(all) { parts.append("sentiment: " + counts(sa.labels.count, sa.skipped)) }
    if let er = table.emotionSamples(all) {
      let names = table.emotions.map(\.emotion).joined(separator: ", ")
      parts.append("emotions (\(names)): " + counts(er.presence.count / table.emotions.count, er.skipped))
    }
    summary = parts.joined(separator: "; ")
    warnings = notes
    guard !values.isEmpty else {
      throw MetricsError("\(table.path): no row has every cell of a task filled, so there is nothing to score")
    }
    guard let sources = table.sources else { return }
    let names = Set(sources).sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
    guard names.count > 1 else { return }
    for name in names {
      let rows = all.filter { sources[$0] == name }
      for (key, value) in try Self.metrics(table, rows: rows, thresholds: thresholds, onWarning: { _ in }) {
        values["\(name)/\(key)"] = value
      }
    }
  }

  /// The values in canonical key order.
  public var orderedValues: [(String, Double)] {
    MetricKeys.canonicalOrder(values.keys).map { ($0, values[$0]!) }
  }

  private static func metrics(
    _ table: PredictionTable, rows: [Int], thresholds: [Double]?, onWarning: (String) -> Void
  ) throws(MetricsError) -> [String: Double] {
    var out: [String: Double] = [:]
    if let sa = table.sentimentSamples(rows), !sa.labels.isEmpty {
      out.merge(try MSAMetrics.compute(predictions: sa.predictions, labels: sa.labels, onWarning: onWarning)) { $1 }
    }
    if let er = table.emotionSamples(rows), !er.presence.isEmpty {
      let mer = try MERMetrics.compute(
        probabilities: er.probabilities, presence: er.presence, thresholds: thresholds,
        emotions: table.emotions.map(\.emotion), onWarning: onWarning)
      out.merge(mer) { $1 }
    }
    return out
  }
}
