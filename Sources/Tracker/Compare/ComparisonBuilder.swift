// ComparisonBuilder: from rows (one per finished run) to a Comparison: choose the grouping keys and
// metrics, group, summarise per seed, mark the best, test paired differences to the baseline, and
// warn about keys that also vary inside a group (a confounded comparison).
import Data

extension Comparison {
  /// Builds the table for `request` from `rows`.
  /// - Throws: `.usage` for an unknown metric or grouping key, or a baseline that names no group.
  public static func build(rows: [ComparisonRow], request: ComparisonRequest) throws -> Comparison {
    let allKeys = Set(rows.flatMap { $0.params.keys })
    let keys = try groupingKeys(rows: rows, request: request, allKeys: allKeys)
    let metrics = try metricColumns(rows: rows, request: request)

    // Group rows by their values of `keys` (canonical JSON, nil for missing).
    var order: [[String?]] = []
    var members: [[String?]: [ComparisonRow]] = [:]
    for row in rows {
      let signature = keys.map { row.params[$0]?.canonical }
      if members[signature] == nil { order.append(signature) }
      members[signature, default: []].append(row)
    }
    let sortedSignatures = order.sorted { a, b in
      for (x, y) in zip(a, b) where x != y { return precedes(x, y) }
      return false
    }
    var groups = sortedSignatures.map { signature -> ComparisonGroup in
      let groupRows = members[signature]!
      let values = keys.map { key in groupRows.first?.params[key] }
      let summaries = Dictionary(
        uniqueKeysWithValues: metrics.compactMap { metric in
          summary(groupRows, metric).map { (metric, $0) }
        })
      return ComparisonGroup(
        values: values, runs: groupRows.map(\.run), seeds: Array(Set(groupRows.map(\.seed))).sorted(),
        summaries: summaries, differences: [:])
    }

    var warnings = confounds(
      groups: groups, members: sortedSignatures.map { members[$0]! }, keys: keys, allKeys: allKeys)
    for (index, signature) in sortedSignatures.enumerated() {
      let seeds = members[signature]!.map(\.seed)
      let repeated = Set(seeds.filter { seed in seeds.filter { $0 == seed }.count > 1 }).sorted()
      if !repeated.isEmpty {
        warnings.append(
          "group \(labelText(keys, groups[index].values)) has several runs of seed "
            + "\(repeated.map(String.init).joined(separator: ", ")); their values are averaged per seed")
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
      guard
        let target = lowerIsBetter(metric) ? means.map(\.1).min() : means.map(\.1).max(), means.count > 1
      else { continue }
      best[metric] = means.filter { $0.1 == target }.map(\.0)
    }
    return Comparison(
      split: request.split, keys: keys, metrics: metrics, groups: groups, baseline: baselineIndex, best: best,
      warnings: warnings, rows: rows)
  }

  // MARK: - Keys and metrics

  private static func groupingKeys(rows: [ComparisonRow], request: ComparisonRequest, allKeys: Set<String>) throws
    -> [String]
  {
    switch request.grouping {
    case .keys(let keys):
      for key in keys where !allKeys.contains(key) {
        let hint = didYouMean(key, among: allKeys)
        throw TrackerError(.usage, "--by: no selected run has the config key \(key)\(hint)")
      }
      return keys
    case .auto:
      return allKeys.filter { key in
        !isNonAblationKey(key) && Set(rows.map { $0.params[key]?.canonical }).count > 1
      }.sorted()
    }
  }

  private static func metricColumns(rows: [ComparisonRow], request: ComparisonRequest) throws -> [String] {
    let present = Set(rows.flatMap { $0.metrics.keys })
    switch request.metrics {
    case .list(let names):
      for name in names where !present.contains(name) {
        let hint = didYouMean(name, among: present)
        throw TrackerError(.usage, "--metrics: no selected run has \(name) in \(request.split)\(hint)")
      }
      return names
    case .all:
      return present.sorted(by: metricPrecedes)
    case .headline:
      return present.filter { headlineMetrics.contains(baseName($0)) }.sorted(by: metricPrecedes)
    }
  }

  private static func baseName(_ metric: String) -> String {
    metric.split(separator: "/").last.map(String.init) ?? metric
  }

  /// Plain names before `dataset/` ones, datasets alphabetically, headline metrics in their order first.
  private static func metricPrecedes(_ a: String, _ b: String) -> Bool {
    func key(_ m: String) -> (String, Int, String) {
      let prefix = m.contains("/") ? String(m[..<m.lastIndex(of: "/")!]) : ""
      return (prefix, headlineMetrics.firstIndex(of: baseName(m)) ?? headlineMetrics.count, baseName(m))
    }
    return key(a) < key(b)
  }

  /// Order of grouping values: missing first, then booleans, numbers (numerically), strings, JSON.
  private static func precedes(_ a: String?, _ b: String?) -> Bool {
    guard let a else { return b != nil }
    guard let b else { return false }
    let x = try? JSONValue(parsing: a)
    let y = try? JSONValue(parsing: b)
    func rank(_ v: JSONValue?) -> Int {
      switch v {
      case .null, nil: return 0
      case .bool: return 1
      case .int, .double: return 2
      case .string: return 3
      default: return 4
      }
    }
    if rank(x) != rank(y) { return rank(x) < rank(y) }
    if let p = x?.doubleValue, let q = y?.doubleValue { return p < q }
    return a < b
  }

  // MARK: - Statistics

  private static func summary(_ rows: [ComparisonRow], _ metric: String) -> MetricSummary? {
    var perSeed: [Int: [Double]] = [:]
    for row in rows {
      if let value = row.metrics[metric], value.isFinite { perSeed[row.seed, default: []].append(value) }
    }
    guard !perSeed.isEmpty else { return nil }
    let bySeed = perSeed.mapValues(SeedStatistics.mean)
    let values = bySeed.keys.sorted().map { bySeed[$0]! }
    return MetricSummary(
      n: values.count, mean: SeedStatistics.mean(values), std: SeedStatistics.sampleStandardDeviation(values),
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
      let test = SeedStatistics.pairedTTest(shared.map { mine[$0]! }, shared.map { theirs[$0]! })
      out[metric] = PairedDifference(n: test.n, meanDifference: test.meanDifference, t: test.t, p: test.p)
    }
    return out
  }

  private static func findBaseline(
    _ conditions: [(key: String, value: JSONValue)], keys: [String], groups: [ComparisonGroup]
  )
    throws -> Int
  {
    for condition in conditions where !keys.contains(condition.key) {
      throw TrackerError(
        .usage,
        "--baseline: \(condition.key) is not a grouping key (grouping by \(keys.isEmpty ? "nothing" : keys.joined(separator: ", ")))"
      )
    }
    let matches = groups.indices.filter { i in
      conditions.allSatisfy { condition in
        let index = keys.firstIndex(of: condition.key)!
        guard let value = groups[i].values[index] else { return condition.value.isNull }
        return value == condition.value || display(value) == display(condition.value)
      }
    }
    let labels = groups.map { labelText(keys, $0.values) }
    guard matches.count == 1 else {
      let wanted = conditions.map { "\($0.key)=\(display($0.value))" }.joined(separator: ",")
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
    groups: [ComparisonGroup], members: [[ComparisonRow]], keys: [String], allKeys: Set<String>
  )
    -> [String]
  {
    var warnings: [String] = []
    for key in allKeys.subtracting(keys).sorted() where !isNonAblationKey(key) {
      for (index, rows) in members.enumerated() {
        let values = Set(rows.map { $0.params[key]?.canonical ?? "-" })
        guard values.count > 1 else { continue }
        warnings.append(
          "\(key) also differs inside group \(labelText(keys, groups[index].values)) "
            + "(\(values.sorted().prefix(4).joined(separator: ", "))): a confounded comparison; add it to --by "
            + "or narrow --where")
        break
      }
    }
    return warnings
  }
}
