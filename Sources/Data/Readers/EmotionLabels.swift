// Emotion labels that live in another file than the label table (the reference's `data.emotion_labels`,
// `read_emotion_source` and `attach_emotions`): `CMU_MOSEI_Labels.csd`, an MMSA-layout table with
// emotion columns, or an SDK-derived CSV (video id, SDK segment index and/or start/end, six emotions:
// `mosei_labels.csv`, `mosei_labels_emotions.csv`). They are joined by video and segment (clip id,
// SDK index or start/end interval), never by row order.
import Foundation

/// Emotion intensities keyed by segment.
public struct EmotionLabels: Sendable {
  /// One labelled segment.
  public struct Entry: Sendable, Equatable {
    /// `video$_$clip` when the source is an MMSA-layout table (its clip numbering), else nil.
    public var id: String?
    public var videoID: String
    /// The segment's index in the SDK sequence, when known.
    public var sdkClipID: Int?
    /// Interval in seconds; NaN when unknown.
    public var start: Double
    public var end: Double
    /// Six intensities in `MultimodalDataset.emotions` order.
    public var emotions: [Double]

    public init(
      id: String? = nil, videoID: String, sdkClipID: Int? = nil, start: Double = .nan, end: Double = .nan,
      emotions: [Double]
    ) {
      self.id = id
      self.videoID = videoID
      self.sdkClipID = sdkClipID
      self.start = start
      self.end = end
      self.emotions = emotions
    }
  }

  /// How rows find their emotions.
  public enum JoinKey: String, Sendable, CaseIterable {
    /// The id when the source has ids, else the SDK index when both sides have it, else the interval.
    case auto
    /// `video$_$clip` (an MMSA-layout source).
    case id
    /// Video and SDK segment index.
    case index
    /// Video, start and end rounded to `decimals` seconds.
    case interval
  }

  public let origin: String
  public var entries: [Entry]

  public init(origin: String, entries: [Entry]) {
    self.origin = origin
    self.entries = entries
  }

  /// Reads a `.csd` label sequence with seven columns, an MMSA-layout table with emotion columns,
  /// or an SDK-derived CSV.
  /// - Throws: `DataError` naming the file when it holds no emotion labels or cannot be read.
  public static func load(path: String) throws -> EmotionLabels {
    if path.lowercased().hasSuffix(".csd") {
      let table = try CSDLoader.labelTable(sequence: ComputationalSequence.read(path: path))
      guard table.hasEmotions else { throw DataError("\(path): a 1-column label sequence holds no emotions") }
      return EmotionLabels(
        origin: path,
        entries: table.rows.map {
          Entry(videoID: $0.videoID, sdkClipID: $0.sdkClipID, start: $0.start, end: $0.end, emotions: $0.emotions)
        })
    }
    let csv = try LabelTable.read(path: path)
    if csv.column("label") != nil {
      // An MMSA-layout table: its clip_id is MMSA's numbering, so it joins by id.
      let table = try LabelTable.load(path: path, requireSplits: [], dropUnsplit: false)
      guard table.hasEmotions else {
        throw DataError("\(path): has no emotion columns (\(MultimodalDataset.emotions.joined(separator: ", ")))")
      }
      return EmotionLabels(
        origin: path,
        entries: table.rows.map {
          Entry(
            id: $0.id, videoID: $0.videoID, sdkClipID: $0.sdkClipID, start: $0.start, end: $0.end,
            emotions: $0.emotions)
        })
    }
    return try sdkDerived(csv)
  }

