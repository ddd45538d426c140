// Counts of a binary decision against binary truth, and the scores built on them:
//   weighted accuracy WA = (TP * N / P + TN) / (2 N)  (the mean of the two class recalls),
//   sklearn's support-weighted F1 (`f1_score(average="weighted", zero_division=0)`),
//   micro F1 = 2 TP / (2 TP + FP + FN).
// Reference: cff5b35 `mmolre/evaluation/metrics.py` (`_weighted_accuracy`, `_weighted_f1`).

/// True/false positives and negatives of one binary decision; counts add up over several decisions.
public struct ConfusionCounts: Sendable, Equatable {
  public var truePositives = 0
  public var falsePositives = 0
  public var falseNegatives = 0
  public var trueNegatives = 0

  public init() {}

  /// Counts `decisions` against `truth` pairwise. O(n).
  /// - Precondition: both have the same count.
  public init(truth: some Sequence<Bool>, decisions: some Sequence<Bool>) {
    for (t, d) in zip(truth, decisions) { add(truth: t, decision: d) }
  }

  public mutating func add(truth: Bool, decision: Bool) {
    switch (truth, decision) {
    case (true, true): truePositives += 1
    case (false, true): falsePositives += 1
    case (true, false): falseNegatives += 1
    case (false, false): trueNegatives += 1
    }
  }

  public static func + (a: ConfusionCounts, b: ConfusionCounts) -> ConfusionCounts {
    var sum = a
    sum.truePositives += b.truePositives
    sum.falsePositives += b.falsePositives
    sum.falseNegatives += b.falseNegatives
    sum.trueNegatives += b.trueNegatives
    return sum
  }

  /// P: samples whose truth is positive.
  public var positives: Int { truePositives + falseNegatives }
  /// N: samples whose truth is negative.
  public var negatives: Int { trueNegatives + falsePositives }
  public var total: Int { positives + negatives }

  /// Fraction of decisions equal to the truth; NaN when there are no samples.
  public var accuracy: Double {
    total == 0 ? .nan : Double(truePositives + trueNegatives) / Double(total)
  }

  /// WA = (TP * N / P + TN) / (2 N). With one class only it is the accuracy on that class (TN / N
  /// without positives, TP / P without negatives), as the reference does; NaN with no samples.
  public var weightedAccuracy: Double {
    let p = positives
    let n = negatives
    if p == 0 && n == 0 { return .nan }
    if p == 0 { return Double(trueNegatives) / Double(n) }
    if n == 0 { return Double(truePositives) / Double(p) }
    // Same operation order as the reference, so results agree to the last bit.
    return (Double(truePositives * n) / Double(p) + Double(trueNegatives)) / Double(2 * n)
  }

  /// F1 of the positive class, 2 TP / (2 TP + FP + FN); 0 when that is 0 / 0 (sklearn's
  /// `zero_division=0`). This is also the micro F1 of counts summed over several labels.
  public var positiveF1: Double {
    Self.f1(truePositives: truePositives, falsePositives: falsePositives, falseNegatives: falseNegatives)
  }

  /// sklearn's `f1_score(truth, decisions, average="weighted", zero_division=0)`: the F1 of each class
  /// that occurs in the truth or the decisions, weighted by its support in the truth. A class that
  /// never occurs in the truth has weight 0; its undefined precision or recall counts as 0. NaN when
  /// there are no samples.
  public var weightedF1: Double {
    guard total > 0 else { return .nan }
    // Class "true": the counts as they are; class "false": the same counts with roles swapped.
    let f1True = positiveF1
    let f1False = Self.f1(
      truePositives: trueNegatives, falsePositives: falseNegatives, falseNegatives: falsePositives)
    return (f1True * Double(positives) + f1False * Double(negatives)) / Double(total)
  }

  static func f1(truePositives tp: Int, falsePositives fp: Int, falseNegatives fn: Int) -> Double {
    let denominator = 2 * tp + fp + fn
    return denominator == 0 ? 0 : Double(2 * tp) / Double(denominator)
  }
}
