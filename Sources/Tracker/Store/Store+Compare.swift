// Store+Compare: loading finished runs with their params and one split's results for a comparison.
//
// Three queries over the same selection (the runs, their params, the wanted results), each a join
// from `runs` filtered by the compiled `--where`. Params are interned while read: each distinct (key,
// kind, value) becomes an integer code and is decoded to JSON once, so 10,000 runs x 25 params cost one
// dictionary lookup per row (see BENCHMARKS.md for the timings).
import Data

extension Store {
  /// The comparison table for `request` over finished runs.
  /// - Throws: `.usage` for a bad `--where`, an unknown split, key or metric, or no matching run.
  public func compare(_ request: ComparisonRequest) throws -> Comparison {
    let data = try comparisonData(filter: request.filter, split: request.split, metrics: request.metrics)
    guard data.count > 0 else {
      throw TrackerError(
        .usage,
        "no finished run\(request.filter.map { " matches --where \($0)" } ?? " in \(path)") with \(request.split) results"
      )
    }
    return try Comparison.build(data: data, request: request)
  }

  /// One (key, kind, value) of the params table, the unit params are interned by.
  private struct ParamCell: Hashable {
    let key: Int64
    let kind: Int64
    let value: SQLValue
  }

  /// Finished runs matching `filter` (oldest first) with their params and the `metrics` columns of
  /// their `split` results.
  public func comparisonData(filter: String?, split: String, metrics: ComparisonRequest.Metrics) throws
    -> ComparisonData
  {
    try read {
      let available = try resultKeys(split: split)
      guard let splitID = try existingNameID(split), !available.isEmpty else {
        throw TrackerError(
          .usage, "--split: no run has results for \(split)\(didYouMean(split, among: try resultSplits()))")
      }
      let metricNames = try Comparison.metricColumns(
        ComparisonRequest(metrics: metrics, split: split), available: available)
      let (condition, values) = try compileFilter(filter)
      let selection = "WHERE runs.status = 'finished' AND (\(condition))"

      var rowOf: [Int64: Int] = [:]
      var runs: [RunID] = []
      var names: [String] = []
      var seeds: [Int] = []
      try connection.queryOnce(
        "SELECT runs.id, runs.uid, runs.name, runs.seed FROM runs \(selection) ORDER BY runs.started_at, runs.id",
        values
      ) { row in
        rowOf[row.int64(0)] = runs.count
        runs.append(RunID(uid: row.text(1), row: row.int64(0)))
        names.append(row.text(2))
        seeds.append(row.int(3))
      }

      var keyColumn: [Int64: Int] = [:]
      var paramKeys: [String] = []
      var codes: [ParamCell: Int32] = [:]
      var cells: [ParamCell] = []
      var entries: [(row: Int, column: Int, code: Int32)] = []
      try connection.queryOnce(
        "SELECT p.run, p.key, p.kind, p.value FROM runs JOIN params p ON p.run = runs.id \(selection)", values
      ) { row in
        guard let index = rowOf[row.int64(0)] else { return }
        let keyID = row.int64(1)
        let column: Int
        if let known = keyColumn[keyID] {
          column = known
        } else {
          column = paramKeys.count
          keyColumn[keyID] = column
          paramKeys.append(try name(keyID))
        }
        let cell = ParamCell(key: keyID, kind: row.int64(2), value: row.value(3))
        let code: Int32
        if let known = codes[cell] {
          code = known
        } else {
          code = Int32(cells.count)
          codes[cell] = code
          cells.append(cell)
        }
        entries.append((index, column, code))
      }
      // Columns in key order, so tables and `--by auto` list keys alphabetically.
      let sortedKeys = paramKeys.indices.sorted { paramKeys[$0] < paramKeys[$1] }
      var position = [Int](repeating: 0, count: paramKeys.count)
      for (newIndex, oldIndex) in sortedKeys.enumerated() { position[oldIndex] = newIndex }
      var paramCodes = [[Int32]](repeating: [Int32](repeating: -1, count: paramKeys.count), count: runs.count)
      for entry in entries { paramCodes[entry.row][position[entry.column]] = entry.code }

      var metricColumn: [Int64: Int] = [:]
      for (column, metric) in metricNames.enumerated() {
        if let id = try existingNameID(metric) { metricColumn[id] = column }
      }
      var table = [[Double]](repeating: [Double](repeating: .nan, count: metricNames.count), count: runs.count)
      if !metricColumn.isEmpty {
        let placeholders = Array(repeating: "?", count: metricColumn.count).joined(separator: ", ")
        try connection.queryOnce(
          "SELECT r.run, r.key, r.value FROM runs JOIN results r ON r.run = runs.id AND r.split = ? "
            + "AND r.key IN (\(placeholders)) \(selection)",
          [.integer(splitID)] + metricColumn.keys.map { .integer($0) } + values
        ) { row in
          guard let index = rowOf[row.int64(0)], let column = metricColumn[row.int64(1)] else { return }
          table[index][column] = row.optionalDouble(2) ?? .nan
        }
      }
      return ComparisonData(
        runs: runs, names: names, seeds: seeds, paramKeys: sortedKeys.map { paramKeys[$0] },
        paramValues: cells.map { ConfigParams.decode(kind: $0.kind, $0.value) }, paramCodes: paramCodes,
        metricNames: metricNames, metrics: table)
    }
  }
}
