// FilterCompiler: a parsed `--where` tree as one SQL condition over `runs` with bound values.
//
// User text never becomes SQL: fields map through a fixed table (run fields) or to name ids (config
// keys, metrics), operators through a fixed enum, and every literal is a bound parameter. Config keys,
// metrics and tags are sets of rows, so a comparison on them is `runs.id IN (subquery)`; a negated
// comparison (`!=`, `not in`, `not like`) is the negation of the positive one, so it also matches runs
// that lack the key (`model.gating != 'topk'` keeps runs without model.gating).
import Data

struct FilterCompiler {
  let store: Store
  let source: String

  /// `run.<field>` -> the runs column, for fields that are plain columns.
  static let runColumns: [String: String] = [
    "id": "runs.uid", "name": "runs.name", "experiment": "runs.experiment", "status": "runs.status",
    "seed": "runs.seed", "host": "runs.host", "pid": "runs.pid", "note": "runs.note", "error": "runs.error",
    "git_commit": "runs.git_commit", "git_dirty": "runs.git_dirty", "openblas_core": "runs.openblas_core",
    "threads": "runs.threads", "best_epoch": "runs.best_epoch", "train_seconds": "runs.train_seconds",
    "parameters": "runs.parameter_count", "epochs": "runs.epochs",
    "started": "runs.started_at", "finished": "runs.finished_at",
  ]
  static var runFields: [String] { (Array(runColumns.keys) + ["tag"]).sorted() }

  func compile(_ node: RunFilter.Node) throws -> (String, [SQLValue]) {
    switch node {
    case .and(let a, let b): return try combine(a, b, "AND")
    case .or(let a, let b): return try combine(a, b, "OR")
    case .not(let inner):
      let (sql, values) = try compile(inner)
      return ("NOT (\(sql))", values)
    case .comparison(let field, let op, let literals, let position):
      return try comparison(field, op, literals, position: position)
    }
  }

  private func combine(_ a: RunFilter.Node, _ b: RunFilter.Node, _ word: String) throws -> (String, [SQLValue]) {
    let (left, leftValues) = try compile(a)
    let (right, rightValues) = try compile(b)
    return ("(\(left)) \(word) (\(right))", leftValues + rightValues)
  }

  private func fail(_ message: String, _ position: Int) -> TrackerError {
    RunFilter.error(message, source: source, position: position)
  }

  private func comparison(
    _ field: RunFilter.Field, _ op: RunFilter.Operator, _ literals: [RunFilter.Literal], position: Int
  )
    throws -> (String, [SQLValue])
  {
    let negated = op == .notEqual || op == .notIn || op == .notLike
    let positive: RunFilter.Operator = op == .notEqual ? .equal : op == .notIn ? .in : op == .notLike ? .like : op
    switch field {
    case .run(let name):
      if name == "tag" {
        let (test, values) = try test("tag", positive, literals, position: position)
        return wrap("runs.id IN (SELECT run FROM tags WHERE \(test))", values, negated)
      }
      guard let column = Self.runColumns[name] else {
        let hint = didYouMean(name, among: Self.runFields, prefix: "run.")
        throw fail("unknown run field run.\(name)\(hint)", position)
      }
      if name == "status" { try checkStatuses(literals, position: position) }
      let (test, values) = try test(column, positive, literals, position: position)
      return wrap(test, values, negated)
    case .config(let key):
      guard let id = try store.existingNameID(key), try isParamKey(id) else {
        let hint = didYouMean(key, among: try store.paramKeys())
        throw fail("no run has the config key \(key)\(hint)", position)
      }
      let (test, values) = try test("value", positive, literals, position: position)
      return wrap("runs.id IN (SELECT run FROM params WHERE key = ? AND \(test))", [.integer(id)] + values, negated)
    case .metric(let split, let metric):
      guard let splitID = try store.existingNameID(split), !(try store.resultKeys(split: split).isEmpty) else {
        let hint = didYouMean(split, among: try store.resultSplits())
        throw fail("no run has results for the split \(split)\(hint)", position)
      }
      guard let keyID = try store.existingNameID(metric), try store.resultKeys(split: split).contains(metric) else {
        let hint =
          didYouMean(metric, among: try store.resultKeys(split: split))
        throw fail("no run has the metric \(metric) in \(split)\(hint)", position)
      }
      let (test, values) = try test("value", positive, literals, position: position)
      return wrap(
        "runs.id IN (SELECT run FROM results WHERE split = ? AND key = ? AND \(test))",
        [.integer(splitID), .integer(keyID)] + values, negated)
    }
  }

  private func wrap(_ sql: String, _ values: [SQLValue], _ negated: Bool) -> (String, [SQLValue]) {
    negated ? ("NOT (\(sql))", values) : (sql, values)
  }

  /// `column op ?`; `= null` is IS NULL, `in (...)` one parameter per value, `like` a bound pattern.
  private func test(_ column: String, _ op: RunFilter.Operator, _ literals: [RunFilter.Literal], position: Int) throws
    -> (String, [SQLValue])
  {
    let values = literals.map(Self.sqlValue)
    switch op {
    case .in:
      return ("\(column) IN (\(Array(repeating: "?", count: values.count).joined(separator: ", ")))", values)
    case .like:
      return ("\(column) LIKE ?", values)
    case .equal where values == [.null]:
      return ("\(column) IS NULL", [])
    default:
      if values == [.null] { throw fail("null only compares with = and != (is it set or not)", position) }
      return ("\(column) \(op.rawValue) ?", values)
    }
  }

  private static func sqlValue(_ literal: RunFilter.Literal) -> SQLValue {
    switch literal {
    case .integer(let i): return .integer(i)
    case .real(let d): return .real(d)
    case .text(let s): return .text(s)
    case .bool(let b): return .integer(b ? 1 : 0)
    case .null: return .null
    case .json(let j): return .text(j)
    }
  }

  private func checkStatuses(_ literals: [RunFilter.Literal], position: Int) throws {
    let names = RunStatus.allCases.map(\.rawValue)
    for case .text(let value) in literals where !names.contains(value) {
      let hint = didYouMean(value, among: names)
      throw fail("run.status is one of \(names.joined(separator: ", ")), not \(value)\(hint)", position)
    }
  }

  private func isParamKey(_ id: Int64) throws -> Bool {
    try store.connection.first("SELECT 1 FROM params WHERE key = ? LIMIT 1", [.integer(id)]) { _ in true } ?? false
  }
}
