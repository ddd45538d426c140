// Sparkline: a series as one line of block characters (eight heights), for epoch curves in a terminal.

public enum Sparkline {
  static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

  /// One block per value, scaled from the series' minimum to its maximum; a blank for NaN, a flat
  /// middle line for a constant series.
  public static func render(_ values: [Double]) -> String {
    let finite = values.filter(\.isFinite)
    guard let low = finite.min(), let high = finite.max() else { return String(repeating: " ", count: values.count) }
    return String(
      values.map { value -> Character in
        guard value.isFinite else { return " " }
        guard high > low else { return blocks[3] }
        let level = Int(((value - low) / (high - low) * Double(blocks.count - 1)).rounded())
        return blocks[min(max(level, 0), blocks.count - 1)]
      })
  }
}
