// Label tables in MMSA's `label.csv` layout (thuiar/MMSA): one row per clip with video_id, clip_id,
// text, label (sentiment in [-3, 3]), annotation, mode (train/valid/test). Also read: the six MOSEI
// emotion columns happy..fear (intensities in [0, 3], the column order of CMU_MOSEI_Labels.csd),
// start/end (the CMU-SDK segment interval, seconds) and sdk_clip_id (the segment's index in the SDK
// sequence), a `sentiment` column in place of `label`, and an `id` column in place of
// video_id/clip_id. Behaviour follows the reference's `data/label_table.py`
// (`normalise_label_frame`, `check_label_frame`, `read_label_table`).
import Foundation

/// A label table read into memory and checked.
///
/// ```swift
/// let mosi = try LabelTable.load(path: "../shared/data/mosi/label.csv")
///   .fillingEmptyTexts(from: LabelTable.load(path: unimse, requireSplits: [], dropUnsplit: false))
/// let splits = try mosi.splits(source: "mosi", features: [text, audio])
/// ```
public struct LabelTable: Sendable {
  /// One clip.
  public struct Row: Sendable, Equatable {
    /// `video$_$clip`, MMSA's spelling.
    public var id: String
    public var videoID: String
    public var clipID: String
    /// The transcript as written (empty when the file has none).
    public var text: String
    /// Sentiment; NaN when empty.
    public var label: Double
    /// MMSA's sign word (Positive/Negative/Neutral); rebuilt from the label when the file has none.
    public var annotation: String
    /// `train`, `valid`, `test`, or `none` for rows outside every split.
    public var mode: String
    /// Six intensities in `MultimodalDataset.emotions` order; all NaN when the file has none.
    public var emotions: [Double]
    /// Segment interval in seconds; NaN when absent.
    public var start: Double
    public var end: Double
    /// The segment's index in the CMU-SDK sequence, when known.
    public var sdkClipID: Int?
    /// 1-based line of the file the row came from (0 for rows built in memory).
    public var line: Int

    public init(
      videoID: String, clipID: String, text: String = "", label: Double, annotation: String? = nil, mode: String,
      emotions: [Double] = Array(repeating: .nan, count: 6), start: Double = .nan, end: Double = .nan,
      sdkClipID: Int? = nil, line: Int = 0
    ) {
      precondition(emotions.count == 6, "a row has six emotion values")
      self.id = DataConventions.clipID(video: videoID, clip: clipID)
      self.videoID = videoID
      self.clipID = clipID
      self.text = text
      self.label = label
      self.annotation = annotation ?? (label > 0 ? "Positive" : label < 0 ? "Negative" : "Neutral")
      self.mode = mode
      self.emotions = emotions
      self.start = start
      self.end = end
      self.sdkClipID = sdkClipID
      self.line = line
    }

    /// Whether all six emotion values are given.
    public var hasEmotions: Bool { !emotions.contains(where: \.isNaN) }

    /// `id (line N)` for problem listings.
    var located: String { line > 0 ? "line \(line): \(id)" : id }
  }

  /// The file the table came from (named in every message).
  public let origin: String
  public var rows: [Row]
  /// Whether the rows carry transcripts (the file has a `text` column); splits get `texts` only then.
  public var hasTexts: Bool
  /// Rows outside every split that `load` left out.
  public var dropped: Int
  /// What reading and joining changed or could not do, one line each, naming the file.
  public var notes: [String]

  public init(origin: String, rows: [Row], hasTexts: Bool = true, dropped: Int = 0, notes: [String] = []) {
    self.origin = origin
    self.rows = rows
    self.hasTexts = hasTexts
    self.dropped = dropped
    self.notes = notes
  }

  /// Whether any row carries all six emotion labels.
  public var hasEmotions: Bool { rows.contains(where: \.hasEmotions) }

  /// Rows per mode.
  public var modeCounts: [String: Int] { rows.reduce(into: [:]) { $0[$1.mode, default: 0] += 1 } }

  // MARK: - Reading

