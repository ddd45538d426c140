// The character classes of BERT's text normalizer and pre-tokenizer, as Hugging Face's fast
// tokenizer (the `tokenizers` crate, `normalizers/bert.rs` and `pre_tokenizers/bert.rs`) applies them.
// The Python `BasicTokenizer` (transformers `models/bert/tokenization_bert.py`) agrees on every
// character Unicode 8.0 assigned; where they differ we follow the fast tokenizer, the one our golden
// token ids come from:
// - control, punctuation and nonspacing-mark tests use category tables of Unicode 8.0 (the
//   `unicode_categories` crate): a character assigned later is none of the three (U+2E43, a Po of
//   Unicode 9.0, is not split off; U+0B55, an Mn of Unicode 13.0, is not stripped);
// - "control" is Cc, Cf, Co or Cs but not tab, newline or carriage return; unassigned (Cn) is kept;
// - whitespace is the Unicode White_Space property plus tab, newline, carriage return;
// - CJK ideographs are the fixed code point blocks below (the crate has 0x2B920, not 0x2B820, as the
//   start of one block, so U+2B820..U+2B91F are not split off).

/// Character predicates of the BERT normalizer and pre-tokenizer. All are O(1).
public enum BertCharacters {
  /// Removed by text cleaning: a control or format character other than `\t`, `\n`, `\r`.
  public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    if value < 0x80 { return (value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D) || value == 0x7F }
    switch unicode8Category(scalar) {
    case .control, .format, .privateUse, .surrogate: return true
    default: return false
    }
  }

  /// Turned into a space by text cleaning and a word boundary for the pre-tokenizer.
  public static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    if value < 0x80 { return value == 0x20 || (value >= 0x09 && value <= 0x0D) }
    return scalar.properties.isWhitespace
  }

  /// Split off as a word of its own: ASCII punctuation (`!`..`/`, `:`..`@`, `[`..`` ` ``, `{`..`~`,
  /// which includes `$ + < = > ^ ` | ~`) or a Unicode P* character.
  public static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    if value < 0x80 {
      return (value >= 33 && value <= 47) || (value >= 58 && value <= 64) || (value >= 91 && value <= 96)
        || (value >= 123 && value <= 126)
    }
    switch unicode8Category(scalar) {
    case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
      .finalPunctuation, .otherPunctuation:
      return true
    default: return false
    }
  }

  /// Dropped by accent stripping (after canonical decomposition): a nonspacing mark (Mn).
  public static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value >= 0x300 && unicode8Category(scalar) == .nonspacingMark
  }

  /// A CJK ideograph, which becomes a word of its own.
  public static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
      0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
      return true
    default: return false
    }
  }

  /// The general category when Unicode 8.0 had assigned the character, else nil.
  static func unicode8Category(_ scalar: Unicode.Scalar) -> Unicode.GeneralCategory? {
    let properties = scalar.properties
    guard let age = properties.age, age.major < 8 || (age.major == 8 && age.minor == 0) else { return nil }
    return properties.generalCategory
  }
}
