// `mmolre zoo build`: runs Training's ZooBuilder on a card and prints, per metric, the card's value, the
// reached one, the tolerance and pass or FAIL; a failure exits 1.
import Data
import Foundation
import Tracker
import Training

enum ZooBuildOutput {
  /// Some metric is outside the card's tolerance: exit status 1.
  struct Failure: Error, CustomStringConvertible {
    let description: String
  }

  static func build(card: ZooCard, _ arguments: Arguments) throws {
    let store = try StoreAccess.open(arguments, create: true)
    let progress = ProgressLine(enabled: !arguments.flag("quiet") && !arguments.flag("json"))
    let runner = GridRunner(store: store, experiment: "zoo", runName: nil, prepareData: DataPreparation.prepare)
    runner.onEvent = { RunCommand.report($0, progress) }
    Interruption.install()
    let build = try ZooBuilder.build(card, runner: runner)
    progress.clear()
    print(arguments.flag("json") ? json(build).pretty : text(build), terminator: arguments.flag("json") ? "\n" : "")
    let failed = build.checks.filter { $0.passed == false }
    guard failed.isEmpty else {
      throw Failure(
        description: "\(card.name): \(failed.count) of \(build.checks.count) metrics outside the card's tolerance ("
          + failed.map { "\($0.split).\($0.metric)" }.joined(separator: ", ") + ")")
    }
  }

  static func text(_ build: ZooBuild) -> String {
    var out = ""
    for outcome in build.outcomes {
      let how = outcome.kind == .skipped ? "reused finished run" : "\(outcome.kind.rawValue) run"
      out += "seed \(outcome.seed): \(how) \(outcome.run?.short ?? "-")\n"
    }
    out += "registered \(build.card.name) v\(build.version) (run \(build.run.short), weights "
    out += "\(build.weightsSHA256.prefix(16)))\n"
    out += "OpenBLAS core: \(build.openBLASCore) here, \(build.card.openBLASCore ?? "not stated") on the card; "
    switch build.sameWeightsAsCard {
    case .some(true): out += "weights identical to the card's\n"
    case .some(false): out += "weights differ from the card's (expected on another machine or OpenBLAS core)\n"
    case .none: out += "the card states no weights sha256\n"
    }
    if let changed = build.changedData {
      out +=
        changed.isEmpty
        ? "data: the card's (same fingerprints)\n"
        : "data: DIFFERS from the card's (\(changed.joined(separator: ", ")))\n"
    }
    let rows = build.checks.map { check -> [String] in
      let verdict = check.passed.map { $0 ? "pass" : "FAIL" } ?? "unchecked"
      return [
        check.split, check.metric, String(format: "%.4f", check.card), String(format: "%.4f", check.reached),
        String(format: "%.4f", abs(check.reached - check.card)),
        check.tolerance.map { String(format: "%.4f", $0) } ?? "-",
        verdict,
      ]
    }
    out += TextTable(
      header: ["split", "metric", "card", "reached", "|diff|", "tolerance", ""], rows: rows,
      rightAligned: [2, 3, 4, 5]
    ).plain()
    let failed = build.checks.filter { $0.passed == false }.count
    out +=
      failed == 0
      ? "\(build.card.name): every metric within the card's tolerance\n" : "\(build.card.name): \(failed) FAILED\n"
    return out
  }

  static func json(_ build: ZooBuild) -> JSONValue {
    func number(_ value: Double) -> JSONValue { value.isFinite ? .double(value) : .null }
    return .object([
      ("name", .string(build.card.name)), ("version", .int(build.version)), ("run", .string(build.run.uid)),
      ("weights_sha256", .string(build.weightsSHA256)), ("openblas_core", .string(build.openBLASCore)),
      ("same_weights_as_card", build.sameWeightsAsCard.map { .bool($0) } ?? .null),
      ("changed_data", build.changedData.map { .array($0.map { .string($0) }) } ?? .null),
      (
        "seeds",
        .array(
          build.outcomes.map {
            .object([
              ("seed", .int($0.seed)), ("run", $0.run.map { .string($0.uid) } ?? .null),
              ("outcome", .string($0.kind.rawValue)),
            ])
          })
      ),
      (
        "checks",
        .array(
          build.checks.map {
            .object([
              ("split", .string($0.split)), ("metric", .string($0.metric)), ("card", number($0.card)),
              ("reached", number($0.reached)), ("tolerance", $0.tolerance.map { .double($0) } ?? .null),
              ("passed", $0.passed.map { .bool($0) } ?? .null),
            ])
          })
      ),
      ("passed", .bool(build.passed)),
    ])
  }
}
