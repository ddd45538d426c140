// Connection: one SQLite connection with a statement cache and write transactions that retry.
//
// Concurrency model (several `mmolre run` processes on one store): WAL lets readers run beside one
// writer; every write transaction starts with BEGIN IMMEDIATE, so it takes the write lock before
// reading anything and can never hit the deadlock a deferred transaction meets when it upgrades a read
// snapshot (SQLITE_BUSY_SNAPSHOT, which the busy handler does not retry). The busy timeout waits for a
// lock; when it runs out the whole BEGIN is retried with backoff, so a writer that holds the lock for a
// long time (a checkpoint blob, a VACUUM) delays the others instead of failing them.
import CSQLite
import Foundation

final class Connection {
  let handle: OpaquePointer
  let path: String
  private var cache: [String: Statement] = [:]
  private var transactionDepth = 0

  /// How long one attempt waits for a lock (SQLite's busy handler), and how many attempts a write makes.
  static let busyTimeoutMilliseconds: Int32 = 5_000
  static let writeAttempts = 24

  /// Opens `path`; `create` allows making a new file, `readOnly` forbids writes.
  init(path: String, create: Bool, readOnly: Bool = false) throws {
    var handle: OpaquePointer?
    var flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
    if create && !readOnly { flags |= SQLITE_OPEN_CREATE }
    flags |= SQLITE_OPEN_NOMUTEX  // one connection per thread: the store is not shared across threads
    let rc = sqlite3_open_v2(path, &handle, flags, nil)
    guard rc == SQLITE_OK, let handle else {
      let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
      if let handle { sqlite3_close_v2(handle) }
      throw TrackerError(.sqlite, "\(path): cannot open the store (\(message))", code: rc)
    }
    self.handle = handle
    self.path = path
    sqlite3_extended_result_codes(handle, 1)
    sqlite3_busy_timeout(handle, Self.busyTimeoutMilliseconds)
  }

  deinit {
    cache.removeAll()
    sqlite3_close_v2(handle)
  }

  /// An error for result code `rc`, with SQLite's message and what was being done.
  func error(_ rc: Int32, context: String) -> TrackerError {
    let message = String(cString: sqlite3_errmsg(handle))
    return TrackerError(.sqlite, "\(path): \(context): \(message)", code: rc)
  }

  // MARK: - Running SQL

  /// Runs SQL text with no parameters, possibly several statements (migrations, pragmas).
  func execute(script: String) throws {
    var message: UnsafeMutablePointer<CChar>?
    let rc = sqlite3_exec(handle, script, nil, nil, &message)
    guard rc == SQLITE_OK else {
      let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
      sqlite3_free(message)
      throw TrackerError(.sqlite, "\(path): \(text)", code: rc)
    }
  }

  /// The cached prepared statement for `sql` (prepared once per connection).
  func statement(_ sql: String) throws -> Statement {
    if let cached = cache[sql] { return cached }
    let statement = try Statement(connection: self, sql: sql, persistent: true)
    cache[sql] = statement
    return statement
  }

  /// Runs one statement to completion; returns the number of rows it changed.
  @discardableResult
  func run(_ sql: String, _ values: [SQLValue] = []) throws -> Int {
    let statement = try statement(sql)
    try statement.bind(values)
    defer { statement.reset() }
    while try statement.step() {}
    return Int(sqlite3_changes(handle))
  }

  /// Runs a query and calls `row` for each result row.
  func query(_ sql: String, _ values: [SQLValue] = [], row: (Statement) throws -> Void) throws {
    let statement = try statement(sql)
    try statement.bind(values)
    defer { statement.reset() }
    while try statement.step() { try row(statement) }
  }

  /// Runs a query built at run time (a compiled `--where`): not cached, so the cache stays bounded.
  func queryOnce(_ sql: String, _ values: [SQLValue], row: (Statement) throws -> Void) throws {
    let statement = try Statement(connection: self, sql: sql, persistent: false)
    try statement.bind(values)
    while try statement.step() { try row(statement) }
  }

  /// The rows of a query mapped by `transform`.
  func rows<T>(_ sql: String, _ values: [SQLValue] = [], _ transform: (Statement) throws -> T) throws -> [T] {
    var out: [T] = []
    try query(sql, values) { out.append(try transform($0)) }
    return out
  }

  /// The first row of a query mapped by `transform`, or nil.
  func first<T>(_ sql: String, _ values: [SQLValue] = [], _ transform: (Statement) throws -> T) throws -> T? {
    let statement = try statement(sql)
    try statement.bind(values)
    defer { statement.reset() }
    return try statement.step() ? transform(statement) : nil
  }

  var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

  // MARK: - Transactions

  /// Runs `body` in a write transaction (BEGIN IMMEDIATE, retried while the store is locked); nested
  /// calls become savepoints. An error rolls back everything `body` did.
  @discardableResult
  func write<T>(_ body: () throws -> T) throws -> T {
    if transactionDepth > 0 { return try savepoint(body) }
    return try transaction("BEGIN IMMEDIATE", body)
  }

  /// Runs `body` in one read transaction, so several queries see one snapshot.
  func read<T>(_ body: () throws -> T) throws -> T {
    if transactionDepth > 0 { return try body() }
    return try transaction("BEGIN DEFERRED", body)
  }

  private func transaction<T>(_ beginSQL: String, _ body: () throws -> T) throws -> T {
    try begin(beginSQL)
    transactionDepth += 1
    defer { transactionDepth -= 1 }
    do {
      let result = try body()
      try execute(script: "COMMIT")
      return result
    } catch {
      try? execute(script: "ROLLBACK")
      throw error
    }
  }

  private func savepoint<T>(_ body: () throws -> T) throws -> T {
    try execute(script: "SAVEPOINT nested")
    transactionDepth += 1
    defer { transactionDepth -= 1 }
    do {
      let result = try body()
      try execute(script: "RELEASE nested")
      return result
    } catch {
      try? execute(script: "ROLLBACK TO nested; RELEASE nested")
      throw error
    }
  }

  /// BEGIN, retried with growing pauses while another process holds the lock past the busy timeout.
  private func begin(_ sql: String) throws {
    var attempt = 0
    while true {
      do {
        try execute(script: sql)
        return
      } catch let error as TrackerError where Self.isBusy(error.code) && attempt + 1 < Self.writeAttempts {
        attempt += 1
        usleep(UInt32(min(attempt, 10)) * 50_000)
      }
    }
  }

  static func isBusy(_ code: Int32) -> Bool {
    let primary = code & 0xFF
    return primary == SQLITE_BUSY || primary == SQLITE_LOCKED
  }

  var inTransaction: Bool { transactionDepth > 0 }
}