  /// An SDK-derived CSV: `video_id` (or `id`), the SDK index as `sdk_clip_id`, `segment_id` or
  /// `clip_id`, optional `start`/`end`, and the six emotions.
  private static func sdkDerived(_ csv: CSVTable) throws -> EmotionLabels {
    guard let video = csv.column("video_id") ?? csv.column("id") else {
      throw DataError(
        "\(csv.origin): no column video_id (or id) for emotion labels; columns are "
          + csv.header.joined(separator: ", "))
    }
    let index = csv.column("sdk_clip_id") ?? csv.column("segment_id") ?? csv.column("clip_id")
    let emotionColumns = try MultimodalDataset.emotions.map { try csv.requireColumn($0) }
    let start = csv.column("start")
    let end = csv.column("end")
    var entries: [Entry] = []
    entries.reserveCapacity(csv.rows.count)
    for r in csv.rows.indices {
      let sdk = try index.flatMap { try csv.number(row: r, column: $0, allowEmpty: true) }
      entries.append(
        Entry(
          videoID: LabelTable.trimmed(csv.rows[r][video]),
          sdkClipID: sdk.flatMap { Int(exactly: $0.rounded()) },
          start: try start.flatMap { try csv.number(row: r, column: $0, allowEmpty: true) } ?? .nan,
          end: try end.flatMap { try csv.number(row: r, column: $0, allowEmpty: true) } ?? .nan,
          emotions: try emotionColumns.map { try csv.number(row: r, column: $0, allowEmpty: true) ?? .nan }))
    }
    return EmotionLabels(origin: csv.origin, entries: entries)
  }
}

extension LabelTable {
  /// This table with its emotion columns filled from `source`, matched by video and segment.
  ///
  /// A row without a match gets NaN emotions and is counted in `notes`.
  /// - Parameters:
  ///   - on: the join key; `.auto` picks id, then SDK index, then interval.
  ///   - decimals: rounding of start/end for the interval join (the SDK's times are printed to ms).
  /// - Throws: `DataError` when the chosen key is missing on a side, or two source entries share a key.
  /// - Complexity: O(rows + entries) with hashing.
  public func attachingEmotions(
    from source: EmotionLabels, on key: EmotionLabels.JoinKey = .auto, decimals: Int = 3
  ) throws -> LabelTable {
    let sourceHasIDs = source.entries.contains { $0.id != nil }
    let bothHaveIndices =
      rows.contains { $0.sdkClipID != nil } && source.entries.contains { $0.sdkClipID != nil }
    var key = key
    if key == .auto { key = sourceHasIDs ? .id : bothHaveIndices ? .index : .interval }
    let scale = pow(10, Double(decimals))
    func seconds(_ t: Double) -> String { t.isNaN ? "nan" : String(Int64((t * scale).rounded(.toNearestOrEven))) }
    let keyOfRow: (Row) -> String?
    let keyOfEntry: (EmotionLabels.Entry) -> String?
    switch key {
    case .auto, .id:
      guard sourceHasIDs else { throw DataError("\(source.origin): cannot join emotions by id; it has no clip ids") }
      keyOfRow = { $0.id }
      keyOfEntry = { $0.id }
    case .index:
      guard bothHaveIndices else {
        throw DataError("\(source.origin): cannot join emotions by segment index; a side lacks sdk_clip_id")
      }
      keyOfRow = { row in row.sdkClipID.map { "\(row.videoID)\u{0}\($0)" } }
      keyOfEntry = { entry in entry.sdkClipID.map { "\(entry.videoID)\u{0}\($0)" } }
    case .interval:
      guard rows.contains(where: { !$0.start.isNaN }), source.entries.contains(where: { !$0.start.isNaN }) else {
        throw DataError("\(source.origin): cannot join emotions by start/end; a side has no start/end times")
      }
      keyOfRow = { "\($0.videoID)\u{0}\(seconds($0.start))\u{0}\(seconds($0.end))" }
      keyOfEntry = { "\($0.videoID)\u{0}\(seconds($0.start))\u{0}\(seconds($0.end))" }
    }
    var byKey: [String: [Double]] = [:]
    var duplicates = 0
    for entry in source.entries {
      guard let k = keyOfEntry(entry) else { continue }
      if byKey.updateValue(entry.emotions, forKey: k) != nil { duplicates += 1 }
    }
    if duplicates > 0 {
      throw DataError("\(source.origin): \(duplicates) emotion rows share a (video, segment) key; cannot join")
    }
    var out = self
    var unmatched = 0
    for i in out.rows.indices {
      if let k = keyOfRow(out.rows[i]), let emotions = byKey[k] {
        out.rows[i].emotions = emotions
      } else {
        out.rows[i].emotions = Array(repeating: .nan, count: 6)
        unmatched += 1
      }
    }
    if unmatched > 0 {
      out.notes.append(
        "\(source.origin): \(unmatched) of \(rows.count) clips found no emotion labels (joined by \(key.rawValue))")
    }
    return out
  }
}
