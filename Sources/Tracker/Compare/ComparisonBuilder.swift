// ComparisonBuilder: from columns of finished runs to a Comparison: choose the grouping keys, group,
// summarise per seed, mark the best, test paired differences to the baseline, and warn about keys that
// also vary inside a group (a confounded comparison). Params are integer codes here (see
// ComparisonData), so the work over 10,000 runs x 25 keys is integer comparisons.
import Data
import Metrics

extension Comparison {
  /// Builds the table for `request` from `data` (its metric columns in the order to show).
  /// - Throws: `.usage` for an unknown grouping key or a baseline that names no group.
  public static func build(data: ComparisonData, request: ComparisonRequest) throws -> Comparison {
    let keyIndices = try groupingKeys(data: data, request: request)
    let keys = keyIndices.map { data.paramKeys[$0] }
    let metricIndices = data.metricNames.indices.filter { m in
      if case .list = request.metrics { return true }
      return data.metrics.contains { !$0[m].isNaN }
    }
    let metrics = metricIndices.map { data.metricNames[$0] }

    // Group rows by their codes of the grouping keys.
    var order: [[Int32]] = []
    var members: [[Int32]: [Int]] = [:]
    for row in 0..<data.count {
      let signature = keyIndices.map { data.paramCodes[row][$0] }
      if members[signature] == nil { order.append(signature) }
      members[signature, default: []].append(row)
    }
    let signatures = order.sorted { a, b in
      for (x, y) in zip(a, b) where x != y { return precedes(x, y, data.paramValues) }
      return false
    }
    let groupRows = signatures.map { members[$0]! }
    var groups = zip(signatures, groupRows).map { signature, rows -> ComparisonGroup in
      var summaries: [String: MetricSummary] = [:]
      for (column, metric) in zip(metricIndices, metrics) {
        summaries[metric] = summary(rows.map { (data.seeds[$0], data.metrics[$0][column]) })
      }
      return ComparisonGroup(
        values: signature.map { $0 < 0 ? nil : data.paramValues[Int($0)] }, runs: rows.map { data.runs[$0] },
        seeds: Array(Set(rows.map { data.seeds[$0] })).sorted(), summaries: summaries, differences: [:])
    }

    var warnings = confounds(data: data, groups: groups, groupRows: groupRows, keys: keys, keyIndices: keyIndices)
    for (group, rows) in zip(groups, groupRows) {
      var counts: [Int: Int] = [:]
      for row in rows { counts[data.seeds[row], default: 0] += 1 }
      let repeated = counts.filter { $0.value > 1 }.keys.sorted()
      if !repeated.isEmpty {
        warnings.append(
          "group \(labelText(keys, group.values)) has several runs of seed "
            + "\(repeated.prefix(5).map(String.init).joined(separator: ", "))\(repeated.count > 5 ? "..." : ""); "
            + "their values are averaged per seed")
      }
    }

    var baselineIndex: Int?
    if let conditions = request.baseline {
      let index = try findBaseline(conditions, keys: keys, groups: groups)
      baselineIndex = index
      groups = groups.enumerated().map { i, group in
        guard i != index else { return group }
        return ComparisonGroup(
          values: group.values, runs: group.runs, seeds: group.seeds, summaries: group.summaries,
          differences: differences(group, groups[index], metrics))
      }
    }

    var best: [String: [Int]] = [:]
    for metric in metrics {
      let means = groups.enumerated().compactMap { i, g in g.summaries[metric].map { (i, $0.mean) } }.filter {
        $0.1.isFinite
      }
      guard means.count > 1, let target = lowerIsBetter(metric) ? means.map(\.1).min() : means.map(\.1).max() else {
        continue
      }
      best[metric] = means.filter { $0.1 == target }.map(\.0)
    }
    return Comparison(
      split: request.split, keys: keys, metrics: metrics, groups: groups, baseline: baselineIndex, best: best,
      warnings: warnings, data: data)
  }

  /// Builds the table from rows made by hand.
  public static func build(rows: [ComparisonRow], request: ComparisonRequest) throws -> Comparison {
    try build(data: ComparisonData(rows: rows), request: request)
  }

  // MARK: - Keys and metrics

  private static func groupingKeys(data: ComparisonData, request: ComparisonRequest) throws -> [Int] {
    switch request.grouping {
    case .keys(let keys):
      return try keys.map { key in
        guard let index = data.paramKeys.firstIndex(of: key) else {
          throw TrackerError(
            .usage, "--by: no selected run has the config key \(key)\(didYouMean(key, among: data.paramKeys))")
        }
        return index
      }
    case .auto:
      return data.paramKeys.indices.filter { key in
        guard !isNonAblationKey(data.paramKeys[key]), let first = data.paramCodes.first?[key] else { return false }
        return data.paramCodes.contains { $0[key] != first }
      }
    }
  }

  /// The metric columns to load for `request` among those the split has: the list as given, or all,
  /// or the headline ones; plain names before `dataset/` ones, headline metrics in their order first.
  static func metricColumns(_ request: ComparisonRequest, available: [String]) throws -> [String] {
    switch request.metrics {
    case .list(let names):
      for name in names where !available.contains(name) {
        throw TrackerError(
          .usage, "--metrics: no selected run has \(name) in \(request.split)\(didYouMean(name, among: available))")
      }
      return names
    case .all:
      return available.sorted(by: metricPrecedes)
    case .headline:
      return available.filter { headlineMetrics.contains(baseName($0)) }.sorted(by: metricPrecedes)
    }
  }

