// What every real-data reader returns: the splits (train/valid/test) as `MultimodalDataset`s, plus
// what the reader had to change or leave out, so the caller can report it rather than the reader
// printing warnings itself.

/// Splits read from one or more files, with the reader's report.
public struct LoadedSplits: Sendable {
  /// Datasets keyed by split name (`train`, `valid`, `test`).
  public var splits: [String: MultimodalDataset]
  /// Non-finite feature values (MOSI's -inf audio frames, NaN) set to 0: split -> modality -> count.
  public var nonFinite: [String: [String: Int]]
  /// One line per thing worth telling the user (rows left out, transcripts filled, clips without
  /// emotion labels), each naming the file.
  public var notes: [String]

  public init(splits: [String: MultimodalDataset], nonFinite: [String: [String: Int]] = [:], notes: [String] = []) {
    self.splits = splits
    self.nonFinite = nonFinite
    self.notes = notes
  }

  public subscript(split: String) -> MultimodalDataset? { splits[split] }

  /// Split names present, in the order train, valid, test, then any others sorted.
  public var splitNames: [String] {
    DataConventions.splits.filter { splits[$0] != nil }
      + splits.keys.filter { !DataConventions.splits.contains($0) }.sorted()
  }

  /// All non-finite values zeroed, over every split and modality.
  public var nonFiniteTotal: Int { nonFinite.values.reduce(0) { $0 + $1.values.reduce(0, +) } }

  /// Several datasets (MOSI + MOSEI) split by split, in the order given; every part must have the
  /// same split names, modalities and feature sizes. Sources stay per sample, so per-dataset metrics
  /// and the ER mask (NaN emotions for MOSI) carry over.
  public static func concatenating(_ parts: [LoadedSplits]) throws -> LoadedSplits {
    guard let first = parts.first else { throw DataError("nothing to concatenate") }
    let names = Set(first.splits.keys)
    for part in parts.dropFirst() where Set(part.splits.keys) != names {
      throw DataError("cannot mix datasets with splits \(first.splitNames) and \(part.splitNames)")
    }
    var out = LoadedSplits(splits: [:])
    for name in first.splitNames {
      out.splits[name] = try MultimodalDataset.concatenating(parts.map { $0.splits[name]! })
    }
    for part in parts {
      for (split, counts) in part.nonFinite {
        for (modality, count) in counts { out.nonFinite[split, default: [:]][modality, default: 0] += count }
      }
      out.notes += part.notes
    }
    return out
  }

  /// Sets every sample's dataset name (`data.names` of a config overriding the guessed one).
  public mutating func setSource(_ source: String) {
    for name in splits.keys { splits[name]!.sources = Array(repeating: source, count: splits[name]!.count) }
  }

  /// Fills emotion labels by clip id (`video$_$clip`), never by row order, from a source that has
  /// clip ids (an MMSA-layout table with emotion columns). A clip the source lacks keeps NaN
  /// emotions and is counted in `notes`.
  /// - Throws: `DataError` when the source has no clip ids: an SDK-derived table numbers segments
  ///   by SDK index, which MMSA's clip ids do not use, so joining it by id would pair wrong clips.
  public mutating func joinEmotions(from source: EmotionLabels) throws {
    var byID: [String: [Double]] = [:]
    for entry in source.entries {
      if let id = entry.id { byID[id] = entry.emotions }
    }
    guard !byID.isEmpty else {
      throw DataError(
        "\(source.origin): has no clip ids (video$_$clip) to join emotions by; give an MMSA-layout table "
          + "(video_id, clip_id, label, mode and the six emotion columns)")
    }
    var missing = 0
    var total = 0
    for name in splitNames {
      var dataset = splits[name]!
      for (i, id) in dataset.ids.enumerated() {
        total += 1
        guard let row = byID[id] else {
          missing += 1
          continue
        }
        for j in 0..<6 { dataset.emotions[6 * i + j] = Float(row[j]) }
      }
      splits[name] = dataset
    }
    if missing > 0 {
      notes.append("\(source.origin): \(missing) of \(total) clips have no emotion row and keep NaN emotions")
    }
  }
}
