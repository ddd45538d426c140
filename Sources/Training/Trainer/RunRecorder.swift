import Tracker

/// One finished epoch, as the store logs it.
public struct EpochSummary: Sendable {
  /// 1-based.
  public var epoch: Int
  /// `train_loss`, `train_sa_loss`, `train_er_loss`, `train_balance` (means over the epoch's steps).
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
  /// An epoch ended; `last` is the checkpoint to resume from after it (weights and training state).
  func epochFinished(_ summary: EpochSummary, last: CheckpointPayload) throws
  /// A new best checkpoint (lowest validation loss so far).
  func bestCheckpoint(epoch: Int, weights: [UInt8]) throws
}
