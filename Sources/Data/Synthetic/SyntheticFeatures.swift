// Feature sequences of one synthetic split (reference: the text, audio and vision parts of
// `_generate_split` in cff5b35:src/mmolre/data/synthetic.py). Per frame, with sigma = config.noise:
//
// Text (8..40 steps): every step is a filler word (vocabulary row + the speaker's word habits,
// 0.1 N(0, I)) plus 0.5 sigma N(0, I). A step is a sentiment word with p 0.25 (and at one uniformly
// chosen step of every utterance), adding 2.5 w t_val + 0.3 a t_ar + 0.6 |w| t_int where the word's
// valence w = v + 0.4 N (utterance wording) + 0.4 N (word spread); or an emotion word with p 0.15,
// adding 1.8 sum_e u_e t_e.
// Audio (20..100 frames), voiced with p 0.65, speaker gain g = exp(0.3 N):
//   energy = voiced ? E_spk + g a + 0.3 sigma N : -1.5
//   pitch  = voiced ? P_spk + 0.5 g a + 0.6 exp(0.35 g a) N : 0
//   x = (voiced ? 1 : 0.3) timbre_spk + energy d_E + pitch d_P
//       + voiced (0.3 v m(a) / 0.8 d_val + 0.8 sum_{anger, surprise, fear} u_e d_e + style_utt)
//       + 0.5 sigma N(0, I),   style_utt = 0.4 sigma N(0, I) per utterance,
// where the speaker's timbre (0.8 N(0, I)) has its part along the signal directions removed, and
// E_spk, P_spk ~ 0.4 N are the speaker's energy and pitch baselines.
// Vision (10..50 frames): face_spk (N(0, I) off the two expression directions) + expression_utt
// (0.6 sigma N(0, I)) + 0.3 v d_val + 0.3 a d_ar + 0.6 sigma N(0, I).
import Foundation

/// Builds the feature sequences of one split from its latents; each modality draws from its own
/// stream, lengths first, then the frames utterance by utterance.
struct SyntheticFeatures {
  let config: SyntheticConfig
  let world: SyntheticWorld
  let latents: SyntheticLatents
  let speakerCount: Int
  let seed: Int
  let part: Int

  // MARK: - Text

  func text() -> FeatureSequences {
    var rng = SyntheticStreams.stream(seed: seed, part: part, .text)
    let dim = world.textDim
    let sigma = config.noise
    let habits = (0..<(speakerCount * dim)).map { _ in 0.1 * rng.nextNormal() }
    var out = Frames(dim: dim, lengths: drawLengths(SyntheticModel.textLength, &rng))
    let (filler, sentimentWord) = (SyntheticModel.textStepTypes.filler, SyntheticModel.textStepTypes.sentiment)
    var emotionWord = [Double](repeating: 0, count: dim)
    for i in 0..<latents.count {
      let (v, a, speaker) = (latents.valence[i], latents.arousal[i], latents.speaker[i])
      let forcedSentimentWord = rng.nextInt(below: out.length(i))
      let wording = v + SyntheticModel.textLexicalDeviation * rng.nextNormal()
      emotionWord = combination(latents.cues(i), of: world.textCues, dim: dim, scale: SyntheticModel.textEmotionWord)
      for step in 0..<out.length(i) {
        let p = rng.nextUniform()
        let word = rng.nextInt(below: SyntheticModel.textVocabulary)
        // Coefficients of the sentiment-word and emotion-word directions, zero for a filler.
        var (kValence, kArousal, kIntensity, kEmotion) = (0.0, 0.0, 0.0, 0.0)
        if step == forcedSentimentWord || (p >= filler && p < filler + sentimentWord) {
          let w = wording + SyntheticModel.textWordSpread * rng.nextNormal()
          (kValence, kArousal, kIntensity) = (SyntheticModel.textSentimentWord * w, 0.3 * a, 0.6 * abs(w))
        } else if p >= filler + sentimentWord {
          kEmotion = 1
        }
        let row = out.row(i, step)
        for d in 0..<dim {
          let value =
            world.vocabulary[word * dim + d] + habits[speaker * dim + d] + sigma * 0.5 * rng.nextNormal()
            + kValence * world.textValence[d] + kArousal * world.textArousal[d]
            + kIntensity * world.textIntensity[d] + kEmotion * emotionWord[d]
          out.values[row + d] = Float(value)
        }
      }
    }
    return out.sequences
  }

  // MARK: - Audio

