// One split of the synthetic benchmark: speakers, latents and annotator-mean labels, then features
// (reference: `_generate_split` in cff5b35:src/mmolre/data/synthetic.py).
//
// Speakers: ceil(n / utterancesPerSpeaker) of them, each with at least one utterance, the rest
// assigned uniformly; sorted, so a speaker's clips are adjacent as in a video.
// Latents: v_utt, z ~ N(0, 1); a = 0.15 v_utt + sqrt(1 - 0.15^2) z; the valence
// v = sqrt(0.3) v_speaker + sqrt(0.7) v_utt shares 30 % of its variance within a speaker; cues ~ N(0, 1).
// Labels: each of n annotators gives clip(round(score + sigma eps), low, high) with numpy's rounding
// (half to even); the label is their mean, a multiple of 1/n.
//
// Each part draws from its own counter-based stream (`SyntheticStreams`), so that switching vision on,
// or generating without features, leaves everything else as it was.
import Foundation
import Numerics

/// The independent random streams of one split (or of the world).
enum SyntheticStreams {
  /// Stream ids: `0x5E17_0000 + 0x100 * part + component`, part 0 the world and 1, 2, 3 the splits
  /// in `SyntheticBenchmark.splitNames` order (the reference spawns a SeedSequence the same way).
  static let base: UInt64 = 0x5E17_0000

  enum Component: UInt64 {
    case world = 0
    case latents, text, audio, vision
  }

  static func stream(seed: Int, part: Int, _ component: Component) -> NormalStream {
    NormalStream(
      RandomStream(seed: UInt64(bitPattern: Int64(seed)), stream: base + 0x100 * UInt64(part) + component.rawValue))
  }
}

/// Generation of one split.
enum SyntheticSplit {
  /// The split `name` of `count` utterances whose speakers are numbered from `firstSpeaker`; `part`
  /// (1, 2, 3) selects its random streams. Without `features` the dataset has no modalities.
  static func generate(
    config: SyntheticConfig, world: SyntheticWorld, name: String, count n: Int, firstSpeaker: Int, part: Int,
    features includeFeatures: Bool
  ) -> (MultimodalDataset, SyntheticLatents) {
    var rng = SyntheticStreams.stream(seed: config.seed, part: part, .latents)
    let speakerCount = (n + config.utterancesPerSpeaker - 1) / config.utterancesPerSpeaker
    let speakers = assignSpeakers(count: n, speakers: speakerCount, rng: &rng)
    var latents = drawLatents(speakers: speakers, speakerCount: speakerCount, rng: &rng)
    let (sentiment, emotions) = annotate(latents, config: config, rng: &rng)

    let features = SyntheticFeatures(
      config: config, world: world, latents: latents, speakerCount: speakerCount, seed: config.seed, part: part)
    var modalities: [String] = []
    var sequences: [String: FeatureSequences] = [:]
    if includeFeatures {
      modalities = config.withVision ? ["text", "audio", "vision"] : ["text", "audio"]
      sequences = ["text": features.text(), "audio": features.audio()]
      if config.withVision { sequences["vision"] = features.vision() }
    }
    latents.speaker = speakers.map { $0 + firstSpeaker }
    // The parts have n entries each by construction, so the checking initialiser cannot fail.
    let dataset = try! MultimodalDataset(
      ids: (0..<n).map { "syn_\(name)_" + String(format: "%05d", $0) },
      sources: Array(repeating: "synthetic", count: n), modalities: modalities, features: sequences,
      sentiment: sentiment, emotions: emotions)
    return (dataset, latents)
  }

  /// Sorted speaker indices in `0..<speakers`, each used at least once. O(count).
  static func assignSpeakers(count n: Int, speakers: Int, rng: inout NormalStream) -> [Int] {
    var perSpeaker = [Int](repeating: 1, count: speakers)
    for _ in speakers..<n { perSpeaker[rng.nextInt(below: speakers)] += 1 }
    return perSpeaker.enumerated().flatMap { speaker, count in repeatElement(speaker, count: count) }
  }

  /// Valence, arousal and cues; speakers as local indices (the caller offsets them).
  static func drawLatents(speakers: [Int], speakerCount: Int, rng: inout NormalStream) -> SyntheticLatents {
    let speakerValence = (0..<speakerCount).map { _ in rng.nextNormal() }
    let rho = SyntheticModel.valenceArousalCorrelation
    let share = SyntheticModel.speakerValenceShare
    var valence: [Double] = []
    var arousal: [Double] = []
    for speaker in speakers {
      let utterance = rng.nextNormal()
      let z = rng.nextNormal()
      arousal.append(rho * utterance + (1 - rho * rho).squareRoot() * z)
      valence.append(share.squareRoot() * speakerValence[speaker] + (1 - share).squareRoot() * utterance)
    }
    let cues = (0..<(SyntheticModel.emotionCount * speakers.count)).map { _ in rng.nextNormal() }
    return SyntheticLatents(valence: valence, arousal: arousal, cues: cues, speaker: speakers)
  }

  /// Annotator-mean labels: sentiment `[N]` on -3...3 and emotions `N x 6` on 0...3.
  static func annotate(
    _ latents: SyntheticLatents, config: SyntheticConfig, rng: inout NormalStream
  ) -> (sentiment: [Float], emotions: [Float]) {
    let (sentimentNoise, emotionNoise) = SyntheticModel.readingNoise(config)
    var sentiment: [Float] = []
    var emotions: [Float] = []
    for i in 0..<latents.count {
      let (v, a) = (latents.valence[i], latents.arousal[i])
      let s = SyntheticModel.sentimentScore(valence: v, arousal: a)
      sentiment.append(Float(rate(s, -3...3, noise: sentimentNoise, annotators: config.nAnnotators, rng: &rng)))
      for z in SyntheticModel.emotionScores(valence: v, arousal: a, cues: latents.cues(i)) {
        emotions.append(Float(rate(z, 0...3, noise: emotionNoise, annotators: config.nAnnotators, rng: &rng)))
      }
    }
    return (sentiment, emotions)
  }

  /// Mean of `annotators` ratings `clip(round(score + noise eps), range)`, rounding half to even.
  static func rate(
    _ score: Double, _ range: ClosedRange<Double>, noise: Double, annotators: Int, rng: inout NormalStream
  ) -> Double {
    var sum = 0.0
    for _ in 0..<annotators {
      let rating = (score + noise * rng.nextNormal()).rounded(.toNearestOrEven)
      sum += min(max(rating, range.lowerBound), range.upperBound)
    }
    return sum / Double(annotators)
  }
}