  /// Reads and checks a label table (`.csv`, or `.tsv` tab-separated).
  ///
  /// - Parameters:
  ///   - requireSplits: splits that must have at least one row (none for a side table such as the
  ///     one `fillingEmptyTexts(from:)` reads).
  ///   - dropUnsplit: leave out rows whose mode is `none` (videos outside the standard folds),
  ///     counted in `dropped` and `notes`.
  /// - Throws: `DataError` naming the file and every problem: a missing column, a non-numeric value
  ///   (with its line), an unknown mode, a NaN or out-of-range label, duplicate ids, partial or
  ///   out-of-range emotions, or an empty required split.
  /// - Complexity: O(file size); MOSEI's 4.6 MB table takes well under a second in release builds.
  public static func load(
    path: String, requireSplits: [String] = DataConventions.splits, dropUnsplit: Bool = true
  ) throws -> LabelTable {
    let (parsed, structural) = try parse(csv: read(path: path))
    guard var table = parsed, structural.isEmpty else { throw DataError(joined(structural, origin: path)) }
    let unsplit = table.rows.filter { $0.mode == "none" }.count
    if unsplit > 0 && dropUnsplit {
      table.rows.removeAll { $0.mode == "none" }
      table.dropped = unsplit
      table.notes.append("\(path): \(unsplit) rows belong to no split (mode none) and are left out")
    }
    let problems = table.problems(requireSplits: requireSplits)
    if !problems.isEmpty { throw DataError(joined(problems, origin: path)) }
    return table
  }

  /// Every problem of a label table file, one line each prefixed with the path (empty when the file
  /// is fine); rows of mode `none` are not checked. For `mmolre data validate`.
  public static func problems(path: String, requireSplits: [String] = DataConventions.splits) -> [String] {
    do {
      let (parsed, structural) = try parse(csv: read(path: path))
      guard var table = parsed, structural.isEmpty else { return structural.map { "\(path): \($0)" } }
      table.rows.removeAll { $0.mode == "none" }
      return table.problems(requireSplits: requireSplits).map { "\(path): \($0)" }
    } catch {
      return ["\(error)"]
    }
  }

