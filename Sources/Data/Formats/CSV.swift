// RFC 4180 delimited text, parsed byte by byte over UTF-8: quoted fields may hold delimiters, `""`
// quotes and line breaks. Working on bytes rather than `Character`s (grapheme clusters) is what makes
// a 4.6 MB label table parse in tens of milliseconds; every structural byte (quote, delimiter, CR,
// LF) is ASCII, so it can never be part of a multi-byte UTF-8 sequence.
import Foundation

/// A delimited text table (RFC 4180 CSV: quoted fields may hold delimiters, quotes as `""` and line
/// breaks), read whole. Row `i` of `rows` came from line `lineNumbers[i]` of the file.
public struct CSVTable: Sendable {
  public let origin: String
  public let header: [String]
  public let rows: [[String]]
  /// 1-based line where each row starts (the header is line 1).
  public let lineNumbers: [Int]

  /// Reads a file; a missing file, text that is not UTF-8, an unterminated quote or a row with the
  /// wrong number of fields is a `DataError` naming the file and the line.
  public init(contentsOf path: String, delimiter: Character = ",") throws {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DataError("\(path): file not found or not readable")
    }
    let bytes = [UInt8](data)
    if String(validating: bytes, as: UTF8.self) == nil {
      let line = bytes.prefix(Self.firstInvalidUTF8Offset(bytes)).reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
      throw DataError("\(path): line \(line): not UTF-8 text")
    }
    try self.init(utf8: bytes, origin: path, delimiter: delimiter)
  }

  public init(text: String, origin: String, delimiter: Character = ",") throws {
    try self.init(utf8: Array(text.utf8), origin: origin, delimiter: delimiter)
  }

  /// Parses UTF-8 bytes (already known to be valid UTF-8). A leading byte-order mark is skipped.
  /// - Precondition: `delimiter` is one ASCII character.
  public init(utf8 bytes: [UInt8], origin: String, delimiter: Character = ",") throws {
    guard let separator = delimiter.asciiValue else { preconditionFailure("CSV delimiter must be ASCII") }
    self.origin = origin
    var parser = Parser(separator: separator)
    try bytes.withUnsafeBufferPointer { try parser.parse($0, origin: origin) }
    guard let first = parser.records.first else { throw DataError("\(origin): empty file, no header row") }
    header = first.map { $0.trimmingCharacters(in: .whitespaces) }
    rows = Array(parser.records.dropFirst())
    lineNumbers = Array(parser.starts.dropFirst())
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

  /// Offset of the first byte that breaks UTF-8 (for the line number of the error); `bytes.count` if none.
  private static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int {
    var low = 0
    var high = bytes.count
    // Valid prefixes are monotone up to the bad sequence (give or take a cut character), so bisect.
    while high - low > 4 {
      let mid = (low + high) / 2
      if String(validating: bytes[..<mid], as: UTF8.self) != nil || endsInsideCharacter(bytes, mid) {
        low = mid
      } else {
        high = mid
      }
    }
    return low
  }

  private static func endsInsideCharacter(_ bytes: [UInt8], _ end: Int) -> Bool {
    // A prefix cut inside a valid multi-byte character fails validation without being bad; try
    // again with up to three bytes more.
    (1...3).contains { end + $0 <= bytes.count && String(validating: bytes[..<(end + $0)], as: UTF8.self) != nil }
  }
}

/// The state machine behind `CSVTable`: fields are byte ranges of the input, copied into a scratch
/// buffer only when a quoted field holds `""`.
private struct Parser {
  let separator: UInt8
  var records: [[String]] = []
  var starts: [Int] = []

  init(separator: UInt8) { self.separator = separator }

  private static let quote = UInt8(ascii: "\"")
  private static let newline = UInt8(ascii: "\n")
  private static let carriageReturn = UInt8(ascii: "\r")

  mutating func parse(_ input: UnsafeBufferPointer<UInt8>, origin: String) throws {
    var i = 0
    let n = input.count
    if n >= 3, input[0] == 0xEF, input[1] == 0xBB, input[2] == 0xBF { i = 3 }
    var line = 1
    var record: [String] = []
    var recordStart = 1
    var scratch: [UInt8] = []
    while i < n {
      // One field starts at i.
      var field: String
      if input[i] == Self.quote {
        let openedOn = line
        scratch.removeAll(keepingCapacity: true)
        i += 1
        var closed = false
        var runStart = i
        while i < n {
          let byte = input[i]
          if byte == Self.quote {
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<i]))
            if i + 1 < n, input[i + 1] == Self.quote {
              scratch.append(Self.quote)
              i += 2
              runStart = i
              continue
            }
            i += 1
            closed = true
            break
          }
          if byte == Self.newline { line += 1 }
          i += 1
        }
        if !closed { throw DataError("\(origin): line \(openedOn): a quoted field is never closed") }
        // Text after the closing quote up to the delimiter belongs to the field, as before.
        let tail = i
        while i < n, input[i] != separator, input[i] != Self.newline, input[i] != Self.carriageReturn { i += 1 }
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[tail..<i]))
        field = String(decoding: scratch, as: UTF8.self)
      } else {
        let begin = i
        while i < n, input[i] != separator, input[i] != Self.newline, input[i] != Self.carriageReturn { i += 1 }
        field = String(decoding: UnsafeBufferPointer(rebasing: input[begin..<i]), as: UTF8.self)
      }
      record.append(field)
      // i is at a delimiter, a line break or the end.
      if i < n, input[i] == separator {
        i += 1
        if i == n {
          record.append("")
          break
        }
        continue
      }
      if i < n {
        if input[i] == Self.carriageReturn, i + 1 < n, input[i + 1] == Self.newline { i += 1 }
        i += 1
      }
      finish(&record, start: recordStart)
      line += 1
      recordStart = line
    }
    if !record.isEmpty { finish(&record, start: recordStart) }
  }

  private mutating func finish(_ record: inout [String], start: Int) {
    // A blank line is no record.
    if !(record.count == 1 && record[0].isEmpty) {
      records.append(record)
      starts.append(start)
    }
    record = []
  }
}
