// Migration: one numbered SQL file of `migrations/` (`NNNN_name.sql`), as compiled into the binary.
import Data

/// One schema migration: a numbered plain-SQL file, applied once, in order, in one transaction, and
/// recorded in the store with its sha256 so a later change to an applied file is detected.
public struct Migration: Sendable, Equatable {
  /// The number the file name starts with (`0001_initial.sql` is 1).
  public let version: Int
  /// The file name, e.g. `0001_initial.sql`.
  public let fileName: String
  /// The SQL text, exactly the file's bytes.
  public let sql: String

  /// The hex sha256 of the file's bytes (what the store records).
  public var sha256: String { SHA256.hex(Array(sql.utf8)) }

  /// A migration from a file name `NNNN_name.sql` and its text; nil for a name without that shape.
  public init?(fileName: String, sql: String) {
    guard fileName.hasSuffix(".sql"), let underscore = fileName.firstIndex(of: "_") else { return nil }
    let digits = fileName[..<underscore]
    guard digits.count == 4, digits.allSatisfy(\.isASCII), let version = Int(digits), version > 0 else { return nil }
    self.version = version
    self.fileName = fileName
    self.sql = sql
  }

  /// The migrations compiled into this binary (from `migrations/` through `EmbeddedResources`), in
  /// version order. `EmbeddedResourcesTests` checks them against the files.
  public static let embedded: [Migration] = EmbeddedResources.migrations.compactMap {
    Migration(fileName: $0.name, sql: $0.text)
  }.sorted { $0.version < $1.version }
}
