// Model outputs on one split beside its labels (reference cff5b35 `mmolre/evaluation/scoring.py`,
// `Predictions`). Missing labels are NaN: a NaN sentiment, or a NaN anywhere in a sample's six emotion
// intensities, leaves that sample out of that task's metrics (see `Predictions+Scoring.swift`).

/// Predictions and labels of one split, N samples.
public struct Predictions: Sendable, Equatable {
  /// One id per sample.
  public var ids: [String]
  /// Dataset name per sample (`mosi`, `mosei`, ...), for per-dataset metrics.
  public var sources: [String]
  /// True sentiment, N values; NaN where a sample has no sentiment label.
  public var sentimentTrue: [Double]
  /// True emotion intensities, `N x 6` row-major in `MetricKeys.emotions` order; a row with a NaN
  /// means the sample has no emotion labels.
  public var emotionTrue: [Double]
  /// Predicted sentiment, N values; nil when the model has no SA head.
  public var sentimentPred: [Double]?
  /// Predicted emotion presence probabilities, `N x 6` row-major; nil when the model has no ER head.
  public var emotionProb: [Double]?

  /// - Throws: `MetricsError` when the arrays do not all describe the same N samples.
  public init(
    ids: [String], sources: [String], sentimentTrue: [Double], emotionTrue: [Double],
    sentimentPred: [Double]? = nil, emotionProb: [Double]? = nil
  ) throws(MetricsError) {
    let n = ids.count
    let k = MetricKeys.emotions.count
    var sizes = [("sources", sources.count), ("sentimentTrue", sentimentTrue.count)]
    sizes.append(("emotionTrue", emotionTrue.count / k))
    if let sentimentPred { sizes.append(("sentimentPred", sentimentPred.count)) }
    if let emotionProb { sizes.append(("emotionProb", emotionProb.count / k)) }
    for (name, size) in sizes where size != n {
      throw MetricsError("Predictions: \(name) has \(size) samples but there are \(n) ids")
    }
    for (name, array) in [("emotionTrue", emotionTrue), ("emotionProb", emotionProb ?? [])]
    where array.count % k != 0 {
      throw MetricsError("Predictions: \(name) has \(array.count) values, not rows of \(k)")
    }
    self.ids = ids
    self.sources = sources
    self.sentimentTrue = sentimentTrue
    self.emotionTrue = emotionTrue
    self.sentimentPred = sentimentPred
    self.emotionProb = emotionProb
  }

  /// N.
  public var count: Int { ids.count }

  /// The samples at `indices`, in that order.
  public func subset(_ indices: [Int]) -> Predictions {
    let k = MetricKeys.emotions.count
    func rows(_ values: [Double]) -> [Double] { indices.flatMap { values[($0 * k)..<($0 * k + k)] } }
    // The arrays stay consistent, so the throwing initializer is not needed.
    var out = self
    out.ids = indices.map { ids[$0] }
    out.sources = indices.map { sources[$0] }
    out.sentimentTrue = indices.map { sentimentTrue[$0] }
    out.emotionTrue = rows(emotionTrue)
    out.sentimentPred = sentimentPred.map { p in indices.map { p[$0] } }
    out.emotionProb = emotionProb.map(rows)
    return out
  }

  /// Indices of samples with a sentiment label.
  public var sentimentLabeled: [Int] { (0..<count).filter { !sentimentTrue[$0].isNaN } }

  /// Indices of samples whose emotion row has no NaN.
  public var emotionLabeled: [Int] {
    let k = MetricKeys.emotions.count
    return (0..<count).filter { i in !emotionTrue[(i * k)..<(i * k + k)].contains(where: \.isNaN) }
  }

  /// True presence (intensity > 0) of the emotion-labelled samples, `M x 6`, and their probabilities.
  func emotionTask() -> (probabilities: [Double], presence: [Bool])? {
    guard let emotionProb else { return nil }
    let labeled = emotionLabeled
    guard !labeled.isEmpty else { return nil }
    let k = MetricKeys.emotions.count
    let probabilities = labeled.flatMap { emotionProb[($0 * k)..<($0 * k + k)] }
    let presence = labeled.flatMap { emotionTrue[($0 * k)..<($0 * k + k)].map { $0 > 0 } }
    return (probabilities, presence)
  }
}
