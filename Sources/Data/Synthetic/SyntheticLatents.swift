// What generated one split of the synthetic benchmark: the labels depend on valence, arousal and the
// cues; the features also on the speaker (reference: `SyntheticLatents`).

/// The latents of one split, `N` utterances.
public struct SyntheticLatents: Sendable, Hashable {
  /// `[N]` latent valence (standard normal marginally).
  public var valence: [Double]
  /// `[N]` latent arousal (standard normal marginally, correlation 0.15 with the utterance's valence).
  public var arousal: [Double]
  /// `N x 6` row-major emotion-specific cues in `MultimodalDataset.emotions` order (no effect on sentiment).
  public var cues: [Double]
  /// `[N]` speaker index, non-decreasing within a split; the splits have disjoint speakers.
  public var speaker: [Int]

  public init(valence: [Double], arousal: [Double], cues: [Double], speaker: [Int]) {
    self.valence = valence
    self.arousal = arousal
    self.cues = cues
    self.speaker = speaker
  }

  public var count: Int { valence.count }

  /// The six cues of utterance `i`.
  public func cues(_ i: Int) -> ArraySlice<Double> {
    cues[(SyntheticModel.emotionCount * i)..<(SyntheticModel.emotionCount * (i + 1))]
  }
}
