// Migrator: checks a store's applied migrations against the binary's and upgrades an older store.
//
// The check runs before anything is written: a store from a newer mmolre (it has a migration this
// binary lacks) or one whose applied migration file changed is refused and left byte for byte as it
// was. An older store is first copied with VACUUM INTO (a consistent snapshot, even while other
// processes write) to `PATH.bak-NNNN` (NNNN: its last applied version), then each pending migration
// runs in its own BEGIN IMMEDIATE transaction that re-checks whether another process applied it first.
import Data
import Foundation

struct Migrator {
  let migrations: [Migration]

  /// What `inspect` found: the migrations still to apply (none for an up-to-date store).
  struct Plan {
    let applied: [Int: String]
    let pending: [Migration]
    var isNewStore: Bool { applied.isEmpty }
  }

  init(migrations: [Migration]) {
    precondition(
      zip(migrations, migrations.dropFirst()).allSatisfy { $0.version < $1.version },
      "migrations must be in strictly increasing version order")
    self.migrations = migrations
  }

  /// Reads what the store has applied and compares it with `migrations`, writing nothing.
  func inspect(_ connection: Connection) throws -> Plan {
    let hasTable =
      try connection.first(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'"
      ) { _ in true } ?? false
    var applied: [Int: String] = [:]
    var names: [Int: String] = [:]
    if hasTable {
      try connection.query("SELECT version, name, sha256 FROM schema_migrations") { row in
        applied[row.int(0)] = row.text(2)
        names[row.int(0)] = row.text(1)
      }
    } else {
      let tables = try connection.first("SELECT count(*) FROM sqlite_schema") { $0.int(0) } ?? 0
      if tables > 0 {
        throw TrackerError(
          .data, "\(connection.path): not an mmolre store (it has tables but no schema_migrations); left untouched")
      }
    }
    let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
    for version in applied.keys.sorted() {
      guard let migration = known[version] else {
        let newest = migrations.last.map { String($0.version) } ?? "none"
        throw TrackerError(
          .data,
          "\(connection.path): the store was written by a newer mmolre (it has migration \(names[version] ?? "\(version)"), "
            + "this binary knows up to \(newest)); upgrade mmolre. The store was left untouched")
      }
      if migration.sha256 != applied[version] {
        throw TrackerError(
          .data,
          "\(connection.path): migration \(migration.fileName) was changed after it was applied to this store "
            + "(recorded sha256 \(applied[version]!.prefix(12))..., the file is now \(migration.sha256.prefix(12))...); "
            + "restore the file and add a new migration instead. The store was left untouched")
      }
    }
    let pending = migrations.filter { applied[$0.version] == nil }
    if let firstPending = pending.first, let lastApplied = applied.keys.max(), firstPending.version < lastApplied {
      throw TrackerError(
        .data,
        "\(connection.path): migration \(firstPending.fileName) is older than the store's last applied one "
          + "(\(lastApplied)) but was never applied; the store was left untouched")
    }
    return Plan(applied: applied, pending: pending)
  }

  /// Applies `plan.pending`, after a backup copy when the store already had migrations. Returns the
  /// backup's path, if one was made.
  @discardableResult
  func apply(_ plan: Plan, to connection: Connection) throws -> String? {
    guard !plan.pending.isEmpty else { return nil }
    var backup: String?
    if let last = plan.applied.keys.max() {
      backup = try makeBackup(connection, lastApplied: last)
    }
    for migration in plan.pending {
      try connection.write {
        try connection.execute(
          script: """
            CREATE TABLE IF NOT EXISTS schema_migrations (
              version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at REAL NOT NULL
            ) STRICT
            """)
        let done = try connection.first("SELECT 1 FROM schema_migrations WHERE version = ?", [.int(migration.version)])
        {
          _ in true
        }
        guard done == nil else { return }  // another process applied it while we waited for the lock
        do {
          try connection.execute(script: migration.sql)
        } catch let error as TrackerError {
          throw TrackerError(.sqlite, "migration \(migration.fileName): \(error.message)", code: error.code)
        }
        try connection.run(
          "INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)",
          [
            .int(migration.version), .text(migration.fileName), .text(migration.sha256),
            .real(Date().timeIntervalSince1970),
          ]
        )
      }
    }
    return backup
  }

  /// A consistent copy of the store beside it, named after its last applied version.
  private func makeBackup(_ connection: Connection, lastApplied: Int) throws -> String {
    let base = connection.path + ".bak-" + String(format: "%04d", lastApplied)
    var candidate = base
    var n = 1
    while FileManager.default.fileExists(atPath: candidate) {
      n += 1
      candidate = "\(base)-\(n)"
    }
    try connection.run("VACUUM INTO ?", [.text(candidate)])
    return candidate
  }
}
