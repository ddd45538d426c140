// Pseudo emotion labels the UniMSE way (Hu et al., "UniMSE: Towards Unified Multimodal Sentiment
// Analysis and Emotion Recognition", EMNLP 2022, arXiv 2211.11256; the reference's cff5b35
// `data/pseudo_label.py`): every MSA utterance gets the emotion of its most similar ERC utterance of
// the same sentiment polarity. Similarity is the cosine of L2-normalised sentence embeddings, i.e.
// their dot product; polarity is the sign of the sentiment (> 0 positive, < 0 negative, else neutral).
// The scores of a block of queries against the reference rows of one polarity are one GEMM
// (Q R^T); the best row is the first maximum, so ties go to the lowest reference index.
import Data
import Numerics

/// One labelled utterance.
public struct PseudoLabel: Sendable, Equatable {
  public var id: String
  public var mode: String
  public var text: String
  public var sentiment: Double
  public var polarity: String
  /// The nearest reference utterance's MELD class, "" when the reference has no utterance of this
  /// polarity.
  public var pseudoEmotion: String
  /// Its MOSEI emotion, "" for neutral (no emotion) or none.
  public var moseiEmotion: String
  /// Cosine similarity to that utterance; NaN when there is none.
  public var similarity: Double
  public var referenceText: String

  public init(
    id: String, mode: String, text: String, sentiment: Double, polarity: String, pseudoEmotion: String,
    moseiEmotion: String, similarity: Double, referenceText: String
  ) {
    self.id = id
    self.mode = mode
    self.text = text
    self.sentiment = sentiment
    self.polarity = polarity
    self.pseudoEmotion = pseudoEmotion
    self.moseiEmotion = moseiEmotion
    self.similarity = similarity
    self.referenceText = referenceText
  }
}

public enum PseudoLabeler {
  /// `negative`, `neutral` or `positive` by the sign of `sentiment` (NaN is neutral).
  public static func polarity(_ sentiment: Double) -> String {
    sentiment > 0 ? "positive" : sentiment < 0 ? "negative" : "neutral"
  }

  /// For each query row, the index of the reference row of the same polarity with the largest dot
  /// product, and that product; nil where the reference has no row of that polarity.
  ///
  /// - Parameters:
  ///   - query: `[Q, dim]` row-major, L2-normalised rows.
  ///   - reference: `[R, dim]` row-major, L2-normalised rows.
  /// - Complexity: O(Q R dim) in GEMMs of at most `block` x R.
  public static func nearestSamePolarity(
    query: [Float], queryPolarity: [String], reference: [Float], referencePolarity: [String], dim: Int,
    block: Int = 4096
  ) -> [(index: Int, similarity: Double)?] {
    precondition(query.count == queryPolarity.count * dim && reference.count == referencePolarity.count * dim)
    var out = [(index: Int, similarity: Double)?](repeating: nil, count: queryPolarity.count)
    for polarity in Set(queryPolarity).sorted() {
      let rows = queryPolarity.indices.filter { queryPolarity[$0] == polarity }
      let candidates = referencePolarity.indices.filter { referencePolarity[$0] == polarity }
      guard !candidates.isEmpty else { continue }
      let refs = gather(reference, rows: candidates, dim: dim)
      var scores = [Float](repeating: 0, count: min(block, rows.count) * candidates.count)
      for start in stride(from: 0, to: rows.count, by: block) {
        let part = Array(rows[start..<min(start + block, rows.count)])
        let q = gather(query, rows: part, dim: dim)
        gemm(transB: true, m: part.count, n: candidates.count, k: dim, q, refs, &scores)
        for (i, row) in part.enumerated() {
          var best = 0
          for j in 1..<candidates.count where scores[i * candidates.count + j] > scores[i * candidates.count + best] {
            best = j
          }
          out[row] = (candidates[best], Double(scores[i * candidates.count + best]))
        }
      }
    }
    return out
  }

  /// The rows `rows` of a `[N, dim]` matrix, stacked.
  static func gather(_ matrix: [Float], rows: [Int], dim: Int) -> [Float] {
    var out: [Float] = []
    out.reserveCapacity(rows.count * dim)
    for r in rows { out.append(contentsOf: matrix[(r * dim)..<((r + 1) * dim)]) }
    return out
  }

  /// One pseudo label per utterance.
  /// - Parameters:
  ///   - table: the utterances (ids, modes, transcripts, sentiment), in the order of `queryEmbeddings`.
  ///   - queryEmbeddings, referenceEmbeddings: `[N, dim]` L2-normalised sentence embeddings.
  public static func label(
    table: LabelTable, queryEmbeddings: [Float], reference: ERCReference, referenceEmbeddings: [Float], dim: Int
  ) -> [PseudoLabel] {
    let polarities = table.rows.map { polarity($0.label) }
    let nearest = nearestSamePolarity(
      query: queryEmbeddings, queryPolarity: polarities, reference: referenceEmbeddings,
      referencePolarity: reference.polarities, dim: dim)
    return table.rows.indices.map { i in
      let row = table.rows[i]
      let match = nearest[i]
      let meld = match.map { reference.emotions[$0.index] } ?? ""
      return PseudoLabel(
        id: row.id, mode: row.mode, text: row.text, sentiment: row.label, polarity: polarities[i], pseudoEmotion: meld,
        moseiEmotion: (ERCReference.moseiEmotion[meld] ?? nil) ?? "", similarity: match?.similarity ?? .nan,
        referenceText: match.map { reference.texts[$0.index] } ?? "")
    }
  }

  /// The labels as CSV: id, mode, text, sentiment, polarity, pseudo_emotion, mosei_emotion, similarity,
  /// reference_text (the reference's columns; numbers with 6 significant digits).
  public static func csv(_ labels: [PseudoLabel]) -> String {
    func field(_ s: String) -> String {
      s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
        ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
    func number(_ x: Double) -> String { x.isNaN ? "" : String(format: "%.6g", x) }
    var out = "id,mode,text,sentiment,polarity,pseudo_emotion,mosei_emotion,similarity,reference_text\n"
    for l in labels {
      let fields = [
        field(l.id), l.mode, field(l.text), number(l.sentiment), l.polarity, l.pseudoEmotion, l.moseiEmotion,
        number(l.similarity), field(l.referenceText),
      ]
      out += fields.joined(separator: ",") + "\n"
    }
    return out
  }
}
