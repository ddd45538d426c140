// The names of every metric this module reports, in the order tables and JSON list them, and which
// of them are "lower is better" (DESIGN section 5; reference `mmolre.evaluation.metrics`, cff5b35:
// `MSA_KEYS`, `MER_KEYS`, `LOWER_IS_BETTER`).

/// Metric names and their canonical order.
public enum MetricKeys {
  /// The six MOSEI emotions in the order every `[N, 6]` emotion array uses.
  public static let emotions = ["happy", "sad", "anger", "surprise", "disgust", "fear"]

  /// Sentiment (MSA) metrics in MMSA's order.
  public static let msa = [
    "Has0_acc_2", "Has0_F1_score", "Non0_acc_2", "Non0_F1_score", "Mult_acc_5", "Mult_acc_7", "MAE", "Corr",
  ]

  /// Emotion (MER) metrics for the six emotions: `<emo>_WA`, `<emo>_F1`, `<emo>_AUC` per emotion, then
  /// `mean_WA`, `mean_F1`, `mean_AUC`, `micro_F1`.
  public static let mer = mer(emotions: emotions)

  /// MER metric names for any list of emotion names, in the order of `mer`.
  public static func mer(emotions: [String]) -> [String] {
    emotions.flatMap { e in ["\(e)_WA", "\(e)_F1", "\(e)_AUC"] } + ["mean_WA", "mean_F1", "mean_AUC", "micro_F1"]
  }

  /// Metrics where a smaller value is better; every other key is "higher is better". Keys ending in
  /// `loss` are lower-is-better too (see `isLowerBetter`).
  public static let lowerIsBetter: Set<String> = ["MAE"]

  /// Whether a smaller value of `key` is better: `MAE` and any key ending in `loss`, also behind a
  /// `"<dataset>/"` prefix (`mosi/MAE`).
  public static func isLowerBetter(_ key: String) -> Bool {
    let base = key.split(separator: "/").last.map(String.init) ?? key
    return lowerIsBetter.contains(base) || base.hasSuffix("loss")
  }

  /// `keys` in canonical order: unprefixed keys first (MSA, then MER, then the rest sorted), then each
  /// `"<dataset>/"` group in dataset order, ordered the same way inside.
  public static func canonicalOrder(_ keys: some Sequence<String>) -> [String] {
    let known = msa + mer
    let rank = Dictionary(uniqueKeysWithValues: known.enumerated().map { ($1, $0) })
    func split(_ key: String) -> (prefix: String, base: String) {
      guard let slash = key.lastIndex(of: "/") else { return ("", key) }
      return (String(key[..<slash]), String(key[key.index(after: slash)...]))
    }
    return keys.sorted { a, b in
      let (pa, ba) = split(a)
      let (pb, bb) = split(b)
      if pa != pb { return codePointLess(pa, pb) }
      let ra = rank[ba] ?? known.count
      let rb = rank[bb] ?? known.count
      if ra != rb { return ra < rb }
      return codePointLess(ba, bb)
    }
  }
}

/// String order by Unicode code points, as Python's `sorted` orders dataset names.
func codePointLess(_ a: String, _ b: String) -> Bool {
  a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
}
