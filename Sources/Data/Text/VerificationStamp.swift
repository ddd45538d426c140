import Foundation

// `.verified.json` in an encoder's cache folder: for each file checked against its pinned hash, the
// hash and the file's signature (size, inode, modification time) at that moment, as
// {"files": {"vocab.txt": {"sha256": "...", "signature": "231508:1234:1732990000.123"}}}.
// A file whose signature still matches need not be hashed again. A stamp that cannot be read counts as
// empty, and one that cannot be written is skipped: it only saves time, it never vouches for a file
// on its own (the hash it holds must still equal the pinned one).

/// The record of which cached files were last seen matching which hash.
struct VerificationStamp {
  let path: String
  private var entries: [String: (hash: String, signature: String)] = [:]

  init(folder: String) {
    path = folder + "/.verified.json"
    guard let data = FileManager.default.contents(atPath: path),
      let json = try? JSONValue(parsing: [UInt8](data)), let files = json["files"]?.objectPairs
    else { return }
    for (name, entry) in files {
      if let hash = entry["sha256"]?.stringValue, let signature = entry["signature"]?.stringValue {
        entries[name] = (hash, signature)
      }
    }
  }

  /// The hash recorded for `name` if its signature is still `signature`.
  func hash(of name: String, signature: String) -> String? {
    guard let entry = entries[name], entry.signature == signature else { return nil }
    return entry.hash
  }

  mutating func record(_ name: String, hash: String, signature: String) { entries[name] = (hash, signature) }

  mutating func forget(_ name: String) { entries[name] = nil }

  /// Writes the stamp atomically; a read-only cache simply keeps the old one.
  func save() {
    let files = entries.sorted { $0.key < $1.key }.map { name, entry in
      (name, JSONValue.object([("sha256", .string(entry.hash)), ("signature", .string(entry.signature))]))
    }
    try? AtomicFile.write(JSONValue.object([("files", .object(files))]).pretty + "\n", to: path)
  }

  /// Size, inode and modification time of the file at `path`, or nil when it cannot be read.
  static func signature(of path: String) -> String? {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
      let size = attributes[.size] as? NSNumber, let inode = attributes[.systemFileNumber] as? NSNumber,
      let modified = attributes[.modificationDate] as? Date
    else { return nil }
    return "\(size.uint64Value):\(inode.uint64Value):\(modified.timeIntervalSince1970)"
  }
}
