// Store+Compare: loading finished runs with their params and one split's results for a comparison.
//
// Three queries over the same selection (runs, their params, their results), each a join from `runs`
// filtered by the compiled `--where`, read into rows keyed by run; the grouping and statistics happen
// in Comparison.build. With 10,000 runs x 25 params that is 250,000 param rows (see BENCHMARKS.md).
import Data

extension Store {
  /// The comparison table for `request` over finished runs.
  /// - Throws: `.usage` for a bad `--where`, an unknown split, key or metric, or no matching run.
  public func compare(_ request: ComparisonRequest) throws -> Comparison {
    let rows = try comparisonRows(filter: request.filter, split: request.split)
    guard !rows.isEmpty else {
      throw TrackerError(
        .usage,
        "no finished run\(request.filter.map { " matches --where \($0)" } ?? " in \(path)") with \(request.split) results"
      )
    }
    return try Comparison.build(rows: rows, request: request)
  }

  /// Finished runs matching `filter` with their params and their `split` results, oldest first.
  public func comparisonRows(filter: String?, split: String) throws -> [ComparisonRow] {
    try read {
      guard let splitID = try existingNameID(split), !(try resultKeys(split: split).isEmpty) else {
        let hint = didYouMean(split, among: try resultSplits())
        throw TrackerError(.usage, "--split: no run has results for \(split)\(hint)")
      }
      let (condition, values) = try compileFilter(filter)
      let selection = "FROM runs %@ WHERE runs.status = 'finished' AND (\(condition))"
      var order: [Int64] = []
      var heads: [Int64: (RunID, String, Int)] = [:]
      try connection.queryOnce(
        "SELECT runs.id, runs.uid, runs.name, runs.seed "
          + selection.replacingOccurrences(of: "%@", with: "") + " ORDER BY runs.started_at, runs.id", values
      ) { row in
        order.append(row.int64(0))
        heads[row.int64(0)] = (RunID(uid: row.text(1), row: row.int64(0)), row.text(2), row.int(3))
      }
      var params: [Int64: [String: JSONValue]] = [:]
      var keyNames: [Int64: String] = [:]
      try connection.queryOnce(
        "SELECT p.run, p.key, p.kind, p.value "
          + selection.replacingOccurrences(of: "%@", with: "JOIN params p ON p.run = runs.id"), values
      ) { row in
        let keyID = row.int64(1)
        let key = try keyNames[keyID] ?? name(keyID)
        keyNames[keyID] = key
        params[row.int64(0), default: [:]][key] = ConfigParams.decode(kind: row.int64(2), row.value(3))
      }
      var metrics: [Int64: [String: Double]] = [:]
      try connection.queryOnce(
        "SELECT r.run, r.key, r.value "
          + selection.replacingOccurrences(of: "%@", with: "JOIN results r ON r.run = runs.id AND r.split = ?"),
        [.integer(splitID)] + values
      ) { row in
        let keyID = row.int64(1)
        let key = try keyNames[keyID] ?? name(keyID)
        keyNames[keyID] = key
        metrics[row.int64(0), default: [:]][key] = row.optionalDouble(2) ?? .nan
      }
      return order.compactMap { id in
        guard let (run, name, seed) = heads[id] else { return nil }
        return ComparisonRow(run: run, name: name, seed: seed, params: params[id] ?? [:], metrics: metrics[id] ?? [:])
      }
    }
  }
}
