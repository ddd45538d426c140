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

  public func epochFinished(_ summary: EpochSummary, best: [UInt8]?, last: CheckpointPayload) throws {
    try store.logEpoch(
      run, epoch: summary.epoch, train: summary.train, valid: summary.valid, learningRate: summary.learningRate,
      seconds: summary.seconds, steps: summary.steps, routing: summary.routing,
      best: best.map { CheckpointPayload(weights: $0) }, last: last)
  }
}
