// CMU-MultimodalSDK computational sequences (`.csd`), read through libhdf5. Layout
// (CMU-MultiComp-Lab/CMU-MultimodalSDK, `mmsdk/mmdatasdk/computational_sequence/file_ops.py`): one root
// group (the sequence's "root name") holding
//
//     data/<video>/features    [n, d] one row per frame (or word, or labelled segment)
//     data/<video>/intervals   [n, 2] start and end of each row, in seconds
//     metadata/<key>           a one-element string dataset holding a JSON value
//
// A label sequence has one row per opinion segment: CMU_MOSI_Opinion_Labels.csd has d = 1
// (sentiment), CMU_MOSEI_Labels.csd d = 7 (sentiment, then the six emotions). An aligned SDK
// sequence names entries `video[k]`; they are merged back into `video` (reference `read_csd`).

import Foundation

/// One computational sequence read into memory.
public struct ComputationalSequence: Sendable {
  /// The rows of one video.
  public struct Entry: Sendable {
    /// `count x dim` values, row-major (empty for a word sequence).
    public var features: [Float]
    /// `count x 2` start and end times in seconds.
    public var intervals: [Double]
    /// Words of a word sequence (`features` holds strings), else empty.
    public var words: [String]
    public var count: Int { intervals.count / 2 }

    public init(features: [Float], intervals: [Double], words: [String] = []) {
      self.features = features
      self.intervals = intervals
      self.words = words
    }
  }

  public let origin: String
  /// Name of the root group ("Opinion Segment Labels", "COVAREP").
  public let root: String
  /// Values per row (1 for a word sequence).
  public let dim: Int
  /// Rows by video id.
  public var entries: [String: Entry]
  /// Metadata values, JSON-decoded where they parse (the SDK stores each as JSON text).
  public var metadata: [String: JSONValue]
  /// Whether the rows are words rather than feature vectors.
  public let holdsWords: Bool

  /// A sequence built in memory (for tests and writers).
  /// - Precondition: each entry holds `count * dim` features (or words for a word sequence).
  public init(
    origin: String, root: String, dim: Int, entries: [String: Entry], metadata: [String: JSONValue] = [:],
    holdsWords: Bool = false
  ) {
    self.origin = origin
    self.root = root
    self.dim = dim
    self.entries = entries
    self.metadata = metadata
    self.holdsWords = holdsWords
  }

  /// Total rows over all videos.
  public var rowCount: Int { entries.values.reduce(0) { $0 + $1.count } }

  /// Video ids in byte order (the order the reference numbers segments in).
  public var videos: [String] { entries.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }

  /// `mosi` / `mosei` from the metadata "dataset name" ("CMU-MOSI"), else that name in lower case.
  public var datasetName: String {
    let name = (metadata["dataset name"]?.stringValue ?? "").trimmingCharacters(in: .whitespaces).lowercased()
    for short in ["mosei", "mosi"] where name.contains(short) { return short }
    return name
  }

  /// NaN and infinite feature values over all videos.
  public var nonFiniteCount: Int { entries.values.reduce(0) { $0 + $1.features.filter { !$0.isFinite }.count } }

  /// Reads and checks a computational sequence.
  /// - Throws: `DataError` naming the file and the entry: not HDF5 or truncated, not one root
  ///   group, no `data` group, an entry without `features` or `intervals`, intervals not `[n, 2]`,
  ///   row counts that differ, feature dims that differ between videos.
  public static func read(path: String) throws -> ComputationalSequence {
    try HDF5File.withFile(path: path) { file in
      let root = try rootName(file)
      let metadata = try readMetadata(file, root: root)
      guard file.kind("/\(root)/data") == .group else {
        throw DataError("\(path): root group \(root) has no data group")
      }
      var parts: [String: [Entry]] = [:]
      var dims: Set<Int> = []
      var words = false
      for name in try file.children("/\(root)/data") {
        let base = "/\(root)/data/\(name)"
        guard file.kind(base) == .group, file.kind("\(base)/features") == .dataset,
          file.kind("\(base)/intervals") == .dataset
        else { throw DataError("\(path): entry \(name) lacks features or intervals") }
        let (intervalShape, intervals) = try file.readDoubles("\(base)/intervals")
        guard intervalShape.count == 2, intervalShape[1] == 2 else {
          throw DataError("\(path): entry \(name) has intervals of shape \(intervalShape), expected [n, 2]")
        }
        let (featureShape, isString) = try file.describe("\(base)/features")
        guard featureShape.count == 1 || featureShape.count == 2 else {
          throw DataError("\(path): entry \(name) has features of shape \(featureShape), expected [n, d]")
        }
        guard featureShape[0] == intervalShape[0] else {
          throw DataError(
            "\(path): entry \(name) has \(featureShape[0]) feature rows but \(intervalShape[0]) intervals")
        }
        var entry = Entry(features: [], intervals: intervals, words: [])
        if isString {
          words = true
          entry.words = try file.readStrings("\(base)/features")
          dims.insert(1)
        } else {
          entry.features = try file.readFloats("\(base)/features").values
          dims.insert(featureShape.count == 2 ? featureShape[1] : 1)
        }
        // An aligned SDK sequence names entries video[k]; they belong to video.
        let video = String(name.prefix { $0 != "[" })
        parts[video, default: []].append(entry)
      }
      if dims.count > 1 {
        throw DataError(
          "\(path): feature dims differ between videos: \(dims.sorted().map(String.init).joined(separator: ", "))")
      }
      let entries = parts.mapValues { pieces in
        pieces.dropFirst().reduce(into: pieces[0]) { whole, piece in
          whole.features += piece.features
          whole.intervals += piece.intervals
          whole.words += piece.words
        }
      }
      return ComputationalSequence(
        origin: path, root: root, dim: dims.first ?? 0, entries: entries, metadata: metadata, holdsWords: words)
    }
  }

  /// Only the root name and metadata (cheap: no feature data is read).
  public static func readMetadata(path: String) throws -> (root: String, metadata: [String: JSONValue]) {
    try HDF5File.withFile(path: path) { file in
      let root = try rootName(file)
      return (root, try readMetadata(file, root: root))
    }
  }

  private static func rootName(_ file: HDF5File) throws -> String {
    let roots = try file.children("/")
    guard roots.count == 1, let root = roots.first, file.kind("/\(root)") == .group else {
      throw DataError(
        "\(file.origin): expected one root group in a computational sequence, found \(roots.count): "
          + roots.joined(separator: ", "))
    }
    return root
  }

  private static func readMetadata(_ file: HDF5File, root: String) throws -> [String: JSONValue] {
    guard file.kind("/\(root)/metadata") == .group else { return [:] }
    var out: [String: JSONValue] = [:]
    for key in try file.children("/\(root)/metadata") where file.kind("/\(root)/metadata/\(key)") == .dataset {
      let path = "/\(root)/metadata/\(key)"
      guard try file.describe(path).isString, let text = try file.readStrings(path).first else { continue }
      out[key] = (try? JSONValue(parsing: text)) ?? .string(text)
    }
    return out
  }
}
