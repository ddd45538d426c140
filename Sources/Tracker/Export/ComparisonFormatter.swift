// ComparisonFormatter: a Comparison as tables people read (plain text, Markdown) and files programs
// read (CSV, JSON), grouped or one row per run.
import Data

/// Renders a `Comparison`.
public struct ComparisonFormatter: Sendable {
  public enum Style: Sendable { case plain, markdown }

  public var digits: Int
  /// Metrics as rows and groups as columns (for many metrics and few groups).
  public var transpose: Bool

  public init(digits: Int = 4, transpose: Bool = false) {
    self.digits = digits
    self.transpose = transpose
  }

  // MARK: - Tables for people

  /// The main table: per group the key values, seed count and `mean ± std` per metric, the best
  /// marked (`*` in plain text, bold in Markdown; a `↓` after lower-is-better metric names).
  public func table(_ comparison: Comparison, style: Style) -> TextTable {
    let keyHeaders = comparison.keys.isEmpty ? ["group"] : comparison.keys
    var header = keyHeaders + ["n"]
    header += comparison.metrics.map { Comparison.lowerIsBetter($0) ? "\($0) ↓" : $0 }
    var rows: [[String]] = []
    for (index, group) in comparison.groups.enumerated() {
      var row = comparison.keys.isEmpty ? ["all runs"] : group.values.map(Comparison.display)
      row.append(String(group.seeds.count))
      for metric in comparison.metrics {
        row.append(cell(group.summaries[metric], best: comparison.best[metric]?.contains(index) == true, style: style))
      }
      rows.append(row)
    }
    let first = keyHeaders.count
    let table = TextTable(header: header, rows: rows, rightAligned: Set(first..<header.count))
    return transpose ? transposed(table, labels: comparison.groups.indices.map(comparison.label)) : table
  }

  /// The differences to the baseline: `+0.0123 (p=0.041, n=5)` per group and metric; nil without a
  /// baseline.
  public func differenceTable(_ comparison: Comparison) -> TextTable? {
    guard let baseline = comparison.baseline else { return nil }
    let keyHeaders = comparison.keys.isEmpty ? ["group"] : comparison.keys
    let header = keyHeaders + comparison.metrics
    var rows: [[String]] = []
    for (index, group) in comparison.groups.enumerated() {
      var row = comparison.keys.isEmpty ? ["all runs"] : group.values.map(Comparison.display)
      for metric in comparison.metrics {
        if index == baseline {
          row.append("baseline")
        } else if let d = group.differences[metric] {
          let test = d.p.map { "p=\(NumberFormat.pValue($0)), " } ?? ""
          row.append("\(NumberFormat.signed(d.meanDifference, digits)) (\(test)n=\(d.n))")
        } else {
          row.append("-")
        }
      }
      rows.append(row)
    }
    let table = TextTable(header: header, rows: rows, rightAligned: Set(keyHeaders.count..<header.count))
    return transpose ? transposed(table, labels: comparison.groups.indices.map(comparison.label)) : table
  }

  /// The title line of the difference table.
  public func differenceTitle(_ comparison: Comparison) -> String {
    guard let baseline = comparison.baseline else { return "" }
    return "Difference to \(comparison.label(baseline)): mean over the seeds both groups have, "
      + "two-sided paired t-test over those seeds"
  }

  /// The whole report for a terminal or a Markdown file: table, differences, warnings.
  public func render(_ comparison: Comparison, style: Style) -> String {
    let main = table(comparison, style: style)
    var out = style == .plain ? main.plain() : main.markdown()
    if let differences = differenceTable(comparison) {
      out += "\n" + differenceTitle(comparison) + (style == .plain ? ":\n" : ":\n\n")
      out += style == .plain ? differences.plain() : differences.markdown()
    }
    let runs = comparison.groups.reduce(0) { $0 + $1.runs.count }
    let footer =
      "\(runs) finished run\(runs == 1 ? "" : "s") in \(comparison.groups.count) group\(comparison.groups.count == 1 ? "" : "s"); "
      + "\(comparison.split) split; mean ± sample std over seeds (- when n = 1); best \(style == .plain ? "marked *" : "in bold")"
    out += "\n" + footer + "\n"
    for warning in comparison.warnings { out += "warning: \(warning)\n" }
    return out
  }

  private func cell(_ summary: MetricSummary?, best: Bool, style: Style) -> String {
    guard let summary else { return "-" }
    let text = "\(NumberFormat.fixed(summary.mean, digits)) ± \(NumberFormat.fixed(summary.std, digits))"
    guard best else { return style == .plain ? text + "  " : text }
    return style == .plain ? text + " *" : "**\(text)**"
  }

  private func transposed(_ table: TextTable, labels: [String]) -> TextTable {
    // The first columns name the group: replace them by one label column, then swap rows and columns.
    let valueStart = table.rightAligned.min() ?? table.header.count
    let header = ["metric"] + labels
    let rows = (valueStart..<table.header.count).map { column in
      [table.header[column]] + table.rows.map { $0[column] }
    }
    return TextTable(header: header, rows: rows, rightAligned: Set(1..<header.count))
  }

