import Foundation

/// Whole-file writes that either land completely or not at all.
public enum AtomicFile {
  /// Writes `bytes` to a temporary file in the same folder, flushes it, then renames it over `path`.
  /// A crash leaves either the old file or the new one, never a half-written one.
  public static func write(_ bytes: [UInt8], to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let temporary = folder + "/.\(url.lastPathComponent).\(getpid()).partial"
    guard let handle = fopen(temporary, "wb") else {
      throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
    }
    let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
    let flushed = fflush(handle) == 0 && fsync(fileno(handle)) == 0
    fclose(handle)
    guard written == bytes.count, flushed else {
      unlink(temporary)
      throw CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: path])
    }
    guard rename(temporary, path) == 0 else {
      unlink(temporary)
      throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
    }
  }

  /// Writes UTF-8 text atomically.
  public static func write(_ text: String, to path: String) throws {
    try write(Array(text.utf8), to: path)
  }
}
