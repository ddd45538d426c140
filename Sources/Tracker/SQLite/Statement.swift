// Statement: a prepared SQLite statement with bound parameters and typed column reads.
//
// Values are bound with SQLITE_TRANSIENT (SQLite copies them), so no Swift buffer has to outlive a
// call. Text is bound with its UTF-8 byte count, so an embedded NUL cannot cut it short.
import CSQLite

final class Statement {
  let handle: OpaquePointer
  let sql: String
  private unowned let connection: Connection

  init(connection: Connection, sql: String, persistent: Bool) throws {
    var handle: OpaquePointer?
    let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
    let rc = sqlite3_prepare_v3(connection.handle, sql, -1, flags, &handle, nil)
    guard rc == SQLITE_OK, let handle else {
      throw connection.error(rc, context: "preparing \(sql.prefix(80))")
    }
    self.handle = handle
    self.sql = sql
    self.connection = connection
  }

  deinit { sqlite3_finalize(handle) }

  /// Clears earlier bindings and binds `values` to parameters 1...n.
  func bind(_ values: [SQLValue]) throws {
    sqlite3_reset(handle)
    sqlite3_clear_bindings(handle)
    let expected = Int(sqlite3_bind_parameter_count(handle))
    guard values.count == expected else {
      throw TrackerError(.sqlite, "\(values.count) values for \(expected) parameters in \(sql.prefix(80))")
    }
    for (offset, value) in values.enumerated() {
      let index = Int32(offset + 1)
      let rc: Int32
      switch value {
      case .null: rc = sqlite3_bind_null(handle, index)
      case .integer(let i): rc = sqlite3_bind_int64(handle, index, i)
      case .real(let d): rc = sqlite3_bind_double(handle, index, d)
      case .text(let s):
        var utf8 = Array(s.utf8)
        if utf8.isEmpty { utf8 = [0] }  // a valid pointer for the empty string; length 0 below
        rc = utf8.withUnsafeBufferPointer {
          sqlite3_bind_text64(
            handle, index, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self),
            UInt64(s.utf8.count), mmolre_sqlite_transient(), UInt8(SQLITE_UTF8))
        }
      case .blob(let bytes):
        if bytes.isEmpty {
          rc = sqlite3_bind_zeroblob(handle, index, 0)  // a nil pointer would bind NULL
        } else {
          rc = bytes.withUnsafeBytes {
            sqlite3_bind_blob64(handle, index, $0.baseAddress, UInt64($0.count), mmolre_sqlite_transient())
          }
        }
      }
      guard rc == SQLITE_OK else { throw connection.error(rc, context: "binding parameter \(index)") }
    }
  }

  /// Advances to the next row: true for a row, false when done.
  func step() throws -> Bool {
    let rc = sqlite3_step(handle)
    switch rc {
    case SQLITE_ROW: return true
    case SQLITE_DONE: return false
    default:
      let error = connection.error(rc, context: "running \(sql.prefix(80))")
      sqlite3_reset(handle)
      throw error
    }
  }

  /// Resets so the statement can run again (bindings are kept until the next `bind`).
  func reset() { sqlite3_reset(handle) }

  var columnCount: Int { Int(sqlite3_column_count(handle)) }

  func isNull(_ column: Int) -> Bool { sqlite3_column_type(handle, Int32(column)) == SQLITE_NULL }

  func int64(_ column: Int) -> Int64 { sqlite3_column_int64(handle, Int32(column)) }

  func int(_ column: Int) -> Int { Int(sqlite3_column_int64(handle, Int32(column))) }

  func optionalInt(_ column: Int) -> Int? { isNull(column) ? nil : int(column) }

  func double(_ column: Int) -> Double { sqlite3_column_double(handle, Int32(column)) }

  func optionalDouble(_ column: Int) -> Double? { isNull(column) ? nil : double(column) }

  func text(_ column: Int) -> String {
    guard let pointer = sqlite3_column_text(handle, Int32(column)) else { return "" }
    let count = Int(sqlite3_column_bytes(handle, Int32(column)))
    return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
  }

  func optionalText(_ column: Int) -> String? { isNull(column) ? nil : text(column) }

  func blob(_ column: Int) -> [UInt8] {
    let count = Int(sqlite3_column_bytes(handle, Int32(column)))
    guard count > 0, let pointer = sqlite3_column_blob(handle, Int32(column)) else { return [] }
    return Array(UnsafeRawBufferPointer(start: pointer, count: count))
  }

  /// The column as a value of its storage class.
  func value(_ column: Int) -> SQLValue {
    switch sqlite3_column_type(handle, Int32(column)) {
    case SQLITE_INTEGER: return .integer(int64(column))
    case SQLITE_FLOAT: return .real(double(column))
    case SQLITE_TEXT: return .text(text(column))
    case SQLITE_BLOB: return .blob(blob(column))
    default: return .null
    }
  }
}
