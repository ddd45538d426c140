// Helpers shared by the metrics tests: tolerance checks over metric dictionaries and JSON fixtures.
import Data
import Foundation
import Metrics
import Testing

/// Checks every expected key: `nil` (JSON null) or NaN expected means the key is NaN or absent.
func expectMetrics(
  _ got: [String: Double], _ want: [String: Double?], tolerance: Double = 1e-9, exactKeys: Bool = true,
  _ label: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
  if exactKeys {
    let expectedKeys = Set(want.compactMap { key, value in value.map { $0.isNaN ? nil : key } ?? nil })
    let gotKeys = Set(got.filter { !$0.value.isNaN }.keys)
    #expect(gotKeys == expectedKeys, "\(label): keys differ", sourceLocation: sourceLocation)
  }
  for (key, expected) in want {
    guard let expected, !expected.isNaN else {
      #expect(
        got[key].map(\.isNaN) ?? true, "\(label) \(key): expected NaN, got \(got[key]!)",
        sourceLocation: sourceLocation)
      continue
    }
    guard let value = got[key] else {
      Issue.record("\(label) \(key): missing", sourceLocation: sourceLocation)
      continue
    }
    #expect(
      abs(value - expected) <= tolerance, "\(label) \(key): \(value) vs \(expected)",
      sourceLocation: sourceLocation)
  }
}

/// `a` and `b` agree within `tolerance` (relative to their size when they are large).
func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool {
  abs(a - b) <= tolerance * max(1, abs(b))
}

/// A JSON file read whole.
func readJSON(_ path: String) throws -> JSONValue {
  guard let data = FileManager.default.contents(atPath: path) else { throw DataError("\(path): not readable") }
  return try JSONValue(parsing: [UInt8](data))
}

extension JSONValue {
  /// A list of numbers, `null` read as NaN.
  var doubles: [Double] {
    (arrayValue ?? []).map { $0.doubleValue ?? .nan }
  }

  /// A list of rows of numbers flattened row by row, `null` read as NaN.
  var flatDoubles: [Double] {
    (arrayValue ?? []).flatMap(\.doubles)
  }

  /// An object of numbers; `null` values become `nil`.
  var metricValues: [String: Double?] {
    Dictionary(uniqueKeysWithValues: (objectPairs ?? []).map { ($0.0, $0.1.doubleValue) })
  }
}
