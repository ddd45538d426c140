// Training through the built binary, on a tiny synthetic benchmark (a run takes well under a second):
// the acceptance scenario of a 3 x 3 grid (logged, skipped when run again, compared, exported to LaTeX
// that pdflatex compiles), a run killed with SIGKILL and one stopped with Ctrl-C that resume to exactly
// the result of an uninterrupted run, and `mmolre eval` reproducing a run's logged metrics bit for bit
// and naming the run whose weights were damaged on disk.
import Foundation
import Testing
import Tracker

@Suite(.serialized) struct TrainingCommandTests {
  /// `--set` options of a tiny benchmark and model.
  static func tiny(epochs: Int, trainSamples: Int = 200) -> [String] {
    [
      "data.synthetic.n_train=\(trainSamples)", "data.synthetic.n_valid=64", "data.synthetic.n_test=100",
      "model.d_model=16", "model.fusion_heads=2", "train.max_epochs=\(epochs)", "train.patience=\(epochs)",
    ].flatMap { ["--set", $0] } + ["--quiet"]
  }

  /// The cell the interruption tests stop and resume: ten epochs, so a poll every few milliseconds
  /// catches it well before the end even on a fast machine.
  static let interrupted = tiny(epochs: 10, trainSamples: 320) + ["--seeds", "7"]

  /// What a finished run ends with: its test metrics and its best checkpoint's weights sha256.
  struct FinalState: Equatable, Sendable {
    let test: [String: Double]
    let weights: String
  }

  struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
  }

  /// `interrupted` trained in one go, in its own store (once for the suite).
  static let uninterrupted: Result<FinalState, CLIFailure> = {
    let folder = makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let store = folder + "/reference.sqlite"
    do {
      let result = try CommandRunner.run(["run", "--store", store] + interrupted)
      guard result.status == 0, let run = try CommandRunner.runs(store: store).first?["id"] as? String else {
        return .failure(CLIFailure("the uninterrupted run failed: \(result.stderr)"))
      }
      return .success(try finalState(run, store: store))
    } catch {
      return .failure(CLIFailure("the uninterrupted run failed: \(error)"))
    }
  }()

  /// A finished run's test metrics and best checkpoint's weights sha256, from `show --json`.
  static func finalState(_ run: String, store: String) throws -> FinalState {
    let show = try CommandRunner.run(["show", run, "--json", "--store", store])
    #expect(show.status == 0, "\(show.stderr)")
    let detail = try CommandRunner.object(show.stdout)
    #expect(detail["status"] as? String == "finished")
    let results = try #require(detail["results"] as? [String: Any])
    let test = try #require(results["test"] as? [String: Double])
    let checkpoints = try #require(detail["checkpoints"] as? [[String: Any]])
    let best = try #require(checkpoints.first { $0["kind"] as? String == "best" }?["weights_sha256"] as? String)
    return FinalState(test: test, weights: best)
  }

  /// Waits (polling the store, read-only) until a `running` run has logged at least `epochs` epochs;
  /// returns its id.
  static func waitForRunning(_ path: String, epochs: Int, process: Process) throws -> String {
    let deadline = Date().addingTimeInterval(30)
    var store: Store?
    while Date() < deadline && process.isRunning {
      if store == nil, FileManager.default.fileExists(atPath: path) {
        store = try? Store.open(path: path, create: false, reap: false)
      }
      if let running = try store?.runs(status: .running).first, running.epochCount >= epochs {
        return running.id.uid
      }
      Thread.sleep(forTimeInterval: 0.005)
    }
    throw CLIFailure("no running run reached \(epochs) epochs in \(path) (the process ended or 30 s passed)")
  }

  static func status(of run: String, store: String) throws -> String? {
    try CommandRunner.runs(store: store).first { $0["id"] as? String == run }?["status"] as? String
  }

  @Test func aGridIsLoggedSkippedComparedAndExported() throws {
    let folder = makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let grid = ["run", "--sweep", "model.n_experts=1,2,4", "--seeds", "1,2,3"] + Self.tiny(epochs: 3)
    let first = try CommandRunner.run(grid, in: folder)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.hasPrefix("9 runs: 9 trained"))
    let store = folder + "/mmolre.sqlite"
    let runs = try CommandRunner.runs(store: store)
    #expect(runs.count == 9 && runs.allSatisfy { $0["status"] as? String == "finished" && $0["epochs"] as? Int == 3 })

    let again = try CommandRunner.run(grid, in: folder)
    #expect(again.status == 0 && again.stdout.hasPrefix("9 runs: 9 skipped"), "\(again.stdout)")
    #expect(try CommandRunner.runs(store: store).count == 9)

    let compare = try CommandRunner.run(["compare", "--by", "model.n_experts"], in: folder)
    #expect(compare.status == 0, "\(compare.stderr)")
    let lines = compare.stdout.split(separator: "\n")
    #expect(lines.first?.hasPrefix("model.n_experts  n ") == true)
    for (line, experts) in zip(lines.dropFirst(), ["1", "2", "4"]) {
      let cells = line.split(separator: " ", omittingEmptySubsequences: true)
      #expect(cells.count >= 5 && cells[0] == experts && cells[1] == "3" && cells[3] == "±", "\(line)")
    }
    #expect(compare.stdout.contains("9 finished runs in 3 groups"))
    let auto = try CommandRunner.run(["compare", "--by", "auto"], in: folder)
    #expect(auto.status == 0 && auto.stdout == compare.stdout)

    let latex = try CommandRunner.run(
      ["export-latex", "--by", "model.n_experts", "--standalone", "--out", "table.tex"], in: folder)
    #expect(latex.status == 0, "\(latex.stderr)")
    let tex = try String(contentsOfFile: folder + "/table.tex", encoding: .utf8)
    #expect(tex.contains("\\toprule") && tex.contains("$\\pm$") && tex.contains("\\textbf{"))
    guard let compiled = try PDFLaTeX.compile("table.tex", in: folder) else { return }
    #expect(compiled.status == 0, "\(compiled.log)")
  }

  /// SIGKILL twice: the grid resumes the first killed run, `--resume` the second; the result is the
  /// uninterrupted run's, to the last bit of every test metric and of the selected weights.
  @Test func aKilledRunResumesToTheUninterruptedResult() throws {
    let reference = try Self.uninterrupted.get()
    let folder = makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let store = folder + "/killed.sqlite"
    let arguments = ["run", "--store", store] + Self.interrupted

    let first = try CommandRunner.start(arguments)
    let killed = try Self.waitForRunning(store, epochs: 2, process: first)
    kill(first.processIdentifier, SIGKILL)
    _ = CommandRunner.drain(first)
    #expect(first.terminationReason == .uncaughtSignal)
    #expect(try Self.status(of: killed, store: store) == "killed")  // the listing's store open reaps it

    // The same command resumes the killed cell from its last checkpoint; kill that too, later on.
    let second = try CommandRunner.start(arguments)
    let resumed = try Self.waitForRunning(store, epochs: 4, process: second)
    kill(second.processIdentifier, SIGKILL)
    _ = CommandRunner.drain(second)
    #expect(resumed != killed)
    let show = try CommandRunner.object(try CommandRunner.run(["show", resumed, "--json", "--store", store]).stdout)
    #expect(show["status"] as? String == "killed" && show["resumes"] as? String == killed)

    let last = try CommandRunner.run(["run", "--resume", resumed, "--store", store, "--quiet"])
    #expect(last.status == 0, "\(last.stderr)")
    let finished = try #require(
      try CommandRunner.runs(store: store, where: "run.status = 'finished'").first?["id"] as? String)
    let final = try Self.finalState(finished, store: store)
    #expect(final == reference)
    // Running the grid again trains nothing: the cell is finished.
    let again = try CommandRunner.run(arguments)
    #expect(again.status == 0 && again.stderr.contains("skipped: run \(finished.prefix(8)) finished earlier"))
  }

  /// Ctrl-C stops between steps with status 130, the run is `killed` and `--resume` finishes it with the
  /// uninterrupted result.
  @Test func ctrlCLeavesAResumableRun() throws {
    let reference = try Self.uninterrupted.get()
    let folder = makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let store = folder + "/interrupted.sqlite"
    let process = try CommandRunner.start(["run", "--store", store] + Self.interrupted)
    let run = try Self.waitForRunning(store, epochs: 1, process: process)
    kill(process.processIdentifier, SIGINT)
    let (_, stderr) = CommandRunner.drain(process)
    #expect(process.terminationStatus == 130, "\(stderr)")
    #expect(stderr.contains("interrupted: run \(run.prefix(8)) is marked killed"))
    #expect(try Self.status(of: run, store: store) == "killed")
    let resume = try CommandRunner.run(["run", "--resume", run, "--store", store, "--quiet"])
    #expect(resume.status == 0, "\(resume.stderr)")
    let finished = try #require(
      try CommandRunner.runs(store: store, where: "run.status = 'finished'").first?["id"] as? String)
    let final = try Self.finalState(finished, store: store)
    #expect(final == reference)
  }

  @Test func evalReproducesTheLoggedMetricsAndNamesADamagedRun() throws {
    let folder = makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let store = folder + "/eval.sqlite"
    let trained = try CommandRunner.run(
      ["run", "--store", store, "--seeds", "3", "--name", "victim"] + Self.tiny(epochs: 3))
    #expect(trained.status == 0, "\(trained.stderr)")
    let run = try #require(try CommandRunner.runs(store: store).first?["id"] as? String)

    let eval = try CommandRunner.run(["eval", "victim", "--store", store])
    #expect(eval.status == 0, "\(eval.stderr)")
    #expect(eval.stdout.hasSuffix("reproduced exactly\n") && !eval.stdout.contains("DIFFERS"))
    let json = try CommandRunner.run(["eval", run, "--split", "test", "--json", "--store", store])
    let object = try CommandRunner.object(json.stdout)
    let figures = try #require(object["figures"] as? [[String: Any]])
    #expect(object["agrees"] as? Bool == true)
    #expect(
      figures.count == 30 && figures.allSatisfy { $0["split"] as? String == "test" && $0["agrees"] as? Bool == true })
    let logged = try Self.finalState(run, store: store).test
    for figure in figures {
      let metric = try #require(figure["metric"] as? String)
      #expect(figure["reproduced"] as? Double == logged[metric], "\(metric)")
    }
    #expect(try CommandRunner.run(["eval", run, "--split", "train", "--store", store]).status == 64)

    // Flip one byte of the selected checkpoint's blob in the closed file: its header holds best_epoch,
    // which no other blob of the store has.
    let url = URL(fileURLWithPath: store)
    #expect(!FileManager.default.fileExists(atPath: store + "-wal"))
    var bytes = try [UInt8](Foundation.Data(contentsOf: url))
    let offset = try #require(Self.find(Array("\"best_epoch\":\"".utf8), in: bytes))
    bytes[offset + 1] ^= 0x20
    try Foundation.Data(bytes).write(to: url)
    let damaged = try CommandRunner.run(["eval", run, "--store", store])
    #expect(damaged.status == 65)
    #expect(damaged.stderr.contains("run \(run.prefix(8)) (victim), best checkpoint"), "\(damaged.stderr)")
    #expect(damaged.stderr.contains("is damaged"))
  }

  static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    return (0...(haystack.count - needle.count)).first { start in
      haystack[start] == needle[0] && haystack[start..<(start + needle.count)].elementsEqual(needle)
    }
  }
}
