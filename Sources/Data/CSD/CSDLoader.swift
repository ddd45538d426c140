// Label and feature `.csd` files to train/valid/test splits (the reference's `data/csd.py`
// `label_segments`, `assign_splits`, `load_csd`): the label sequence gives one row per segment with
// id `video$_$k`, k the segment's position in its video, 1-based for MOSI (the numbering of MMSA's
// MOSI label.csv, which matches the SDK order one to one) and 0-based otherwise (the SDK segment
// index); splits come from video-level folds; each feature sequence is aligned to the segments.
// Files the reference's `write_csd` wrote record their own clip ids and splits in the metadata.

/// Reads CMU-SDK label and feature sequences into datasets.
public enum CSDLoader {
  /// Metadata keys the reference's writer adds: `{video: [clip id per segment]}`, `{video: [split...]}`.
  static let clipIDsKey = "mmolre clip ids"
  static let splitsKey = "mmolre splits"

  /// What to do with a segment no frame of some modality overlaps.
  public enum EmptySegments: String, Sendable {
    /// Leave it out, naming it in `notes`.
    case drop
    /// Keep it with a zero-length sequence.
    case keep
    /// Stop with a `DataError` naming it.
    case error
  }

  /// One row per labelled segment, videos in byte order and segments in file order: label =
  /// sentiment, emotions from a 7-column sequence (NaN for 1 column), start/end, `sdkClipID` = the
  /// position in the video, mode from the file's own split metadata or `none`.
  /// - Parameter dataset: decides the clip numbering (1-based for `mosi`); default from the metadata.
  /// - Throws: `DataError` when the sequence is not a label sequence (1 or 7 columns) or is empty.
  public static func labelTable(sequence: ComputationalSequence, dataset: String? = nil) throws -> LabelTable {
    let dataset = dataset ?? sequence.datasetName
    guard !sequence.holdsWords, sequence.dim == 1 || sequence.dim == 7 else {
      throw DataError(
        "\(sequence.origin): a label sequence has 1 column (sentiment) or 7 (sentiment and "
          + "\(MultimodalDataset.emotions.joined(separator: ", "))), this one has \(sequence.dim)")
    }
    let clipIDs = sequence.metadata[clipIDsKey]
    let splits = sequence.metadata[splitsKey]
    let base = dataset == "mosi" ? 1 : 0
    var rows: [LabelTable.Row] = []
    for video in sequence.videos {
      let entry = sequence.entries[video]!
      let ownIDs = clipIDs?[video]?.arrayValue
      let ownSplits = splits?[video]?.arrayValue
      for k in 0..<entry.count {
        let clip = ownIDs.flatMap { k < $0.count ? ($0[k].stringValue ?? $0[k].compact) : nil } ?? String(k + base)
        let values = entry.features[(k * sequence.dim)..<((k + 1) * sequence.dim)].map(Double.init)
        rows.append(
          LabelTable.Row(
            videoID: video, clipID: clip, label: values[0],
            mode: ownSplits.flatMap { k < $0.count ? $0[k].stringValue : nil } ?? "none",
            emotions: sequence.dim == 7 ? Array(values[1...]) : Array(repeating: .nan, count: 6),
            start: entry.intervals[2 * k], end: entry.intervals[2 * k + 1], sdkClipID: k))
      }
    }
    if rows.isEmpty { throw DataError("\(sequence.origin): the label sequence holds no segments") }
    return LabelTable(origin: sequence.origin, rows: rows, hasTexts: false)
  }

  /// Reads a label `.csd` and feature `.csd` files into datasets per split.
  ///
  /// - Parameters:
  ///   - labels: `CMU_MOSI_Opinion_Labels.csd`, `CMU_MOSEI_Labels.csd`, or one the reference wrote.
  ///   - features: modality -> feature sequence path, in model order; each is aligned to the segments.
  ///   - source: dataset name; default the metadata's ("CMU-MOSI" -> mosi), else guessed from the path.
  ///   - folds: video-level folds; default the file's own splits, else the standard folds of the
  ///     dataset from the shared data folder.
  ///   - empty: what to do with a segment that some modality has no frames for.
  ///   - emotions: emotion labels to attach to the segments, by SDK index when the source has it,
  ///     else by start/end, else by clip id (`LabelTable.attachingEmotions`).
  /// - Throws: `DataError` naming the file: unreadable sequences, no folds, NaN or out-of-range
  ///   labels, an empty split, a word sequence given as features.
  public static func load(
    labels: String, features: [(modality: String, path: String)] = [], source: String? = nil,
    folds: StandardFolds? = nil, empty: EmptySegments = .drop, emotions: EmotionLabels? = nil,
    epsilon: Double = ComputationalSequence.alignmentEpsilon
  ) throws -> LoadedSplits {
    let sequence = try ComputationalSequence.read(path: labels)
    let named = sequence.datasetName
    let dataset = !named.isEmpty ? named : source ?? DataConventions.guessSource(path: labels)
    var table = try labelTable(sequence: sequence, dataset: dataset)
    if let folds {
      table = table.withModes(from: folds)
    } else if sequence.metadata[splitsKey] == nil {
      do {
        table = table.withModes(from: try StandardFolds.shared(dataset: dataset))
      } catch let error as DataError {
        throw DataError("\(labels): \(error.message)")
      }
    }
    let outside = table.rows.filter { $0.mode == "none" }.count
    if outside > 0 {
      table.rows.removeAll { $0.mode == "none" }
      table.notes.append("\(labels): \(outside) segments of videos outside the folds are left out")
    }
    if let emotions {
      // Segments carry SDK indices and times; MMSA-layout ids number clips differently.
      let key: EmotionLabels.JoinKey =
        emotions.entries.contains { $0.sdkClipID != nil }
        ? .index : emotions.entries.contains { !$0.start.isNaN } ? .interval : .id
      table = try table.attachingEmotions(from: emotions, on: key)
    }
    let problems = table.problems()
    if !problems.isEmpty { throw DataError("\(labels): " + problems.joined(separator: "; ")) }

    var clipFeatures: [ClipFeatures] = []
    for (modality, path) in features {
      let frames = try ComputationalSequence.read(path: path)
      if frames.holdsWords {
        throw DataError("\(path): holds words, not feature vectors; use a word-vector sequence for \(modality)")
      }
      var byID: [String: [Float]] = [:]
      var emptyIDs: [String] = []
      for row in table.rows {
        let aligned = frames.frames(video: row.videoID, start: row.start, end: row.end, epsilon: epsilon) ?? []
        if aligned.isEmpty {
          emptyIDs.append(row.id)
          if empty == .drop { continue }
        }
        byID[row.id] = aligned
      }
      if !emptyIDs.isEmpty {
        let message =
          "\(path): \(emptyIDs.count) of \(table.rows.count) segments have no \(modality) frames "
          + "(\(DataConventions.listed(emptyIDs)))"
        if empty == .error { throw DataError(message) }
        table.notes.append(message + (empty == .drop ? "; they are left out" : "; they are kept empty"))
      }
      clipFeatures.append(ClipFeatures(modality: modality, dim: frames.dim, byID: byID))
    }
    return try table.splits(source: source ?? dataset, features: clipFeatures)
  }
}