  private static func baseName(_ metric: String) -> String {
    metric.split(separator: "/").last.map(String.init) ?? metric
  }

  private static func metricPrecedes(_ a: String, _ b: String) -> Bool {
    func key(_ m: String) -> (String, Int, String) {
      let prefix = m.contains("/") ? String(m[..<m.lastIndex(of: "/")!]) : ""
      return (prefix, headlineMetrics.firstIndex(of: baseName(m)) ?? headlineMetrics.count, baseName(m))
    }
    return key(a) < key(b)
  }

  /// Order of grouping values: missing first, then booleans, numbers (numerically), strings, JSON.
  private static func precedes(_ a: Int32, _ b: Int32, _ values: [JSONValue]) -> Bool {
    guard a >= 0 else { return b >= 0 }
    guard b >= 0 else { return false }
    let (x, y) = (values[Int(a)], values[Int(b)])
    func rank(_ v: JSONValue) -> Int {
      switch v {
      case .null: return 0
      case .bool: return 1
      case .int, .double: return 2
      case .string: return 3
      default: return 4
      }
    }
    if rank(x) != rank(y) { return rank(x) < rank(y) }
    if let p = x.doubleValue, let q = y.doubleValue { return p < q }
    return x.canonical < y.canonical
  }

  // MARK: - Statistics

  /// Summary of (seed, value) pairs; runs of one seed are averaged first. nil without a finite value.
  private static func summary(_ values: [(Int, Double)]) -> MetricSummary? {
    var perSeed: [Int: [Double]] = [:]
    for (seed, value) in values where value.isFinite { perSeed[seed, default: []].append(value) }
    guard !perSeed.isEmpty else { return nil }
    let bySeed = perSeed.mapValues { Statistics.mean($0)! }
    let ordered = bySeed.keys.sorted().map { bySeed[$0]! }
    return MetricSummary(
      n: ordered.count, mean: Statistics.mean(ordered)!, std: Statistics.sampleStandardDeviation(ordered),
      bySeed: bySeed)
  }

  private static func differences(_ group: ComparisonGroup, _ baseline: ComparisonGroup, _ metrics: [String])
    -> [String: PairedDifference]
  {
    var out: [String: PairedDifference] = [:]
    for metric in metrics {
      guard let mine = group.summaries[metric]?.bySeed, let theirs = baseline.summaries[metric]?.bySeed else {
        continue
      }
      let shared = Set(mine.keys).intersection(theirs.keys).sorted()
      guard !shared.isEmpty else { continue }
      let (x, y) = (shared.map { mine[$0]! }, shared.map { theirs[$0]! })
      let meanDifference = Statistics.mean(zip(x, y).map { $0 - $1 })!
      // Identical pairs have no spread: no difference at all (scipy's t and p are NaN then).
      let test = x == y ? nil : TTest.paired(x, y)
      out[metric] = PairedDifference(
        n: shared.count, meanDifference: meanDifference, t: x == y && shared.count > 1 ? 0 : test?.t,
        p: x == y && shared.count > 1 ? 1 : test?.pValue)
    }
    return out
  }

  private static func findBaseline(
    _ conditions: [(key: String, value: JSONValue)], keys: [String], groups: [ComparisonGroup]
  ) throws -> Int {
    for condition in conditions where !keys.contains(condition.key) {
      let grouping = keys.isEmpty ? "nothing" : keys.joined(separator: ", ")
      throw TrackerError(.usage, "--baseline: \(condition.key) is not a grouping key (grouping by \(grouping))")
    }
    let matches = groups.indices.filter { i in
      conditions.allSatisfy { condition in
        let index = keys.firstIndex(of: condition.key)!
        guard let value = groups[i].values[index] else { return condition.value.isNull }
        return value == condition.value || display(value) == display(condition.value)
      }
    }
    guard matches.count == 1 else {
      let wanted = conditions.map { "\($0.key)=\(display($0.value))" }.joined(separator: ",")
      let labels = groups.map { labelText(keys, $0.values) }
      throw TrackerError(
        .usage,
        "--baseline \(wanted) matches \(matches.count) groups; the groups are: \(labels.joined(separator: "; "))")
    }
    return matches[0]
  }

  private static func labelText(_ keys: [String], _ values: [JSONValue?]) -> String {
    keys.isEmpty ? "all runs" : zip(keys, values).map { "\($0)=\(display($1))" }.joined(separator: ", ")
  }

  /// Keys outside the grouping that take more than one value inside some group.
  private static func confounds(
    data: ComparisonData, groups: [ComparisonGroup], groupRows: [[Int]], keys: [String], keyIndices: [Int]
  ) -> [String] {
    var warnings: [String] = []
    for key in data.paramKeys.indices where !keyIndices.contains(key) && !isNonAblationKey(data.paramKeys[key]) {
      for (group, rows) in zip(groups, groupRows) {
        let first = data.paramCodes[rows[0]][key]
        guard rows.contains(where: { data.paramCodes[$0][key] != first }) else { continue }
        let values = Set(rows.map { data.paramCodes[$0][key] }).map { code in
          code < 0 ? "-" : display(data.paramValues[Int(code)])
        }.sorted()
        warnings.append(
          "\(data.paramKeys[key]) also differs inside group \(labelText(keys, group.values)) "
            + "(\(values.prefix(4).joined(separator: ", "))\(values.count > 4 ? ", ..." : "")): a confounded comparison; "
            + "add it to --by or narrow --where")
        break
      }
    }
    return warnings
  }
}
