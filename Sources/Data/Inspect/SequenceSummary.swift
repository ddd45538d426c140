// What `mmolre data inspect` reports about a feature `.csd` on its own (the reference's
// `summarize_sequence`): it has no labels or splits, so the sequence itself is described.

/// Videos, rows, dim, rows per video, time span and non-finite values of one computational sequence.
public struct SequenceSummary: Sendable {
  public var path: String
  public var root: String
  public var dataset: String
  public var videos: Int
  public var rows: Int
  public var dim: Int
  public var rowsPerVideo: DatasetSummary.Lengths
  public var maxEndSeconds: Double?
  public var nonFinite: Int
  public var words: Bool

  public init(_ sequence: ComputationalSequence) {
    path = sequence.origin
    root = sequence.root
    dataset = sequence.metadata["dataset name"]?.stringValue ?? ""
    videos = sequence.entries.count
    rows = sequence.rowCount
    dim = sequence.dim
    rowsPerVideo = DatasetSummary.lengths(sequence.entries.values.map(\.count))
    maxEndSeconds = sequence.entries.values.compactMap { entry in
      stride(from: 1, to: entry.intervals.count, by: 2).map { entry.intervals[$0] }.max()
    }.max()
    nonFinite = sequence.nonFiniteCount
    words = sequence.holdsWords
  }

  public var json: JSONValue {
    .object([
      ("path", .string(path)), ("format", .string("csd")), ("root", .string(root)), ("dataset", .string(dataset)),
      ("videos", .int(videos)), ("rows", .int(rows)), ("dim", .int(dim)),
      (
        "rows_per_video",
        .object([
          ("min", .int(rowsPerVideo.min)), ("median", .double(rowsPerVideo.median)), ("max", .int(rowsPerVideo.max)),
        ])
      ),
      ("max_end_seconds", maxEndSeconds.map { .double($0) } ?? .null), ("non_finite", .int(nonFinite)),
      ("words", .bool(words)),
    ])
  }

  public var text: String {
    var lines = [
      "\(path): format csd, sequence \(root) (\(dataset.isEmpty ? "dataset not named" : dataset))",
      "videos \(videos), rows \(rows), dim \(dim)\(words ? " (words)" : "")",
      "rows per video: \(rowsPerVideo.min)-\(rowsPerVideo.max) (median \(DatasetSummary.short(rowsPerVideo.median)))",
    ]
    if nonFinite > 0 { lines.append("non-finite values: \(nonFinite) (set to 0 when read)") }
    lines.append("no labels or splits: read it with a label sequence (--features MODALITY=\(path))")
    return lines.joined(separator: "\n") + "\n"
  }
}