  // MARK: - Files for programs

  /// CSV: one row per group, key columns, `n`, `seeds` (space-separated), then per metric
  /// `METRIC_mean`, `METRIC_std` and, with a baseline, `METRIC_diff`, `METRIC_p`; full precision.
  public func csv(_ comparison: Comparison) -> String {
    var header = comparison.keys + ["n", "seeds"]
    for metric in comparison.metrics {
      header += ["\(metric)_mean", "\(metric)_std"]
      if comparison.baseline != nil { header += ["\(metric)_diff", "\(metric)_p"] }
    }
    let rows = comparison.groups.map { group -> [String] in
      var row = group.values.map(Comparison.display) + [String(group.seeds.count)]
      row.append(group.seeds.map(String.init).joined(separator: " "))
      for metric in comparison.metrics {
        let summary = group.summaries[metric]
        row += [summary.map { Self.full($0.mean) } ?? "", summary?.std.map(Self.full) ?? ""]
        if comparison.baseline != nil {
          let difference = group.differences[metric]
          row += [difference.map { Self.full($0.meanDifference) } ?? "", difference?.p.map(Self.full) ?? ""]
        }
      }
      return row
    }
    return TextTable(header: header, rows: rows).csv()
  }

  /// One row per run: id, name, seed, the grouping keys' values, then each metric (full precision).
  public func perRunTable(_ comparison: Comparison, full: Bool) -> TextTable {
    let header = ["run", "name", "seed"] + comparison.keys + comparison.metrics
    let rows = comparison.rows.map { row -> [String] in
      [full ? row.run.uid : row.run.short, row.name, String(row.seed)]
        + comparison.keys.map { Comparison.display(row.params[$0]) }
        + comparison.metrics.map { metric in
          row.metrics[metric].map { full ? Self.full($0) : NumberFormat.fixed($0, digits) } ?? "-"
        }
    }
    return TextTable(header: header, rows: rows, rightAligned: Set(2..<header.count))
  }

  /// The comparison as JSON: split, keys, metrics, per group its values, runs, seeds, summaries
  /// (n, mean, std, by_seed) and differences (n, mean_difference, t, p), the baseline and warnings.
  public func json(_ comparison: Comparison, perRun: Bool = false) -> JSONValue {
    func number(_ value: Double?) -> JSONValue { value.map { $0.isFinite ? .double($0) : .null } ?? .null }
    let groups = comparison.groups.enumerated().map { index, group -> JSONValue in
      let summaries = comparison.metrics.compactMap { metric -> (String, JSONValue)? in
        guard let s = group.summaries[metric] else { return nil }
        let bySeed = s.bySeed.keys.sorted().map { (String($0), number(s.bySeed[$0])) }
        return (
          metric,
          .object([("n", .int(s.n)), ("mean", number(s.mean)), ("std", number(s.std)), ("by_seed", .object(bySeed))])
        )
      }
      let differences = comparison.metrics.compactMap { metric -> (String, JSONValue)? in
        guard let d = group.differences[metric] else { return nil }
        return (
          metric,
          .object([
            ("n", .int(d.n)), ("mean_difference", number(d.meanDifference)), ("t", number(d.t)), ("p", number(d.p)),
          ])
        )
      }
      return .object([
        ("label", .string(comparison.label(index))),
        ("values", .object(zip(comparison.keys, group.values).map { ($0, $1 ?? .null) })),
        ("runs", .array(group.runs.map { .string($0.uid) })), ("seeds", .array(group.seeds.map { .int($0) })),
        (
          "best", .array(comparison.metrics.filter { comparison.best[$0]?.contains(index) == true }.map { .string($0) })
        ),
        ("summaries", .object(summaries)), ("differences", .object(differences)),
      ])
    }
    var pairs: [(String, JSONValue)] = [
      ("split", .string(comparison.split)), ("keys", .array(comparison.keys.map { .string($0) })),
      ("metrics", .array(comparison.metrics.map { .string($0) })),
      ("baseline", comparison.baseline.map { .string(comparison.label($0)) } ?? .null), ("groups", .array(groups)),
      ("warnings", .array(comparison.warnings.map { .string($0) })),
    ]
    if perRun {
      pairs.append(
        (
          "runs",
          .array(
            comparison.rows.map { row in
              .object([
                ("run", .string(row.run.uid)), ("name", .string(row.name)), ("seed", .int(row.seed)),
                ("params", .object(comparison.keys.map { ($0, row.params[$0] ?? .null) })),
                ("metrics", .object(comparison.metrics.map { ($0, number(row.metrics[$0])) })),
              ])
            })
        ))
    }
    return .object(pairs)
  }

  /// Shortest round-trip decimal (what CSV and JSON carry).
  static func full(_ value: Double) -> String { value.isNaN ? "nan" : JSONValue.formatNumber(value) }
}
