import Data
import Foundation
import Testing

/// The restricted unpickler against fixtures written by numpy 1.26 and numpy 2.x at protocols 2 to 5
/// (recipe in Fixtures/pickles/README.md); expected values are the recipe's literals.
@Suite struct UnpicklerTests {
  static let versions = ["np1", "np2"]
  static let protocols = [2, 3, 4, 5]

  static func int(_ value: PickleValue) -> Int? {
    if case .int(let i) = value { return i }
    return nil
  }

  static func float(_ value: PickleValue) -> Double? {
    if case .float(let x) = value { return x }
    return nil
  }

  @Test(arguments: versions, protocols)
  func readsPlainValuesAndNumpyObjects(version: String, proto: Int) throws {
    let value = try Unpickler.load(path: TestFiles.fixture("pickles/values_\(version)_p\(proto).pkl"))
    guard case .some(.none) = value["none"] else { Issue.record("none"); return }
    guard case .bool(true) = value["true"], case .bool(false) = value["false"] else { Issue.record("bools"); return }
    guard case .list(let ints) = value["ints"] else { Issue.record("ints"); return }
    let expected = [0, 1, -1, 255, 256, 65535, 65536, -(1 << 31), 1 << 31, 1 << 40, Int.min, Int.max]
    #expect(ints.map(Self.int) == expected)
    guard case .list(let floats) = value["floats"] else { Issue.record("floats"); return }
    #expect(floats.map(Self.float) == [0.5, -2.25, 1e300, .infinity])
    #expect(value["text"]?.stringValue == "h\u{e9}llo \u{2603} \u{1F600}")
    guard case .bytes(let bytes) = value["bytes"] else { Issue.record("bytes"); return }
    #expect(bytes == [0, 1, 0xFE, 0xFF])
    guard case .tuple(let tuple) = value["tuple"], tuple.count == 3, case .int(1) = tuple[0],
      case .tuple(let inner) = tuple[2], case .float(3.0) = inner.first
    else { Issue.record("tuple"); return }
    #expect(tuple[1].stringValue == "two")
    guard case .list(let shared) = value["shared"], shared.count == 2, case .list(let first) = shared[0] else {
      Issue.record("shared"); return
    }
    #expect(first.count == 2)
    if proto >= 4 {
      guard case .set(let set) = value["set"], case .int(7) = set.first, case .set(let frozen) = value["frozenset"],
        case .int(8) = frozen.first
      else { Issue.record("sets"); return }
      #expect(set.count == 1 && frozen.count == 1)
    }

    func array(_ key: String) throws -> NDArray {
      try #require(value[key]?.arrayValue, "\(key)")
    }
    let f32 = try array("f32_scalar")
    #expect(f32.shape == [])
    #expect(try f32.floats() == [3.5])
    #expect(try array("i64_scalar").integers() == [-7])
    #expect(try array("f64_scalar").doubles() == [0.1])
    guard case .dtype(let dtype) = value["dtype"] else { Issue.record("dtype"); return }
    #expect(dtype == NumpyDType(kind: .signed, itemSize: 2))
    #expect(try array("f8_big").doubles() == [1.5, -2.0, 1e-3])
    let i2 = try array("i2")
    #expect(i2.shape == [2, 2])
    #expect(try i2.integers() == [-1, 2, 300, -32768])
    #expect(try array("u1").integers() == [0, 200, 255])
    #expect(try array("bool").integers() == [1, 0, 1])
    #expect(try array("unicode").strings() == ["a", "\u{e9}t\u{e9}", "\u{2603}x"])
    #expect(try array("bytes_arr").strings() == ["ab", "c"])
    // np.asfortranarray(np.arange(24.0).reshape(2, 3, 4)) comes back in C order.
    let fortran = try array("fortran3")
    #expect(fortran.shape == [2, 3, 4])
    #expect(try fortran.doubles() == (0..<24).map(Double.init))
    // np.arange(20).reshape(4, 5)[::2, 1::2] = [[1, 3], [11, 13]], a strided view pickled as a copy.
    let strided = try array("strided")
    #expect(strided.shape == [2, 2])
    #expect(try strided.integers() == [1, 3, 11, 13])
    if proto >= 3 {
      let empty = try array("empty")
      #expect(empty.shape == [0, 3])
      #expect(try empty.floats().isEmpty)
    }
    let zeroD = try array("zero_d")
    #expect(zeroD.shape == [])
    #expect(try zeroD.floats() == [2.5])
  }

