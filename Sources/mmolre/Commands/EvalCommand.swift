// `mmolre eval RUN`: recomputes a finished run's metrics from its stored config and selected checkpoint
// (Training's `Evaluation`) and prints them beside the logged ones; any difference exits 1.
import Data
import Foundation
import Tracker
import Training

enum EvalCommand: Command {
  static let name = "eval"
  static let summary = "re-evaluate a run's selected checkpoint and check its logged metrics"
  static let help = """
    Usage: mmolre eval RUN [--split test|valid|all] [--json] [--store PATH]

    Reloads the run's config and selected (best) checkpoint from the store (the weights' sha256 is
    checked), prepares the same data, recomputes the predictions and scores them with the ER thresholds
    the run chose on validation. Prints the logged and the reproduced value of every metric; on the
    machine that trained the run they agree exactly. Any difference (a metric, a stored per-sample
    prediction, or the data's fingerprint) is reported and exits with status 1.
    """
  static let options: [OptionSpec] = [
    .value("split", "SPLIT", "test, valid or all (default all)"),
    .flag("json", "the comparison as one JSON object"),
    StoreAccess.option,
  ]

  /// Reproduced figures differ from logged ones: exit status 1.
  struct Mismatch: Error, CustomStringConvertible {
    let description: String
  }

  static func run(_ arguments: Arguments) throws {
    guard arguments.positionals.count == 1 else { throw UsageError("expected one RUN (an id, id prefix or name)") }
    let splits: [String]
    switch arguments.value("split") ?? "all" {
    case "all": splits = ["valid", "test"]
    case "valid": splits = ["valid"]
    case "test": splits = ["test"]
    case let other: throw UsageError("--split: test, valid or all, not \(other)")
    }
    let store = try StoreAccess.open(arguments)
    let evaluation = try Evaluation.reevaluate(arguments.positionals[0], store: store, splits: splits)
    print(
      arguments.flag("json") ? json(evaluation).pretty : text(evaluation),
      terminator: arguments.flag("json") ? "\n" : "")
    guard evaluation.agrees else {
      throw Mismatch(description: "run \(evaluation.run.id.short): " + problems(evaluation).joined(separator: "; "))
    }
  }

  /// What differs, one phrase each.
  static func problems(_ evaluation: Evaluation) -> [String] {
    var out: [String] = []
    let differing = evaluation.figures.filter { !$0.agrees }
    if !differing.isEmpty {
      out.append("\(differing.count) of \(evaluation.figures.count) metrics differ from the logged ones")
    }
    for (split, count) in evaluation.predictionDifferences.sorted(by: { $0.key < $1.key }) where count > 0 {
      out.append("\(count) \(split) predictions differ from the stored ones")
    }
    if !evaluation.changedData.isEmpty {
      out.append("the data changed since the run (\(evaluation.changedData.joined(separator: ", ")))")
    }
    return out
  }

  static func number(_ value: Double?) -> String {
    guard let value else { return "-" }
    return value.isNaN ? "nan" : String(format: "%.6f", value)
  }

  static func text(_ evaluation: Evaluation) -> String {
    let run = evaluation.run
    var out = "run \(run.id.short) (\(run.name)), seed \(run.seed): best checkpoint of epoch "
    out += "\(evaluation.checkpointEpoch), weights \(evaluation.weightsSHA256.prefix(16))\n"
    if let thresholds = evaluation.thresholds {
      out +=
        "ER thresholds (chosen on validation): " + thresholds.map { String(format: "%.4f", $0) }.joined(separator: " ")
        + "\n"
    }
    let rows = evaluation.figures.map { figure -> [String] in
      var status = "same"
      if !figure.agrees {
        if let logged = figure.logged, let reproduced = figure.reproduced {
          status = String(format: "DIFFERS by %+.3g", reproduced - logged)
        } else {
          status = figure.logged == nil ? "DIFFERS: not logged" : "DIFFERS: not reproduced"
        }
      }
      return [figure.split, figure.metric, number(figure.logged), number(figure.reproduced), status]
    }
    out += TextTable(header: ["split", "metric", "logged", "reproduced", ""], rows: rows, rightAligned: [2, 3]).plain()
    for (split, count) in evaluation.predictionDifferences.sorted(by: { $0.key < $1.key }) {
      out += "\(split) predictions: " + (count == 0 ? "all equal to the stored ones\n" : "\(count) samples differ\n")
    }
    let problems = problems(evaluation)
    out += problems.isEmpty ? "reproduced exactly\n" : "NOT reproduced: " + problems.joined(separator: "; ") + "\n"
    return out
  }

  static func json(_ evaluation: Evaluation) -> JSONValue {
    func number(_ value: Double?) -> JSONValue { value.map { $0.isFinite ? .double($0) : .null } ?? .null }
    return .object([
      ("run", .string(evaluation.run.id.uid)), ("name", .string(evaluation.run.name)),
      ("checkpoint_epoch", .int(evaluation.checkpointEpoch)), ("weights_sha256", .string(evaluation.weightsSHA256)),
      ("thresholds", evaluation.thresholds.map { .array($0.map { .double($0) }) } ?? .null),
      (
        "figures",
        .array(
          evaluation.figures.map {
            .object([
              ("split", .string($0.split)), ("metric", .string($0.metric)), ("logged", number($0.logged)),
              ("reproduced", number($0.reproduced)), ("agrees", .bool($0.agrees)),
            ])
          })
      ),
      (
        "prediction_differences",
        .object(evaluation.predictionDifferences.sorted(by: { $0.key < $1.key }).map { ($0.key, .int($0.value)) })
      ),
      ("changed_data", .array(evaluation.changedData.map { .string($0) })), ("agrees", .bool(evaluation.agrees)),
    ])
  }
}
