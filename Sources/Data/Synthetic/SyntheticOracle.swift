// The oracle of the synthetic benchmark: it sees the latents (not the annotators' noise) and returns
// the exact expected sentiment and the exact probability that each emotion is present, in closed form;
// scored like a model it is the noise floor (reference: `expected_sentiment`,
// `emotion_presence_probability` and `oracle_predictions` in cff5b35:src/mmolre/data/synthetic.py).
//
// Sentiment: one annotator's rating r = clip(round(s* + sigma eps), -3, 3) takes values -3..3, so
//   E[r] = -3 + sum_{k=-3}^{2} P(r > k),   P(r > k) = P(s* + sigma eps > k + 1/2) = Phi((s* - k - 1/2) / sigma),
// and the annotator mean has the same expectation. (It minimises squared error, not MAE; the median
// would suit MAE, but the two differ little here.)
// Emotion e is present unless every one of n annotators rates 0, i.e. reads below 1/2:
//   P(present) = 1 - Phi((1/2 - z_e) / sigma)^n.
// With sigma = 0 both become step functions of the scores.
import Foundation

/// Closed-form best predictions from the latents.
public enum SyntheticOracle {
  /// `E[label | v, a]` for annotators with reading noise `annotatorNoise` (in label units).
  public static func expectedSentiment(valence: Double, arousal: Double, annotatorNoise: Double) -> Double {
    let s = SyntheticModel.sentimentScore(valence: valence, arousal: arousal)
    var expectation = -3.0
    for k in -3...2 {
      let threshold = Double(k) + 0.5
      expectation +=
        annotatorNoise == 0 ? (s > threshold ? 1 : 0) : SpecialFunctions.ndtr((s - threshold) / annotatorNoise)
    }
    return expectation
  }

  /// `P(emotion present | latents)` for each of the six emotions: one minus the chance that all
  /// `annotators` rate it 0.
  /// - Precondition: `cues` holds six values.
  public static func emotionPresenceProbability(
    valence: Double, arousal: Double, cues: some Collection<Double>, annotatorNoise: Double, annotators: Int
  ) -> [Double] {
    SyntheticModel.emotionScores(valence: valence, arousal: arousal, cues: cues).map { z in
      if annotatorNoise == 0 { return z >= 0.5 ? 1 : 0 }
      return 1 - pow(SpecialFunctions.ndtr((0.5 - z) / annotatorNoise), Double(annotators))
    }
  }

  /// The oracle's predictions for `latents` under `config`'s annotators: sentiment `[N]` and emotion
  /// probabilities `N x 6` row-major. O(N).
  public static func predictions(
    _ latents: SyntheticLatents, config: SyntheticConfig
  ) -> (sentiment: [Double], emotionProbabilities: [Double]) {
    let (sentimentNoise, emotionNoise) = SyntheticModel.readingNoise(config)
    var sentiment: [Double] = []
    var probabilities: [Double] = []
    for i in 0..<latents.count {
      let (v, a) = (latents.valence[i], latents.arousal[i])
      sentiment.append(expectedSentiment(valence: v, arousal: a, annotatorNoise: sentimentNoise))
      probabilities += emotionPresenceProbability(
        valence: v, arousal: a, cues: latents.cues(i), annotatorNoise: emotionNoise, annotators: config.nAnnotators)
    }
    return (sentiment, probabilities)
  }
}

extension SyntheticBenchmark {
  /// The oracle's predictions for `split`: expected sentiment `[N]` and emotion presence
  /// probabilities `N x 6` row-major, in the split's utterance order.
  /// - Throws: `DataError` naming an unknown split.
  public func oracle(_ split: String) throws(DataError) -> (sentiment: [Double], emotionProbabilities: [Double]) {
    guard let latents = latents[split] else {
      throw DataError(
        "synthetic benchmark has no split '\(split)' (splits: \(Self.splitNames.joined(separator: ", ")))")
    }
    return SyntheticOracle.predictions(latents, config: config)
  }
}
