// SVGChart: small self-contained SVG charts for the HTML report: lines over epochs, bars with error
// bars, and stacked bars of router gates. Axes get "nice" ticks (1, 2, 5 x 10^k steps).
import Foundation

enum SVGChart {
  static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
  static let width = 360.0
  static let height = 220.0
  static let margin = (left: 52.0, right: 12.0, top: 22.0, bottom: 40.0)

  /// Text escaped for XML.
  static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }

  static func number(_ value: Double) -> String { String(format: "%.1f", value) }

  /// About `count` round tick values covering low...high.
  static func ticks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
    guard high > low else { return [low] }
    let raw = (high - low) / Double(count)
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
    var out: [Double] = []
    var tick = ceil(low / step) * step
    while tick <= high + step * 1e-9 {
      out.append(abs(tick) < step * 1e-9 ? 0 : tick)
      tick += step
    }
    return out
  }

  static func tickLabel(_ value: Double) -> String {
    if value == value.rounded() && abs(value) < 1e6 { return String(Int(value)) }
    return String(format: abs(value) < 0.01 ? "%.2g" : "%.3g", value)
  }

  /// The frame: title, y axis with ticks and grid, x axis line and label.
  private static func frame(title: String, yLabel: String, yTicks: [Double], y: (Double) -> Double, xLabel: String)
    -> String
  {
    var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
    svg += "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"10\">"
    svg += "<text x=\"\(number(width / 2))\" y=\"14\" text-anchor=\"middle\" font-size=\"12\">\(escape(title))</text>"
    for tick in yTicks {
      let py = number(y(tick))
      svg += "<line x1=\"\(margin.left)\" x2=\"\(width - margin.right)\" y1=\"\(py)\" y2=\"\(py)\" stroke=\"#eee\"/>"
      svg += "<text x=\"\(margin.left - 4)\" y=\"\(py)\" text-anchor=\"end\" dy=\"3\">\(tickLabel(tick))</text>"
    }
    let bottom = height - margin.bottom
    svg +=
      "<line x1=\"\(margin.left)\" x2=\"\(width - margin.right)\" y1=\"\(bottom)\" y2=\"\(bottom)\" stroke=\"#333\"/>"
    svg += "<line x1=\"\(margin.left)\" x2=\"\(margin.left)\" y1=\"\(margin.top)\" y2=\"\(bottom)\" stroke=\"#333\"/>"
    svg += "<text x=\"\(number(width / 2))\" y=\"\(height - 4)\" text-anchor=\"middle\">\(escape(xLabel))</text>"
    svg +=
      "<text transform=\"translate(11,\(number(height / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>"
    return svg
  }

  private static func yScale(_ low: Double, _ high: Double) -> (ticks: [Double], map: (Double) -> Double) {
    var low = low
    var high = high
    if high <= low {
      low -= 0.5
      high += 0.5
    }
    let ticks = ticks(low, high)
    let lo = min(low, ticks.first ?? low)
    let hi = max(high, ticks.last ?? high)
    let top = margin.top
    let bottom = height - margin.bottom
    return (ticks, { bottom - ($0 - lo) / (hi - lo) * (bottom - top) })
  }

  /// Lines over x (epochs), one per series, with a legend.
  static func lines(title: String, xLabel: String, yLabel: String, series: [(name: String, points: [(Double, Double)])])
    -> String
  {
    let points = series.flatMap(\.points).filter { $0.0.isFinite && $0.1.isFinite }
    guard let xMin = points.map(\.0).min(), let xMax = points.map(\.0).max(), let yMin = points.map(\.1).min(),
      let yMax = points.map(\.1).max()
    else { return "" }
    let (yTicks, y) = yScale(yMin, yMax)
    let span = xMax > xMin ? xMax - xMin : 1
    let x = { (value: Double) in margin.left + (value - xMin) / span * (width - margin.left - margin.right) }
    var svg = frame(title: title, yLabel: yLabel, yTicks: yTicks, y: y, xLabel: xLabel)
    for tick in ticks(xMin, xMax, count: 6) where tick == tick.rounded() {
      svg +=
        "<text x=\"\(number(x(tick)))\" y=\"\(height - margin.bottom + 12)\" text-anchor=\"middle\">\(tickLabel(tick))</text>"
    }
    for (index, entry) in series.enumerated() {
      let color = palette[index % palette.count]
      let path = entry.points.filter { $0.0.isFinite && $0.1.isFinite }.map { "\(number(x($0.0))),\(number(y($0.1)))" }
      svg +=
        "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(path.joined(separator: " "))\"/>"
      svg +=
        "<text x=\"\(width - margin.right - 4)\" y=\"\(margin.top + 10 + 12 * Double(index))\" text-anchor=\"end\" "
      svg += "fill=\"\(color)\">\(escape(entry.name))</text>"
    }
    return svg + "</svg>"
  }

  /// One bar per category with a ±error whisker; the y range starts near the smallest bar so
  /// differences between groups stay visible.
  static func bars(
    title: String, yLabel: String, xLabel: String, bars: [(label: String, value: Double, error: Double?)]
  )
    -> String
  {
    let finite = bars.filter { $0.value.isFinite }
    guard !finite.isEmpty else { return "" }
    let lows = finite.map { $0.value - ($0.error ?? 0) }
    let highs = finite.map { $0.value + ($0.error ?? 0) }
    let spread = (highs.max()! - lows.min()!)
    let (yTicks, y) = yScale(lows.min()! - 0.15 * max(spread, 1e-9), highs.max()! + 0.05 * max(spread, 1e-9))
    var svg = frame(title: title, yLabel: yLabel, yTicks: yTicks, y: y, xLabel: xLabel)
    let slot = (width - margin.left - margin.right) / Double(bars.count)
    let base = height - margin.bottom  // bars rise from the bottom of the plot, the y range's minimum
    for (index, bar) in bars.enumerated() where bar.value.isFinite {
      let left = margin.left + slot * (Double(index) + 0.2)
      let top = y(bar.value)
      svg += "<rect x=\"\(number(left))\" y=\"\(number(min(top, base)))\" width=\"\(number(slot * 0.6))\" "
      svg += "height=\"\(number(abs(base - top)))\" fill=\"\(palette[0])\" fill-opacity=\"0.75\"/>"
      let center = number(left + slot * 0.3)
      if let error = bar.error, error > 0 {
        let (a, b) = (number(y(bar.value - error)), number(y(bar.value + error)))
        svg += "<line x1=\"\(center)\" x2=\"\(center)\" y1=\"\(a)\" y2=\"\(b)\" stroke=\"#000\"/>"
        svg +=
          "<line x1=\"\(number(left + slot * 0.2))\" x2=\"\(number(left + slot * 0.4))\" y1=\"\(a)\" y2=\"\(a)\" stroke=\"#000\"/>"
        svg +=
          "<line x1=\"\(number(left + slot * 0.2))\" x2=\"\(number(left + slot * 0.4))\" y1=\"\(b)\" y2=\"\(b)\" stroke=\"#000\"/>"
      }
      svg +=
        "<text x=\"\(center)\" y=\"\(height - margin.bottom + 12)\" text-anchor=\"middle\">\(escape(bar.label))</text>"
    }
    return svg + "</svg>"
  }

  /// Horizontal stacked bars: one row per label, segments of `shares` (summing to about 1) per expert.
  static func stacked(title: String, rows: [(label: String, shares: [Double])]) -> String {
    guard !rows.isEmpty else { return "" }
    let rowHeight = 18.0
    let left = 110.0
    let chartHeight = margin.top + rowHeight * Double(rows.count) + 30
    let widthAvailable = width - left - margin.right
    var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(chartHeight))\" "
    svg += "font-family=\"sans-serif\" font-size=\"10\">"
    svg += "<text x=\"\(number(width / 2))\" y=\"14\" text-anchor=\"middle\" font-size=\"12\">\(escape(title))</text>"
    for (index, row) in rows.enumerated() {
      let top = margin.top + rowHeight * Double(index)
      svg += "<text x=\"\(left - 4)\" y=\"\(number(top + 12))\" text-anchor=\"end\">\(escape(row.label))</text>"
      let total = max(row.shares.reduce(0, +), 1e-12)
      var x = left
      for (expert, share) in row.shares.enumerated() {
        let w = share / total * widthAvailable
        svg +=
          "<rect x=\"\(number(x))\" y=\"\(number(top + 2))\" width=\"\(number(w))\" height=\"\(number(rowHeight - 4))\" "
        svg +=
          "fill=\"\(palette[expert % palette.count])\"><title>expert \(expert + 1): \(String(format: "%.3f", share))</title></rect>"
        x += w
      }
    }
    let experts = rows.map(\.shares.count).max() ?? 0
    for expert in 0..<experts {
      let x = left + Double(expert) * 52
      let y = chartHeight - 10
      svg +=
        "<rect x=\"\(number(x))\" y=\"\(number(y - 8))\" width=\"9\" height=\"9\" fill=\"\(palette[expert % palette.count])\"/>"
      svg += "<text x=\"\(number(x + 12))\" y=\"\(number(y))\">expert \(expert + 1)</text>"
    }
    return svg + "</svg>"
  }
}
