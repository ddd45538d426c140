// NumberFormat: how the tracker prints numbers in tables.
import Foundation

enum NumberFormat {
  /// `value` with `digits` decimals; `nan` for NaN, `-` for nil.
  static func fixed(_ value: Double?, _ digits: Int) -> String {
    guard let value else { return "-" }
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    return String(format: "%.\(digits)f", value)
  }

  /// A signed difference, `+0.0123`.
  static func signed(_ value: Double, _ digits: Int) -> String {
    let text = fixed(value, digits)
    return value >= 0 && !text.hasPrefix("-") ? "+" + text : text
  }

  /// A p-value: 3 significant digits, `<1e-4` below that.
  static func pValue(_ p: Double) -> String {
    if p < 1e-4 { return "<1e-4" }
    return String(format: p < 0.01 ? "%.2g" : "%.3f", p)
  }

  /// Seconds as `1h02m`, `3m05s`, `12.3s`.
  static func duration(_ seconds: Double?) -> String {
    guard let seconds, seconds.isFinite else { return "-" }
    if seconds < 60 { return String(format: "%.1fs", seconds) }
    let total = Int(seconds.rounded())
    if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
    return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60)
  }

  /// A byte count as `512 B`, `17.2 KiB`, `3.4 MiB`.
  static func bytes(_ count: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB"]
    var value = Double(count)
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return unit == 0 ? "\(count) B" : String(format: "%.1f", value) + " " + units[unit]
  }
}
