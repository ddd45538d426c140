// Store+Maintenance: removing runs, tags and notes, garbage collection and size figures.
import Foundation

/// What `collectGarbage` did.
public struct GarbageReport: Sendable, Equatable {
  public let blobsDeleted: Int
  public let blobBytesDeleted: Int
  /// File size before and after (main file plus WAL).
  public let bytesBefore: Int
  public let bytesAfter: Int
}

/// Row counts and sizes of a store (for `gc` and the benchmarks).
public struct StoreStatistics: Sendable, Equatable {
  public let runs: Int
  public let epochs: Int
  public let params: Int
  public let results: Int
  public let blobs: Int
  public let blobBytes: Int
  /// The main file plus its WAL.
  public let fileBytes: Int
}

extension Store {
  /// Removes runs with everything they own (params, epochs, results, predictions, checkpoints, tags);
  /// blobs nothing else refers to go too. A run resumed by another is unlinked from it; a registered
  /// model keeps its weights.
  /// - Throws: `.state` for a run that is running on a live process unless `force`.
  public func deleteRuns(_ runs: [RunID], force: Bool = false) throws {
    try write {
      for run in runs {
        if !force, try status(of: run) == .running {
          throw TrackerError(.state, "\(describe(run)) is running; stop it first or pass --force")
        }
        let hashes = try connection.rows(
          "SELECT weights, state FROM checkpoints WHERE run = ?", [.integer(run.row)]
        ) { [$0.text(0), $0.optionalText(1)] }.flatMap { $0 }.compactMap { $0 }
        let config = try connection.first("SELECT config FROM runs WHERE id = ?", [.integer(run.row)]) { $0.int64(0) }
        try connection.run("DELETE FROM runs WHERE id = ?", [.integer(run.row)])
        for hash in Set(hashes) { try deleteBlobIfUnreferenced(hash) }
        if let config {
          try connection.run(
            "DELETE FROM configs WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM runs WHERE config = ?1)",
            [.integer(config)])
        }
      }
    }
  }

  /// Adds and removes tags of a run (`run.tag` in `--where`).
  public func tag(_ run: RunID, add: [String] = [], remove: [String] = []) throws {
    try write {
      for tag in add where !tag.isEmpty {
        try connection.run(
          "INSERT INTO tags (run, tag) VALUES (?, ?) ON CONFLICT DO NOTHING", [.integer(run.row), .text(tag)])
      }
      for tag in remove {
        try connection.run("DELETE FROM tags WHERE run = ? AND tag = ?", [.integer(run.row), .text(tag)])
      }
    }
  }

  /// Sets (or with nil clears) the run's free-text note.
  public func setNote(_ run: RunID, _ note: String?) throws {
    try write { try connection.run("UPDATE runs SET note = ? WHERE id = ?", [.text(note), .integer(run.row)]) }
  }

  /// Deletes blobs no checkpoint or registry entry refers to, then (if `vacuum`) checkpoints the WAL
  /// and rewrites the file to return the free pages to the file system.
  /// - Warning: VACUUM holds the write lock for as long as rewriting the store takes; writers wait.
  public func collectGarbage(vacuum: Bool = true) throws -> GarbageReport {
    let before = fileBytes()
    let (count, bytes) = try write { () throws -> (Int, Int) in
      let orphan = """
        FROM blobs WHERE NOT EXISTS (SELECT 1 FROM checkpoints WHERE weights = blobs.sha256 OR state = blobs.sha256)
          AND NOT EXISTS (SELECT 1 FROM models WHERE weights = blobs.sha256)
        """
      let totals = try connection.first("SELECT count(*), coalesce(sum(size), 0) " + orphan) { ($0.int(0), $0.int(1)) }
      try connection.run("DELETE " + orphan)
      try connection.run("DELETE FROM configs WHERE NOT EXISTS (SELECT 1 FROM runs WHERE config = configs.id)")
      return totals ?? (0, 0)
    }
    if vacuum {
      try connection.execute(script: "PRAGMA wal_checkpoint(TRUNCATE)")
      try connection.execute(script: "VACUUM")
      try connection.execute(script: "PRAGMA wal_checkpoint(TRUNCATE)")
    }
    return GarbageReport(blobsDeleted: count, blobBytesDeleted: bytes, bytesBefore: before, bytesAfter: fileBytes())
  }

  /// Row counts and sizes.
  public func storeStatistics() throws -> StoreStatistics {
    try read {
      func count(_ table: String) throws -> Int {
        try connection.first("SELECT count(*) FROM \(table)") { $0.int(0) } ?? 0
      }
      return StoreStatistics(
        runs: try count("runs"), epochs: try count("epochs"), params: try count("params"),
        results: try count("results"), blobs: try count("blobs"),
        blobBytes: try connection.first("SELECT coalesce(sum(size), 0) FROM blobs") { $0.int(0) } ?? 0,
        fileBytes: fileBytes())
    }
  }

  /// Moves the WAL's pages into the main file and truncates the WAL (for size measurements).
  public func checkpointWAL() throws {
    try connection.execute(script: "PRAGMA wal_checkpoint(TRUNCATE)")
  }

  func fileBytes() -> Int {
    [path, path + "-wal"].reduce(0) { total, file in
      total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0)
    }
  }
}
