import Foundation

// A WordPiece vocabulary (`vocab.txt`: one piece per line, the id is the 0-based line number;
// continuation pieces start with `##`) and a byte-exact piece -> id table for the tokenizer's hot path.
//
// Why not `[String: Int]`: Swift compares strings by canonical equivalence, so the decomposed jamo
// of a Korean syllable would find the precomposed syllable's id, which the reference never does. The
// table here is open addressing over FNV-1a hashes of the UTF-8 bytes, compared byte for byte, and a
// lookup of a slice of a word allocates nothing.

/// Pieces and ids of a WordPiece vocabulary, with O(length) byte-exact lookup.
public struct WordPieceVocabulary: Sendable {
  /// The piece of each id.
  public let tokens: [String]
  /// Where the pieces came from (a path), for error messages.
  public let origin: String
  /// The most characters in any piece (without a `##` prefix): longer candidates need no lookup.
  public let longestPieceCharacters: Int

  private let bytes: [UInt8]
  private let offsets: [Int]
  /// Power-of-two table of ids, -1 for an empty slot.
  private let slots: [Int32]

  private static let continuationPrefix: [UInt8] = [0x23, 0x23]  // "##"

  /// A vocabulary from pieces in id order. A piece listed twice keeps its last id, as Hugging Face's
  /// loaders do (the earlier id still decodes to it).
  public init(tokens: [String], origin: String = "inline vocabulary") {
    self.tokens = tokens
    self.origin = origin
    var bytes: [UInt8] = []
    var offsets = [0]
    var longest = 0
    for token in tokens {
      bytes.append(contentsOf: token.utf8)
      offsets.append(bytes.count)
      let characters = token.unicodeScalars.count - (token.hasPrefix("##") ? 2 : 0)
      longest = max(longest, characters)
    }
    self.bytes = bytes
    self.offsets = offsets
    self.longestPieceCharacters = longest
    var capacity = 16
    while capacity < 2 * tokens.count { capacity *= 2 }
    var slots = [Int32](repeating: -1, count: capacity)
    func piece(_ id: Int) -> ArraySlice<UInt8> { bytes[offsets[id]..<offsets[id + 1]] }
    for id in tokens.indices {
      var slot = Int(Self.hash(piece(id), seed: Self.fnvOffset) & UInt64(capacity - 1))
      // Probe past other pieces; a repeated piece takes over its earlier slot.
      while slots[slot] >= 0, !piece(Int(slots[slot])).elementsEqual(piece(id)) {
        slot = (slot + 1) & (capacity - 1)
      }
      slots[slot] = Int32(id)
    }
    self.slots = slots
  }

  /// Reads `vocab.txt`: one piece per line (a final newline is optional; trailing spaces, tabs and
  /// carriage returns of a line are dropped, as the fast tokenizer's reader does).
  /// - Throws: `DataError` naming the file, and the line for a piece that is not UTF-8.
  public init(contentsOf path: String) throws {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DataError("\(path): file not found or not readable")
    }
    var tokens: [String] = []
    var lines = [UInt8](data).split(separator: 0x0A, omittingEmptySubsequences: false)
    if lines.last?.isEmpty == true { lines.removeLast() }
    for (number, line) in lines.enumerated() {
      var end = line.endIndex
      while end > line.startIndex, [0x20, 0x09, 0x0D, 0x0B, 0x0C].contains(line[end - 1]) { end -= 1 }
      guard let piece = String(validating: line[line.startIndex..<end], as: UTF8.self) else {
        throw DataError("\(path): line \(number + 1) is not UTF-8")
      }
      tokens.append(piece)
    }
    if tokens.isEmpty { throw DataError("\(path): empty vocabulary") }
    self.init(tokens: tokens, origin: path)
  }

  /// The number of ids.
  public var count: Int { tokens.count }

  /// The id of `piece`, compared byte for byte; nil when it is not in the vocabulary.
  public func id(of piece: String) -> Int? {
    var piece = piece
    return piece.withUTF8 { id(continuation: false, $0) }
  }

  /// The id of `word` (prefixed with `##` when `continuation`), or nil. Allocates nothing.
  func id(continuation: Bool, _ word: UnsafeBufferPointer<UInt8>) -> Int? {
    let prefix = continuation ? Self.continuationPrefix : []
    let hash = Self.hash(word, seed: Self.hash(prefix, seed: Self.fnvOffset))
    let mask = slots.count - 1
    var slot = Int(hash & UInt64(mask))
    while slots[slot] >= 0 {
      let id = Int(slots[slot])
      let start = offsets[id]
      let end = offsets[id + 1]
      if end - start == prefix.count + word.count, bytes[start..<start + prefix.count].elementsEqual(prefix),
        bytes[start + prefix.count..<end].elementsEqual(word)
      {
        return id
      }
      slot = (slot + 1) & mask
    }
    return nil
  }

  private static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325

  /// FNV-1a over `bytes`, continuing from `seed`, so hash(a + b) = hash(b, seed: hash(a)).
  private static func hash<C: Collection>(_ bytes: C, seed: UInt64) -> UInt64 where C.Element == UInt8 {
    var hash = seed
    for byte in bytes {
      hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }
    return hash
  }
}