  @Test(arguments: ["hostile_os_system.pkl": "posix.system", "hostile_eval.pkl": "builtins.eval"])
  func refusesAnyOtherGlobalAndRunsNothing(file: String, global: String) throws {
    let marker = "/tmp/mmolre-pwned"
    try? FileManager.default.removeItem(atPath: marker)
    let path = TestFiles.fixture("pickles/\(file)")
    do {
      _ = try Unpickler.load(path: path)
      Issue.record("hostile pickle accepted")
    } catch let error as DataError {
      #expect(error.message.hasPrefix(path))
      #expect(error.message.contains("refers to \(global)"))
      #expect(error.message.contains("nothing in it was run"))
    }
    #expect(!FileManager.default.fileExists(atPath: marker))
  }

  @Test func refusesEveryNameOutsideTheAllowList() {
    // Protocol 2 GLOBAL opcodes built by hand: c<module>\n<name>\n ... STOP.
    for (module, name) in [
      ("builtins", "open"), ("numpy", "load"), ("numpy.core.multiarray", "eval"), ("os", "system"),
    ] {
      let bytes = [0x80, 2, 0x63] + Array("\(module)\n\(name)\n".utf8) + [0x29, 0x52, 0x2E]
      do {
        _ = try Unpickler.loads(bytes)
        Issue.record("\(module).\(name) accepted")
      } catch {
        #expect(error.message.contains("refers to \(module).\(name)"))
      }
    }
  }

  @Test func truncationAtManyOffsetsIsAClearError() throws {
    for file in ["mmsa_np1_p2.pkl", "mmsa_np2_p5.pkl", "values_np2_p4.pkl"] {
      let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestFiles.fixture("pickles/\(file)"))))
      // Every offset of the first 200 bytes (opcode headers), then every 23rd (inside arrays too).
      for cut in Array(0..<200) + Array(stride(from: 200, to: bytes.count, by: 23)) {
        #expect(throws: PickleError.self, "\(file) cut at \(cut)") { try Unpickler.loads(Array(bytes[..<cut])) }
      }
    }
  }

  @Test func damagedBytesNeverCrash() throws {
    // Single-byte changes all over a protocol 4 file either still read or fail with PickleError.
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestFiles.fixture("pickles/mmsa_np2_p4.pkl"))))
    var failures = 0
    for offset in stride(from: 0, to: bytes.count, by: 11) {
      for replacement: UInt8 in [0x00, 0xFF, bytes[offset] &+ 1] {
        var damaged = bytes
        damaged[offset] = replacement
        do {
          let value = try Unpickler.loads(damaged)
          _ = try? MMSAPickle.splits(from: value, origin: "damaged", source: "x")
        } catch {
          failures += 1
        }
      }
    }
    #expect(failures > 0)
  }

  @Test func truncatedFileNamesThePath() throws {
    let folder = try TestFiles.scratch()
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestFiles.fixture("pickles/mmsa_np1_p3.pkl"))))
    let path = "\(folder)/cut.pkl"
    try AtomicFile.write(Array(bytes.prefix(1000)), to: path)
    do {
      _ = try MMSAPickle.load(path: path)
      Issue.record("truncated pickle accepted")
    } catch let error as DataError {
      #expect(error.message.hasPrefix(path) && error.message.contains("truncated"))
    }
  }
}

/// MMSA-layout pickles to datasets: lengths, masks, padding, Fortran-order and strided arrays, -inf.
@Suite struct MMSAPickleTests {
  static let sizes = ["train": 4, "valid": 2, "test": 3]

