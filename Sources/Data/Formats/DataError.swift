/// Bad input data (a label table, a pickle, a `.csd` file, a prediction CSV); the message names the
/// file and the line, key or field at fault. The CLI exits 65 on it.
public struct DataError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public var description: String { message }
  public init(_ message: String) { self.message = message }
}
