// Store+Queries: reading runs back: lookup by id, id prefix or name; `--where` selections; a run's
// epochs, results, params, predictions and fingerprints.
import Data
import Foundation

extension Store {
  /// The columns `runRecord(_:)` reads, in order.
  static let runColumns = """
    runs.id, runs.uid, runs.name, runs.experiment, runs.status, runs.seed, runs.config,
    (SELECT sha256 FROM configs WHERE id = runs.config), runs.cell_sha256, runs.started_at, runs.finished_at, runs.heartbeat_at, runs.host, runs.pid, runs.git_commit,
    runs.git_dirty, runs.swift_version, runs.openblas_version, runs.openblas_core, runs.threads,
    (SELECT r.uid FROM runs r WHERE r.id = runs.resumes), runs.resumes, runs.error, runs.note, runs.best_epoch,
    runs.train_seconds, runs.parameter_count,
    (SELECT group_concat(tag, char(31)) FROM (SELECT tag FROM tags WHERE run = runs.id ORDER BY tag)), runs.epochs
    """

  static func runRecord(_ row: Statement) -> RunRecord {
    RunRecord(
      id: RunID(uid: row.text(1), row: row.int64(0)), name: row.text(2), experiment: row.text(3),
      status: RunStatus(rawValue: row.text(4)) ?? .failed, seed: row.int(5), configSHA256: row.text(7),
      cellSHA256: row.text(8), startedAt: Date(timeIntervalSince1970: row.double(9)),
      finishedAt: row.optionalDouble(10).map(Date.init(timeIntervalSince1970:)),
      heartbeatAt: Date(timeIntervalSince1970: row.double(11)), host: row.text(12), pid: row.int(13),
      environment: RunEnvironment(
        gitCommit: row.optionalText(14), gitDirty: row.optionalInt(15).map { $0 != 0 },
        swiftVersion: row.optionalText(16),
        openBLASVersion: row.optionalText(17), openBLASCore: row.optionalText(18), threads: row.optionalInt(19)),
      resumes: row.optionalText(20).map { RunID(uid: $0, row: row.int64(21)) }, error: row.optionalText(22),
      note: row.optionalText(23), bestEpoch: row.optionalInt(24), trainSeconds: row.optionalDouble(25),
      parameterCount: row.optionalInt(26),
      tags: row.optionalText(27).map { $0.split(separator: "\u{1F}").map(String.init) } ?? [],
      epochCount: row.int(28))
  }

  /// Runs matching a SQL condition over `runs` (trusted SQL from this module, values bound).
  func runRecords(whereSQL: String, _ values: [SQLValue], order: String = "runs.started_at, runs.id", limit: Int? = nil)
    throws -> [RunRecord]
  {
    var sql = "SELECT \(Self.runColumns) FROM runs WHERE \(whereSQL) ORDER BY \(order)"
    var bound = values
    if let limit {
      sql += " LIMIT ?"
      bound.append(.int(limit))
    }
    var out: [RunRecord] = []
    try connection.queryOnce(sql, bound) { out.append(Self.runRecord($0)) }
    return out
  }

  // MARK: - Lookup

  /// The run named by `reference`: its full id, a unique id prefix (4 or more hex digits) or a unique
  /// run name.
  /// - Throws: `.usage` when nothing or more than one run matches (naming the candidates or the
  ///   nearest name).
  public func run(_ reference: String) throws -> RunRecord {
    let text = reference.trimmingCharacters(in: .whitespaces)
    if let exact = try runRecords(whereSQL: "runs.uid = ?", [.text(text.lowercased())]).first { return exact }
    let isHex = text.count >= 4 && text.allSatisfy { $0.isHexDigit }
    if isHex {
      // A prefix match on the unique index: uid >= prefix AND uid < prefix + the highest hex digit run.
      let prefix = text.lowercased()
      let matches = try runRecords(
        whereSQL: "runs.uid >= ? AND runs.uid <= ?",
        [.text(prefix), .text(prefix + String(repeating: "f", count: 16))],
        limit: 6)
      if matches.count == 1 { return matches[0] }
      if matches.count > 1 {
        throw TrackerError(
          .usage,
          "run id prefix \(text) is ambiguous: \(matches.map(\.id.short).joined(separator: ", ")); give more digits")
      }
    }
    let named = try runRecords(whereSQL: "runs.name = ?", [.text(text)], order: "runs.started_at DESC", limit: 6)
    if named.count == 1 { return named[0] }
    if named.count > 1 {
      throw TrackerError(
        .usage,
        "\(named.count == 6 ? "more than 5" : String(named.count)) runs are named \(text) "
          + "(\(named.map(\.id.short).joined(separator: ", "))); use an id")
    }
    let names = try connection.rows("SELECT DISTINCT name FROM runs") { $0.text(0) }
    let hint = didYouMean(text, among: names)
    throw TrackerError(.usage, "no run \(text) in \(path) (an id, an id prefix or a name)\(hint)")
  }

  /// Runs matching a `--where` expression (nil: all), oldest first, optionally only of `status`;
  /// with `limit`, the newest `limit` of them (still oldest first).
  /// - Throws: `.usage` for a bad expression (with the expression and a caret at the problem).
  public func runs(where expression: String? = nil, status: RunStatus? = nil, limit: Int? = nil) throws -> [RunRecord] {
    try read {
      var (sql, values) = try compileFilter(expression)
      if let status {
        sql = "(\(sql)) AND runs.status = ?"
        values.append(.text(status.rawValue))
      }
      guard let limit else { return try runRecords(whereSQL: sql, values) }
      return try runRecords(whereSQL: sql, values, order: "runs.started_at DESC, runs.id DESC", limit: limit).reversed()
    }
  }

