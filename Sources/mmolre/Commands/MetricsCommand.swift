// `mmolre metrics FILE.csv`: the MSA and MER metrics of a CSV of predictions beside labels (columns
// in the Metrics module's `PredictionTable`), printed as an aligned table or as JSON.
import Data
import Foundation
import Metrics

enum MetricsCommand: Command {
  static let name = "metrics"
  static let summary = "compute MSA / MER metrics from a CSV of predictions and labels"
  static let help = """
    Usage: mmolre metrics FILE.csv [--thresholds LIST] [--json]

    Computes the metrics of DESIGN section 5 with MMSA semantics from a CSV file.
      y_true,y_pred                  sentiment labels and predictions -> Has0/Non0 acc and F1, Mult_acc_5/7,
                                     MAE, Corr
      <emo>_true,<emo>_score         for any of happy, sad, anger, surprise, disgust, fear: presence (0/1, or
                                     intensities: present when > 0) and predicted probability -> per-emotion
                                     WA, F1, AUC, their means and micro_F1; a score equal to the threshold
                                     counts as positive
    The reference's prediction CSV (sentiment,sentiment_pred,<emo>,<emo>_prob,source) is read too; with a
    source column holding several datasets, every metric is also given per dataset as <source>/<metric>.
    Other columns are ignored. A row with an empty cell is left out of that task.
    """
  static let options: [OptionSpec] = [
    .value(
      "thresholds", "LIST",
      "ER thresholds: one per emotion in column order, one for all, or happy=0.3,sad=0.45"),
    .flag("json", "print a JSON object of the metrics at full precision"),
  ]

  static func run(_ arguments: Arguments) throws {
    guard arguments.positionals.count == 1, let path = arguments.positionals.first else {
      throw UsageError("expected one CSV file, got \(arguments.positionals.count) arguments")
    }
    let table = try PredictionTable.read(path: path)
    for name in table.unpaired { printError("note: \(path): column \(name) has no partner column; ignored") }
    let thresholds = try parseThresholds(arguments.value("thresholds"), for: table)
    let evaluation = try PredictionTableScore(table: table, thresholds: thresholds)
    for warning in evaluation.warnings { printError("note: \(warning)") }
    if arguments.flag("json") {
      print(JSONValue.object(evaluation.orderedValues.map { ($0.0, .double($0.1)) }).pretty)
    } else {
      print(evaluation.summary)
      print(formatTable(evaluation.orderedValues))
    }
  }

  /// Thresholds in the order of `table.emotions`; nil for 0.5 each.
  static func parseThresholds(_ text: String?, for table: PredictionTable) throws -> [Double]? {
    guard let text else { return nil }
    let names = table.emotions.map(\.emotion)
    guard !names.isEmpty else {
      throw DataError("\(table.path): --thresholds given, but the file has no <emo>_true,<emo>_score columns")
    }
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    func number(_ part: String) throws -> Double {
      guard let value = Double(part), value >= 0, value <= 1 else {
        throw UsageError("--thresholds: \(part) is not a threshold in [0, 1]")
      }
      return value
    }
    guard parts.contains(where: { $0.contains("=") }) else {
      let values = try parts.map(number)
      if values.count == 1 { return Array(repeating: values[0], count: names.count) }
      guard values.count == names.count else {
        throw DataError(
          "\(table.path): --thresholds has \(values.count) values but the file has \(names.count) emotion(s) "
            + "(\(names.joined(separator: ", ")) in column order); give one value per emotion, one for all, or emo=value"
        )
      }
      return values
    }
    var thresholds = Array(repeating: MERMetrics.defaultThreshold, count: names.count)
    for part in parts {
      let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      guard pieces.count == 2 else { throw UsageError("--thresholds: \(part) is not emotion=value") }
      let emotion = pieces[0].lowercased()
      guard MetricKeys.emotions.contains(emotion) else {
        let hint = nearestName(to: emotion, among: MetricKeys.emotions).map { "; did you mean \($0)?" } ?? ""
        throw UsageError("--thresholds: unknown emotion \(pieces[0])\(hint)")
      }
      guard let i = names.firstIndex(of: emotion) else {
        throw DataError("\(table.path): --thresholds names \(emotion), but the file has no \(emotion) columns")
      }
      thresholds[i] = try number(pieces[1])
    }
    return thresholds
  }

  /// Key and value columns, the values with 4 decimals, aligned.
  static func formatTable(_ rows: [(String, Double)]) -> String {
    let width = (rows.map(\.0.count).max() ?? 0) + 2
    return rows.map { key, value in
      let text = value.isNaN ? "nan" : String(format: "%.4f", value)
      return key + String(repeating: " ", count: width - key.count) + text
    }.joined(separator: "\n")
  }
}

extension PredictionTable {
  /// Reads a CSV file (the Data module's reader) into a prediction table.
  static func read(path: String) throws -> PredictionTable {
    let csv = try CSVTable(contentsOf: path)
    return try PredictionTable(path: path, header: csv.header, rows: csv.rows, lineNumbers: csv.lineNumbers)
  }
}