  @Test(arguments: UnpicklerTests.versions, UnpicklerTests.protocols)
  func readsTheMMSALayout(version: String, proto: Int) throws {
    let loaded = try MMSAPickle.load(path: TestFiles.fixture("pickles/mmsa_\(version)_p\(proto).pkl"), source: "mosi")
    #expect(loaded.splitNames == ["train", "valid", "test"])
    // train: audio[0, 0, :] = -inf (3 values) and audio[1, 0, 0] = NaN.
    #expect(loaded.nonFinite == ["train": ["audio": 4]])
    for (split, n) in Self.sizes {
      let ds = try #require(loaded[split])
      #expect(ds.count == n && ds.modalities == ["text", "audio", "vision"])
      #expect(ds.sources == Array(repeating: "mosi", count: n))
      #expect(ds.ids == (0..<n).map { "\(split)V\($0 / 2)$_$\($0 % 2 + 1)" })
      #expect(ds.texts == (0..<n).map { "clip \($0) of \(split) caf\u{e9}" })
      #expect(ds.sentiment == (0..<n).map { Float($0 - 1) * 0.75 })
      #expect(ds.emotions.count == 6 * n)
      #expect(ds.emotions.allSatisfy { $0.isNaN })
      let text = ds.features["text"]!
      let audio = ds.features["audio"]!
      let vision = ds.features["vision"]!
      #expect(text.dim == 4 && audio.dim == 3 && vision.dim == 2)
      for i in 0..<n {
        // text: no text_lengths, so text_bert's mask (2 + i % 3 tokens) cuts it; padding rows were 0.5.
        let words = 2 + i % 3
        let expectedText: [Float] = (0..<words).flatMap { t in
          (0..<4).map { d in Float(i) + 0.5 * Float(t) + 0.25 * Float(d) + 1 }
        }
        #expect(Array(text.frames(i)) == expectedText)
        let audioLength = 1 + i % 6
        var expectedAudio: [Float] = (0..<audioLength).flatMap { t in (0..<3).map { d in Float(100 * i + 10 * t + d) } }
        if split == "train" && i == 0 { expectedAudio.replaceSubrange(0..<3, with: [0, 0, 0]) }
        if split == "train" && i == 1 { expectedAudio[0] = 0 }
        #expect(Array(audio.frames(i)) == expectedAudio)
        let visionLength = 1 + (i + 1) % 6
        let expectedVision: [Float] = (0..<visionLength).flatMap { t in
          (0..<2).map { d in -(Float(i) + Float(t) / 8 + Float(d) / 4) }
        }
        #expect(Array(vision.frames(i)) == expectedVision)
      }
    }
  }

  @Test func textBertGivesTokenIdsMaskAndSegments() throws {
    let loaded = try MMSAPickle.load(
      path: TestFiles.fixture("pickles/mmsa_np2_p4.pkl"), source: "toy", textField: "text_bert", modalities: ["text"])
    let text = try #require(loaded["valid"]?.features["text"])
    #expect(text.dim == 3)
    for i in 0..<2 {
      let expected: [Float] = (0..<(2 + i % 3)).flatMap { t in [Float(101 + t), 1, 0] }
      #expect(Array(text.frames(i)) == expected)
    }
    #expect(loaded["valid"]?.modalities == ["text"])
  }

  @Test func structuralProblemsAreListed() throws {
    let value = try Unpickler.load(path: TestFiles.fixture("pickles/values_np1_p4.pkl"))
    let problems = MMSAPickle.problems(in: value)
    #expect(problems.count == 3)
    #expect(problems.allSatisfy { $0.hasPrefix("split ") && $0.contains("is missing") })
    #expect(throws: DataError.self) { try MMSAPickle.splits(from: value, origin: "x.pkl", source: "x") }
  }

  @Test func emotionsJoinFromALabelTableById() throws {
    var loaded = try MMSAPickle.load(path: TestFiles.fixture("pickles/mmsa_np1_p5.pkl"), source: "mosei")
    let folder = try TestFiles.scratch()
    // Rows in another order than the pickle; trainV0$_$1 is absent and keeps NaN.
    let table = try TestFiles.write(
      """
      video_id,clip_id,text,label,annotation,mode,happy,sad,anger,surprise,disgust,fear
      testV1,1,t,0,Neutral,test,3,2,1,0,0,0
      trainV0,2,t,0,Neutral,train,0,0,0,0,0,1.5

      """, to: "label.csv", in: folder)
    try loaded.joinEmotions(from: EmotionLabels.load(path: table))
    let train = try #require(loaded["train"])
    #expect(train.emotions[0..<6].allSatisfy { $0.isNaN })
    #expect(Array(train.emotions[6..<12]) == [0, 0, 0, 0, 0, 1.5])
    #expect(Array(loaded["test"]!.emotions[12..<18]) == [3, 2, 1, 0, 0, 0])
    #expect(loaded.notes.count == 1 && loaded.notes[0].contains("7 of 9 clips have no emotion row"))
    // An SDK-derived table numbers segments by SDK index: joining it by MMSA clip id is refused.
    let sdk = try TestFiles.write(
      "video_id,clip_id,start,end,sentiment,happy,sad,anger,surprise,disgust,fear,mode\n"
        + "trainV0,1,0,1,0,1,0,0,0,0,0,train\n", to: "sdk.csv", in: folder)
    #expect(throws: DataError.self) { try loaded.joinEmotions(from: EmotionLabels.load(path: sdk)) }
  }
}
