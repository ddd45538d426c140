// Names and ranges every reader shares (the reference's `mmolre/constants.py` and
// `data/label_table.py`): split names, label ranges, MMSA's clip id spelling and the `mode` aliases
// seen in public label files.
import Foundation

/// Conventions of the MMSA / CMU-SDK data every reader follows.
public enum DataConventions {
  /// The three splits, in the order they are reported.
  public static let splits = ["train", "valid", "test"]
  /// Sentiment labels are annotator means on a 7-point scale.
  public static let sentimentRange: ClosedRange<Double> = -3...3
  /// Emotion intensities (MOSEI) are annotator means of 0-3 ratings.
  public static let emotionRange: ClosedRange<Double> = 0...3
  /// Label files store float32 values printed at full precision, so 3.0 can read as 3.0000000953674316.
  public static let rangeTolerance = 1e-5
  /// MMSA joins video and clip ids with this separator.
  public static let idSeparator = "$_$"

  /// Spellings of `mode` seen in public label files, mapped to `train`, `valid`, `test`
  /// (MMSA writes train/valid/test; MELD and others write dev).
  public static let modeAliases: [String: String] = [
    "train": "train", "training": "train", "valid": "valid", "val": "valid", "validation": "valid",
    "dev": "valid", "test": "test", "testing": "test",
  ]
  /// Modes of rows outside the standard folds (the 68 MOSEI videos the SDK folds leave out).
  public static let noSplitModes: Set<String> = ["none", "", "nan", "unused"]

  /// The clip id MMSA writes: `"\(video)$_$\(clip)"`.
  public static func clipID(video: String, clip: String) -> String { video + idSeparator + clip }

  /// Inverse of `clipID(video:clip:)`; an id without the separator is split at its last underscore.
  public static func splitClipID(_ id: String) throws -> (video: String, clip: String) {
    if let range = id.range(of: idSeparator, options: .backwards) {
      return (String(id[..<range.lowerBound]), String(id[range.upperBound...]))
    }
    if let underscore = id.lastIndex(of: "_") {
      return (String(id[..<underscore]), String(id[id.index(after: underscore)...]))
    }
    throw DataError("id \(id) has neither \(idSeparator) nor _ between video and clip")
  }

  /// Whether a sentiment label lies in [-3, 3] (with the float32 print tolerance).
  public static func sentimentInRange(_ value: Double) -> Bool {
    value >= sentimentRange.lowerBound - rangeTolerance && value <= sentimentRange.upperBound + rangeTolerance
  }

  /// Whether an emotion intensity lies in [0, 3] (with the float32 print tolerance).
  public static func emotionInRange(_ value: Double) -> Bool {
    value >= emotionRange.lowerBound - rangeTolerance && value <= emotionRange.upperBound + rangeTolerance
  }

  /// Dataset name from a path: `mosei`, `mosi`, `sims`, `meld` or `iemocap` when the path names one
  /// (as a file name part, a folder, or after `_`), else the file name without its extension.
  public static func guessSource(path: String) -> String {
    let lower = URL(fileURLWithPath: path).standardizedFileURL.path.lowercased()
    let fileName = lower.split(separator: "/").last.map(String.init) ?? lower
    for name in ["mosei", "mosi", "sims", "meld", "iemocap"]
    where fileName.contains(name) || lower.contains("/\(name)") || lower.contains("_\(name)") {
      return name
    }
    let stem = (path.split(separator: "/").last.map(String.init) ?? path)
    if let dot = stem.lastIndex(of: "."), dot != stem.startIndex { return String(stem[..<dot]) }
    return stem
  }

  /// At most five items joined with commas, then "and N more", for problem messages.
  static func listed(_ items: [String], limit: Int = 5) -> String {
    let shown = items.prefix(limit).joined(separator: ", ")
    return items.count > limit ? "\(shown) and \(items.count - limit) more" : shown
  }
}
