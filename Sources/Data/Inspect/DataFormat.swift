// Which reader a file needs, from its name and first bytes (the reference's `formats.detect_format`):
// .csv/.tsv label tables, .pkl/.pickle MMSA pickles, .csd/.h5/.hdf5 computational sequences; an
// unknown suffix falls back to the HDF5 signature or the pickle PROTO opcode.
import Foundation

/// The on-disk layouts `mmolre data` and the readers understand.
public enum DataFormat: String, Sendable, CaseIterable {
  /// An MMSA-layout label table (`label.csv`).
  case table
  /// An MMSA feature pickle (`aligned_50.pkl`).
  case mmsa
  /// A CMU-SDK computational sequence (`.csd`).
  case csd

  private static let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

  /// The format of a file.
  /// - Throws: `DataError` when the file is missing, a folder, or of no known format.
  public static func detect(path: String) throws -> DataFormat {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw DataError("\(path): not found")
    }
    if isDirectory.boolValue { throw DataError("\(path): is a folder; name a label table, pickle or .csd file") }
    let suffix = (path as NSString).pathExtension.lowercased()
    switch suffix {
    case "csv", "tsv": return .table
    case "pkl", "pickle": return .mmsa
    case "csd", "h5", "hdf5": return .csd
    default: break
    }
    var head: [UInt8] = []
    if let handle = FileHandle(forReadingAtPath: path) {
      head = [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
      try? handle.close()
    }
    if head == hdf5Signature { return .csd }
    if head.first == 0x80 { return .mmsa }
    throw DataError("\(path): cannot tell the format (expected .csv/.tsv, .pkl or .csd)")
  }
}
