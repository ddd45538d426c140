// Checkpoint: the best and the latest weights of a run, with the training state needed to resume.

/// Which of a run's two checkpoints: the one selected on validation, or the latest epoch's.
public enum CheckpointKind: String, Sendable, CaseIterable {
  case best
  case last
}

/// Bytes of a checkpoint to store: safetensors weights and an optional opaque training state
/// (optimizer moments, RNG counters, epoch counters) for resuming.
public struct CheckpointPayload: Sendable {
  public var weights: [UInt8]
  public var trainingState: [UInt8]?

  public init(weights: [UInt8], trainingState: [UInt8]? = nil) {
    self.weights = weights
    self.trainingState = trainingState
  }
}

/// A checkpoint read back from the store; its bytes were checked against their sha256.
public struct Checkpoint: Sendable {
  public let kind: CheckpointKind
  /// The epoch (1-based) after which it was taken.
  public let epoch: Int
  public let weights: [UInt8]
  public let trainingState: [UInt8]?
  /// The hex sha256 of `weights`, its address in the store.
  public let weightsSHA256: String
}

/// A checkpoint's description without its bytes (for `mmolre show`).
public struct CheckpointInfo: Sendable, Equatable {
  public let kind: CheckpointKind
  public let epoch: Int
  public let weightsSHA256: String
  public let weightsBytes: Int
  public let stateSHA256: String?
  public let stateBytes: Int?
}
