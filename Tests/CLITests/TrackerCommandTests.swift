// The store commands through the built binary: help and usage errors, hostile --where text, compare
// and its exports (the LaTeX compiled with pdflatex), tags, rm, gc, the zoo and the HTML report.
import Foundation
import Testing

@Suite struct TrackerCommandTests {
  /// A folder with a store of 8 finished runs (2 per expert count, seeds differ by index only).
  static func makeStore() throws -> (folder: String, store: String) {
    let folder = makeTemporaryFolder()
    let store = folder + "/s.sqlite"
    let result = try CommandRunner.run(["_store-writer", "--store", store, "--runs", "8", "--epochs", "3"])
    #expect(result.status == 0, "\(result.stderr)")
    return (folder, store)
  }

  @Test func helpListsCommandsAndUsageErrorsExit64() throws {
    let help = try CommandRunner.run(["--help"])
    #expect(help.status == 0)
    for command in ["runs", "show", "compare", "export", "export-latex", "report", "rm", "tag", "gc", "zoo", "bench"] {
      #expect(help.stdout.contains("\n  \(command) "), "\(command)")
    }
    #expect(!help.stdout.contains("_store-writer"))
    #expect(try CommandRunner.run(["compare", "--help"]).status == 0)
    let unknown = try CommandRunner.run(["runs", "--wher", "x"])
    #expect(unknown.status == 64 && unknown.stderr.contains("did you mean --where?"))
  }

