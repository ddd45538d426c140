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
  /// Every compared row (for `--per-run` exports).
  public let rows: [ComparisonRow]

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