  static func read(path: String) throws -> CSVTable {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
      throw DataError("\(path): label table not found")
    }
    return try CSVTable(contentsOf: path, delimiter: path.lowercased().hasSuffix(".tsv") ? "\t" : ",")
  }

  private static func joined(_ problems: [String], origin: String) -> String {
    "\(origin): " + problems.joined(separator: "; ")
  }

  /// Brings a raw table to rows; returns the structural problems that make further checks
  /// meaningless (a missing column, a non-numeric value, an unknown mode). The table is nil when a
  /// column is missing.
  static func parse(csv: CSVTable) -> (LabelTable?, [String]) {
    var columns = csv.header
    if !columns.contains("label"), let i = columns.firstIndex(of: "sentiment") {
      columns[i] = "label"  // the SDK-derived tables call it sentiment
    }
    func index(_ name: String) -> Int? { columns.firstIndex(of: name) }
    let idColumn = index("id")
    let splitsIDs = (index("video_id") == nil || index("clip_id") == nil) && idColumn != nil
    let required = splitsIDs ? ["label", "mode"] : ["video_id", "clip_id", "label", "mode"]
    let missing = required.filter { index($0) == nil }
    if !missing.isEmpty {
      let hints = missing.compactMap { name in nearestName(to: name, among: columns).map { "\(name) -> \($0)?" } }
      let hint = hints.isEmpty ? "" : "; nearest: \(hints.joined(separator: ", "))"
      return (
        nil,
        [
          "missing column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", ")) (has "
            + "\(csv.header.joined(separator: ", "))\(hint); expected the MMSA label.csv layout "
            + "video_id, clip_id, text, label, annotation, mode)"
        ]
      )
    }
    let emotionColumns = MultimodalDataset.emotions.map(index)
    let present = zip(MultimodalDataset.emotions, emotionColumns).filter { $0.1 != nil }.map(\.0)
    if !present.isEmpty && present.count != 6 {
      let absent = MultimodalDataset.emotions.filter { !present.contains($0) }
      return (
        nil,
        [
          "emotion columns \(present.joined(separator: ", ")) are present but "
            + "\(absent.joined(separator: ", ")) are missing"
        ]
      )
    }
    let videoColumn = index("video_id")
    let clipColumn = index("clip_id")
    let labelColumn = index("label")!
    let modeColumn = index("mode")!
    let textColumn = index("text")
    let annotationColumn = index("annotation")
    let startColumn = index("start")
    let endColumn = index("end")
    let sdkColumn = index("sdk_clip_id")
    var rows: [Row] = []
    rows.reserveCapacity(csv.rows.count)
    var nonNumeric: [String: [String]] = [:]
    var unknownModes: Set<String> = []
    for (fields, line) in zip(csv.rows, csv.lineNumbers) {
      let video: String
      let clip: String
      if splitsIDs {
        guard let parts = try? DataConventions.splitClipID(trimmed(fields[idColumn!])) else {
          return (nil, ["line \(line): column id: \(fields[idColumn!]) has no $_$ or _ between video and clip"])
        }
        (video, clip) = parts
      } else {
        video = trimmed(fields[videoColumn!])
        clip = trimmed(fields[clipColumn!])
      }
      let id = DataConventions.clipID(video: video, clip: clip)
      func number(_ column: Int?, _ name: String) -> Double {
        guard let column else { return .nan }
        if let value = parseNumber(fields[column]) { return value }
        nonNumeric[name, default: []].append("line \(line): \(id) = \(trimmed(fields[column]))")
        return .nan
      }
      let label = number(labelColumn, "label")
      let emotions = zip(MultimodalDataset.emotions, emotionColumns).map { number($0.1, $0.0) }
      let start = number(startColumn, "start")
      let end = number(endColumn, "end")
      let sdk = number(sdkColumn, "sdk_clip_id")
      let modeText = trimmed(fields[modeColumn]).lowercased()
      let mode: String
      if let alias = DataConventions.modeAliases[modeText] {
        mode = alias
      } else {
        if !DataConventions.noSplitModes.contains(modeText) { unknownModes.insert(modeText) }
        mode = "none"
      }
      rows.append(
        Row(
          videoID: video, clipID: clip, text: textColumn.map { fields[$0] } ?? "", label: label,
          annotation: annotationColumn.map { fields[$0] }, mode: mode, emotions: emotions, start: start, end: end,
          sdkClipID: sdk.isFinite ? Int(exactly: sdk.rounded()) : nil, line: line))
    }
    var problems: [String] = []
    for name in ["label"] + MultimodalDataset.emotions + ["start", "end", "sdk_clip_id"] {
      if let bad = nonNumeric[name] {
        problems.append("column \(name) has non-numeric values (\(DataConventions.listed(bad)))")
      }
    }
    if !unknownModes.isEmpty {
      problems.append(
        "column mode has unknown values \(unknownModes.sorted().joined(separator: ", ")); expected train, valid, test")
    }
    return (LabelTable(origin: csv.origin, rows: rows, hasTexts: textColumn != nil), problems)
  }

  /// A number, NaN for an empty field or a spelling of NaN, nil for anything else.
  private static func parseNumber(_ field: String) -> Double? {
    let text = trimmed(field)
    if text.isEmpty || text == "nan" || text == "NaN" || text == "NA" { return .nan }
    return Double(text)
  }

  /// The field without surrounding ASCII spaces and tabs; nearly every field has none, so that case
  /// returns the string itself without copying.
  static func trimmed(_ field: String) -> String {
    let utf8 = field.utf8
    func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
    guard let first = utf8.first, let last = utf8.last, isSpace(first) || isSpace(last) else { return field }
    return field.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  // MARK: - Checks

  /// Problems of the rows, one line each (without the file name): NaN or out-of-range labels,
  /// duplicate ids, empty required splits, partial or out-of-range emotion rows.
  public func problems(requireSplits: [String] = DataConventions.splits) -> [String] {
    var problems: [String] = []
    let nanLabels = rows.filter { $0.label.isNaN }
    if !nanLabels.isEmpty {
      problems.append(
        "label is NaN or empty for \(nanLabels.count) clips (\(DataConventions.listed(nanLabels.map(\.located))))")
    }
    let outside = rows.filter { !$0.label.isNaN && !DataConventions.sentimentInRange($0.label) }
    if !outside.isEmpty {
      let shown = outside.map { "\($0.located) = \(Self.format($0.label))" }
      problems.append("label outside [-3, 3] for \(outside.count) clips (\(DataConventions.listed(shown)))")
    }
    var seen: [String: Int] = [:]
    for row in rows { seen[row.id, default: 0] += 1 }
    let shared = rows.filter { seen[$0.id]! > 1 }
    if !shared.isEmpty {
      problems.append(
        "\(shared.count) rows share an id (\(DataConventions.listed(shared.map(\.located))))")
    }
    let counts = modeCounts
    for split in requireSplits where counts[split, default: 0] == 0 {
      problems.append("split \(split) has zero rows")
    }
    let partial = rows.filter { row in row.emotions.contains(where: \.isNaN) && !row.emotions.allSatisfy(\.isNaN) }
    if !partial.isEmpty {
      problems.append(
        "emotion labels are only partly given for \(partial.count) clips "
          + "(\(DataConventions.listed(partial.map(\.located)))); give all six or none")
    }
    let badEmotion = rows.filter { row in
      row.emotions.contains { !$0.isNaN && !DataConventions.emotionInRange($0) }
    }
    if !badEmotion.isEmpty {
      problems.append(
        "emotion intensities outside [0, 3] for \(badEmotion.count) clips "
          + "(\(DataConventions.listed(badEmotion.map(\.located))))")
    }
    return problems
  }

  static func format(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
  }
}
