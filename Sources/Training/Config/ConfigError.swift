/// A bad config file, key or value; the message is one line naming the origin, the dotted key and,
/// for an unknown key, the nearest valid one. The CLI exits 64 on it.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public var description: String { message }
  public init(_ message: String) { self.message = message }
}
