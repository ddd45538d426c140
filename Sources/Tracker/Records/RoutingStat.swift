// RoutingStat: mean router gates of one epoch, per task, modality and UniTSE block.

/// The mean gate each shared expert received from one task's router in one block of one modality's
/// UniTSE over an epoch (or an evaluation split): `gates[n]` for expert n, summing to about 1 for
/// dense gating. Stored with the epoch it belongs to.
public struct RoutingStat: Sendable, Equatable {
  /// The task whose router this is (`SA`, `ER`).
  public var task: String
  /// The modality whose UniTSE holds the block (`text`, `audio`; empty for a shared UniTSE).
  public var modality: String
  /// The block, 1-based.
  public var block: Int
  /// Mean gate per shared expert.
  public var gates: [Double]

  public init(task: String, modality: String, block: Int, gates: [Double]) {
    self.task = task
    self.modality = modality
    self.block = block
    self.gates = gates
  }
}
