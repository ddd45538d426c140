import Data
import Foundation
import Testing

// Hand-made cases on a tiny vocabulary; every expected id was worked out by hand from BERT's rules
// (transformers `BasicTokenizer` + `WordpieceTokenizer`), the id being the piece's index below.
private let tinyPieces = [
  "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",  // 0-4
  "un", "##aff", "##able", "cafe", "naive",  // 5-9
  ",", "!", ".", "日", "本",  // 10-14
  "hello", "world", "a", "##a", "'",  // 15-19
  "s", "it", "##s", "resume", "$",  // 20-24
  "una", "##ff", "##ffable",  // 25-27
]

private func tiny() throws -> WordPieceTokenizer {
  try WordPieceTokenizer(vocabulary: WordPieceVocabulary(tokens: tinyPieces))
}

@Suite struct WordPieceTokenizerTests {
  @Test func continuationPiecesAndGreedyLongestMatch() throws {
    let tokenizer = try tiny()
    // Longest first piece is "una" (not "un"), then the longest "##" piece, "##ffable".
    #expect(tokenizer.pieceIDs("UnAffable") == [25, 27])
    #expect(tokenizer.pieces("unaffable") == ["una", "##ffable"])
    #expect(tokenizer.pieceIDs("its it's") == [21, 22, 21, 19, 20])
  }

  @Test func accentsAreStrippedAndCaseFolded() throws {
    let tokenizer = try tiny()
    #expect(tokenizer.pieceIDs("Café NAÏVE") == [8, 9])
    #expect(tokenizer.pieceIDs("RÉSUMÉ") == [23])
    // A decomposed accent (e + U+0301) too.
    #expect(tokenizer.pieceIDs("re\u{301}sume\u{301}") == [23])
  }

  @Test func punctuationIsSplitOff() throws {
    let tokenizer = try tiny()
    #expect(tokenizer.pieceIDs("hello,world!") == [15, 10, 16, 11])
    // `$` is a symbol (Sc) in Unicode but punctuation to BERT; an em dash (Pd) is split off too.
    #expect(tokenizer.pieceIDs("a$a") == [17, 24, 17])
    #expect(tokenizer.pieceIDs("hello\u{2014}world") == [15, 1, 16])
  }

  @Test func cjkCharactersAreWordsOfTheirOwn() throws {
    let tokenizer = try tiny()
    // Without the split, "日本" would need a "##本" piece and become [UNK].
    #expect(tokenizer.pieceIDs("日本") == [13, 14])
    #expect(tokenizer.pieceIDs("hello日本world") == [15, 13, 14, 16])
  }

  @Test func unknownWordsAreOnePiece() throws {
    let tokenizer = try tiny()
    #expect(tokenizer.pieceIDs("xyz") == [1])
    // A word with an unmatched tail is [UNK] whole, not "hello" + [UNK].
    #expect(tokenizer.pieceIDs("helloxyz world") == [1, 16])
  }

  @Test func wordsOverOneHundredCharactersAreUnknown() throws {
    let tokenizer = try tiny()
    let hundred = String(repeating: "a", count: 100)
    #expect(tokenizer.pieceIDs(hundred) == [17] + [Int](repeating: 18, count: 99))
    #expect(tokenizer.pieceIDs(hundred + "a") == [1])
    #expect(tokenizer.pieceIDs(hundred + "a hello") == [1, 15])
  }

  @Test func controlCharactersAreDroppedAndWhitespaceSplits() throws {
    let tokenizer = try tiny()
    #expect(tokenizer.pieceIDs("hel\u{0}lo\u{FFFD}") == [15])
    #expect(tokenizer.pieceIDs("hel\u{200D}lo") == [15])  // zero-width joiner, a format character
    #expect(tokenizer.pieceIDs("hello\tworld\nhello\u{3000}world") == [15, 16, 15, 16])
  }

