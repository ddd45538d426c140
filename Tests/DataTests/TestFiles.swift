import Data
import Foundation

/// Where the DataTests fixtures and the shared real data live, and a scratch folder per test.
enum TestFiles {
  /// `Tests/DataTests/Fixtures`.
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    .path

  static func fixture(_ name: String) -> String { "\(fixtures)/\(name)" }

  /// `<shared>/data`, or nil when the shared folder is absent (tests that need it return early).
  static var sharedData: String? {
    guard let shared = SharedFolder.forTests() else { return nil }
    let data = shared + "/data"
    return FileManager.default.fileExists(atPath: data) ? data : nil
  }

  /// A fresh empty folder under the temporary directory.
  static func scratch(_ name: String = #function) throws -> String {
    let folder =
      NSTemporaryDirectory() + "mmolre-readers-\(getpid())-\(name.filter { $0.isLetter })-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
  }

  /// Writes text to a file in `folder` and returns its path.
  static func write(_ text: String, to name: String, in folder: String) throws -> String {
    let path = "\(folder)/\(name)"
    try AtomicFile.write(text, to: path)
    return path
  }
}
