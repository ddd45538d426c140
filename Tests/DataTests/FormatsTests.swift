import Data
import Foundation
import Testing

@Suite struct SHA256Tests {
  // FIPS 180-4 / NIST CSRC example vectors.
  @Test func nistVectors() {
    #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(
      SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    #expect(
      SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
        == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test func streamingEqualsOneShot() {
    let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    var hasher = SHA256()
    for chunk in stride(from: 0, to: bytes.count, by: 37) { hasher.update(bytes[chunk..<min(chunk + 37, bytes.count)]) }
    #expect(hasher.finalizeHex() == SHA256.hex(bytes))
  }
}

@Suite struct JSONTests {
  @Test func parsesAndKeepsIntegerness() throws {
    let value = try JSONValue(parsing: #"{"a": 4, "b": 4.0, "c": 1e-3, "d": [true, null, "x\n\u00e9"]}"#)
    #expect(value["a"] == .int(4))
    #expect(value["c"]?.doubleValue == 0.001)
    #expect(value["d"]?.arrayValue?[2] == .string("x\né"))
    #expect(value.canonical == #"{"a":4,"b":4,"c":0.001,"d":[true,null,"x\né"]}"#)
  }

  @Test func canonicalIsOrderFreeAndNumberFree() throws {
    let a = try JSONValue(parsing: #"{"lr": 1e-3, "n": 8}"#)
    let b = try JSONValue(parsing: #"{"n": 8.0, "lr": 0.001}"#)
    #expect(a.canonical == b.canonical)
  }

  @Test func errorsCarryTheOffset() {
    #expect(throws: JSONParseError.self) { try JSONValue(parsing: #"{"a": 1,}"#) }
    do {
      _ = try JSONValue(parsing: #"{"a": 1, "a": 2}"#)
      Issue.record("duplicate key accepted")
    } catch {
      #expect(error.message.contains("duplicate key"))
      #expect(error.offset == 9)
    }
  }

  @Test func roundTripsThroughPretty() throws {
    let text = #"{"x": [1, 2.5, {"y": "z"}], "e": {}, "l": []}"#
    let value = try JSONValue(parsing: text)
    #expect(try JSONValue(parsing: value.pretty) == value)
    #expect(try JSONValue(parsing: value.compact) == value)
  }
}

@Suite struct SafetensorsTests {
  @Test func roundTripAndChecks() throws {
    var file = SafetensorsFile(metadata: ["config": "{}"])
    file.tensors["w"] = SafetensorsTensor(shape: [2, 3], values: [1.0, 2, 3, 4, 5, 6.5] as [Double], dtype: .f64)
    file.tensors["b"] = SafetensorsTensor(shape: [3], values: [0.25, -1, 2] as [Float], dtype: .f32)
    let bytes = file.serialized()
    let back = try SafetensorsFile(bytes: bytes, origin: "mem")
    #expect(back.metadata["config"] == "{}")
    #expect(try back.tensor("w").values(as: Double.self) == [1, 2, 3, 4, 5, 6.5])
    #expect(try back.tensor("b").values(as: Float.self) == [0.25, -1, 2])
    // Truncation names the tensor that runs past the end.
    do {
      _ = try SafetensorsFile(bytes: Array(bytes.dropLast(4)), origin: "cut.safetensors")
      Issue.record("truncated file accepted")
    } catch let error as SafetensorsError {
      #expect(error.message.contains("cut.safetensors"))
      #expect(error.message.contains("tensor w"))
    }
  }

  @Test func readsTheGoldenMiniLMFile() throws {
    let path = #filePath.components(separatedBy: "/Tests/")[0] + "/../shared/golden/minilm/embeddings.safetensors"
    guard FileManager.default.fileExists(atPath: path) else { return }
    let file = try SafetensorsFile(contentsOf: path)
    let embeddings = try file.tensor("sentence_embedding")
    #expect(embeddings.shape == [257, 384])
    let first = Array(embeddings.values(as: Double.self).prefix(384))
    // Sentence embeddings are L2-normalised.
    #expect(abs(first.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
  }
}

@Suite struct CSVTests {
  @Test func quotedFieldsAndLineNumbers() throws {
    let text = "id,text,label\na,\"hello, \"\"world\"\"\",1.5\r\nb,\"two\nlines\",-2\nc,,0\n"
    let table = try CSVTable(text: text, origin: "t.csv")
    #expect(table.header == ["id", "text", "label"])
    #expect(table.rows[0][1] == "hello, \"world\"")
    #expect(table.rows[1][1] == "two\nlines")
    #expect(table.lineNumbers == [2, 3, 5])
    #expect(try table.number(row: 1, column: 2) == -2)
  }

  @Test func errorsNameFileLineAndColumn() throws {
    #expect(throws: DataError.self) { try CSVTable(text: "a,b\n1,2,3\n", origin: "x.csv") }
    let table = try CSVTable(text: "id,label\nq,abc\n", origin: "x.csv")
    do {
      _ = try table.number(row: 0, column: 1)
      Issue.record("non-number accepted")
    } catch let error as DataError {
      #expect(error.message == "x.csv: line 2: column label: abc is not a number")
    }
    do {
      _ = try table.requireColumn("lable")
      Issue.record("missing column accepted")
    } catch let error as DataError {
      #expect(error.message.contains("nearest: label"))
    }
  }
}
