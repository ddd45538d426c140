import Data
import Models
import Numerics

/// Model weights as a safetensors file: every parameter and buffer under the reference's
/// `state_dict` name as F32, with the resolved config, the seed, the feature sizes and (once chosen)
/// the ER thresholds in the metadata — enough to rebuild the model and re-evaluate it. A fine-tuned
/// text encoder adds its trainable tensors as `text_encoder.<name>`; its frozen ones are the pinned
/// MiniLM files' (`features.text_encoder`), so they are not stored again.
public enum ModelWeights {
  /// Prefix of the fine-tuned text encoder's tensors.
  public static let encoderPrefix = "text_encoder."

  /// The safetensors file of `model`'s (and `encoder`'s trainable) current weights.
  public static func file(
    of model: MMoLREModel<Float>, encoder: TextEncoder<Float>? = nil, config: RunConfig, seed: Int,
    thresholds: [Double]? = nil, extra: [String: String] = [:]
  ) -> SafetensorsFile {
    var file = SafetensorsFile()
    for entry in model.params.entries {
      let values = UnsafeBufferPointer(start: model.params.value(entry.ref), count: entry.ref.count)
      file.tensors[entry.name] = SafetensorsTensor(shape: entry.shape, values: values, dtype: .f32)
    }
    if let encoder {
      for entry in encoder.params.entries where entry.ref.trainable {
        let values = UnsafeBufferPointer(start: encoder.params.value(entry.ref), count: entry.ref.count)
        file.tensors[encoderPrefix + entry.name] = SafetensorsTensor(shape: entry.shape, values: values, dtype: .f32)
      }
    }
    file.metadata = extra
    file.metadata["format"] = "mmolre-weights-1"
    file.metadata["config"] = config.json.canonical
    file.metadata["seed"] = String(seed)
    file.metadata["feature_dims"] =
      JSONValue.object(
        zip(model.config.modalities, model.featureDims).map { ($0, .int($1)) }
      ).canonical
    if let thresholds { file.metadata["thresholds"] = JSONValue.array(thresholds.map { .double($0) }).canonical }
    return file
  }

  /// Loads every tensor of `file` into `model` (and the encoder's trainable tensors into `encoder`) by
  /// name; a missing, extra or misshapen tensor is an error naming it.
  public static func load(
    _ file: SafetensorsFile, into model: MMoLREModel<Float>, encoder: TextEncoder<Float>? = nil, origin: String
  ) throws {
    var expected = Set<String>()
    for entry in encoder?.params.entries ?? [] where entry.ref.trainable {
      let name = encoderPrefix + entry.name
      expected.insert(name)
      guard let tensor = file.tensors[name], tensor.shape == entry.shape else {
        throw SafetensorsError(
          "\(origin): no tensor \(name) of shape \(entry.shape); the weights do not fit this text encoder")
      }
      let values = tensor.values(as: Float.self)
      encoder!.params.value(entry.ref).update(from: values, count: values.count)
    }
    // Only trainable tensors changed: the memo of the frozen bottom, a function of the frozen weights, stays.
    for entry in model.params.entries {
      expected.insert(entry.name)
      guard let tensor = file.tensors[entry.name] else {
        throw SafetensorsError("\(origin): no tensor \(entry.name); the weights do not fit this model")
      }
      guard tensor.shape == entry.shape else {
        throw SafetensorsError(
          "\(origin): tensor \(entry.name) has shape \(tensor.shape), the model expects \(entry.shape)")
      }
      let values = tensor.values(as: Float.self)
      model.params.value(entry.ref).update(from: values, count: values.count)
    }
    let extra = Set(file.tensors.keys).subtracting(expected)
    if !extra.isEmpty {
      throw SafetensorsError(
        "\(origin): tensors the model does not have: \(extra.sorted().prefix(5).joined(separator: ", "))")
    }
  }

  /// The config, seed, feature sizes and thresholds in a weights file's metadata.
  public static func metadata(of file: SafetensorsFile, origin: String) throws -> (
    config: RunConfig, seed: Int, featureDims: [String: Int], thresholds: [Double]?
  ) {
    guard let configText = file.metadata["config"] else {
      throw SafetensorsError("\(origin): no config in the metadata")
    }
    let config = try RunConfig.fromJSON(try JSONValue(parsing: configText), origin: "\(origin) config")
    guard let seed = file.metadata["seed"].flatMap({ Int($0) }) else {
      throw SafetensorsError("\(origin): no seed in the metadata")
    }
    guard let dimsText = file.metadata["feature_dims"], let pairs = try JSONValue(parsing: dimsText).objectPairs else {
      throw SafetensorsError("\(origin): no feature_dims in the metadata")
    }
    var dims: [String: Int] = [:]
    for (key, value) in pairs { dims[key] = value.intValue }
    let thresholds = try file.metadata["thresholds"].map { text in
      try JSONValue(parsing: text).arrayValue?.compactMap(\.doubleValue) ?? []
    }
    return (config, seed, dims, thresholds)
  }
}
