// Migrations: an older store is upgraded after a backup copy; a store from a newer mmolre, or one
// whose applied migration file changed, is refused and left byte for byte as it was.
import Data
import Foundation
import Testing
import Tracker

@Suite struct MigrationTests {
  static let extra = Migration(fileName: "0002_extra.sql", sql: "CREATE TABLE extra (x INTEGER NOT NULL) STRICT;\n")!

  /// The file's sha256 and the names of the files beside it (to see that nothing was added).
  static func snapshot(_ folder: TemporaryFolder, _ name: String) throws -> (String, [String]) {
    let bytes = try [UInt8](Foundation.Data(contentsOf: URL(fileURLWithPath: folder.file(name))))
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    return (SHA256.hex(bytes), files)
  }

  @Test func olderStoreIsUpgradedAfterABackup() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let path = folder.file("s.sqlite")
    let run: RunID
    do {
      let store = try Store.open(path: path)
      #expect(store.backupPath == nil)
      run = try finishedRun(store, seed: 1, test: ["MAE": 0.5])
    }
    let upgraded = try Store.open(path: path, migrations: Migration.embedded + [Self.extra])
    let backup = try #require(upgraded.backupPath)
    #expect(backup == path + ".bak-0001")
    #expect(try upgraded.run(run.uid).status == .finished)
    // The backup is the old store: the old binary opens it, and it has the run.
    #expect(try Store.open(path: backup).run(run.uid).seed == 1)
    // Opening again applies nothing and makes no second backup.
    #expect(try Store.open(path: path, migrations: Migration.embedded + [Self.extra]).backupPath == nil)
  }

  @Test func newerStoreIsRefusedAndLeftUntouched() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let path = folder.file("s.sqlite")
    do {
      let store = try Store.open(path: path, migrations: Migration.embedded + [Self.extra])
      try finishedRun(store, seed: 1, test: ["MAE": 0.5])
    }
    let before = try Self.snapshot(folder, "s.sqlite")
    let error = #expect(throws: TrackerError.self) { try Store.open(path: path) }
    #expect(error?.kind == .data)
    #expect(error?.message.contains("written by a newer mmolre (it has migration 0002_extra.sql") == true)
    let after = try Self.snapshot(folder, "s.sqlite")
    #expect(after.0 == before.0)
    #expect(after.1 == before.1)
  }

  @Test func changedMigrationIsRefusedAndLeftUntouched() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let path = folder.file("s.sqlite")
    do { _ = try Store.open(path: path) }
    let before = try Self.snapshot(folder, "s.sqlite")
    let first = Migration.embedded[0]
    let edited = try #require(Migration(fileName: first.fileName, sql: first.sql + "\n-- edited\n"))
    let error = #expect(throws: TrackerError.self) { try Store.open(path: path, migrations: [edited]) }
    #expect(error?.kind == .data)
    #expect(error?.message.contains("migration 0001_initial.sql was changed after it was applied") == true)
    #expect(try Self.snapshot(folder, "s.sqlite") == before)
  }

  @Test func aFailingMigrationRollsBackEntirely() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let path = folder.file("s.sqlite")
    do { _ = try Store.open(path: path) }
    // The first statement succeeds, the second fails: the table of the first must not stay.
    let broken = try #require(
      Migration(fileName: "0002_extra.sql", sql: "CREATE TABLE extra (x INTEGER) STRICT;\nCREATE TABL oops;\n"))
    #expect(throws: TrackerError.self) { try Store.open(path: path, migrations: Migration.embedded + [broken]) }
    // Not recorded, and rolled back: the fixed migration creates the same table without a conflict.
    let store = try Store.open(path: path, migrations: Migration.embedded + [Self.extra])
    #expect(store.backupPath != nil)
  }

  @Test func aFileThatIsNotAStoreIsRefused() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let path = folder.file("notes.sqlite")
    try "not a database, just text\n".write(toFile: path, atomically: true, encoding: .utf8)
    let before = try Self.snapshot(folder, "notes.sqlite")
    #expect(throws: TrackerError.self) { try Store.open(path: path) }
    #expect(try Self.snapshot(folder, "notes.sqlite") == before)
  }

  @Test func missingStoreIsAUsageErrorWhenNotCreating() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let error = #expect(throws: TrackerError.self) { try Store.open(path: folder.file("none.sqlite"), create: false) }
    #expect(error?.kind == .usage)
    #expect(!FileManager.default.fileExists(atPath: folder.file("none.sqlite")))
  }

  @Test func migrationFileNames() {
    #expect(Migration(fileName: "0003_add_notes.sql", sql: "")?.version == 3)
    #expect(Migration(fileName: "3_add.sql", sql: "") == nil)
    #expect(Migration(fileName: "0003_add.txt", sql: "") == nil)
  }
}