  @Test func literalSpecialTokensKeepTheirIDs() throws {
    let tokenizer = try tiny()
    #expect(tokenizer.pieceIDs("hello [MASK] world") == [15, 4, 16])
    #expect(tokenizer.pieceIDs("hello[SEP]world") == [15, 3, 16])
    // Matched case-sensitively: "[mask]" is punctuation and an unknown word.
    #expect(tokenizer.pieceIDs("[mask]") == [1, 1, 1])
  }

  @Test func emptyTextAndSpecials() throws {
    let tokenizer = try tiny()
    #expect(tokenizer.pieceIDs("") == [])
    #expect(tokenizer.encode("") == [2, 3])
    #expect(tokenizer.encode(" \t\n ") == [2, 3])
    #expect(tokenizer.encode("hello world") == [2, 15, 16, 3])
  }

  @Test func truncationKeepsClassAndSeparator() throws {
    let tokenizer = try tiny()
    #expect(tokenizer.encode("hello world hello", maxLength: 4) == [2, 15, 16, 3])
    #expect(tokenizer.encode("hello world hello", maxLength: 5) == [2, 15, 16, 15, 3])
    #expect(tokenizer.encode("hello world hello", maxLength: 50) == [2, 15, 16, 15, 3])
    #expect(tokenizer.encode("hello", maxLength: 2) == [2, 3])
  }

  @Test func vocabularyLookupIsByteExact() {
    // "é" precomposed and "e" + U+0301 are equal Swift strings but different pieces.
    let vocabulary = WordPieceVocabulary(tokens: ["\u{E9}", "e\u{301}", "##x"])
    #expect(vocabulary.id(of: "\u{E9}") == 0)
    #expect(vocabulary.id(of: "e\u{301}") == 1)
    #expect(vocabulary.id(of: "##x") == 2)
    #expect(vocabulary.id(of: "x") == nil)
    #expect(vocabulary.longestPieceCharacters == 2)
    // A repeated piece keeps its last id, as Hugging Face's loaders do.
    #expect(WordPieceVocabulary(tokens: ["a", "b", "a"]).id(of: "a") == 2)
  }

  @Test func readsVocabularyFiles() throws {
    let path = FileManager.default.temporaryDirectory.path + "/mmolre-vocab-\(UUID().uuidString).txt"
    defer { try? FileManager.default.removeItem(atPath: path) }
    // CRLF and trailing blanks are dropped; the last line has no newline.
    try AtomicFile.write("[PAD]\r\n[UNK] \n##ing\t\nx", to: path)
    let vocabulary = try WordPieceVocabulary(contentsOf: path)
    #expect(vocabulary.tokens == ["[PAD]", "[UNK]", "##ing", "x"])
    #expect(vocabulary.origin == path)
    try AtomicFile.write([0x61, 0x0A, 0xFF, 0x0A], to: path)
    #expect(throws: DataError.self) { try WordPieceVocabulary(contentsOf: path) }
    do {
      _ = try WordPieceVocabulary(contentsOf: path)
    } catch {
      #expect("\(error)" == "\(path): line 2 is not UTF-8")
    }
  }

  @Test func missingSpecialPiecesAreNamed() {
    #expect(throws: DataError.self) { try WordPieceTokenizer(vocabulary: WordPieceVocabulary(tokens: ["[UNK]", "a"])) }
    do {
      _ = try WordPieceTokenizer(vocabulary: WordPieceVocabulary(tokens: ["[PAD]", "[UNK]", "[SEP]"], origin: "v.txt"))
    } catch {
      #expect("\(error)" == "v.txt: no [CLS] piece")
    }
  }
}

@Suite struct BertNormalizerTests {
  @Test func normalizesLikeBert() {
    #expect(BertNormalizer.normalize("Héllo\tWÖRLD") == "hello world")
    #expect(BertNormalizer.normalize("a日b") == "a 日 b")
    #expect(BertNormalizer.normalize("ΟΔΟΣ") == "οδοσ")  // no final sigma, as the fast tokenizer
    #expect(BertNormalizer.normalize("x\u{7}y\u{FEFF}") == "xy")
  }
}
