// What `mmolre data inspect` reports about splits from any reader (the reference's
// `inspect.summarize` / `format_summary`): clips per split and source, sentiment range and mean,
// how many clips carry emotions and the prevalence of each emotion (share of labelled clips with
// intensity > 0, the presence the ER task predicts), empty transcripts, each modality's dim and
// length range, and the non-finite values the reader set to 0.
import Foundation

/// A summary of splits, as JSON for scripts and as text for people.
public struct DatasetSummary: Sendable {
  /// Counts and ranges of one split.
  public struct Split: Sendable {
    public var clips: Int
    /// Clips per dataset name.
    public var sources: [String: Int]
    public var sentimentLabelled: Int
    public var sentimentMin: Double?
    public var sentimentMax: Double?
    public var sentimentMean: Double?
    public var emotionLabelled: Int
    /// Per emotion, the share of emotion-labelled clips with intensity > 0 (nil without emotions).
    public var prevalence: [Double]?
    /// Clips whose transcript is empty (nil when the split has no transcripts).
    public var emptyTexts: Int?
  }

  /// Length statistics of one modality in one split.
  public struct Lengths: Sendable, Equatable {
    public var min: Int
    public var median: Double
    public var max: Int
    /// Clips with no frames.
    public var empty: Int
  }

  public var path: String
  public var format: DataFormat
  public var splitNames: [String]
  public var splits: [String: Split]
  /// Modality -> dim, in model order.
  public var dims: [(modality: String, dim: Int)]
  /// Modality -> split -> lengths.
  public var lengths: [String: [String: Lengths]]
  /// Split -> modality -> values set to 0.
  public var nonFinite: [String: [String: Int]]
  /// Over all splits: emotion-labelled clips and prevalence per emotion.
  public var emotionLabelled: Int
  public var prevalence: [Double]?
  public var notes: [String]

  /// Summarises splits read from `path`.
  /// - Complexity: O(total frames) for the length statistics, O(clips) otherwise.
  public init(_ loaded: LoadedSplits, path: String, format: DataFormat) {
    self.path = path
    self.format = format
    splitNames = loaded.splitNames
    nonFinite = loaded.nonFinite
    notes = loaded.notes
    var splits: [String: Split] = [:]
    var lengths: [String: [String: Lengths]] = [:]
    var present = [Int](repeating: 0, count: 6)
    var labelled = 0
    for name in splitNames {
      let ds = loaded[name]!
      var sources: [String: Int] = [:]
      for s in ds.sources { sources[s, default: 0] += 1 }
      let sentiment = (0..<ds.count).filter(ds.hasSentiment).map { Double(ds.sentiment[$0]) }
      let withEmotions = (0..<ds.count).filter(ds.hasEmotions)
      var splitPresent = [Int](repeating: 0, count: 6)
      for i in withEmotions {
        for j in 0..<6 where ds.emotions[6 * i + j] > 0 { splitPresent[j] += 1 }
      }
      for j in 0..<6 { present[j] += splitPresent[j] }
      labelled += withEmotions.count
      splits[name] = Split(
        clips: ds.count, sources: sources, sentimentLabelled: sentiment.count, sentimentMin: sentiment.min(),
        sentimentMax: sentiment.max(),
        sentimentMean: sentiment.isEmpty ? nil : sentiment.reduce(0, +) / Double(sentiment.count),
        emotionLabelled: withEmotions.count,
        prevalence: withEmotions.isEmpty ? nil : splitPresent.map { Double($0) / Double(withEmotions.count) },
        emptyTexts: ds.texts.map { texts in texts.filter { $0.trimmingCharacters(in: .whitespaces).isEmpty }.count })
      for modality in ds.modalities {
        let sequences = ds.features[modality]!
        lengths[modality, default: [:]][name] = Self.lengths((0..<sequences.count).map(sequences.length))
      }
    }
    self.splits = splits
    self.lengths = lengths
    let first = splitNames.first.flatMap { loaded[$0] }
    dims = first.map { ds in ds.modalities.map { ($0, ds.features[$0]!.dim) } } ?? []
    emotionLabelled = labelled
    prevalence = labelled == 0 ? nil : present.map { Double($0) / Double(labelled) }
  }

  static func lengths(_ values: [Int]) -> Lengths {
    let sorted = values.sorted()
    guard let low = sorted.first, let high = sorted.last else { return Lengths(min: 0, median: 0, max: 0, empty: 0) }
    let middle = sorted.count / 2
    let median = sorted.count % 2 == 1 ? Double(sorted[middle]) : Double(sorted[middle - 1] + sorted[middle]) / 2
    return Lengths(min: low, median: median, max: high, empty: values.filter { $0 == 0 }.count)
  }

  // MARK: - Output

