/// Variable-length feature sequences of one modality, stored flat: sample `i` holds frames
/// `offsets[i]..<offsets[i+1]` of `dim` floats each in `values`.
public struct FeatureSequences: Sendable {
  public let dim: Int
  public private(set) var values: [Float]
  /// `count + 1` frame offsets; `offsets[0] == 0`.
  public private(set) var offsets: [Int]

  public init(dim: Int) {
    self.dim = dim
    values = []
    offsets = [0]
  }

  public init(dim: Int, values: [Float], offsets: [Int]) {
    precondition(offsets.first == 0 && offsets.last! * dim == values.count, "offsets do not match values")
    self.dim = dim
    self.values = values
    self.offsets = offsets
  }

  public var count: Int { offsets.count - 1 }

  /// Frames of sample `i`.
  public func length(_ i: Int) -> Int { offsets[i + 1] - offsets[i] }

  /// Appends one sample of `frames.count / dim` frames.
  public mutating func append(_ frames: some Collection<Float>) {
    precondition(frames.count % dim == 0, "\(frames.count) values are not whole frames of \(dim)")
    values.append(contentsOf: frames)
    offsets.append(offsets.last! + frames.count / dim)
  }

  /// The frames of sample `i`, `length(i) * dim` values row by row.
  public func frames(_ i: Int) -> ArraySlice<Float> {
    values[(offsets[i] * dim)..<(offsets[i + 1] * dim)]
  }

  /// The samples at `indices`, in that order.
  public func subset(_ indices: [Int]) -> FeatureSequences {
    var out = FeatureSequences(dim: dim)
    for i in indices { out.append(frames(i)) }
    return out
  }
}

/// One split of one or more datasets: what every reader returns and the trainer consumes.
///
/// Missing labels are NaN: a sample with NaN sentiment is left out of the SA loss and metrics, a
/// sample whose emotion row is NaN (every MOSI utterance) is left out of the ER loss and metrics.
public struct MultimodalDataset: Sendable {
  /// The six MOSEI emotions, in the column order of `CMU_MOSEI_Labels.csd`; every emotion array uses it.
  public static let emotions = ["happy", "sad", "anger", "surprise", "disgust", "fear"]

  /// One id per sample, e.g. `"video$_$clip"`.
  public var ids: [String]
  /// Dataset name per sample (`mosi`, `mosei`, `synthetic`), for per-dataset metrics.
  public var sources: [String]
  /// Modality names in model order, each a key of `features`.
  public var modalities: [String]
  public var features: [String: FeatureSequences]
  /// Sentiment in [-3, 3] per sample; NaN where missing.
  public var sentiment: [Float]
  /// Emotion intensities in [0, 3], `count x 6` row-major; a NaN row where missing.
  public var emotions: [Float]
  /// Raw transcripts, when known (a fine-tuned text encoder reads them).
  public var texts: [String]?

  public init(
    ids: [String], sources: [String], modalities: [String], features: [String: FeatureSequences],
    sentiment: [Float], emotions: [Float], texts: [String]? = nil
  ) throws {
    let n = ids.count
    var sizes = ["sources": sources.count, "sentiment": sentiment.count, "emotions": emotions.count / 6]
    if let texts { sizes["texts"] = texts.count }
    for m in modalities {
      guard let sequences = features[m] else { throw DataError("modality \(m) has no features") }
      sizes["features[\(m)]"] = sequences.count
    }
    if emotions.count % 6 != 0 { throw DataError("emotions has \(emotions.count) values, not rows of 6") }
    for (name, size) in sizes.sorted(by: { $0.key < $1.key }) where size != n {
      throw DataError("\(name) has \(size) entries but there are \(n) ids")
    }
    self.ids = ids
    self.sources = sources
    self.modalities = modalities
    self.features = features
    self.sentiment = sentiment
    self.emotions = emotions
    self.texts = texts
  }

  public var count: Int { ids.count }

  public func featureDim(_ modality: String) -> Int? { features[modality]?.dim }

  /// Whether sample `i` has emotion labels (no NaN in its row).
  public func hasEmotions(_ i: Int) -> Bool {
    !(0..<6).contains { emotions[6 * i + $0].isNaN }
  }

  public func hasSentiment(_ i: Int) -> Bool { !sentiment[i].isNaN }

  /// The samples at `indices`, in that order.
  public func subset(_ indices: [Int]) -> MultimodalDataset {
    // The parts stay consistent by construction, so the checking initialiser cannot fail here.
    try! MultimodalDataset(
      ids: indices.map { ids[$0] }, sources: indices.map { sources[$0] }, modalities: modalities,
      features: features.mapValues { $0.subset(indices) }, sentiment: indices.map { sentiment[$0] },
      emotions: indices.flatMap { i in emotions[(6 * i)..<(6 * i + 6)] },
      texts: texts.map { t in indices.map { t[$0] } })
  }

  /// The same samples with only `names` as modalities, in that order.
  public func selecting(modalities names: [String]) throws -> MultimodalDataset {
    let missing = names.filter { features[$0] == nil }
    if !missing.isEmpty {
      throw DataError("modalities \(missing) are not in this dataset (it has \(modalities))")
    }
    var out = self
    out.modalities = names
    out.features = features.filter { names.contains($0.key) }
    return out
  }

  /// Splits of several datasets (MOSI + MOSEI) that share modalities and feature sizes, one after another.
  public static func concatenating(_ parts: [MultimodalDataset]) throws -> MultimodalDataset {
    guard let first = parts.first else { throw DataError("nothing to concatenate") }
    for part in parts.dropFirst() {
      if part.modalities != first.modalities {
        throw DataError("cannot mix datasets with modalities \(first.modalities) and \(part.modalities)")
      }
      for m in first.modalities where part.featureDim(m) != first.featureDim(m) {
        throw DataError(
          "modality \(m) has dim \(part.featureDim(m) ?? 0) in one dataset and \(first.featureDim(m) ?? 0) in another")
      }
    }
    var features: [String: FeatureSequences] = [:]
    for m in first.modalities {
      var joined = FeatureSequences(dim: first.features[m]!.dim)
      for part in parts {
        let sequences = part.features[m]!
        for i in 0..<sequences.count { joined.append(sequences.frames(i)) }
      }
      features[m] = joined
    }
    let allTexts = parts.allSatisfy { $0.texts != nil } ? parts.flatMap { $0.texts! } : nil
    return try MultimodalDataset(
      ids: parts.flatMap(\.ids), sources: parts.flatMap(\.sources), modalities: first.modalities, features: features,
      sentiment: parts.flatMap(\.sentiment), emotions: parts.flatMap(\.emotions), texts: allTexts)
  }
}
