// Several processes on one store: concurrent writers lose nothing; a writer killed with SIGKILL in the
// middle of its writes leaves a store that opens cleanly, with the run found `killed` and its last
// epoch row matching its resumable checkpoint.
import Foundation
import Testing

@Suite(.serialized) struct StoreProcessTests {
  @Test func fourConcurrentWritersLoseNothing() throws {
    let folder = makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let store = folder + "/shared.sqlite"
    let (writers, runsEach, epochs) = (4, 3, 30)
    let processes = try (0..<writers).map { writer in
      try CommandRunner.start([
        "_store-writer", "--store", store, "--runs", String(runsEach), "--epochs", String(epochs),
        "--first-index", String(writer * runsEach), "--checkpoint-bytes", "4096",
      ])
    }
    for process in processes {
      let (_, error) = CommandRunner.drain(process)
      #expect(process.terminationStatus == 0, "\(error)")
    }
    let runs = try CommandRunner.runs(store: store)
    #expect(runs.count == writers * runsEach)
    #expect(runs.allSatisfy { $0["status"] as? String == "finished" })
    #expect(runs.map { $0["epochs"] as? Int ?? 0 }.reduce(0, +) == writers * runsEach * epochs)
    #expect(Set(runs.compactMap { $0["name"] as? String }).count == writers * runsEach)
  }

  @Test func killedWriterLeavesACleanStoreAndAKilledResumableRun() throws {
    let folder = makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let store = folder + "/killed.sqlite"
    // Big checkpoints each epoch, so the kill lands in the middle of a write more often than not.
    let writer = try CommandRunner.start([
      "_store-writer", "--store", store, "--runs", "1", "--epochs", "100000", "--checkpoint-bytes", "300000",
    ])
    let output = (writer.standardOutput as! Pipe).fileHandleForReading
    let uid = String(decoding: output.availableData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(uid.count == 16)
    // Wait until a few epochs are in, then kill without warning.
    let deadline = Date().addingTimeInterval(20)
    while Date() < deadline {
      let epochs = (try? CommandRunner.runs(store: store).first?["epochs"] as? Int) ?? 0
      if epochs >= 5 { break }
      Thread.sleep(forTimeInterval: 0.05)
    }
    kill(writer.processIdentifier, SIGKILL)
    writer.waitUntilExit()
    #expect(writer.terminationReason == .uncaughtSignal)

    // Opening the store reaps the dead run.
    let runs = try CommandRunner.runs(store: store)
    let run = try #require(runs.first)
    #expect(run["status"] as? String == "killed")
    #expect((run["error"] as? String)?.contains("died") == true)
    let show = try CommandRunner.run(["show", uid, "--json", "--store", store])
    #expect(show.status == 0, "\(show.stderr)")
    let detail = try CommandRunner.object(show.stdout)
    let epochs = try #require(detail["epochs"] as? [[String: Any]])
    let checkpoints = try #require(detail["checkpoints"] as? [[String: Any]])
    let last = try #require(checkpoints.first { $0["kind"] as? String == "last" })
    #expect(epochs.count >= 5)
    #expect(last["epoch"] as? Int == epochs.count)
    #expect(epochs.map { $0["epoch"] as? Int ?? 0 } == Array(1...epochs.count))
  }
}
