// LaTeXTable: a Comparison as a booktabs table (groups as rows, metrics as columns, mean $\pm$ std, the
// best in bold, a dagger where the paired t-test against the baseline gives p < 0.05), optionally as
// a whole document pdflatex compiles.

/// Writes `export-latex` tables.
public struct LaTeXTable: Sendable {
  public var caption: String?
  public var label: String
  public var digits: Int
  /// A compilable document (`\documentclass{article}` with booktabs) instead of a table to `\input`.
  public var standalone: Bool
  /// The significance level of the dagger mark.
  public var alpha: Double = 0.05

  public init(caption: String? = nil, label: String = "tab:ablation", digits: Int = 4, standalone: Bool = false) {
    self.caption = caption
    self.label = label
    self.digits = digits
    self.standalone = standalone
  }

  /// The LaTeX source.
  public func render(_ comparison: Comparison) -> String {
    let keyHeaders = comparison.keys.isEmpty ? ["group"] : comparison.keys.map(Self.shortKey)
    let spec =
      String(repeating: "l", count: keyHeaders.count) + "r" + String(repeating: "r", count: comparison.metrics.count)
    var lines: [String] = []
    if standalone {
      lines += [
        "\\documentclass{article}", "\\usepackage{booktabs}", "\\begin{document}", "",
      ]
    }
    lines += [
      "\\begin{table}[t]", "\\centering", "\\caption{\(captionText(comparison))}", "\\label{\(Self.escape(label))}",
    ]
    lines.append("\\begin{tabular}{\(spec)}")
    lines.append("\\toprule")
    let metricHeaders = comparison.metrics.map {
      Self.escape($0) + (Comparison.lowerIsBetter($0) ? " $\\downarrow$" : " $\\uparrow$")
    }
    lines.append((keyHeaders.map(Self.escape) + ["$n$"] + metricHeaders).joined(separator: " & ") + " \\\\")
    lines.append("\\midrule")
    for (index, group) in comparison.groups.enumerated() {
      var cells = comparison.keys.isEmpty ? ["all runs"] : group.values.map { Self.escape(Comparison.display($0)) }
      cells.append(String(group.seeds.count))
      for metric in comparison.metrics {
        cells.append(cell(group, metric: metric, best: comparison.best[metric]?.contains(index) == true))
      }
      lines.append(cells.joined(separator: " & ") + " \\\\")
    }
    lines += ["\\bottomrule", "\\end{tabular}", "\\end{table}"]
    if standalone { lines += ["", "\\end{document}"] }
    return lines.joined(separator: "\n") + "\n"
  }

  private func cell(_ group: ComparisonGroup, metric: String, best: Bool) -> String {
    guard let summary = group.summaries[metric] else { return "--" }
    let std = summary.std.map { NumberFormat.fixed($0, digits) } ?? "--"
    var text = "\(NumberFormat.fixed(summary.mean, digits)) $\\pm$ \(std)"
    if best { text = "\\textbf{\(text)}" }
    if let p = group.differences[metric]?.p, p < alpha { text += "$^{\\dagger}$" }
    return text
  }

  private func captionText(_ comparison: Comparison) -> String {
    var text =
      caption.map(Self.escape)
      ?? "Mean $\\pm$ sample standard deviation over seeds (\(Self.escape(comparison.split)) split; $n$ seeds per row); best in bold."
    if let baseline = comparison.baseline {
      text +=
        " $^{\\dagger}$ $p < \(ComparisonFormatter.full(alpha))$, two-sided paired $t$-test over shared seeds against "
        + Self.escape(comparison.label(baseline)) + "."
    }
    return text
  }

  /// `model.n_experts` -> `n_experts` when the section prefix is the usual `model.`/`train.`.
  static func shortKey(_ key: String) -> String {
    for prefix in ["model.", "train."] where key.hasPrefix(prefix) { return String(key.dropFirst(prefix.count)) }
    return key
  }

  /// `text` with LaTeX's special characters escaped (`_ % & # $ { } ~ ^ \`) and `±`/`↓` as math.
  public static func escape(_ text: String) -> String {
    var out = ""
    for c in text {
      switch c {
      case "\\": out += "$\\backslash$"
      case "$": out += "$\\$$"  // math dollar: the text one needs the TS1 fonts base TeX Live lacks
      case "_", "%", "&", "#", "{", "}": out += "\\" + String(c)
      case "~": out += "\\~{}"
      case "^": out += "\\^{}"
      case "<": out += "$<$"
      case ">": out += "$>$"
      case "±": out += "$\\pm$"
      case "↓": out += "$\\downarrow$"
      default: out.append(c)
      }
    }
    return out
  }
}
