// Utterances of an emotion-recognition-in-conversation corpus (MELD's `*_sent_emo.csv`: columns
// Utterance, Emotion, Sentiment), the reference side of UniMSE-style pseudo labels (the reference's
// cff5b35 `data/pseudo_label.py`, `read_reference`). MELD has seven classes; they map to MOSEI's six
// emotions the way UniMSE's universal labels imply: joy -> happy, sadness -> sad, anger, surprise,
// disgust and fear to themselves, neutral -> no emotion.
import Foundation

/// ERC utterances with their emotion class and sentiment polarity.
public struct ERCReference: Sendable {
  /// MELD's seven emotion classes.
  public static let emotions = ["neutral", "joy", "surprise", "anger", "sadness", "disgust", "fear"]
  /// MELD class -> MOSEI emotion (`MultimodalDataset.emotions`); nil for neutral (no emotion).
  public static let moseiEmotion: [String: String?] = [
    "neutral": nil, "joy": "happy", "sadness": "sad", "anger": "anger", "surprise": "surprise", "disgust": "disgust",
    "fear": "fear",
  ]
  /// Sentiment polarities, as MELD spells them.
  public static let polarities = ["negative", "neutral", "positive"]

  /// Transcripts (surrounding whitespace removed; empty ones are left out), their lower-case emotion
  /// class and polarity, in file order.
  public var texts: [String]
  public var emotions: [String]
  public var polarities: [String]

  public init(texts: [String], emotions: [String], polarities: [String]) {
    precondition(texts.count == emotions.count && texts.count == polarities.count, "one emotion and polarity per text")
    self.texts = texts
    self.emotions = emotions
    self.polarities = polarities
  }

  public var count: Int { texts.count }

  /// Reads and concatenates MELD CSV files, or any CSV with `text`, `emotion` and `sentiment` columns
  /// (sentiment as positive/neutral/negative); column names are matched case-insensitively.
  /// - Throws: `DataError` naming the file when a column is missing or an emotion or sentiment value
  ///   is not one of MELD's, or when no path is given.
  public static func load(paths: [String]) throws -> ERCReference {
    guard !paths.isEmpty else { throw DataError("pseudo labels: at least one reference (ERC) table is needed") }
    var out = ERCReference(texts: [], emotions: [], polarities: [])
    for path in paths {
      let csv = try CSVTable(contentsOf: path)
      let lower = csv.header.map { $0.lowercased() }
      guard let text = lower.firstIndex(of: "utterance") ?? lower.firstIndex(of: "text"),
        let emotion = lower.firstIndex(of: "emotion"), let sentiment = lower.firstIndex(of: "sentiment")
      else {
        throw DataError(
          "\(path): expected MELD columns Utterance, Emotion, Sentiment (or text, emotion, sentiment); has "
            + csv.header.joined(separator: ", "))
      }
      let trim = { (s: String) in s.trimmingCharacters(in: .whitespacesAndNewlines) }
      let rows = csv.rows.map { (trim($0[text]), trim($0[emotion]).lowercased(), trim($0[sentiment]).lowercased()) }
      let badEmotions = Set(rows.map(\.1)).subtracting(emotions).sorted()
      if !badEmotions.isEmpty {
        throw DataError(
          "\(path): unknown emotion classes \(badEmotions.joined(separator: ", ")); expected "
            + emotions.joined(separator: ", "))
      }
      let badPolarities = Set(rows.map(\.2)).subtracting(polarities).sorted()
      if !badPolarities.isEmpty {
        throw DataError(
          "\(path): unknown sentiment values \(badPolarities.joined(separator: ", ")); expected "
            + polarities.joined(separator: ", "))
      }
      for (t, e, p) in rows where !t.isEmpty {
        out.texts.append(t)
        out.emotions.append(e)
        out.polarities.append(p)
      }
    }
    return out
  }
}
