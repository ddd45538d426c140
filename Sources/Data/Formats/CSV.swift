import Foundation

/// Bad input data (a label table, a pickle, a `.csd` file, a prediction CSV); the message names the
/// file and the line, key or field at fault. The CLI exits 65 on it.
public struct DataError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public var description: String { message }
  public init(_ message: String) { self.message = message }
}

/// A delimited text table (RFC 4180 CSV: quoted fields may hold delimiters, quotes as `""` and line
/// breaks), read whole. Row `i` of `rows` came from line `lineNumbers[i]` of the file.
public struct CSVTable: Sendable {
  public let origin: String
  public let header: [String]
  public let rows: [[String]]
  /// 1-based line where each row starts (the header is line 1).
  public let lineNumbers: [Int]

  /// Reads a file; a missing file, an unterminated quote or a row with the wrong number of fields is
  /// a `DataError` naming the file and the line.
  public init(contentsOf path: String, delimiter: Character = ",") throws {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DataError("\(path): file not found or not readable")
    }
    guard let text = String(data: data, encoding: .utf8) else { throw DataError("\(path): not UTF-8 text") }
    try self.init(text: text, origin: path, delimiter: delimiter)
  }

  public init(text: String, origin: String, delimiter: Character = ",") throws {
    self.origin = origin
    var records: [[String]] = []
    var starts: [Int] = []
    var field = ""
    var record: [String] = []
    var inQuotes = false
    var line = 1
    var recordStart = 1
    var fieldWasQuoted = false
    var iterator = text.makeIterator()
    var pending: Character? = nil
    func nextCharacter() -> Character? {
      if let p = pending {
        pending = nil
        return p
      }
      return iterator.next()
    }
    while let c = nextCharacter() {
      if inQuotes {
        if c == "\"" {
          if let following = nextCharacter() {
            if following == "\"" {
              field.append("\"")
            } else {
              inQuotes = false
              pending = following
            }
          } else {
            inQuotes = false
          }
        } else {
          if c == "\n" || c == "\r\n" { line += 1 }
          field.append(c)
        }
        continue
      }
      switch c {
      case "\"" where field.isEmpty && !fieldWasQuoted:
        inQuotes = true
        fieldWasQuoted = true
      case delimiter:
        record.append(field)
        field = ""
        fieldWasQuoted = false
      case "\n", "\r\n", "\r":
        record.append(field)
        if !(record.count == 1 && record[0].isEmpty) {
          records.append(record)
          starts.append(recordStart)
        }
        record = []
        field = ""
        fieldWasQuoted = false
        line += 1
        recordStart = line
      default:
        field.append(c)
      }
    }
    if inQuotes { throw DataError("\(origin): line \(recordStart): a quoted field is never closed") }
    if !field.isEmpty || !record.isEmpty || fieldWasQuoted {
      record.append(field)
      records.append(record)
      starts.append(recordStart)
    }
    guard let first = records.first else { throw DataError("\(origin): empty file, no header row") }
    header = first.map { $0.trimmingCharacters(in: .whitespaces) }
    rows = Array(records.dropFirst())
    lineNumbers = Array(starts.dropFirst())
    for (row, number) in zip(rows, lineNumbers) where row.count != header.count {
      throw DataError("\(origin): line \(number): \(row.count) fields, but the header has \(header.count)")
    }
  }

  /// Index of a column, or nil.
  public func column(_ name: String) -> Int? { header.firstIndex(of: name) }

  /// Index of a required column, or a `DataError` naming the file, the column and the nearest one.
  public func requireColumn(_ name: String) throws -> Int {
    if let index = column(name) { return index }
    let hint = nearestName(to: name, among: header).map { " (nearest: \($0))" } ?? ""
    throw DataError("\(origin): no column \(name)\(hint); columns are \(header.joined(separator: ", "))")
  }

  /// A number in a required numeric field; empty or non-numeric text is a `DataError` naming the
  /// file, line and column. `allowEmpty` turns an empty field into `nil`.
  public func number(row: Int, column: Int, allowEmpty: Bool = false) throws -> Double? {
    let text = rows[row][column].trimmingCharacters(in: .whitespaces)
    if text.isEmpty {
      if allowEmpty { return nil }
      throw DataError("\(origin): line \(lineNumbers[row]): column \(header[column]) is empty")
    }
    guard let value = Double(text) else {
      throw DataError("\(origin): line \(lineNumbers[row]): column \(header[column]): \(text) is not a number")
    }
    return value
  }
}