  /// The summary as JSON (keys as the reference's `summarize`, plus `empty_texts` and `non_finite`).
  public var json: JSONValue {
    func number(_ x: Double?) -> JSONValue { x.map { .double($0) } ?? .null }
    func emotionObject(_ values: [Double]) -> JSONValue {
      .object(zip(MultimodalDataset.emotions, values).map { ($0, .double($1)) })
    }
    var splitPairs: [(String, JSONValue)] = []
    for name in splitNames {
      let s = splits[name]!
      var emotions: [(String, JSONValue)] = [("labelled", .int(s.emotionLabelled))]
      if let p = s.prevalence { emotions.append(("prevalence", emotionObject(p))) }
      var entry: [(String, JSONValue)] = [
        ("clips", .int(s.clips)),
        ("sources", .object(s.sources.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
        (
          "sentiment",
          .object([
            ("labelled", .int(s.sentimentLabelled)), ("min", number(s.sentimentMin)), ("max", number(s.sentimentMax)),
            ("mean", number(s.sentimentMean)),
          ])
        ),
        ("emotions", .object(emotions)),
      ]
      if let empty = s.emptyTexts { entry.append(("empty_texts", .int(empty))) }
      splitPairs.append((name, .object(entry)))
    }
    var modalities: [(String, JSONValue)] = []
    for (modality, dim) in dims {
      let perSplit = splitNames.compactMap { name in
        lengths[modality]?[name].map { l in
          (name, JSONValue.object([("min", .int(l.min)), ("median", .double(l.median)), ("max", .int(l.max))]))
        }
      }
      var entry: [(String, JSONValue)] = [("dim", .int(dim)), ("lengths", .object(perSplit))]
      let empty = splitNames.compactMap { name in
        lengths[modality]?[name].flatMap { $0.empty > 0 ? (name, JSONValue.int($0.empty)) : nil }
      }
      if !empty.isEmpty { entry.append(("empty", .object(empty))) }
      let zeroed = splitNames.compactMap { name in nonFinite[name]?[modality].map { (name, JSONValue.int($0)) } }
      if !zeroed.isEmpty { entry.append(("non_finite", .object(zeroed))) }
      modalities.append((modality, .object(entry)))
    }
    var out: [(String, JSONValue)] = [
      ("path", .string(path)), ("format", .string(format.rawValue)), ("splits", .object(splitPairs)),
      ("modalities", .object(modalities)),
    ]
    if let prevalence {
      out.append(("emotion_prevalence", emotionObject(prevalence)))
      out.append(("emotion_labelled", .int(emotionLabelled)))
    }
    out.append(("notes", .array(notes.map { .string($0) })))
    return .object(out)
  }

  /// The summary as aligned text.
  public var text: String {
    var lines = ["\(path): format \(format.rawValue)"]
    let total = splitNames.reduce(0) { $0 + splits[$1]!.clips }
    lines.append(
      "clips: \(splitNames.map { String(splits[$0]!.clips) }.joined(separator: "/")) "
        + "(\(splitNames.joined(separator: "/"))), \(total) in all")
    lines.append(
      pad("split", 8) + pad("clips", 7, right: true) + "  " + pad("sentiment range", 18) + pad("mean", 7, right: true)
        + pad("emotions", 10, right: true) + pad("empty texts", 13, right: true) + "  sources")
    for name in splitNames {
      let s = splits[name]!
      let range = s.sentimentMin.map { "[\(Self.short($0)), \(Self.short(s.sentimentMax!))]" } ?? "-"
      let mean = s.sentimentMean.map { String(format: "%.3f", $0) } ?? "-"
      let sources = s.sources.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
      lines.append(
        pad(name, 8) + pad(String(s.clips), 7, right: true) + "  " + pad(range, 18) + pad(mean, 7, right: true)
          + pad(String(s.emotionLabelled), 10, right: true) + pad(s.emptyTexts.map(String.init) ?? "-", 13, right: true)
          + "  " + sources)
    }
    if dims.isEmpty {
      lines.append("modalities: none (labels only)")
    } else {
      lines.append("modalities:")
      for (modality, dim) in dims {
        let perSplit = splitNames.compactMap { name in
          lengths[modality]?[name].map { "\(name) \($0.min)-\($0.max) (median \(Self.short($0.median)))" }
        }
        lines.append("  \(modality): dim \(dim), lengths \(perSplit.joined(separator: "; "))")
        let empty = splitNames.compactMap { name in
          lengths[modality]?[name].flatMap { $0.empty > 0 ? "\(name) \($0.empty)" : nil }
        }
        if !empty.isEmpty { lines.append("    empty sequences: \(empty.joined(separator: ", "))") }
        let zeroed = splitNames.compactMap { name in nonFinite[name]?[modality].map { "\(name) \($0)" } }
        if !zeroed.isEmpty { lines.append("    non-finite values set to 0: \(zeroed.joined(separator: ", "))") }
      }
    }
    if let prevalence {
      lines.append("emotion prevalence (intensity > 0, \(emotionLabelled) labelled clips):")
      lines.append("  " + pad("split", 8) + MultimodalDataset.emotions.map { pad($0, 10, right: true) }.joined())
      for name in splitNames {
        guard let p = splits[name]!.prevalence else { continue }
        lines.append("  " + pad(name, 8) + p.map { pad(String(format: "%.3f", $0), 10, right: true) }.joined())
      }
      lines.append("  " + pad("all", 8) + prevalence.map { pad(String(format: "%.3f", $0), 10, right: true) }.joined())
    } else {
      lines.append("emotions: none (sentiment only)")
    }
    if !notes.isEmpty {
      lines.append("notes:")
      lines += notes.map { "  \($0)" }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// A number in at most 3 significant digits, integers without a point (`-3`, `0.667`, `2.5`).
  static func short(_ x: Double) -> String {
    if x == x.rounded() && abs(x) < 1e9 { return String(Int(x)) }
    var text = String(format: "%.3g", x)
    if text.contains("."), !text.contains("e") {
      while text.hasSuffix("0") { text.removeLast() }
    }
    return text
  }
}

/// `text` padded with spaces to `width` (on the left when `right`), for aligned columns.
func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
  let fill = String(repeating: " ", count: max(0, width - text.count))
  return right ? fill + text : text + fill
}
