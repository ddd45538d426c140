// HTMLReport: `mmolre report`, one self-contained HTML page (inline CSS and SVG, no scripts, nothing
// fetched): the comparison table, an ablation chart per metric (group means with ±std error bars over
// seeds), learning curves per run, and expert routing per group, task, modality and block (mean gate
// per expert at each run's selected epoch, averaged over the group's runs).
import Data
import Foundation

public struct HTMLReport: Sendable {
  public var title: String
  /// Learning curves are drawn for at most this many runs.
  public var maxRuns: Int
  public var digits: Int

  public init(title: String = "mmolre report", maxRuns: Int = 40, digits: Int = 4) {
    self.title = title
    self.maxRuns = maxRuns
    self.digits = digits
  }

  /// The page for `comparison` (its runs' epochs and routing come from `store`).
  public func render(store: Store, comparison: Comparison) throws -> String {
    var html = """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"><title>\(SVGChart.escape(title))</title>
      <style>
      body { font-family: sans-serif; margin: 2em; color: #222; }
      table { border-collapse: collapse; margin: 1em 0; }
      th, td { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: right; }
      th:first-child, td:first-child { text-align: left; }
      .charts { display: flex; flex-wrap: wrap; gap: 12px; }
      .warning { color: #a40; }
      .note { color: #666; font-size: 90%; }
      </style></head><body>
      <h1>\(SVGChart.escape(title))</h1>
      <p class="note">\(SVGChart.escape(store.path)), \(comparison.rows.count) finished runs, \(SVGChart.escape(comparison.split)) split, generated \(RunFormatter.date(Date())).</p>

      """
    html += section("Comparison", comparisonTable(comparison))
    html += section("Ablation", ablationCharts(comparison))
    html += section("Learning curves", try learningCurves(store: store, comparison: comparison))
    html += section("Expert routing", try routing(store: store, comparison: comparison))
    return html + "</body></html>\n"
  }

  private func section(_ heading: String, _ body: String) -> String {
    "<h2>\(heading)</h2>\n" + (body.isEmpty ? "<p class=\"note\">nothing to show</p>\n" : body)
  }

  private func comparisonTable(_ comparison: Comparison) -> String {
    let table = ComparisonFormatter(digits: digits).table(comparison, style: .markdown)
    var html = "<table><tr>" + table.header.map { "<th>\(SVGChart.escape($0))</th>" }.joined() + "</tr>\n"
    for row in table.rows {
      html +=
        "<tr>"
        + row.map { cell -> String in
          cell.hasPrefix("**")
            ? "<td><b>\(SVGChart.escape(cell.replacingOccurrences(of: "**", with: "")))</b></td>"
            : "<td>\(SVGChart.escape(cell))</td>"
        }.joined() + "</tr>\n"
    }
    html += "</table>\n<p class=\"note\">mean ± sample std over seeds; best in bold.</p>\n"
    for warning in comparison.warnings { html += "<p class=\"warning\">warning: \(SVGChart.escape(warning))</p>\n" }
    return html
  }

  private func ablationCharts(_ comparison: Comparison) -> String {
    let xLabel = comparison.keys.isEmpty ? "all runs" : comparison.keys.joined(separator: ", ")
    let charts = comparison.metrics.map { metric -> String in
      let bars = comparison.groups.map { group -> (label: String, value: Double, error: Double?) in
        let summary = group.summaries[metric]
        let label = comparison.keys.isEmpty ? "all" : group.values.map(Comparison.display).joined(separator: ", ")
        return (label, summary?.mean ?? .nan, summary?.std)
      }
      let arrow = Comparison.lowerIsBetter(metric) ? " (lower is better)" : ""
      return SVGChart.bars(title: metric + arrow, yLabel: metric, xLabel: xLabel, bars: bars)
    }.filter { !$0.isEmpty }
    return charts.isEmpty ? "" : "<div class=\"charts\">\n" + charts.joined(separator: "\n") + "\n</div>\n"
  }

  private func learningCurves(store: Store, comparison: Comparison) throws -> String {
    var charts: [String] = []
    for row in comparison.rows.prefix(maxRuns) {
      let epochs = try store.epochs(row.run)
      guard !epochs.isEmpty else { continue }
      let keys = RunFormatter.epochKeys(epochs).filter { $0.key == "loss" }
      let chosen = keys.isEmpty ? Array(RunFormatter.epochKeys(epochs).prefix(2)) : keys
      let series = chosen.map { key in
        (
          name: "\(key.split) \(key.key)",
          points: epochs.map {
            (Double($0.epoch), (key.split == "train" ? $0.train[key.key] : $0.valid[key.key]) ?? .nan)
          }
        )
      }
      charts.append(
        SVGChart.lines(
          title: "\(row.run.short) \(row.name) (seed \(row.seed))", xLabel: "epoch", yLabel: "", series: series))
    }
    var html = charts.isEmpty ? "" : "<div class=\"charts\">\n" + charts.joined(separator: "\n") + "\n</div>\n"
    if comparison.rows.count > maxRuns {
      html += "<p class=\"note\">first \(maxRuns) of \(comparison.rows.count) runs shown.</p>\n"
    }
    return html
  }

  private func routing(store: Store, comparison: Comparison) throws -> String {
    var charts: [String] = []
    for (index, group) in comparison.groups.enumerated() {
      // (task, modality, block) -> summed gates and run count.
      var sums: [String: (gates: [Double], count: Int, order: (String, String, Int))] = [:]
      for run in group.runs {
        let epochs = try store.epochs(run)
        let best = try store.run(run.uid).bestEpoch
        guard
          let epoch = epochs.last(where: { $0.epoch == best && !$0.routing.isEmpty })
            ?? epochs.last(where: { !$0.routing.isEmpty })
        else { continue }
        for stat in epoch.routing {
          let key = "\(stat.task) \(stat.modality) block \(stat.block)"
          var entry =
            sums[key] ?? ([Double](repeating: 0, count: stat.gates.count), 0, (stat.task, stat.modality, stat.block))
          if entry.gates.count == stat.gates.count {
            entry.gates = zip(entry.gates, stat.gates).map(+)
            entry.count += 1
          }
          sums[key] = entry
        }
      }
      let rows = sums.sorted { a, b in
        let (x, y) = (a.value.order, b.value.order)
        return (x.0, x.1, x.2) < (y.0, y.1, y.2)
      }.map { (label: $0.key, shares: $0.value.gates.map { [count = $0.value.count] in $0 / Double(max(count, 1)) }) }
      guard !rows.isEmpty else { continue }
      let runCount = sums.values.map(\.count).max() ?? 0
      charts.append(SVGChart.stacked(title: "\(comparison.label(index)) (\(runCount) runs)", rows: rows))
    }
    guard !charts.isEmpty else { return "" }
    return
      "<p class=\"note\">mean gate per shared expert at each run's selected epoch, averaged over the group's runs.</p>\n"
      + "<div class=\"charts\">\n" + charts.joined(separator: "\n") + "\n</div>\n"
  }
}
