import Metrics

/// What training one seed gives: every metric from the checkpoint selected on validation loss.
public struct SeedResult: Sendable {
  public var seed: Int
  public var bestEpoch: Int
  public var epochs: Int
  public var valid: [String: Double]
  public var test: [String: Double]
  /// ER thresholds chosen on validation (nil without ER or with `train.thresholds = fixed`).
  public var thresholds: [Double]?
  public var trainSeconds: Double
  public var parameterCount: Int
  public var validPredictions: Predictions
  public var testPredictions: Predictions
  /// The selected checkpoint's weights file, with the thresholds in its metadata.
  public var bestWeights: [UInt8]
}
