// Settings of the embedded synthetic benchmark, with the bounds of the reference's pydantic model
// (cff5b35:src/mmolre/config.py, `SyntheticConfig`). Config files spell the fields in snake_case
// (`n_train`, `annotator_noise`, ...), so errors name them that way.

/// The synthetic benchmark's settings; the defaults give a MOSI-size benchmark (1284 / 229 / 686).
///
/// ```swift
/// var config = SyntheticConfig()
/// config.nTest = 300
/// try config.validate()
/// let benchmark = SyntheticBenchmark.generate(config)
/// ```
public struct SyntheticConfig: Sendable, Hashable {
  /// Data seed: same seed, same arrays, bit for bit.
  public var seed: Int
  /// Utterances per split, each >= 1.
  public var nTrain: Int
  public var nValid: Int
  public var nTest: Int
  /// Feature sizes, each >= 4.
  public var textDim: Int
  public var audioDim: Int
  public var visionDim: Int
  public var withVision: Bool
  /// Scale of the observation noise in every modality, >= 0.
  public var noise: Double
  /// Labels are the mean of this many integer ratings, >= 1.
  public var nAnnotators: Int
  /// Scale of the annotators' noise (the noise floor), >= 0; 0 makes labels a function of the latents.
  public var annotatorNoise: Double
  /// Speakers are disjoint across splits; a split has `ceil(n / utterancesPerSpeaker)` speakers. >= 1.
  public var utterancesPerSpeaker: Int

  public init(
    seed: Int = 0, nTrain: Int = 1284, nValid: Int = 229, nTest: Int = 686, textDim: Int = 32,
    audioDim: Int = 24, visionDim: Int = 16, withVision: Bool = false, noise: Double = 1.0,
    nAnnotators: Int = 3, annotatorNoise: Double = 1.0, utterancesPerSpeaker: Int = 24
  ) {
    self.seed = seed
    self.nTrain = nTrain
    self.nValid = nValid
    self.nTest = nTest
    self.textDim = textDim
    self.audioDim = audioDim
    self.visionDim = visionDim
    self.withVision = withVision
    self.noise = noise
    self.nAnnotators = nAnnotators
    self.annotatorNoise = annotatorNoise
    self.utterancesPerSpeaker = utterancesPerSpeaker
  }

  /// Checks every bound; the first violation is thrown, naming the field as a config file spells it.
  public func validate() throws(SyntheticConfigError) {
    let minimums: [(String, Int, Int)] = [
      ("n_train", nTrain, 1), ("n_valid", nValid, 1), ("n_test", nTest, 1), ("text_dim", textDim, 4),
      ("audio_dim", audioDim, 4), ("vision_dim", visionDim, 4), ("n_annotators", nAnnotators, 1),
      ("utterances_per_speaker", utterancesPerSpeaker, 1),
    ]
    for (field, value, minimum) in minimums where value < minimum {
      throw SyntheticConfigError(field: field, message: "must be >= \(minimum), got \(value)")
    }
    for (field, value) in [("noise", noise), ("annotator_noise", annotatorNoise)] where !(value.isFinite && value >= 0)
    {
      throw SyntheticConfigError(field: field, message: "must be a finite number >= 0, got \(value)")
    }
  }
}

/// A `SyntheticConfig` field out of bounds.
public struct SyntheticConfigError: Error, CustomStringConvertible, Sendable {
  /// The field as a config file spells it (`n_train`).
  public let field: String
  public let message: String
  public var description: String { "data.synthetic.\(field): \(message)" }
}
