import Foundation

// BERT's text normalizer for uncased models (Hugging Face `BertNormalizer` with clean_text,
// handle_chinese_chars, strip_accents and lowercase all on), in the fast tokenizer's order:
//   1. clean: drop NUL, U+FFFD and control characters, turn every whitespace character into a space;
//   2. put a space on each side of every CJK ideograph;
//   3. strip accents: canonical decomposition (NFD), then drop nonspacing marks (Mn);
//   4. lowercase each character with its full Unicode mapping (no context: a final capital sigma
//      becomes σ, not ς, as in the fast tokenizer).
// Character classes are in `BertCharacters`. ASCII text skips the decomposition, which cannot change it.

/// The BERT uncased normalizer. Linear in the length of the text.
public enum BertNormalizer {
  /// Appends the normalized characters of `text` to `output`.
  public static func normalize(_ text: Substring, into output: inout [Unicode.Scalar]) {
    var cleaned: [Unicode.Scalar] = []
    cleaned.reserveCapacity(text.utf8.count)
    var isASCII = true
    for scalar in text.unicodeScalars {
      let value = scalar.value
      if value < 0x80 {
        if BertCharacters.isControl(scalar) { continue }
        if BertCharacters.isWhitespace(scalar) {
          cleaned.append(" ")
        } else if value >= 0x41 && value <= 0x5A {
          // Lowercasing ASCII before the decomposition gives the same result as after it.
          cleaned.append(Unicode.Scalar(UInt8(value + 0x20)))
        } else {
          cleaned.append(scalar)
        }
        continue
      }
      isASCII = false
      if value == 0xFFFD || BertCharacters.isControl(scalar) { continue }
      if BertCharacters.isWhitespace(scalar) {
        cleaned.append(" ")
      } else if BertCharacters.isCJK(scalar) {
        cleaned.append(" ")
        cleaned.append(scalar)
        cleaned.append(" ")
      } else {
        cleaned.append(scalar)
      }
    }
    if isASCII {
      output.append(contentsOf: cleaned)
      return
    }
    var view = String.UnicodeScalarView()
    view.append(contentsOf: cleaned)
    let decomposed = String(view).decomposedStringWithCanonicalMapping
    for scalar in decomposed.unicodeScalars {
      let value = scalar.value
      if value < 0x80 {
        // NFD can yield an uppercase ASCII letter (É -> E + U+0301).
        output.append(value >= 0x41 && value <= 0x5A ? Unicode.Scalar(UInt8(value + 0x20)) : scalar)
      } else if BertCharacters.isNonspacingMark(scalar) {
        continue
      } else if scalar.properties.changesWhenLowercased {
        output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
      } else {
        output.append(scalar)
      }
    }
  }

  /// The normalized text, for inspection and tests.
  public static func normalize(_ text: String) -> String {
    var scalars: [Unicode.Scalar] = []
    normalize(text[...], into: &scalars)
    var view = String.UnicodeScalarView()
    view.append(contentsOf: scalars)
    return String(view)
  }
}
