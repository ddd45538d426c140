// EpochRecord: one logged epoch as read back from the store.

/// One finished epoch of a run: training and validation metrics, learning rate, wall time, optimizer
/// steps and routing statistics.
public struct EpochRecord: Sendable, Equatable {
  /// 1-based.
  public let epoch: Int
  public let learningRate: Double
  public let seconds: Double
  public let steps: Int
  public let train: [String: Double]
  public let valid: [String: Double]
  public let routing: [RoutingStat]
}
