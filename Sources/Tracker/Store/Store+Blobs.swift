// Store+Blobs: content-addressed bytes (weights, training state) and the checkpoints that point at them.
//
// A blob's key is the sha256 of its bytes, so the same weights are stored once however many
// checkpoints and registry entries share them; every read hashes the bytes again and a mismatch is an
// error naming the run. A blob is deleted as soon as nothing refers to it (the 'last' checkpoint
// replaced each epoch would otherwise pile up); `gc` catches any left behind.
import Data

/// A checkpoint payload with its hashes computed before the write lock is taken.
struct HashedPayload {
  let weights: [UInt8]
  let weightsHash: String
  let state: [UInt8]?
  let stateHash: String?

  init(_ payload: CheckpointPayload) {
    weights = payload.weights
    weightsHash = SHA256.hex(payload.weights)
    state = payload.trainingState
    stateHash = payload.trainingState.map { SHA256.hex($0) }
  }
}

extension Store {
  /// Inserts a blob unless its hash is already stored. Call inside `write`.
  func putBlob(_ bytes: [UInt8], hash: String) throws {
    try connection.run(
      "INSERT INTO blobs (sha256, size, bytes) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
      [.text(hash), .int(bytes.count), .blob(bytes)])
  }

  /// The bytes of blob `hash`, checked against it; `owner` names who refers to it in errors.
  func readBlob(_ hash: String, owner: String) throws -> [UInt8] {
    guard let bytes = try connection.first("SELECT bytes FROM blobs WHERE sha256 = ?", [.text(hash)], { $0.blob(0) })
    else {
      throw TrackerError(.data, "\(owner): blob \(hash.prefix(12))... is missing from \(path)")
    }
    let actual = SHA256.hex(bytes)
    guard actual == hash else {
      throw TrackerError(
        .data,
        "\(owner): blob \(hash.prefix(12))... is damaged (its \(bytes.count) bytes hash to \(actual.prefix(12))...); "
          + "the store was modified outside mmolre or the disk is failing")
    }
    return bytes
  }

  /// Deletes blob `hash` when no checkpoint or registry entry refers to it. Call inside `write`.
  func deleteBlobIfUnreferenced(_ hash: String) throws {
    try connection.run(
      """
      DELETE FROM blobs WHERE sha256 = ?1
        AND NOT EXISTS (SELECT 1 FROM checkpoints WHERE weights = ?1 OR state = ?1)
        AND NOT EXISTS (SELECT 1 FROM models WHERE weights = ?1)
      """, [.text(hash)])
  }

  /// Replaces the run's `kind` checkpoint. Call inside `write`.
  func storeCheckpoint(_ run: RunID, kind: CheckpointKind, epoch: Int, _ payload: HashedPayload) throws {
    let old = try connection.first(
      "SELECT weights, state FROM checkpoints WHERE run = ? AND kind = ?", [.integer(run.row), .text(kind.rawValue)]
    ) { ($0.text(0), $0.optionalText(1)) }
    try putBlob(payload.weights, hash: payload.weightsHash)
    if let state = payload.state, let hash = payload.stateHash { try putBlob(state, hash: hash) }
    try connection.run(
      """
      INSERT INTO checkpoints (run, kind, epoch, weights, state) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (run, kind) DO UPDATE SET epoch = excluded.epoch, weights = excluded.weights, state = excluded.state
      """,
      [.integer(run.row), .text(kind.rawValue), .int(epoch), .text(payload.weightsHash), .text(payload.stateHash)])
    if let old {
      for hash in [old.0, old.1].compactMap({ $0 }) where hash != payload.weightsHash && hash != payload.stateHash {
        try deleteBlobIfUnreferenced(hash)
      }
    }
  }

  /// The run's `kind` checkpoint with its bytes, or nil when it has none.
  /// - Throws: `.data` naming the run when a blob's bytes no longer match their sha256.
  public func checkpoint(_ run: RunID, kind: CheckpointKind) throws -> Checkpoint? {
    try read {
      guard
        let row = try connection.first(
          "SELECT epoch, weights, state FROM checkpoints WHERE run = ? AND kind = ?",
          [.integer(run.row), .text(kind.rawValue)], { ($0.int(0), $0.text(1), $0.optionalText(2)) })
      else { return nil }
      let owner = "\(describe(run)), \(kind.rawValue) checkpoint (epoch \(row.0))"
      let weights = try readBlob(row.1, owner: owner + " weights")
      let state = try row.2.map { try readBlob($0, owner: owner + " training state") }
      return Checkpoint(kind: kind, epoch: row.0, weights: weights, trainingState: state, weightsSHA256: row.1)
    }
  }

  /// The run's checkpoints without their bytes.
  public func checkpoints(_ run: RunID) throws -> [CheckpointInfo] {
    try connection.rows(
      """
      SELECT c.kind, c.epoch, c.weights, w.size, c.state, s.size FROM checkpoints c
      JOIN blobs w ON w.sha256 = c.weights LEFT JOIN blobs s ON s.sha256 = c.state
      WHERE c.run = ? ORDER BY c.kind
      """, [.integer(run.row)]
    ) {
      CheckpointInfo(
        kind: CheckpointKind(rawValue: $0.text(0)) ?? .last, epoch: $0.int(1), weightsSHA256: $0.text(2),
        weightsBytes: $0.int(3), stateSHA256: $0.optionalText(4), stateBytes: $0.optionalInt(5))
    }
  }
}
