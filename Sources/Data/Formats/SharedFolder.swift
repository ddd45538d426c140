import Foundation

/// Where the project's shared inputs live: `$MMOLRE_SHARED`, else a `shared` folder beside the
/// working folder or beside one of its parents (`../shared/data`, `../shared/golden`).
public enum SharedFolder {
  /// The shared folder, or nil when none is found.
  public static func locate(from start: String = FileManager.default.currentDirectoryPath) -> String? {
    if let explicit = ProcessInfo.processInfo.environment["MMOLRE_SHARED"], !explicit.isEmpty {
      return explicit
    }
    var folder = URL(fileURLWithPath: start).standardizedFileURL
    for _ in 0..<6 {
      let candidate = folder.deletingLastPathComponent().appendingPathComponent("shared")
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
        return candidate.path
      }
      folder = folder.deletingLastPathComponent()
    }
    return nil
  }

  /// The shared folder as seen from a test source file (`#filePath`), for golden-value tests.
  public static func forTests(file: String = #filePath) -> String? {
    let root = file.components(separatedBy: "/Tests/")[0]
    return locate(from: root + "/Sources")
  }
}
