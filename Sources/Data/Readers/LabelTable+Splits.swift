// From a checked label table to what the trainer reads: transcripts filled from a second table
// (the reference's `fill_text`, `data.text_from`), modes from video-level folds, and the join of
// rows to per-clip features by id into train/valid/test `MultimodalDataset`s (`table_to_splits`).

extension LabelTable {
  /// This table with each empty transcript (after trimming) filled from `other`, matched by clip id
  /// (`video$_$clip`); non-empty transcripts stay as they are. MOSI's `label.csv` has 4 clips without
  /// text whose transcripts are in UniMSE's `MOSI-label.csv`. What was filled, and what is still
  /// empty, goes to `notes`.
  /// - Complexity: O(rows + other.rows).
  public func fillingEmptyTexts(from other: LabelTable) -> LabelTable {
    var texts: [String: String] = [:]
    for row in other.rows {
      let text = row.text.trimmingCharacters(in: .whitespacesAndNewlines)
      if !text.isEmpty { texts[row.id] = text }
    }
    var out = self
    var empty = 0
    var filled = 0
    for i in out.rows.indices where out.rows[i].text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
      empty += 1
      if let text = texts[out.rows[i].id] {
        out.rows[i].text = text
        filled += 1
      }
    }
    if empty > 0 { out.notes.append("\(other.origin): filled \(filled) of \(empty) empty transcripts of \(origin)") }
    let still = out.rows.filter { $0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    if !still.isEmpty {
      out.notes.append(
        "\(origin): \(still.count) clips still have no transcript (\(DataConventions.listed(still.map(\.id))))")
    }
    return out
  }

  /// This table with every row's mode taken from video-level folds (`none` for a video in no fold).
  public func withModes(from folds: StandardFolds) -> LabelTable {
    var out = self
    for i in out.rows.indices { out.rows[i].mode = folds.split(ofVideo: out.rows[i].videoID) ?? "none" }
    return out
  }

  /// The rows of each split joined to per-clip features by id.
  ///
  /// A clip that lacks frames of some modality (its lookup gives nil) is left out and counted in
  /// `notes`; non-finite frame values are set to 0 and counted in `nonFinite`. Without features the
  /// splits carry labels and transcripts only (no modalities).
  ///
  /// - Parameters:
  ///   - source: dataset name of every sample (`mosi`, `mosei`), for per-dataset metrics.
  ///   - features: one entry per modality, in model order.
  ///   - splitNames: the splits to build (rows of other modes are ignored).
  /// - Throws: `DataError` when a split ends up empty, a lookup throws, or a clip's frames are not
  ///   whole frames of the modality's dim.
  public func splits(
    source: String, features: [ClipFeatures] = [], splitNames: [String] = DataConventions.splits
  ) throws -> LoadedSplits {
    var out = LoadedSplits(splits: [:], notes: notes)
    let modalities = features.map(\.modality)
    for split in splitNames {
      var sequences = features.map { FeatureSequences(dim: $0.dim) }
      var kept: [Row] = []
      var nonFinite = [Int](repeating: 0, count: features.count)
      var lacking = 0
      var total = 0
      rows: for row in rows where row.mode == split {
        total += 1
        var frames: [[Float]] = []
        for modality in features {
          guard var values = try modality.lookup(row.id) else {
            lacking += 1
            continue rows
          }
          if values.count % modality.dim != 0 {
            throw DataError(
              "\(origin): clip \(row.id): \(values.count) \(modality.modality) values are not whole frames of "
                + "\(modality.dim)")
          }
          nonFinite[frames.count] += zeroNonFinite(&values)
          frames.append(values)
        }
        for (k, values) in frames.enumerated() { sequences[k].append(values) }
        kept.append(row)
      }
      if lacking > 0 {
        out.notes.append(
          "\(origin): \(lacking) of \(total) \(split) clips lack features of \(modalities.joined(separator: ", ")) "
            + "and are left out")
      }
      if kept.isEmpty {
        let which = features.isEmpty ? "" : " with features of all of \(modalities.joined(separator: ", "))"
        throw DataError("\(origin): split \(split) has no clip\(which)")
      }
      for (k, modality) in modalities.enumerated() where nonFinite[k] > 0 {
        out.nonFinite[split, default: [:]][modality] = nonFinite[k]
      }
      out.splits[split] = try MultimodalDataset(
        ids: kept.map(\.id), sources: Array(repeating: source, count: kept.count), modalities: modalities,
        features: Dictionary(uniqueKeysWithValues: zip(modalities, sequences)),
        sentiment: kept.map { Float($0.label) }, emotions: kept.flatMap { $0.emotions.map(Float.init) },
        texts: hasTexts ? kept.map(\.text) : nil)
    }
    return out
  }
}

/// Sets every NaN and infinity in `values` to 0 and returns how many there were (MMSA zeroes MOSI's
/// -inf audio values the same way before training).
@discardableResult
func zeroNonFinite(_ values: inout [Float]) -> Int {
  var count = 0
  values.withUnsafeMutableBufferPointer { buffer in
    for i in buffer.indices where !buffer[i].isFinite {
      buffer[i] = 0
      count += 1
    }
  }
  return count
}
