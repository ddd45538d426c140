// What one seed fixes for all three splits of the synthetic benchmark: the feature directions of the
// signals and the filler-word vocabulary (reference: `_World` and `_make_world` in
// cff5b35:src/mmolre/data/synthetic.py).
//
// Signal directions of a modality are orthonormal when the modality has room for them (k <= dim), so
// one signal does not leak into another; with fewer dimensions than signals (the reference allows
// dims down to 4) they are independent random unit vectors instead, as in the reference. Each
// emotion-word direction is cos(60 deg) along +-(text valence) plus sin(60 deg) along its own
// direction: emotion words look partly like sentiment words, the distractor for SA.

/// Feature directions and vocabulary shared by the splits; all row-major in Double.
struct SyntheticWorld: Sendable {
  let textDim: Int
  let audioDim: Int
  let visionDim: Int
  /// `textVocabulary x textDim` filler-word embeddings (std 0.7).
  let vocabulary: [Double]
  let textValence: [Double]
  let textArousal: [Double]
  let textIntensity: [Double]
  /// `6 x textDim` emotion-word directions, unit rows.
  let textCues: [Double]
  let audioEnergy: [Double]
  let audioPitch: [Double]
  let audioValence: [Double]
  /// `3 x audioDim` prosodic directions of anger, surprise and fear.
  let audioCues: [Double]
  let visionValence: [Double]
  let visionArousal: [Double]
  /// `6 x audioDim` orthonormal basis of the audio signal directions, projected out of the speakers'
  /// timbre; nil when the signals fill the space or cannot be orthonormal (audioDim <= 6), where the
  /// reference leaves timbre as drawn.
  let audioSignalBasis: [Double]?

  /// Draws the world from `rng` (text directions, audio directions, vision directions, vocabulary).
  init(config: SyntheticConfig, rng: inout NormalStream) {
    textDim = config.textDim
    audioDim = config.audioDim
    visionDim = config.visionDim
    let emotions = SyntheticModel.emotionCount

    let text = Self.directions(count: 3 + emotions, dim: textDim, rng: &rng)
    textValence = Self.row(text, 0, textDim)
    textArousal = Self.row(text, 1, textDim)
    textIntensity = Self.row(text, 2, textDim)
    let along = SyntheticModel.cueValenceAlignment
    let aside = (1 - along * along).squareRoot()
    var cues = [Double](repeating: 0, count: emotions * textDim)
    for e in 0..<emotions {
      let sign = SyntheticModel.cueValenceSigns[e]
      for d in 0..<textDim {
        cues[e * textDim + d] = along * sign * text[d] + aside * text[(3 + e) * textDim + d]
      }
      GramSchmidt.normalize(&cues, row: e, dim: textDim)
    }
    textCues = cues

    let prosodic = SyntheticModel.prosodicEmotions.count
    let audio = Self.directions(count: 3 + prosodic, dim: audioDim, rng: &rng)
    audioEnergy = Self.row(audio, 0, audioDim)
    audioPitch = Self.row(audio, 1, audioDim)
    audioValence = Self.row(audio, 2, audioDim)
    audioCues = Array(audio[(3 * audioDim)...])
    // The rows are already orthonormal when 3 + prosodic <= audioDim, so they are their own basis.
    audioSignalBasis = 3 + prosodic < audioDim ? audio : nil

    let vision = Self.directions(count: 2, dim: visionDim, rng: &rng)
    visionValence = Self.row(vision, 0, visionDim)
    visionArousal = Self.row(vision, 1, visionDim)

    vocabulary = (0..<(SyntheticModel.textVocabulary * textDim)).map { _ in 0.7 * rng.nextNormal() }
  }

  /// `count` unit vectors in R^dim (row-major `count x dim`), orthonormal when `count <= dim`.
  static func directions(count: Int, dim: Int, rng: inout NormalStream) -> [Double] {
    var rows = (0..<(count * dim)).map { _ in rng.nextNormal() }
    if count <= dim {
      GramSchmidt.orthonormalizeRows(&rows, count: count, dim: dim)
    } else {
      for r in 0..<count { GramSchmidt.normalize(&rows, row: r, dim: dim) }
    }
    return rows
  }

  private static func row(_ rows: [Double], _ r: Int, _ dim: Int) -> [Double] {
    Array(rows[(r * dim)..<((r + 1) * dim)])
  }
}
