// Store+Runs: the run life cycle the trainer drives: create (or resume), heartbeat, one row per epoch
// with the latest checkpoint in the same transaction, finish / fail / interrupt, grid-cell lookup, and
// reaping runs whose process died.
import Data
import Foundation

extension Store {
  // MARK: - Creating

  /// Records a new run with status `running`, this host, pid and start time.
  ///
  /// - Parameters:
  ///   - config: the resolved config; stored as canonical JSON with its sha256.
  ///   - cellKey: the grid cell's key (the canonical config without naming and display fields); its
  ///     sha256 and `seed` are what `findCell` matches.
  ///   - params: dotted-key params to index; nil flattens `config` (`ConfigParams.flatten`).
  ///   - fingerprints: data file name -> sha256 (label tables, feature caches).
  ///   - resumes: a `killed` or `failed` run this one continues: its epoch rows up to its latest
  ///     checkpoint and both checkpoints are copied to the new run in the same transaction, so
  ///     `checkpoint(newRun, .last)` is where to restart.
  /// - Returns: the new run's id.
  @discardableResult
  public func createRun(
    name: String, experiment: String = "default", seed: Int, config: JSONValue, cellKey: String,
    params: [(String, JSONValue)]? = nil, environment: RunEnvironment = RunEnvironment(),
    fingerprints: [String: String] = [:], resumes: RunID? = nil
  ) throws -> RunID {
    let configText = config.canonical
    let configHash = SHA256.hex(Array(configText.utf8))
    let cellHash = SHA256.hex(Array(cellKey.utf8))
    let params = params ?? ConfigParams.flatten(config)
    let now = Self.now
    return try write {
      if let resumes { try checkResumable(resumes) }
      var uid = Self.newUID()
      while try connection.first("SELECT 1 FROM runs WHERE uid = ?", [.text(uid)], { _ in true }) != nil {
        uid = Self.newUID()
      }
      try connection.run(
        "INSERT INTO configs (sha256, text) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING",
        [.text(configHash), .text(configText)])
      let configID = try connection.first("SELECT id FROM configs WHERE sha256 = ?", [.text(configHash)]) {
        $0.int64(0)
      }
      try connection.run(
        """
        INSERT INTO runs (uid, name, experiment, status, seed, config, cell_sha256, started_at,
          heartbeat_at, host, pid, pid_start, git_commit, git_dirty, swift_version, openblas_version, openblas_core,
          threads, resumes)
        VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
          .text(uid), .text(name), .text(experiment), .int(seed), configID.map { .integer($0) } ?? .null,
          .text(cellHash), .real(now), .real(now), .text(identity.host), .int(identity.pid), .int(identity.startTicks),
          .text(environment.gitCommit), .int(environment.gitDirty.map { $0 ? 1 : 0 }), .text(environment.swiftVersion),
          .text(environment.openBLASVersion), .text(environment.openBLASCore), .int(environment.threads),
          resumes.map { .integer($0.row) } ?? .null,
        ])
      let run = RunID(uid: uid, row: connection.lastInsertRowID)
      var seen = Set<String>()
      for (key, value) in params {
        guard seen.insert(key).inserted else { throw TrackerError(.usage, "param \(key) given twice") }
        let (kind, sqlValue) = ConfigParams.encode(value)
        try connection.run(
          "INSERT INTO params (run, key, kind, value) VALUES (?, ?, ?, ?)",
          [.integer(run.row), .integer(try nameID(key)), .integer(kind), sqlValue])
      }
      for (file, hash) in fingerprints.sorted(by: { $0.key < $1.key }) {
        try connection.run(
          "INSERT INTO fingerprints (run, name, sha256) VALUES (?, ?, ?)",
          [.integer(run.row), .text(file), .text(hash)])
      }
      if let resumes { try copyProgress(from: resumes, to: run) }
      return run
    }
  }

  private func checkResumable(_ run: RunID) throws {
    guard let status = try status(of: run) else { throw TrackerError(.usage, "run \(run.short) does not exist") }
    guard status == .killed || status == .failed else {
      throw TrackerError(.state, "\(describe(run)) is \(status.rawValue); only a killed or failed run can be resumed")
    }
  }

  /// Copies the epochs up to the latest checkpoint and both checkpoint rows (the blobs are shared).
  private func copyProgress(from old: RunID, to new: RunID) throws {
    let lastEpoch =
      try connection.first("SELECT epoch FROM checkpoints WHERE run = ? AND kind = 'last'", [.integer(old.row)]) {
        $0.int(0)
      } ?? 0
    try connection.run(
      """
      INSERT INTO epochs (run, epoch, learning_rate, seconds, steps, train, valid, routing)
      SELECT ?, epoch, learning_rate, seconds, steps, train, valid, routing FROM epochs WHERE run = ? AND epoch <= ?
      """, [.integer(new.row), .integer(old.row), .int(lastEpoch)])
    try connection.run(
      """
      INSERT INTO checkpoints (run, kind, epoch, weights, state)
      SELECT ?, kind, epoch, weights, state FROM checkpoints WHERE run = ? AND epoch <= ?
      """, [.integer(new.row), .integer(old.row), .int(lastEpoch)])
    try connection.run(
      "UPDATE runs SET epochs = (SELECT count(*) FROM epochs WHERE run = ?1) WHERE id = ?1", [.integer(new.row)])
  }

  static func newUID() -> String {
    var generator = SystemRandomNumberGenerator()
    let value = generator.next() as UInt64
    let hex = String(value, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }

  // MARK: - While running

  /// Records that the run's process is alive. Call at least every few minutes (each epoch does it).
  /// - Throws: `.state` when the run is no longer `running` (another process reaped it as dead).
  public func heartbeat(_ run: RunID) throws {
    try write {
      try requireRunning(run)
      try connection.run("UPDATE runs SET heartbeat_at = ? WHERE id = ?", [.real(Self.now), .integer(run.row)])
    }
  }

  /// Records a finished epoch in one transaction: its row (metrics, learning rate, seconds, steps,
  /// routing), the heartbeat, the new best checkpoint when validation improved (`best`), and the latest
  /// checkpoint taken after this epoch (`last`, replacing the previous one), so a killed run's last
  /// epoch row, its best checkpoint and its resumable state always agree.
  ///
  /// - Parameters:
  ///   - epoch: 1-based; each epoch is logged once.
  ///   - train, valid: metric name -> value (NaN allowed) for the training and validation split.
  ///   - best, last: checkpoints taken after this epoch (weights as safetensors bytes, and the training
  ///     state to resume from); the same bytes for both are stored once.
  /// - Throws: `.state` when the run is not `running` or the epoch was logged already.
  /// - Complexity: one INSERT of about 12 bytes per metric; hashing `last` (about 250 MB/s) happens
  ///   before the write lock is taken.
  public func logEpoch(
    _ run: RunID, epoch: Int, train: [String: Double], valid: [String: Double], learningRate: Double,
    seconds: Double, steps: Int, routing: [RoutingStat] = [], best: CheckpointPayload? = nil,
    last: CheckpointPayload? = nil
  ) throws {
    let hashedBest = best.map(HashedPayload.init)
    let hashed = last.map(HashedPayload.init)
    try write {
      try requireRunning(run)
      let duplicate = try connection.first(
        "SELECT 1 FROM epochs WHERE run = ? AND epoch = ?", [.integer(run.row), .int(epoch)]
      ) { _ in true }
      if duplicate != nil { throw TrackerError(.state, "\(describe(run)): epoch \(epoch) was logged already") }
      let groups = try routing.map {
        PackedValues.RoutingGroup(
          task: try nameID($0.task), modality: try nameID($0.modality), block: $0.block, gates: $0.gates)
      }
      try connection.run(
        """
        INSERT INTO epochs (run, epoch, learning_rate, seconds, steps, train, valid, routing)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
          .integer(run.row), .int(epoch), .real(learningRate), .real(seconds), .int(steps),
          .blob(try packMetrics(train)), .blob(try packMetrics(valid)),
          groups.isEmpty ? .null : .blob(PackedValues.packRouting(groups)),
        ])
      try connection.run(
        "UPDATE runs SET heartbeat_at = ?, epochs = epochs + 1 WHERE id = ?", [.real(Self.now), .integer(run.row)])
      if let hashedBest { try storeCheckpoint(run, kind: .best, epoch: epoch, hashedBest) }
      if let hashed { try storeCheckpoint(run, kind: .last, epoch: epoch, hashed) }
    }
  }

  private func packMetrics(_ metrics: [String: Double]) throws -> [UInt8] {
    PackedValues.packMetrics(try metrics.sorted(by: { $0.key < $1.key }).map { (try nameID($0.key), $0.value) })
  }

  /// Stores a checkpoint of a running run, replacing the previous one of that kind (its blobs go
  /// when nothing else refers to them). Use `logEpoch(..., last:)` for the latest checkpoint so the
  /// epoch row and the checkpoint land together.
  public func putCheckpoint(
    _ run: RunID, kind: CheckpointKind, epoch: Int, weights: [UInt8], trainingState: [UInt8]? = nil
  ) throws {
    let hashed = HashedPayload(CheckpointPayload(weights: weights, trainingState: trainingState))
    try write {
      try requireRunning(run)
      try storeCheckpoint(run, kind: kind, epoch: epoch, hashed)
    }
  }

  // MARK: - Ending

  /// Records the final results of the selected checkpoint and marks the run `finished`.
  ///
  /// - Parameters:
  ///   - results: split (`valid`, `test`) -> metric -> value; NaN is stored as undefined.
  ///   - thresholds: the ER thresholds chosen on validation, if any.
  ///   - predictions: split -> per-sample predictions (for exact re-evaluation and paired tests).
  public func finishRun(
    _ run: RunID, results: [String: [String: Double]], thresholds: [Double]? = nil,
    predictions: [String: PredictionRows] = [:], bestEpoch: Int? = nil, trainSeconds: Double? = nil,
    parameterCount: Int? = nil
  ) throws {
    let encoded = try predictions.sorted(by: { $0.key < $1.key }).map { split, rows in
      (split, rows.ids.count, try PredictionCodec.encode(rows, origin: "\(describe(run)): \(split) predictions"))
    }
    let thresholdText = thresholds.map { JSONValue.array($0.map { .double($0) }).canonical }
    try write {
      try requireRunning(run)
      for (split, metrics) in results {
        let splitID = try nameID(split)
        for (key, value) in metrics {
          try connection.run(
            "INSERT INTO results (run, split, key, value) VALUES (?, ?, ?, ?) "
              + "ON CONFLICT (run, split, key) DO UPDATE SET value = excluded.value",
            [.integer(run.row), .integer(splitID), .integer(try nameID(key)), .real(value)])
        }
      }
      for (split, count, bytes) in encoded {
        try connection.run(
          "INSERT OR REPLACE INTO predictions (run, split, rows, data) VALUES (?, ?, ?, ?)",
          [.integer(run.row), .text(split), .int(count), .blob(bytes)])
      }
      let now = Self.now
      try connection.run(
        """
        UPDATE runs SET status = 'finished', finished_at = ?, heartbeat_at = ?, thresholds = ?, best_epoch = ?,
          train_seconds = ?, parameter_count = ?, error = NULL
        WHERE id = ?
        """,
        [
          .real(now), .real(now), .text(thresholdText), .int(bestEpoch), .real(trainSeconds), .int(parameterCount),
          .integer(run.row),
        ])
    }
  }

  /// Marks a running run `failed` with the error text (a run that already ended is left as it is).
  public func failRun(_ run: RunID, error: String) throws {
    try end(run, status: .failed, error: error)
  }

  /// Marks a running run `killed` (Ctrl-C): it keeps its latest checkpoint and can be resumed.
  public func interruptRun(_ run: RunID, reason: String = "interrupted") throws {
    try end(run, status: .killed, error: reason)
  }

  private func end(_ run: RunID, status: RunStatus, error: String) throws {
    try write {
      let now = Self.now
      try connection.run(
        "UPDATE runs SET status = ?, error = ?, finished_at = ?, heartbeat_at = ? WHERE id = ? AND status = 'running'",
        [.text(status.rawValue), .text(error), .real(now), .real(now), .integer(run.row)])
    }
  }

  // MARK: - Grid cells and dead runs

  /// The run that decides what a grid does with cell (`cellKey`, `seed`): a `finished` one (skip the
  /// cell) if any, else a `running` one (another process is on it), else the latest `killed` one (resume
  /// it), else the latest `failed` one; nil when the cell was never run.
  public func findCell(cellKey: String, seed: Int) throws -> RunRecord? {
    let cellHash = SHA256.hex(Array(cellKey.utf8))
    let rows = try runRecords(
      whereSQL: "cell_sha256 = ? AND seed = ?", [.text(cellHash), .int(seed)], order: "started_at DESC, id DESC")
    for status in [RunStatus.finished, .running, .killed, .failed] {
      if let match = rows.first(where: { $0.status == status }) { return match }
    }
    return nil
  }

  /// Marks `killed` every `running` run whose process is gone: on this host, its pid is dead (or now
  /// belongs to a younger process); on another host, its heartbeat is older than `staleAfter` seconds.
  /// A live process on this host is never reaped. Every store open does this.
  /// - Returns: the runs it marked.
  @discardableResult
  public func reapDeadRuns(staleAfter: TimeInterval = 900) throws -> [RunID] {
    struct Candidate {
      let run: RunID
      let host: String
      let pid: Int
      let start: Int?
      let heartbeat: Double
    }
    let candidates = try connection.rows(
      "SELECT id, uid, host, pid, pid_start, heartbeat_at FROM runs WHERE status = 'running'"
    ) {
      Candidate(
        run: RunID(uid: $0.text(1), row: $0.int64(0)), host: $0.text(2), pid: $0.int(3), start: $0.optionalInt(4),
        heartbeat: $0.double(5))
    }
    let now = Self.now
    var reaped: [RunID] = []
    for candidate in candidates {
      let reason: String
      if candidate.host == identity.host {
        if candidate.pid == identity.pid && candidate.start == identity.startTicks { continue }
        if ProcessIdentity.isAlive(pid: candidate.pid, startTicks: candidate.start) { continue }
        reason = "process \(candidate.pid) on \(candidate.host) died"
      } else {
        guard now - candidate.heartbeat > staleAfter else { continue }
        reason = "no heartbeat from \(candidate.host) for \(Int(now - candidate.heartbeat)) s"
      }
      let changed = try write {
        try connection.run(
          "UPDATE runs SET status = 'killed', error = ?, finished_at = ? WHERE id = ? AND status = 'running' "
            + "AND heartbeat_at = ?",
          [.text(reason), .real(now), .integer(candidate.run.row), .real(candidate.heartbeat)])
      }
      if changed > 0 { reaped.append(candidate.run) }
    }
    return reaped
  }

  // MARK: - Helpers

  func status(of run: RunID) throws -> RunStatus? {
    try connection.first("SELECT status FROM runs WHERE id = ?", [.integer(run.row)]) {
      RunStatus(rawValue: $0.text(0))
    } ?? nil
  }

  func requireRunning(_ run: RunID) throws {
    guard let status = try status(of: run) else {
      throw TrackerError(.state, "run \(run.short) is not in \(path) (removed?)")
    }
    guard status == .running else {
      throw TrackerError(
        .state, "\(describe(run)) is \(status.rawValue), not running (a killed run was found dead; resume it)")
    }
  }
}
