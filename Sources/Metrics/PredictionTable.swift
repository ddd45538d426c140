// The columns of a table of predictions beside labels (what `mmolre metrics` reads from a CSV), and
// the samples each task counts. Two layouts, matched case-insensitively, extra columns ignored:
//   y_true, y_pred, <emo>_true, <emo>_score           (any subset of the six emotions)
//   sentiment, sentiment_pred, <emo>, <emo>_prob, source   (the reference's prediction CSV)
// `<emo>_true` holds presence (0/1) or intensities: presence = value > 0. An empty cell (or NaN, as
// pandas writes and reads it) leaves that sample out of that task; any other non-numeric cell is an
// error naming the file, the line and the column.
import Foundation

/// A table of predictions beside labels with its recognised columns parsed to numbers. The cells come
/// from a CSV reader (the caller's), so this type knows the columns' meaning and nothing of the file
/// format.
public struct PredictionTable: Sendable {
  /// One recognised task column: its header name and the parsed cell per row (nil = missing).
  public struct Column: Sendable {
    public let name: String
    public let values: [Double?]
  }

  /// One emotion's truth and score columns.
  public struct EmotionColumns: Sendable {
    public let emotion: String
    public let truth: Column
    public let score: Column
  }

  /// Names the table in errors (the file path).
  public let path: String
  public let rowCount: Int
  public let sentiment: (truth: Column, prediction: Column)?
  /// Emotions with both columns, in the file order of their score columns.
  public let emotions: [EmotionColumns]
  /// Dataset name per row, when the table has a `source` column.
  public let sources: [String]?
  /// Recognised columns that lack their partner (reported, then ignored).
  public let unpaired: [String]

  /// The cells of a delimited table: `header`, `rows` and the line each row starts on (for errors).
  /// - Throws: `MetricsError` naming the file, line and column of a bad cell, or saying which columns
  ///   were expected when none is recognised.
  public init(path: String, header: [String], rows: [[String]], lineNumbers: [Int]) throws(MetricsError) {
    let table = Cells(origin: path, header: header, rows: rows, lineNumbers: lineNumbers)
    self.path = path
    rowCount = table.rows.count
    var index: [String: Int] = [:]
    for (i, raw) in table.header.enumerated() {
      let name = raw.replacingOccurrences(of: "\u{FEFF}", with: "").lowercased()
      if index[name] != nil, Self.recognised(name) {
        throw MetricsError("\(path): line 1: column \(raw) appears twice")
      }
      index[name] = index[name] ?? i
    }
    func column(_ names: [String], scores: Bool = false) throws(MetricsError) -> Column? {
      guard let i = names.lazy.compactMap({ index[$0] }).first else { return nil }
      return Column(name: table.header[i], values: try Self.parse(table, column: i, unitRange: scores))
    }
    var unpaired: [String] = []
    func pair(_ truth: Column?, _ other: Column?) -> (Column, Column)? {
      if let truth, let other { return (truth, other) }
      unpaired += [truth?.name, other?.name].compactMap { $0 }
      return nil
    }
    sentiment = pair(try column(["y_true", "sentiment"]), try column(["y_pred", "sentiment_pred"]))
    var emotions: [(Int, EmotionColumns)] = []
    for e in MetricKeys.emotions {
      let truth = try column(["\(e)_true", e])
      if case let (truth, score)? = pair(truth, try column(["\(e)_score", "\(e)_prob"], scores: true)) {
        let position = index["\(e)_score"] ?? index["\(e)_prob"] ?? 0
        emotions.append((position, EmotionColumns(emotion: e, truth: truth, score: score)))
      }
    }
    self.emotions = emotions.sorted { $0.0 < $1.0 }.map(\.1)
    self.unpaired = unpaired
    sources = index["source"].map { i in table.rows.map { $0[i].trimmingCharacters(in: .whitespaces) } }
    guard sentiment != nil || !self.emotions.isEmpty else {
      let names = MetricKeys.emotions.joined(separator: "|")
      throw MetricsError(
        "\(path): no recognised columns: expected y_true,y_pred and/or <emo>_true,<emo>_score with <emo> one of "
          + "\(names) (or the prediction CSV's sentiment,sentiment_pred,<emo>,<emo>_prob); "
          + "columns are \(table.header.joined(separator: ", "))")
    }
  }

  static func recognised(_ name: String) -> Bool {
    let fixed: Set<String> = ["y_true", "y_pred", "sentiment", "sentiment_pred", "source"]
    let suffixes = ["", "_true", "_score", "_prob"]
    return fixed.contains(name) || MetricKeys.emotions.contains { e in suffixes.contains { name == e + $0 } }
  }

  /// The numbers of one column; empty and NaN cells are nil. `unitRange` requires [0, 1].
  static func parse(_ table: Cells, column: Int, unitRange: Bool) throws(MetricsError) -> [Double?] {
    var out: [Double?] = []
    out.reserveCapacity(table.rows.count)
    for row in table.rows.indices {
      let text = table.rows[row][column].trimmingCharacters(in: .whitespaces)
      guard !text.isEmpty, !["nan", "na", "n/a", "null"].contains(text.lowercased()) else {
        out.append(nil)
        continue
      }
      let location = "\(table.origin): line \(table.lineNumbers[row]): column \(table.header[column])"
      guard let value = Double(text) else { throw MetricsError("\(location): \(text) is not a number") }
      guard value.isFinite else { throw MetricsError("\(location): \(text) is not a finite number") }
      if unitRange, value < 0 || value > 1 {
        throw MetricsError("\(location): score \(text) is not a probability in [0, 1]")
      }
      out.append(value)
    }
    return out
  }

  /// The raw cells with what errors need to name them.
  struct Cells {
    let origin: String
    let header: [String]
    let rows: [[String]]
    let lineNumbers: [Int]
  }

  /// Predictions and labels of the rows in `rows` with both sentiment cells filled, and how many of
  /// `rows` were skipped for an empty cell.
  public func sentimentSamples(_ rows: [Int]) -> (predictions: [Double], labels: [Double], skipped: Int)? {
    guard let sentiment else { return nil }
    var predictions: [Double] = []
    var labels: [Double] = []
    for row in rows {
      guard let y = sentiment.truth.values[row], let p = sentiment.prediction.values[row] else { continue }
      labels.append(y)
      predictions.append(p)
    }
    return (predictions, labels, rows.count - labels.count)
  }

  /// Row-major probabilities and presence of the rows in `rows` whose emotion cells are all filled,
  /// and how many of `rows` were skipped.
  public func emotionSamples(_ rows: [Int]) -> (probabilities: [Double], presence: [Bool], skipped: Int)? {
    guard !emotions.isEmpty else { return nil }
    var probabilities: [Double] = []
    var presence: [Bool] = []
    var kept = 0
    for row in rows {
      let cells = emotions.map { ($0.score.values[row], $0.truth.values[row]) }
      guard cells.allSatisfy({ $0.0 != nil && $0.1 != nil }) else { continue }
      probabilities += cells.map { $0.0! }
      presence += cells.map { $0.1! > 0 }
      kept += 1
    }
    return (probabilities, presence, rows.count - kept)
  }
}
