// numpy dtypes as pickles spell them: `numpy.dtype("f4", False, True)` then a BUILD with the state
// `(3, byteorder, subdescr, names, fields, elsize, alignment, flags)`. Only plain dtypes are
// admitted: floats, integers, bools, objects and fixed-width str/bytes; structured, datetime and
// void dtypes are refused by name.

/// A plain numpy element type.
public struct NumpyDType: Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    /// `f2`, `f4`, `f8`
    case float
    /// `i1` ... `i8`
    case signed
    /// `u1` ... `u8`
    case unsigned
    /// `b1`
    case bool
    /// `O`: Python objects, pickled as a list
    case object
    /// `U<n>`: UTF-32 text, `n` characters
    case unicode
    /// `S<n>`: bytes
    case bytes
  }

  public var kind: Kind
  /// Bytes per element (4 per character for `U`).
  public var itemSize: Int
  /// Byte order of the raw data (`>` in the pickle); single-byte and object types are little.
  public var bigEndian: Bool

  public init(kind: Kind, itemSize: Int, bigEndian: Bool = false) {
    self.kind = kind
    self.itemSize = itemSize
    self.bigEndian = bigEndian
  }

  /// Parses the spec string numpy writes (`f4`, `<i8`, `O8`, `U5`, `S3`, `b1`).
  /// - Throws: a message naming the spec when it is not a plain type.
  public init(spec: String) throws(PickleError) {
    var text = Substring(spec)
    var big = false
    if let first = text.first, "<>=|".contains(first) {
      big = first == ">"
      text = text.dropFirst()
    }
    guard let code = text.first else { throw PickleError("empty numpy dtype spec") }
    let digits = text.dropFirst()
    let size = digits.isEmpty ? nil : Int(digits).flatMap { $0 < 1 << 28 ? $0 : nil }
    switch (code, size) {
    case ("f", 2), ("f", 4), ("f", 8): self.init(kind: .float, itemSize: size!, bigEndian: big)
    case ("i", 1), ("i", 2), ("i", 4), ("i", 8): self.init(kind: .signed, itemSize: size!, bigEndian: big)
    case ("u", 1), ("u", 2), ("u", 4), ("u", 8): self.init(kind: .unsigned, itemSize: size!, bigEndian: big)
    case ("b", 1), ("?", nil): self.init(kind: .bool, itemSize: 1)
    case ("O", _): self.init(kind: .object, itemSize: 8)
    case ("U", let n?) where n >= 0: self.init(kind: .unicode, itemSize: 4 * n, bigEndian: big)
    case ("S", let n?) where n >= 0: self.init(kind: .bytes, itemSize: n)
    default: throw PickleError("numpy dtype \(spec) is not a plain number, bool, object or string type")
    }
  }

  /// Whether elements are numbers (float, integer or bool).
  public var isNumeric: Bool { kind == .float || kind == .signed || kind == .unsigned || kind == .bool }

  /// numpy's spelling, for messages (`<f4`, `|O`).
  public var spec: String {
    switch kind {
    case .float: return (bigEndian ? ">" : "<") + "f\(itemSize)"
    case .signed: return (bigEndian ? ">" : "<") + "i\(itemSize)"
    case .unsigned: return (bigEndian ? ">" : "<") + "u\(itemSize)"
    case .bool: return "|b1"
    case .object: return "|O"
    case .unicode: return (bigEndian ? ">" : "<") + "U\(itemSize / 4)"
    case .bytes: return "|S\(itemSize)"
    }
  }
}