  @Test func storeComesFromTheFlagTheEnvironmentOrTheWorkingFolder() throws {
    let (folder, store) = try Self.makeStore()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let fromEnvironment = try CommandRunner.run(["runs", "--json"], environment: ["MMOLRE_STORE": store])
    #expect(fromEnvironment.status == 0 && fromEnvironment.stdout.split(separator: "\n").count == 8)
    let empty = makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: empty) }
    let missing = try CommandRunner.run(["runs"], in: empty)
    #expect(missing.status == 64 && missing.stderr.contains("mmolre.sqlite: no store here"))
    #expect(!FileManager.default.fileExists(atPath: empty + "/mmolre.sqlite"))
  }

  @Test func hostileWhereTextChangesNothing() throws {
    let (folder, store) = try Self.makeStore()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let injected = try CommandRunner.run(["runs", "--store", store, "--where", "run.name = 'x'; DROP TABLE runs; --'"])
    #expect(injected.status == 64)
    #expect(
      injected.stderr.contains(
        "unexpected character ; at position 15\n  run.name = 'x'; DROP TABLE runs; --'\n                ^"))
    let quoted = try CommandRunner.run(["runs", "--store", store, "--where", "run.name = 'x''; DROP TABLE runs; --'"])
    #expect(quoted.status == 0 && quoted.stdout.isEmpty)
    #expect(try CommandRunner.runs(store: store).count == 8)
  }

  @Test func compareAndExports() throws {
    let (folder, store) = try Self.makeStore()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let compare = try CommandRunner.run([
      "compare", "--store", store, "--by", "model.n_experts", "--metrics", "Non0_acc_2,MAE", "--baseline",
      "model.n_experts=1",
    ])
    #expect(compare.status == 0, "\(compare.stderr)")
    #expect(compare.stdout.hasPrefix("model.n_experts  n"))
    #expect(compare.stdout.contains("Difference to model.n_experts=1"))
    let csv = try CommandRunner.run([
      "export", "--store", store, "--format", "csv", "--by", "model.n_experts", "--metrics", "MAE",
    ])
    #expect(csv.status == 0)
    #expect(csv.stdout.split(separator: "\n").first == "model.n_experts,n,seeds,MAE_mean,MAE_std")
    #expect(csv.stdout.split(separator: "\n").count == 5)
    let json = try CommandRunner.run(["export", "--store", store, "--format", "json", "--per-run", "--metrics", "all"])
    let object = try CommandRunner.object(json.stdout)
    #expect((object["runs"] as? [Any])?.count == 8)
    #expect((object["metrics"] as? [String])?.count == 20)
    let markdown = try CommandRunner.run(["export", "--store", store, "--format", "markdown", "--per-run"])
    #expect(markdown.stdout.hasPrefix("| run | name | seed |"))
    let bad = try CommandRunner.run(["export", "--store", store, "--format", "xlsx"])
    #expect(bad.status == 64)
  }

  @Test func exportLatexCompilesWithPdflatex() throws {
    let (folder, store) = try Self.makeStore()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let tex = folder + "/table.tex"
    let result = try CommandRunner.run([
      "export-latex", "--store", store, "--by", "model.n_experts", "--standalone", "--baseline", "model.n_experts=2",
      "--caption", "Experts: 50% of runs_with & without # ~ ^ \\ $", "--out", tex,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    guard let compiled = try PDFLaTeX.compile("table.tex", in: folder) else { return }
    #expect(compiled.status == 0, "\(compiled.log)")
    #expect(FileManager.default.fileExists(atPath: folder + "/table.pdf"))
  }

  @Test func tagRmAndGc() throws {
    let (folder, store) = try Self.makeStore()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let first = try #require(try CommandRunner.runs(store: store).first?["id"] as? String)
    let tagged = try CommandRunner.run([
      "tag", String(first.prefix(6)), "keep", "paper", "--note", "the one", "--store", store,
    ])
    #expect(tagged.status == 0 && tagged.stdout.contains("tags keep, paper"))
    #expect(try CommandRunner.runs(store: store, where: "run.tag = 'paper' and run.note like 'the%'").count == 1)
    #expect(try CommandRunner.run(["tag", first, "paper", "--remove", "--store", store]).status == 0)
    #expect(try CommandRunner.runs(store: store, where: "run.tag = 'paper'").isEmpty)

    let dry = try CommandRunner.run(["rm", "--where", "model.n_experts = 1", "--store", store])
    #expect(dry.status == 0 && dry.stderr.contains("2 runs would be removed"))
    #expect(try CommandRunner.runs(store: store).count == 8)
    let removed = try CommandRunner.run(["rm", "--where", "model.n_experts = 1", "--yes", "--store", store])
    #expect(removed.status == 0 && removed.stdout.split(separator: "\n").count == 2)
    #expect(try CommandRunner.run(["rm", first, "--store", store]).status == 64)  // it had n_experts 1: gone
    let other = try #require(try CommandRunner.runs(store: store, where: "model.n_experts = 8").first?["id"] as? String)
    let single = try CommandRunner.run(["rm", other, "--store", store])
    #expect(single.status == 0 && single.stdout.hasPrefix("removed \(other.prefix(8))"))
    #expect(try CommandRunner.runs(store: store).count == 5)
    let gc = try CommandRunner.run(["gc", "--store", store])
    #expect(gc.status == 0 && gc.stdout.hasPrefix("deleted "))
    let unknown = try CommandRunner.run(["rm", "nosuchrun", "--store", store])
    #expect(unknown.status == 64)
  }

  /// A safetensors file made by hand: one F32 tensor and the card in the metadata.
  static func archive(card: String) throws -> Foundation.Data {
    let header: [String: Any] = [
      "__metadata__": ["mmolre.card": card],
      "w": ["dtype": "F32", "shape": [2], "data_offsets": [0, 8]],
    ]
    var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    while json.count % 8 != 0 { json.append(0x20) }
    var bytes = Foundation.Data()
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
    bytes.append(json)
    for value: Float in [1.5, -2] {
      withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }
    return bytes
  }

  @Test func zooImportExportRoundTrip() throws {
    let folder = makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let store = folder + "/zoo.sqlite"
    let file = folder + "/m.safetensors"
    try Self.archive(
      card: #"{"name": "tiny-model", "config": {"model": {"n_experts": 2}}, "description": "hand-made"}"#
    )
    .write(to: URL(fileURLWithPath: file))
    let imported = try CommandRunner.run(["zoo", "import", file, "--store", store])
    #expect(imported.status == 0, "\(imported.stderr)")
    #expect(imported.stdout.hasPrefix("registered tiny-model v1"))
    let list = try CommandRunner.run(["zoo", "list", "--store", store])
    #expect(list.stdout.contains("tiny-model") && list.stdout.contains("v1") && list.stdout.contains("hand-made"))
    let out = folder + "/out.safetensors"
    #expect(try CommandRunner.run(["zoo", "export", "tiny-model", "--out", out, "--store", store]).status == 0)
    // Importing the export again is the same model: same weights, same card.
    let again = try CommandRunner.run(["zoo", "import", out, "--store", store])
    #expect(again.stdout.hasPrefix("registered tiny-model v1"))
    let show = try CommandRunner.run(["zoo", "show", "tiny-model", "--store", store])
    #expect(show.status == 0 && show.stdout.contains("\"n_experts\": 2"))
    // An imported model has no card compiled into mmolre to build from.
    let build = try CommandRunner.run(["zoo", "build", "tiny-model", "--store", store])
    #expect(build.status == 64 && build.stderr.contains("no model card named tiny-model in this mmolre"))
    let tampered = folder + "/bad.safetensors"
    var bytes = try Foundation.Data(contentsOf: URL(fileURLWithPath: out))
    bytes[bytes.count - 1] ^= 0x40
    try bytes.write(to: URL(fileURLWithPath: tampered))
    let refused = try CommandRunner.run(["zoo", "import", tampered, "--store", store])
    #expect(refused.status == 65 && refused.stderr.contains("the file was changed"))
  }

  @Test func reportIsOneSelfContainedHTMLFile() throws {
    let (folder, store) = try Self.makeStore()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try CommandRunner.run(["report", "--store", store, "--by", "model.n_experts"], in: folder)
    #expect(result.status == 0, "\(result.stderr)")
    let html = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
    #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
    #expect(html.components(separatedBy: "<svg ").count - 1 >= 8 + 8)  // a chart per metric and per run
    #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href="))
  }

  @Test func showPrintsConfigCurvesAndResults() throws {
    let (folder, store) = try Self.makeStore()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let show = try CommandRunner.run(["show", "writers-3-s1111", "--epochs", "--store", store])
    #expect(show.status == 0, "\(show.stderr)")
    for part in ["[finished]", "config:", "\"n_experts\": 8", "epochs (3):", "valid.loss", "results:", "Non0_acc_2"] {
      #expect(show.stdout.contains(part), "\(part)")
    }
  }
}
