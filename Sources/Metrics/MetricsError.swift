// The one error type of the Metrics module.

/// Input the metrics cannot be computed on (empty, mismatched lengths, NaN or infinite values,
/// probabilities outside [0, 1], malformed thresholds). The message says which argument and why;
/// the CLI exits 65 on it.
public struct MetricsError: Error, CustomStringConvertible, Sendable, Equatable {
  public let message: String
  public var description: String { message }
  public init(_ message: String) { self.message = message }
}

/// Throws unless every value is finite, naming the argument and how many values are bad.
func requireFinite(_ values: [Double], _ name: String) throws(MetricsError) {
  let nan = values.reduce(0) { $0 + ($1.isNaN ? 1 : 0) }
  if nan > 0 { throw MetricsError("\(name) contains \(nan) NaN value(s)") }
  if values.contains(where: { !$0.isFinite }) { throw MetricsError("\(name) contains infinite value(s)") }
}
