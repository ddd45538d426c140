// Comparison: an ablation table: finished runs grouped by config keys, per group and metric the seed
// count, mean and sample std, the best group per metric, and paired differences to a baseline group.
import Data

/// One finished run as a comparison sees it: its seed, config params and results in one split.
public struct ComparisonRow: Sendable {
  public let run: RunID
  public let name: String
  public let seed: Int
  public let params: [String: JSONValue]
  public let metrics: [String: Double]

  public init(run: RunID, name: String, seed: Int, params: [String: JSONValue], metrics: [String: Double]) {
    self.run = run
    self.name = name
    self.seed = seed
    self.params = params
    self.metrics = metrics
  }
}

/// Finished runs in columns, as `compare` reads them: each distinct param value is decoded once and
/// runs refer to it by code, so grouping and confound checks over 10,000 runs compare integers.
public struct ComparisonData: Sendable {
  public let runs: [RunID]
  public let names: [String]
  public let seeds: [Int]
  /// Config keys some selected run has.
  public let paramKeys: [String]
  /// Distinct param values; `paramCodes[row][key]` indexes it, -1 where the run lacks the key.
  public let paramValues: [JSONValue]
  public let paramCodes: [[Int32]]
  /// The metric columns loaded, and `metrics[row][metric]` (NaN where missing or undefined).
  public let metricNames: [String]
  public let metrics: [[Double]]

  public init(
    runs: [RunID], names: [String], seeds: [Int], paramKeys: [String], paramValues: [JSONValue], paramCodes: [[Int32]],
    metricNames: [String], metrics: [[Double]]
  ) {
    self.runs = runs
    self.names = names
    self.seeds = seeds
    self.paramKeys = paramKeys
    self.paramValues = paramValues
    self.paramCodes = paramCodes
    self.metricNames = metricNames
    self.metrics = metrics
  }

  /// Columns from rows (for rows built by hand; the store reads columns directly).
  public init(rows: [ComparisonRow]) {
    let keys = Array(Set(rows.flatMap { $0.params.keys })).sorted()
    let metricNames = Array(Set(rows.flatMap { $0.metrics.keys })).sorted()
    var values: [JSONValue] = []
    var codes: [String: Int32] = [:]
    let paramCodes = rows.map { row in
      keys.map { key -> Int32 in
        guard let value = row.params[key] else { return -1 }
        let text = value.canonical
        if let code = codes[text] { return code }
        values.append(value)
        codes[text] = Int32(values.count - 1)
        return Int32(values.count - 1)
      }
    }
    self.init(
      runs: rows.map(\.run), names: rows.map(\.name), seeds: rows.map(\.seed), paramKeys: keys, paramValues: values,
      paramCodes: paramCodes, metricNames: metricNames,
      metrics: rows.map { row in metricNames.map { row.metrics[$0] ?? .nan } })
  }

  public var count: Int { runs.count }

  /// Row `row`'s value of key index `key`, or nil.
  public func param(_ row: Int, _ key: Int) -> JSONValue? {
    let code = paramCodes[row][key]
    return code < 0 ? nil : paramValues[Int(code)]
  }

  /// Row `row` as a `ComparisonRow`.
  public func row(_ row: Int) -> ComparisonRow {
    var params: [String: JSONValue] = [:]
    for (index, key) in paramKeys.enumerated() { params[key] = param(row, index) }
    var values: [String: Double] = [:]
    for (index, metric) in metricNames.enumerated() where !metrics[row][index].isNaN {
      values[metric] = metrics[row][index]
    }
    return ComparisonRow(run: runs[row], name: names[row], seed: seeds[row], params: params, metrics: values)
  }
}

/// Mean and spread of one metric in one group.
public struct MetricSummary: Sendable, Equatable {
  /// Seeds with a finite value.
  public let n: Int
  public let mean: Double
  /// Sample standard deviation; nil when n = 1.
  public let std: Double?
  /// The value per seed (runs of the same seed in one group are averaged).
  public let bySeed: [Int: Double]
}

/// A group's difference to the baseline in one metric: paired over the seeds both have.
public struct PairedDifference: Sendable, Equatable {
  /// Shared seeds with finite values in both groups.
  public let n: Int
  /// mean over shared seeds of (group - baseline).
  public let meanDifference: Double
  public let t: Double?
  /// Two-sided p-value of the paired t-test; nil when n < 2.
  public let p: Double?
}

/// One row of the table.
public struct ComparisonGroup: Sendable {
  /// The grouping keys' values, in `Comparison.keys` order; nil where a run lacks the key.
  public let values: [JSONValue?]
  public let runs: [RunID]
  /// Distinct seeds, ascending.
  public let seeds: [Int]
  /// Metric -> summary (absent when no run of the group has the metric).
  public let summaries: [String: MetricSummary]
  /// Metric -> paired difference to the baseline group (empty for the baseline itself or no baseline).
  public let differences: [String: PairedDifference]
}

/// The result of `Store.compare`.
public struct Comparison: Sendable {
  public let split: String
  /// The grouping keys (columns identifying a group).
  public let keys: [String]
  /// The metric columns, in order.
  public let metrics: [String]
  public let groups: [ComparisonGroup]
  /// Index into `groups` of the baseline, if one was asked for.
  public let baseline: Int?
  /// Metric -> indices of the groups with the best mean (ties share the mark).
  public let best: [String: [Int]]
  /// Confounds and other things a reader of the table should know.
  public let warnings: [String]
  /// The compared runs in columns.
  public let data: ComparisonData

  /// Every compared run as a row (for `--per-run` exports; built on each call).
  public var rows: [ComparisonRow] { (0..<data.count).map(data.row) }

  /// The headline metrics `compare` shows by default, in this order, where the runs have them (a
  /// dataset prefix such as `mosi/` is allowed).
  public static let headlineMetrics = [
    "Non0_acc_2", "Non0_F1_score", "MAE", "Corr", "Mult_acc_7", "mean_WA", "mean_F1", "mean_AUC",
  ]

  /// Config keys that name, display or schedule a run without changing what it computes: never a
  /// grouping key for `--by auto` and never reported as a confound.
  public static let nonAblationKeys: Set<String> = [
    "name", "experiment", "seed", "output_dir", "train.seeds", "train.seed", "train.progress", "train.num_threads",
    "train.threads", "train.tensorboard", "train.device", "train.eval_batch_size",
  ]

  /// Whether a smaller value of `metric` is better (MAE, MSE, RMSE, losses, errors).
  public static func lowerIsBetter(_ metric: String) -> Bool {
    let base = metric.split(separator: "/").last.map(String.init)?.lowercased() ?? metric.lowercased()
    return ["mae", "mse", "rmse"].contains(base) || base.contains("loss") || base.contains("error")
  }

  /// Whether `key` is a display or naming field (see `nonAblationKeys`).
  public static func isNonAblationKey(_ key: String) -> Bool {
    if nonAblationKeys.contains(key) { return true }
    let last = key.split(separator: ".").last.map(String.init) ?? key
    return ["progress", "num_threads", "threads"].contains(last)
  }

  /// The label of group `index`: `model.n_experts=4, model.rank_max=32` (or `all runs`).
  public func label(_ index: Int) -> String {
    guard !keys.isEmpty else { return "all runs" }
    return zip(keys, groups[index].values).map { "\($0)=\(Self.display($1))" }.joined(separator: ", ")
  }

  /// A grouping value as shown in tables: JSON text, strings bare, `-` for a missing key.
  public static func display(_ value: JSONValue?) -> String {
    guard let value else { return "-" }
    if case .string(let s) = value { return s }
    return value.canonical
  }
}
