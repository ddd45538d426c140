// The generative model of the synthetic benchmark: its constants and the noise-free label scores.
// Constants and formulas are those of the Python reference (cff5b35:src/mmolre/data/synthetic.py).
//
// Per utterance, latent valence v and arousal a (standard normal, correlation 0.15) and six emotion
// cues u (standard normal) give
//   sentiment  s*(v, a) = 3.2 tanh(0.75 v) m(a),   m(a) = 0.35 + 0.9 expit(2a)   (about (-3.2, 3.2))
//   emotions   z_e(v, a, u_e) = f_e(v, a) + 0.8 u_e + offset_e                    (on the 0..3 scale)
// with pos = softplus(2v)/2 and neg = softplus(-2v)/2 (smooth max(+-v, 0)), high = expit(2a),
// low = 1 - high:
//   happy 1.5 pos + 0.3 a;  sad 2.4 neg low;  anger 2.4 neg high;  surprise 0.9 a + 0.3 |v|;
//   disgust 1.3 neg;  fear 2.0 neg high.
// Annotators round a noisy reading of s* (clipped to -3..3) or z_e (clipped to 0..3); a label is the
// mean of the ratings, and an emotion is present when any annotator rated it >= 1.

import Foundation

/// Constants and noise-free scores of the synthetic benchmark (see the file header for the maths).
public enum SyntheticModel {
  // MARK: - Latent structure

  /// Correlation of valence and arousal: nearly independent in affect ratings, not quite.
  public static let valenceArousalCorrelation = 0.15
  /// Fraction of valence variance shared by one speaker's utterances (opinions are per video).
  public static let speakerValenceShare = 0.3

  // MARK: - Labels

  public static let sentimentScale = 3.2
  public static let sentimentSlope = 0.75
  /// Std of one annotator's sentiment reading before rounding, in label units (times
  /// `SyntheticConfig.annotatorNoise`).
  public static let sentimentAnnotatorNoise = 0.7
  /// Std of one annotator's emotion reading before rounding (times `SyntheticConfig.annotatorNoise`).
  public static let emotionAnnotatorNoise = 0.45

  /// Std of one annotator's sentiment and emotion readings under `config`.
  public static func readingNoise(_ config: SyntheticConfig) -> (sentiment: Double, emotion: Double) {
    (config.annotatorNoise * sentimentAnnotatorNoise, config.annotatorNoise * emotionAnnotatorNoise)
  }
  /// How much an emotion-specific cue moves that emotion's score.
  public static let emotionCueWeight = 0.8
  /// Per-emotion offsets in `MultimodalDataset.emotions` order, solved in the reference for about 45,
  /// 28, 22, 16, 22 and 11 % prevalence (MOSEI's order: happy most frequent, fear rarest).
  public static let emotionOffsets = [-0.73, -1.12, -1.24, -1.38, -1.39, -1.67]

  // MARK: - Features

  /// Inclusive bounds of sequence lengths (steps or frames) per modality.
  public static let textLength = 8...40
  public static let audioLength = 20...100
  public static let visionLength = 10...50
  /// Probabilities of a text step being a filler, a sentiment word or an emotion word.
  public static let textStepTypes = (filler: 0.6, sentiment: 0.25, emotion: 0.15)
  /// Size of the filler-word vocabulary.
  public static let textVocabulary = 400
  public static let voicedFraction = 0.65
  /// Indices (in `MultimodalDataset.emotions` order) of the emotions with a prosodic signature in
  /// audio: anger, surprise, fear. The other three are only lexical.
  public static let prosodicEmotions = [2, 3, 5]
  /// Sign of each emotion-word direction along the text valence direction (the distractor for SA).
  public static let cueValenceSigns: [Double] = [1, -1, -1, 1, -1, -1]
  public static let cueValenceAlignment = 0.5
  /// Signal strengths per step or frame that carries them.
  public static let textSentimentWord = 2.5
  /// Std of a sentiment word's valence around the utterance's wording valence.
  public static let textWordSpread = 0.4
  /// Utterance-level deviation of the wording from the valence (understatement, irony): the voice reads
  /// valence independently, so fusion helps SA.
  public static let textLexicalDeviation = 0.4
  public static let textEmotionWord = 1.8
  public static let audioValence = 0.3
  public static let audioProsody = 0.8
  /// Per-utterance voice variation (all directions), constant over frames.
  public static let audioUtteranceStyle = 0.4
  public static let visionSignal = 0.3
  /// Per-utterance facial variation unrelated to the labels.
  public static let visionUtteranceStyle = 0.6

  /// Number of emotions (columns of the emotion arrays).
  public static let emotionCount = 6

  // MARK: - Scores

  /// How strongly valence shows: from 0.35 (calm) to 1.25 (aroused), about 0.8 on average.
  public static func arousalFactor(_ arousal: Double) -> Double {
    0.35 + 0.9 * SpecialFunctions.expit(2 * arousal)
  }

  /// Noise-free sentiment `s*` in about (-3.2, 3.2): valence, made more extreme by arousal.
  public static func sentimentScore(valence: Double, arousal: Double) -> Double {
    sentimentScale * tanh(sentimentSlope * valence) * arousalFactor(arousal)
  }

  /// Noise-free emotion intensities `z`, six values in `MultimodalDataset.emotions` order.
  /// - Precondition: `cues` holds six values.
  public static func emotionScores(valence: Double, arousal: Double, cues: some Collection<Double>) -> [Double] {
    precondition(cues.count == emotionCount, "emotionScores needs \(emotionCount) cues, got \(cues.count)")
    let pos = 0.5 * SpecialFunctions.softplus(2 * valence)
    let neg = 0.5 * SpecialFunctions.softplus(-2 * valence)
    let high = SpecialFunctions.expit(2 * arousal)
    let low = 1 - high
    let base = [
      1.5 * pos + 0.3 * arousal,
      2.4 * neg * low,
      2.4 * neg * high,
      0.9 * arousal + 0.3 * abs(valence),
      1.3 * neg,
      2.0 * neg * high,
    ]
    return zip(zip(base, cues), emotionOffsets).map { pair, offset in pair.0 + emotionCueWeight * pair.1 + offset }
  }
}
