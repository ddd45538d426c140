import Data
import Foundation
import Models
import Numerics
import Testing

/// The three cases of ../shared/golden/mmolre: the reference's PyTorch model (cff5b35) in float64 with
/// dropout 0 in training mode. Every output and every gradient must agree to 1e-8 of that tensor's
/// largest magnitude.
@Suite struct GoldenModelTests {
  static let cases = ["mmolre_text_audio", "hard_sharing_text", "mmolre_topk_relu"]

  @Test(arguments: cases)
  func reproducesOutputsAndGradients(_ name: String) throws {
    guard let shared = SharedFolder.forTests() else {
      Issue.record("../shared not found; the golden files are needed")
      return
    }
    let folder = shared + "/golden/mmolre/"
    let spec = try JSONValue(parsing: String(contentsOfFile: folder + name + ".json", encoding: .utf8))
    let file = try SafetensorsFile(contentsOf: folder + name + ".safetensors")
    let config = try goldenModelConfig(spec["model_config"]!)
    var dims: [String: Int] = [:]
    for (key, value) in spec["feature_dims"]!.objectPairs! { dims[key] = value.intValue! }
    let model = try MMoLREModel<Double>(config: config, featureDims: dims)

    // Load every parameter and buffer by the reference's name; nothing may be left over or missing.
    var loaded = Set<String>()
    for entry in model.params.entries {
      let tensor = try file.tensor("param." + entry.name)
      #expect(tensor.shape == entry.shape, "\(entry.name): shape \(tensor.shape) vs \(entry.shape)")
      let values = tensor.values(as: Double.self)
      model.params.value(entry.ref).update(from: values, count: values.count)
      loaded.insert(entry.name)
    }
    let fileParams = Set(file.tensors.keys.filter { $0.hasPrefix("param.") }.map { String($0.dropFirst(6)) })
    #expect(fileParams == loaded, "parameters only in the file: \(fileParams.subtracting(loaded).sorted())")

    // The batch.
    let arena = Arena<Double>()
    let batch = Batch<Double>(modalities: config.modalities, featureDims: config.modalities.map { dims[$0]! })
    let features = try config.modalities.map { try file.tensor("input.features.\($0)") }
    let masks = try config.modalities.map { try file.tensor("input.mask.\($0)").values(as: Double.self) }
    let sentiment = try file.tensor("input.sentiment").values(as: Double.self)
    let b = sentiment.count
    var emotions = try file.tensor("input.emotions").values(as: Double.self)
    let emotionMask = try file.tensor("input.emotion_mask").values(as: Double.self)
    for i in 0..<b where emotionMask[i] == 0 { for j in 0..<6 { emotions[6 * i + j] = .nan } }
    batch.fill(
      size: b, steps: features.map { $0.shape[1] }, features: features.map { $0.values(as: Double.self) }, masks: masks,
      sentiment: sentiment, emotions: emotions, arena: arena)

    let ctx = Context(params: model.params, arena: arena, training: true)
    let output = model.forward(batch, ctx)
    let lambdaER = spec["lambda_er"]!.doubleValue!
    let lambdaBal = spec["lambda_bal"]!.doubleValue!
    model.params.zeroGradients()
    let parts = model.loss(output, lambdaER: lambdaER, lambdaBalance: lambdaBal, ctx)
    model.backward(ctx)

    func compare(_ key: String, _ actual: [Double]) throws {
      let expected = try file.tensor(key).values(as: Double.self)
      #expect(expected.count == actual.count, "\(key): \(actual.count) values, expected \(expected.count)")
      let scale = max(expected.map(abs).max() ?? 0, 1e-300)
      let worst = zip(expected, actual).map { abs($0 - $1) }.max() ?? 0
      #expect(worst <= 1e-8 * scale, "\(name) \(key): max error \(worst) vs scale \(scale)")
    }
    try compare("output.sentiment", Array(UnsafeBufferPointer(start: output.sentiment!, count: b)))
    try compare("output.emotion_logits", Array(UnsafeBufferPointer(start: output.emotionLogits!, count: b * 6)))
    try compare("output.balance", [output.balance])
    try compare("output.loss_total", [parts.total])
    try compare("output.loss_sa", [parts.sa])
    try compare("output.loss_er", [parts.er])
    for (m, modality) in config.modalities.enumerated() {
      for j in 0..<config.nBlocks {
        for (s, stream) in config.streamNames.enumerated() {
          guard let g = model.gates(modality: m, block: j, stream: s) else { continue }
          try compare(
            "output.gates.\(modality)/block\(j + 1)/\(stream)",
            Array(UnsafeBufferPointer(start: g, count: b * config.nExperts)))
        }
      }
    }
    for (s, stream) in config.streamNames.enumerated() where config.fusion == .gated {
      let w = model.modalityWeights(stream: s)!
      try compare(
        "output.modality_weights.\(stream)", Array(UnsafeBufferPointer(start: w, count: b * config.modalities.count)))
    }
    var gradients = 0
    for entry in model.params.entries where entry.ref.trainable {
      try compare(
        "grad." + entry.name,
        Array(UnsafeBufferPointer(start: model.params.gradient(entry.ref), count: entry.ref.count)))
      gradients += 1
    }
    #expect(gradients == file.tensors.keys.filter { $0.hasPrefix("grad.") }.count)
  }
}

/// The reference's `model_config` JSON as a `ModelConfig`.
func goldenModelConfig(_ json: JSONValue) throws -> ModelConfig {
  var c = ModelConfig()
  c.architecture = ModelConfig.Architecture(rawValue: json["architecture"]!.stringValue!)!
  c.tasks = json["tasks"]!.arrayValue!.map { $0.stringValue! }
  c.modalities = json["modalities"]!.arrayValue!.map { $0.stringValue! }
  c.dModel = json["d_model"]!.intValue!
  c.dropout = json["dropout"]!.doubleValue!
  c.nBlocks = json["n_blocks"]!.intValue!
  c.shareUnitse = json["share_unitse"]!.boolValue!
  c.nExperts = json["n_experts"]!.intValue!
  c.expertRanks = json["expert_ranks"]!.arrayValue?.map { $0.intValue! }
  c.rankMin = json["rank_min"]!.intValue!
  c.rankMax = json["rank_max"]!.intValue!
  c.taskRank = json["task_rank"]!.intValue!
  c.fullRankExperts = json["full_rank_experts"]!.boolValue!
  c.sharedExperts = json["shared_experts"]!.boolValue!
  c.taskExpert = json["task_expert"]!.boolValue!
  c.expertActivation = ModelConfig.Activation(rawValue: json["expert_activation"]!.stringValue!)!
  c.gating = ModelConfig.Gating(rawValue: json["gating"]!.stringValue!)!
  c.topK = json["top_k"]!.intValue!
  c.gateNoise = json["gate_noise"]!.boolValue!
  c.residual = json["residual"]!.boolValue!
  c.layerNorm = json["layer_norm"]!.boolValue!
  c.fusion = ModelConfig.Fusion(rawValue: json["fusion"]!.stringValue!)!
  c.fusionHeads = json["fusion_heads"]!.intValue!
  return c
}
