import Foundation

/// The learning-rate multiplier per optimizer step: a linear warmup, then constant, linear decay or
/// cosine decay to 0 at the last step (the reference used Hugging Face's `get_scheduler` with
/// `constant_with_warmup`, `linear` and `cosine`; these are the same formulas, step `s` counting the
/// steps already taken, so the first step of a warmup runs at multiplier 0).
public struct LearningRateSchedule: Sendable, Hashable {
  public enum Kind: String, Sendable, CaseIterable {
    case constant, linear, cosine
  }
  public var kind: Kind
  public var warmupSteps: Int
  public var totalSteps: Int

  public init(kind: Kind, warmupSteps: Int, totalSteps: Int) {
    self.kind = kind
    self.warmupSteps = warmupSteps
    self.totalSteps = max(totalSteps, 1)
  }

  /// Multiplier for the step that follows `step` completed steps.
  public func multiplier(afterSteps step: Int) -> Double {
    if step < warmupSteps { return Double(step) / Double(max(1, warmupSteps)) }
    switch kind {
    case .constant:
      return 1
    case .linear:
      return max(0, Double(totalSteps - step) / Double(max(1, totalSteps - warmupSteps)))
    case .cosine:
      let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
      return max(0, 0.5 * (1 + cos(Double.pi * progress)))
    }
  }
}
