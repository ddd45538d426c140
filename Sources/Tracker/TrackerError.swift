// TrackerError: the one error type of the Tracker module, with a kind the CLI maps to an exit status.

/// An error from the experiment store: a bad query or reference (usage), damaged or foreign data, or
/// SQLite itself. The message is one line naming the store, run, key or position (a `--where` error
/// adds the expression and a caret on the following lines).
public struct TrackerError: Error, CustomStringConvertible, Sendable {
  public enum Kind: Sendable, Equatable {
    /// A bad argument: an unknown run, key or metric, a bad expression (exit status 64).
    case usage
    /// Damaged or foreign data: a blob whose sha256 differs, a store from a newer mmolre, a changed
    /// migration (exit status 65).
    case data
    /// The run is in a state that forbids the call (it was reaped as dead, it already finished).
    case state
    /// SQLite failed (I/O, locking that outlived every retry).
    case sqlite
  }

  public let kind: Kind
  public let message: String
  /// SQLite's result code where SQLite failed, else 0.
  public let code: Int32

  public var description: String { message }

  public init(_ kind: Kind, _ message: String, code: Int32 = 0) {
    self.kind = kind
    self.message = message
    self.code = code
  }
}
