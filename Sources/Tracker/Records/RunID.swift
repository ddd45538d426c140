// RunID: how a run is named to the store and to users.

/// A run of the store. `uid` is what users see and type (16 hex digits; `short` is its first 8, and
/// any unique prefix finds the run); the store also keeps its internal row number, so a `RunID` comes
/// only from a `Store` call (`createRun`, `run(_:)`, a query) and is meant for that store.
public struct RunID: Hashable, Sendable, CustomStringConvertible {
  /// The user-facing id, 16 lowercase hex digits.
  public let uid: String
  /// The row number inside the store.
  let row: Int64

  init(uid: String, row: Int64) {
    self.uid = uid
    self.row = row
  }

  /// The first 8 hex digits, what tables show.
  public var short: String { String(uid.prefix(8)) }

  public var description: String { uid }
}
