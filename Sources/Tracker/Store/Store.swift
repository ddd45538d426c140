// Store: the experiment store, one SQLite file (DESIGN section 3). This file opens it (checks and
// migrations, pragmas, reaping dead runs) and holds the shared helpers; the run life cycle, queries,
// maintenance and the zoo registry are extensions in the files beside it.
//
// Pragmas: WAL (readers beside one writer, several processes), synchronous=NORMAL (under WAL a commit
// is durable once the WAL is synced at checkpoints; a power cut may lose the last commits but never
// corrupts the store), foreign keys on, a busy timeout (see Connection).
import Data
import Foundation

/// The experiment store: runs, their configs as typed params, per-epoch metrics, final results,
/// predictions, routing statistics, content-addressed weights and the model registry.
///
/// ```swift
/// let store = try Store.open(path: Store.resolvePath(explicit: nil))
/// let run = try store.createRun(name: "cpu-s1111", seed: 1111, config: config, cellKey: cellKey)
/// try store.logEpoch(run, epoch: 1, train: ["loss": 0.9], valid: ["loss": 1.0], learningRate: 1e-3,
///                    seconds: 2.1, steps: 41, last: CheckpointPayload(weights: bytes, trainingState: state))
/// try store.finishRun(run, results: ["test": ["MAE": 0.74]], bestEpoch: 1, trainSeconds: 2.1, parameterCount: 90_000)
/// ```
///
/// A `Store` is one SQLite connection: use it from one thread at a time (it is not `Sendable`).
/// Several processes may use one store file at once; every write is one `BEGIN IMMEDIATE` transaction.
public final class Store {
  /// The store file.
  public let path: String
  /// Where the copy made before upgrading an older store went; nil when nothing was upgraded.
  public private(set) var backupPath: String?

  let connection: Connection
  let identity: ProcessIdentity
  private var nameIDs: [String: Int64] = [:]
  private var namesByID: [Int64: String] = [:]

  /// The environment variable naming the store when `--store` is not given.
  public static let environmentVariable = "MMOLRE_STORE"
  /// The store's file name in the working folder when neither `--store` nor the variable is set.
  public static let defaultFileName = "mmolre.sqlite"

  /// The store path: `explicit` (`--store`), else `$MMOLRE_STORE`, else `./mmolre.sqlite`.
  public static func resolvePath(
    explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> String {
    if let explicit, !explicit.isEmpty { return explicit }
    if let variable = environment[environmentVariable], !variable.isEmpty { return variable }
    return defaultFileName
  }

  /// Opens the store at `path`, creating it when `create` allows; checks its migrations against
  /// `migrations` and upgrades an older store after a backup copy (see `backupPath`); then marks runs
  /// whose process died as `killed` (`reapDeadRuns`) unless `reap` is false.
  ///
  /// - Throws: `TrackerError` `.usage` for a missing store when `create` is false; `.data` for a store
  ///   from a newer mmolre, one whose applied migration changed, or a foreign SQLite file (all left
  ///   untouched); `.sqlite` when SQLite fails.
  public static func open(
    path: String, create: Bool = true, migrations: [Migration] = Migration.embedded, reap: Bool = true
  ) throws -> Store {
    try Store(path: path, create: create, migrations: migrations, reap: reap)
  }

  private init(path: String, create: Bool, migrations: [Migration], reap: Bool) throws {
    let exists = FileManager.default.fileExists(atPath: path)
    if !exists {
      guard create else {
        throw TrackerError(
          .usage,
          "\(path): no store here (train something first, or pass --store PATH or set \(Self.environmentVariable))")
      }
      let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
      try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }
    self.path = path
    self.identity = .current
    connection = try Connection(path: path, create: !exists)
    // Check first, while nothing has been written: a refused store stays byte for byte as it was.
    let migrator = Migrator(migrations: migrations)
    let plan = try migrator.inspect(connection)
    try connection.execute(script: Self.pragmas)
    backupPath = try migrator.apply(plan, to: connection)
    if reap { try reapDeadRuns() }
  }

  /// Per-connection settings. cache_size: 32 MiB of pages, so a comparison over 10,000 runs reads each
  /// page once; mmap_size: reads map the file instead of copying pages through read(2).
  static let pragmas = """
    PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
    PRAGMA cache_size = -32768; PRAGMA mmap_size = 268435456;
    """

  // MARK: - Names

  /// The id of `name` in the names table, inserting it if new. Call inside `write`.
  func nameID(_ name: String) throws -> Int64 {
    if let id = nameIDs[name] { return id }
    try connection.run("INSERT INTO names (name) VALUES (?) ON CONFLICT (name) DO NOTHING", [.text(name)])
    guard let id = try connection.first("SELECT id FROM names WHERE name = ?", [.text(name)], { $0.int64(0) }) else {
      throw TrackerError(.sqlite, "\(path): name \(name) vanished after insertion")
    }
    nameIDs[name] = id
    namesByID[id] = name
    return id
  }

  /// The id of an existing name, or nil (never inserts).
  func existingNameID(_ name: String) throws -> Int64? {
    if let id = nameIDs[name] { return id }
    guard let id = try connection.first("SELECT id FROM names WHERE name = ?", [.text(name)], { $0.int64(0) }) else {
      return nil
    }
    nameIDs[name] = id
    namesByID[id] = name
    return id
  }

  /// The name with id `id`.
  func name(_ id: Int64) throws -> String {
    if let name = namesByID[id] { return name }
    try connection.query("SELECT id, name FROM names") { row in
      namesByID[row.int64(0)] = row.text(1)
      nameIDs[row.text(1)] = row.int64(0)
    }
    guard let name = namesByID[id] else { throw TrackerError(.data, "\(path): no name with id \(id)") }
    return name
  }

  /// A write transaction; if it fails, the name cache forgets ids that may have been rolled back.
  @discardableResult
  func write<T>(_ body: () throws -> T) throws -> T {
    do {
      return try connection.write(body)
    } catch {
      nameIDs.removeAll()
      namesByID.removeAll()
      throw error
    }
  }

  /// Runs many store calls in one write transaction (bulk imports, benchmarks): each call inside
  /// becomes a savepoint, and nothing is visible to other processes until `body` returns.
  /// - Warning: the store's write lock is held for all of `body`; other writers wait.
  @discardableResult
  public func batch<T>(_ body: () throws -> T) throws -> T { try write(body) }

  /// A read transaction: the queries in `body` see one snapshot.
  func read<T>(_ body: () throws -> T) throws -> T { try connection.read(body) }

  /// How a run is named in messages: `abcd1234 (name)`.
  func describe(_ run: RunID) -> String {
    let name = (try? connection.first("SELECT name FROM runs WHERE id = ?", [.integer(run.row)]) { $0.text(0) }) ?? nil
    return name.map { "run \(run.short) (\($0))" } ?? "run \(run.short)"
  }

  static var now: Double { Date().timeIntervalSince1970 }
}