  func audio() -> FeatureSequences {
    var rng = SyntheticStreams.stream(seed: seed, part: part, .audio)
    let dim = world.audioDim
    let sigma = config.noise
    var timbre = (0..<(speakerCount * dim)).map { _ in 0.8 * rng.nextNormal() }
    if let basis = world.audioSignalBasis {
      for s in 0..<speakerCount { removeSpan(basis, rows: basis.count / dim, from: &timbre, row: s, dim: dim) }
    }
    let energyBase = (0..<speakerCount).map { _ in 0.4 * rng.nextNormal() }
    let pitchBase = (0..<speakerCount).map { _ in 0.4 * rng.nextNormal() }
    let gains = (0..<speakerCount).map { _ in exp(0.3 * rng.nextNormal()) }
    var out = Frames(dim: dim, lengths: drawLengths(SyntheticModel.audioLength, &rng))
    let prosodicCues = world.audioCues
    for i in 0..<latents.count {
      let (v, a, speaker) = (latents.valence[i], latents.arousal[i], latents.speaker[i])
      // What every voiced frame of the utterance shares: tone of voice, prosodic cues, voice variation.
      let tone = SyntheticModel.audioValence * v * SyntheticModel.arousalFactor(a) / 0.8
      let cues = SyntheticModel.prosodicEmotions.map { latents.cues[SyntheticModel.emotionCount * i + $0] }
      var voicedPart = combination(cues[...], of: prosodicCues, dim: dim, scale: SyntheticModel.audioProsody)
      for d in 0..<dim {
        voicedPart[d] += tone * world.audioValence[d] + sigma * SyntheticModel.audioUtteranceStyle * rng.nextNormal()
      }
      let gain = gains[speaker]
      let pitchSpread = 0.6 * exp(0.35 * gain * a)
      for frame in 0..<out.length(i) {
        let voiced = rng.nextUniform() < SyntheticModel.voicedFraction
        let energy = voiced ? energyBase[speaker] + gain * a + 0.3 * sigma * rng.nextNormal() : -1.5
        let pitch = voiced ? pitchBase[speaker] + 0.5 * gain * a + pitchSpread * rng.nextNormal() : 0
        let (timbreScale, voicedScale) = voiced ? (1.0, 1.0) : (0.3, 0.0)
        let row = out.row(i, frame)
        for d in 0..<dim {
          let value =
            timbreScale * timbre[speaker * dim + d] + energy * world.audioEnergy[d] + pitch * world.audioPitch[d]
            + voicedScale * voicedPart[d] + sigma * 0.5 * rng.nextNormal()
          out.values[row + d] = Float(value)
        }
      }
    }
    return out.sequences
  }

  // MARK: - Vision

  func vision() -> FeatureSequences {
    var rng = SyntheticStreams.stream(seed: seed, part: part, .vision)
    let dim = world.visionDim
    let sigma = config.noise
    var faces = (0..<(speakerCount * dim)).map { _ in rng.nextNormal() }
    // Faces differ off the expression directions (one after the other, as the reference does).
    for s in 0..<speakerCount {
      removeSpan(world.visionValence, rows: 1, from: &faces, row: s, dim: dim)
      removeSpan(world.visionArousal, rows: 1, from: &faces, row: s, dim: dim)
    }
    var out = Frames(dim: dim, lengths: drawLengths(SyntheticModel.visionLength, &rng))
    var shared = [Double](repeating: 0, count: dim)
    for i in 0..<latents.count {
      let (v, a, speaker) = (latents.valence[i], latents.arousal[i], latents.speaker[i])
      for d in 0..<dim {
        shared[d] =
          faces[speaker * dim + d] + sigma * SyntheticModel.visionUtteranceStyle * rng.nextNormal()
          + SyntheticModel.visionSignal * (v * world.visionValence[d] + a * world.visionArousal[d])
      }
      for frame in 0..<out.length(i) {
        let row = out.row(i, frame)
        for d in 0..<dim { out.values[row + d] = Float(shared[d] + sigma * 0.6 * rng.nextNormal()) }
      }
    }
    return out.sequences
  }

  // MARK: - Helpers

  /// Flat Float32 sequences of known lengths, filled in place.
  private struct Frames {
    let dim: Int
    var values: [Float]
    let offsets: [Int]

    init(dim: Int, lengths: [Int]) {
      self.dim = dim
      var offsets = [0]
      offsets.reserveCapacity(lengths.count + 1)
      for length in lengths { offsets.append(offsets[offsets.count - 1] + length) }
      self.offsets = offsets
      values = [Float](repeating: 0, count: offsets[offsets.count - 1] * dim)
    }

    func length(_ i: Int) -> Int { offsets[i + 1] - offsets[i] }

    /// Index in `values` of frame `frame` of sequence `i`.
    func row(_ i: Int, _ frame: Int) -> Int { (offsets[i] + frame) * dim }

    var sequences: FeatureSequences { FeatureSequences(dim: dim, values: values, offsets: offsets) }
  }

  /// One length per utterance, uniform on `bounds`.
  private func drawLengths(_ bounds: ClosedRange<Int>, _ rng: inout NormalStream) -> [Int] {
    (0..<latents.count).map { _ in bounds.lowerBound + rng.nextInt(below: bounds.count) }
  }

  /// `scale * sum_k weights[k] * rows[k]` for row-major `rows` of `dim` values.
  private func combination(_ weights: ArraySlice<Double>, of rows: [Double], dim: Int, scale: Double) -> [Double] {
    var out = [Double](repeating: 0, count: dim)
    for (k, weight) in weights.enumerated() {
      for d in 0..<dim { out[d] += scale * weight * rows[k * dim + d] }
    }
    return out
  }

  /// Removes from row `row` of `matrix` its components along the `rows` orthonormal rows of `basis`.
  private func removeSpan(_ basis: [Double], rows: Int, from matrix: inout [Double], row: Int, dim: Int) {
    let start = row * dim
    for b in 0..<rows {
      var dot = 0.0
      for d in 0..<dim { dot += matrix[start + d] * basis[b * dim + d] }
      for d in 0..<dim { matrix[start + d] -= dot * basis[b * dim + d] }
    }
  }
}
