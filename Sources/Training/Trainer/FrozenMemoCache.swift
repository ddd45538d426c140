// The frozen bottom of a fine-tuned encoder gives the same output for a transcript in every run that
// loads the same pretrained weights, so the runs of one process (the seeds and cells of a grid) share
// its memo: the second seed of `mosi+mosei-text-ft` starts with its 25k transcripts memoized instead of
// running the frozen layers over them again in its first epoch.
import Foundation
import Models

/// Memos of frozen encoder outputs, per (weights file, trainable layers), shared by the runs of a process.
final class FrozenMemoCache: @unchecked Sendable {
  static let shared = FrozenMemoCache()

  private let lock = NSLock()
  private var tables: [String: [[Int32]: [Float]]] = [:]

  /// The key of an encoder: its weights file (path, size and modification time, so a replaced file
  /// is a new key) and how many top layers train.
  static func key(weightsFile: String, trainableLayers: Int?) -> String? {
    guard let layers = trainableLayers,
      let attributes = try? FileManager.default.attributesOfItem(atPath: weightsFile),
      let size = attributes[.size] as? Int, let modified = attributes[.modificationDate] as? Date
    else { return nil }
    return "\(weightsFile)|\(size)|\(modified.timeIntervalSince1970)|top \(layers)"
  }

  func table(for key: String) -> [[Int32]: [Float]]? {
    lock.withLock { tables[key] }
  }

  /// Keeps `table` for `key`, replacing an older one (a later run's memo holds at least as much).
  func store(_ table: [[Int32]: [Float]], for key: String) {
    guard !table.isEmpty else { return }
    lock.withLock { tables[key] = table }
  }
}