  /// The SQL condition and values for a `--where` expression ("1" for none).
  func compileFilter(_ expression: String?) throws -> (String, [SQLValue]) {
    guard let expression, !expression.trimmingCharacters(in: .whitespaces).isEmpty else { return ("1", []) }
    let parsed = try RunFilter(parsing: expression)
    return try FilterCompiler(store: self, source: expression).compile(parsed.root)
  }

  // MARK: - One run's data

  /// The run's config as recorded (canonical JSON parsed back).
  public func config(_ run: RunID) throws -> JSONValue {
    guard
      let text = try connection.first(
        "SELECT c.text FROM runs r JOIN configs c ON c.id = r.config WHERE r.id = ?", [.integer(run.row)],
        { $0.text(0) })
    else { throw TrackerError(.usage, "run \(run.short) is not in \(path)") }
    do {
      return try JSONValue(parsing: text)
    } catch {
      throw TrackerError(.data, "\(path): run \(run.short): its stored config is not valid JSON (\(error))")
    }
  }

  /// The run's params (dotted config keys), in key order.
  public func params(_ run: RunID) throws -> [(String, JSONValue)] {
    let rows = try connection.rows("SELECT key, kind, value FROM params WHERE run = ?", [.integer(run.row)]) {
      ($0.int64(0), $0.int64(1), $0.value(2))
    }
    return try rows.map { (try name($0.0), ConfigParams.decode(kind: $0.1, $0.2)) }.sorted { $0.0 < $1.0 }
  }

  /// The run's epochs in order.
  public func epochs(_ run: RunID) throws -> [EpochRecord] {
    let rows = try connection.rows(
      "SELECT epoch, learning_rate, seconds, steps, train, valid, routing FROM epochs WHERE run = ? ORDER BY epoch",
      [.integer(run.row)]
    ) { ($0.int(0), $0.double(1), $0.double(2), $0.int(3), $0.blob(4), $0.blob(5), $0.blob(6)) }
    return try rows.map { row in
      let origin = "\(path): run \(run.short) epoch \(row.0)"
      let routing = try PackedValues.unpackRouting(row.6, origin: origin).map {
        RoutingStat(task: try name($0.task), modality: try name($0.modality), block: $0.block, gates: $0.gates)
      }
      return EpochRecord(
        epoch: row.0, learningRate: row.1, seconds: row.2, steps: row.3,
        train: try unpackNamed(row.4, origin: origin), valid: try unpackNamed(row.5, origin: origin), routing: routing)
    }
  }

  private func unpackNamed(_ bytes: [UInt8], origin: String) throws -> [String: Double] {
    var out: [String: Double] = [:]
    for (id, value) in try PackedValues.unpackMetrics(bytes, origin: origin) { out[try name(id)] = value }
    return out
  }

  /// The run's final results: split -> metric -> value (NaN where undefined).
  public func results(_ run: RunID) throws -> [String: [String: Double]] {
    var out: [String: [String: Double]] = [:]
    let rows = try connection.rows("SELECT split, key, value FROM results WHERE run = ?", [.integer(run.row)]) {
      ($0.int64(0), $0.int64(1), $0.optionalDouble(2) ?? .nan)
    }
    for (split, key, value) in rows { out[try name(split), default: [:]][try name(key)] = value }
    return out
  }

  /// The ER thresholds chosen on validation, if the run recorded them.
  public func thresholds(_ run: RunID) throws -> [Double]? {
    guard
      let text = try connection.first(
        "SELECT thresholds FROM runs WHERE id = ?", [.integer(run.row)],
        {
          $0.optionalText(0)
        }) ?? nil
    else { return nil }
    return try JSONValue(parsing: text).arrayValue?.compactMap(\.doubleValue)
  }

  /// The per-sample predictions of `split`, or nil.
  public func predictions(_ run: RunID, split: String) throws -> PredictionRows? {
    guard
      let bytes = try connection.first(
        "SELECT data FROM predictions WHERE run = ? AND split = ?", [.integer(run.row), .text(split)], { $0.blob(0) })
    else { return nil }
    return try PredictionCodec.decode(bytes, origin: "\(describe(run)) \(split) predictions")
  }

  /// Splits with stored predictions.
  public func predictionSplits(_ run: RunID) throws -> [String] {
    try connection.rows("SELECT split FROM predictions WHERE run = ? ORDER BY split", [.integer(run.row)]) {
      $0.text(0)
    }
  }

  /// Data file -> sha256 recorded at creation.
  public func fingerprints(_ run: RunID) throws -> [String: String] {
    var out: [String: String] = [:]
    try connection.query("SELECT name, sha256 FROM fingerprints WHERE run = ?", [.integer(run.row)]) {
      out[$0.text(0)] = $0.text(1)
    }
    return out
  }

  /// Every config key some run has, sorted (for suggestions and `--by auto`).
  public func paramKeys() throws -> [String] {
    try connection.rows(
      "SELECT name FROM names WHERE EXISTS (SELECT 1 FROM params WHERE key = names.id) ORDER BY name"
    ) { $0.text(0) }
  }

  /// Metric names with results in `split`, sorted.
  public func resultKeys(split: String) throws -> [String] {
    guard let splitID = try existingNameID(split) else { return [] }
    // One index probe per name (the names table is small), not a scan of every result row.
    return try connection.rows(
      "SELECT name FROM names WHERE EXISTS (SELECT 1 FROM results WHERE split = ? AND key = names.id) ORDER BY name",
      [.integer(splitID)]
    ) { $0.text(0) }
  }

  /// Splits that have results.
  public func resultSplits() throws -> [String] {
    try connection.rows(
      "SELECT name FROM names WHERE EXISTS (SELECT 1 FROM results WHERE split = names.id) ORDER BY name"
    ) { $0.text(0) }
  }
}
