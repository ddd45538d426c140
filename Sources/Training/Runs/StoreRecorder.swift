import Tracker

/// Logs a trainer's epochs and checkpoints into the store, each epoch in one transaction with the
/// checkpoint to resume from.
public final class StoreRecorder: RunRecorder {
  public let store: Store
  public let run: RunID

  public init(store: Store, run: RunID) {
    self.store = store
    self.run = run
  }

  public func epochFinished(_ summary: EpochSummary, last: CheckpointPayload) throws {
    try store.logEpoch(
      run, epoch: summary.epoch, train: summary.train, valid: summary.valid, learningRate: summary.learningRate,
      seconds: summary.seconds, steps: summary.steps, routing: summary.routing, last: last)
  }

  public func bestCheckpoint(epoch: Int, weights: [UInt8]) throws {
    try store.putCheckpoint(run, kind: .best, epoch: epoch, weights: weights)
  }
}
