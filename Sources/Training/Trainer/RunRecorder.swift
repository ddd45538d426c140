import Tracker

/// One finished epoch, as the store logs it.
public struct EpochSummary: Sendable {
  /// 1-based.
  public var epoch: Int
  /// `loss`, `sa_loss`, `er_loss`, `balance` of the training steps (means over the epoch).
  public var train: [String: Double]
  /// `loss`, `sa_loss`, `er_loss` and the validation metrics at threshold 0.5.
  public var valid: [String: Double]
  public var learningRate: Double
  public var seconds: Double
  public var steps: Int
  /// Mean gate per expert on the validation split, per task stream, modality and block.
  public var routing: [RoutingStat]
}

/// Where a trainer reports its progress so that nothing is lost: the store implements it
/// (`StoreRecorder`); tests keep it in memory.
public protocol RunRecorder: AnyObject {
  /// An epoch ended: `best` holds the new best weights when validation loss improved, `last` the
  /// checkpoint to resume from after it (weights and training state). One transaction in the store,
  /// so a killed run's epoch rows and checkpoints always agree.
  func epochFinished(_ summary: EpochSummary, best: [UInt8]?, last: CheckpointPayload) throws
}
