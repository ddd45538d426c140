// A batch of token sequences packed row after row, without padding: sequence i holds rows
// offsets[i] ..< offsets[i] + lengths[i] of every [N, H] activation (N = the total token count).
// Dense layers then run over the N real rows only, and attention runs per sequence over its own
// tokens, which is what a padded batch with a key padding mask computes for the real tokens
// (Hugging Face's BertModel), minus the work on padding. `pad`/`unpad` convert to and from the
// padded [B, T, H] layout consumers see.
import Numerics

/// Token id sequences packed for the encoder.
public struct TokenBatch: Sendable {
  /// The ids of all sequences, one after another ([N]).
  public let ids: [Int32]
  /// Tokens per sequence ([B]).
  public let lengths: [Int]
  /// First row of each sequence ([B]).
  public let offsets: [Int]
  /// The longest sequence: T of the padded layout.
  public let maxLength: Int

  /// Packs `sequences` in order. O(N).
  public init(_ sequences: [[Int32]]) {
    var ids: [Int32] = []
    ids.reserveCapacity(sequences.reduce(0) { $0 + $1.count })
    var offsets: [Int] = []
    offsets.reserveCapacity(sequences.count)
    for sequence in sequences {
      offsets.append(ids.count)
      ids.append(contentsOf: sequence)
    }
    self.ids = ids
    self.offsets = offsets
    lengths = sequences.map(\.count)
    maxLength = lengths.max() ?? 0
  }

  /// Number of sequences, B.
  public var count: Int { lengths.count }
  /// Number of tokens, N.
  public var rows: Int { ids.count }

  /// The padding mask [B, T]: 1 for a token, 0 for padding.
  public func mask<T: Scalar>(into mask: UnsafeMutablePointer<T>) {
    for (s, length) in lengths.enumerated() {
      let row = mask + s * maxLength
      for t in 0..<maxLength { row[t] = t < length ? 1 : 0 }
    }
  }

  /// Packed [N, width] rows to the padded [B, T, width] layout, zeros at padded positions.
  public func pad<T: Scalar>(_ packed: UnsafePointer<T>, width: Int, into padded: UnsafeMutablePointer<T>) {
    for s in 0..<count {
      let target = padded + s * maxLength * width
      let real = lengths[s] * width
      target.update(from: packed + offsets[s] * width, count: real)
      (target + real).update(repeating: 0, count: (maxLength - lengths[s]) * width)
    }
  }

  /// The real rows of a padded [B, T, width] tensor, packed to [N, width]; padded positions are ignored.
  public func unpad<T: Scalar>(_ padded: UnsafePointer<T>, width: Int, into packed: UnsafeMutablePointer<T>) {
    for s in 0..<count {
      (packed + offsets[s] * width).update(from: padded + s * maxLength * width, count: lengths[s] * width)
    }
  }
}
