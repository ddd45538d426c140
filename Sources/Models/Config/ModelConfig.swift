import Foundation

/// Every architectural choice of MMoLRE and its hard-sharing variant (the reference's `ModelConfig`;
/// names are the reference's in camelCase). The Training module reads it from JSON (`model.*` keys)
/// and checks it with `validate()`.
public struct ModelConfig: Sendable, Hashable {
  public enum Architecture: String, Sendable, CaseIterable {
    case mmolre, hardSharing = "hard_sharing", mmoe, ple, lateFusion = "late_fusion"
  }
  public enum Activation: String, Sendable, CaseIterable { case none, relu, gelu }
  public enum Gating: String, Sendable, CaseIterable { case dense, topk, uniform }
  public enum Fusion: String, Sendable, CaseIterable { case gated, concat }

  public var architecture: Architecture = .mmolre
  /// Tasks in head order: `SA` (sentiment regression) and/or `ER` (six emotion presences).
  public var tasks: [String] = ["SA", "ER"]
  public var modalities: [String] = ["text", "audio"]
  public var dModel = 64
  public var dropout = 0.1
  public var nBlocks = 2
  /// One UniTSE for all modalities instead of one each.
  public var shareUnitse = false
  public var nExperts = 4
  /// Rank per shared expert; nil spreads ranks geometrically from `rankMin` to `rankMax`.
  public var expertRanks: [Int]? = nil
  public var rankMin = 16
  public var rankMax = 128
  public var taskRank = 32
  /// Every expert has rank `dModel` (the full-rank ablation).
  public var fullRankExperts = false
  public var sharedExperts = true
  public var taskExpert = true
  public var expertActivation: Activation = .none
  public var gating: Gating = .dense
  public var topK = 2
  /// Noisy top-k gating at train time.
  public var gateNoise = true
  public var residual = true
  public var layerNorm = true
  public var fusion: Fusion = .gated
  public var fusionHeads = 4
  /// Also regress emotion intensities (not yet ported; asking for it is a config error).
  public var erIntensity = false

  public init() {}

  public static let knownTasks = ["SA", "ER"]
  public static let knownModalities = ["text", "audio", "vision"]

  /// Rank of each shared expert: explicit, full (`dModel`), or a geometric spread, e.g. 16, 32, 64,
  /// 128 for four experts (reference: `ModelConfig.shared_ranks`, Python's round-half-even).
  public func sharedRanks() -> [Int] {
    if fullRankExperts { return Array(repeating: dModel, count: nExperts) }
    if let expertRanks { return expertRanks }
    let lo = Double(min(rankMin, dModel))
    let hi = Double(min(rankMax, dModel))
    if nExperts == 1 { return [Int(lo)] }
    return (0..<nExperts).map { i in
      let value = lo * Foundation.pow(hi / lo, Double(i) / Double(nExperts - 1))
      return max(1, Int(value.rounded(.toNearestOrEven)))
    }
  }

  public var taskExpertRank: Int { fullRankExperts ? dModel : min(taskRank, dModel) }

  /// Stream names: one per task, or one `shared` stream for hard parameter sharing.
  public var streamNames: [String] { architecture == .hardSharing ? ["shared"] : tasks }

  /// The stream a task's head reads.
  public func stream(of task: String) -> String { architecture == .hardSharing ? "shared" : task }

  /// Problems as (dotted key, message) pairs; empty when the config is valid.
  public func validate() -> [(key: String, message: String)] {
    var problems: [(String, String)] = []
    func problem(_ key: String, _ message: String) { problems.append(("model." + key, message)) }
    if ![.mmolre, .hardSharing].contains(architecture) {
      problem(
        "architecture",
        "\(architecture.rawValue) is not ported to Swift yet (a later issue brings MMoE, PLE and late fusion); use mmolre or hard_sharing"
      )
    }
    if erIntensity {
      problem("er_intensity", "emotion-intensity regression is not ported to Swift yet; set it to false")
    }
    if tasks.isEmpty { problem("tasks", "at least one task is needed") }
    for t in tasks where !Self.knownTasks.contains(t) { problem("tasks", "unknown task \(t); choose from SA, ER") }
    if Set(tasks).count != tasks.count { problem("tasks", "a task is listed twice") }
    if modalities.isEmpty { problem("modalities", "at least one modality is needed") }
    for m in modalities where !Self.knownModalities.contains(m) {
      problem("modalities", "unknown modality \(m); choose from text, audio, vision")
    }
    if Set(modalities).count != modalities.count { problem("modalities", "a modality is listed twice") }
    if dModel < 4 { problem("d_model", "must be at least 4") }
    if !(0..<1).contains(dropout) { problem("dropout", "must lie in [0, 1)") }
    if ![1, 2].contains(nBlocks) { problem("n_blocks", "must be 1 or 2") }
    if nExperts < 1 { problem("n_experts", "must be at least 1") }
    if let expertRanks {
      if expertRanks.count != nExperts {
        problem("expert_ranks", "\(expertRanks.count) ranks for n_experts=\(nExperts)")
      }
      if expertRanks.contains(where: { $0 < 1 }) { problem("expert_ranks", "ranks must be positive") }
    }
    if rankMin < 1 { problem("rank_min", "must be at least 1") }
    if rankMax < 1 { problem("rank_max", "must be at least 1") }
    if taskRank < 1 { problem("task_rank", "must be at least 1") }
    if !sharedExperts && !taskExpert { problem("shared_experts", "shared_experts and task_expert cannot both be off") }
    if topK < 1 { problem("top_k", "must be at least 1") }
    if gating == .topk && topK > nExperts { problem("top_k", "\(topK) exceeds n_experts=\(nExperts)") }
    if fusionHeads < 1 { problem("fusion_heads", "must be at least 1") }
    if fusionHeads >= 1 && dModel % fusionHeads != 0 {
      problem("fusion_heads", "\(fusionHeads) does not divide d_model=\(dModel)")
    }
    return problems
  }
}
