// SelectionOptions: the flags compare, export, export-latex and report share to select and group runs.
import Tracker

enum SelectionOptions {
  static let specs: [OptionSpec] = [
    .value("where", "EXPR", "only finished runs matching EXPR (see mmolre runs --help)"),
    .value("by", "KEYS", "group by these comma-separated config keys, or auto: the keys that vary (default auto)"),
    .value("metrics", "LIST", "comma-separated metrics, or all (default: the headline metrics present)"),
    .value("split", "SPLIT", "results split (default test)"),
    .value("baseline", "KEY=VALUE", "the group others are compared to with a paired t-test (KEY=VALUE[,KEY=VALUE])"),
  ]

  /// The request the flags describe.
  static func request(_ arguments: Arguments) throws -> ComparisonRequest {
    var request = ComparisonRequest(filter: arguments.value("where"), split: arguments.value("split") ?? "test")
    if let by = arguments.value("by"), by != "auto" {
      let keys = ComparisonRequest.parseList(by)
      guard !keys.isEmpty else { throw UsageError("--by: give config keys (model.n_experts,model.rank_max) or auto") }
      request.grouping = .keys(keys)
    }
    if let metrics = arguments.value("metrics") {
      request.metrics = metrics == "all" ? .all : .list(ComparisonRequest.parseList(metrics))
    }
    if let baseline = arguments.value("baseline") {
      request.baseline = try ComparisonRequest.parseBaseline(baseline)
    }
    return request
  }

  /// `--digits N` (default 4, 0...10).
  static func digits(_ arguments: Arguments) throws -> Int {
    let digits = try arguments.int("digits") ?? 4
    guard (0...10).contains(digits) else { throw UsageError("--digits: expected 0 to 10, got \(digits)") }
    return digits
  }

  static let digitsOption = OptionSpec.value("digits", "N", "decimals in tables (default 4)")
}
