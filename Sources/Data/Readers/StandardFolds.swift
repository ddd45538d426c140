// The CMU-SDK's standard video-level folds (`cmu_mosi_std_folds.py`, `cmu_mosei_std_folds.py`),
// kept as JSON `{"train": [video ids], "valid": [...], "test": [...]}` in `../shared/data`
// (SOURCES.md: MOSI 52/10/31 videos, MOSEI 2249/300/678). A video's segments all go to its fold.
import Foundation

/// Video-level splits: which videos form train, valid and test.
public struct StandardFolds: Sendable, Equatable {
  /// Video ids per split.
  public var videos: [String: [String]]
  private var splitOfVideo: [String: String]

  /// Folds from split -> video ids. A video listed under two splits belongs to the later one in
  /// train, valid, test order (as the reference assigns them).
  public init(videos: [String: [String]]) {
    self.videos = videos
    var index: [String: String] = [:]
    for split in DataConventions.splits {
      for video in videos[split] ?? [] { index[video] = split }
    }
    splitOfVideo = index
  }

  /// Reads a folds JSON file.
  /// - Throws: `DataError` naming the file when it is not an object of string lists with train,
  ///   valid and test.
  public static func load(path: String) throws -> StandardFolds {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DataError("\(path): folds file not found or not readable")
    }
    let json: JSONValue
    do {
      json = try JSONValue(parsing: [UInt8](data))
    } catch {
      throw DataError("\(path): not JSON (\(error))")
    }
    guard let pairs = json.objectPairs else {
      throw DataError("\(path): folds must be a JSON object with lists train, valid, test")
    }
    var videos: [String: [String]] = [:]
    for (split, value) in pairs {
      guard let items = value.arrayValue else { throw DataError("\(path): key \(split) is not a list of video ids") }
      videos[split] = try items.enumerated().map { k, item in
        guard let id = item.stringValue else {
          throw DataError("\(path): \(split)[\(k)] is \(item.kindName), not a video id")
        }
        return id
      }
    }
    let missing = DataConventions.splits.filter { videos[$0] == nil }
    if !missing.isEmpty { throw DataError("\(path): folds lack \(missing.joined(separator: ", "))") }
    return StandardFolds(videos: videos)
  }

  /// The standard folds of `dataset` (`mosi`, `mosei`) from the shared data folder:
  /// `<shared>/data/<dataset>/<dataset>_std_folds.json`.
  /// - Throws: `DataError` when there is no such file or no shared folder.
  public static func shared(dataset: String, sharedFolder: String? = SharedFolder.locate()) throws -> StandardFolds {
    guard let folder = sharedFolder else {
      throw DataError(
        "no standard folds for \(dataset): no shared data folder found (set MMOLRE_SHARED or give a folds file)")
    }
    let path = "\(folder)/data/\(dataset)/\(dataset)_std_folds.json"
    guard FileManager.default.fileExists(atPath: path) else {
      throw DataError("no standard folds for dataset \(dataset) (looked for \(path)); give a folds file")
    }
    return try load(path: path)
  }

  /// The split of a video, or nil when it lies outside every fold.
  public func split(ofVideo video: String) -> String? { splitOfVideo[video] }

  public static func == (a: StandardFolds, b: StandardFolds) -> Bool { a.videos == b.videos }
}
