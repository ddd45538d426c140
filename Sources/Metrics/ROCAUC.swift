// Area under the ROC curve of scores against binary truth, with tied scores counted as half a win:
//   AUC = (sum of the mid-ranks of the positives - P (P + 1) / 2) / (P N)
// (the Mann-Whitney U statistic over P N). This equals the trapezoidal area under the ROC curve with
// tied scores forming one threshold, which is what sklearn's `roc_auc_score` computes.

/// ROC AUC of `scores` for `truth`, ties counting one half. O(n log n).
///
/// Returns nil when the truth has only one class (the AUC is undefined; the MER metrics then report
/// 0.5 as the reference does).
/// - Precondition: `scores.count == truth.count`; scores are not NaN.
public func rocAUC(scores: [Double], truth: [Bool]) -> Double? {
  precondition(scores.count == truth.count, "rocAUC: \(scores.count) scores but \(truth.count) labels")
  let positives = truth.reduce(0) { $0 + ($1 ? 1 : 0) }
  let negatives = truth.count - positives
  guard positives > 0, negatives > 0 else { return nil }
  let order = scores.indices.sorted { scores[$0] < scores[$1] }
  // Mid-ranks are multiples of 1/2, so this sum is exact in Double for any realistic n.
  var positiveRankSum = 0.0
  var start = 0
  while start < order.count {
    var end = start
    var positivesInTie = 0
    while end < order.count, scores[order[end]] == scores[order[start]] {
      if truth[order[end]] { positivesInTie += 1 }
      end += 1
    }
    let midRank = Double(start + 1 + end) / 2  // ranks start + 1 ... end, 1-based
    positiveRankSum += midRank * Double(positivesInTie)
    start = end
  }
  let p = Double(positives)
  let u = positiveRankSum - p * (p + 1) / 2
  return u / (p * Double(negatives))
}
