import Data
import Numerics

/// Everything besides the weights that resuming needs to continue exactly the same run: AdamW's step
/// and moments, the weight average, the random streams' positions, and the loop's counters. Stored
/// as a safetensors file (moments as F32 tensors, counters as JSON metadata).
public struct TrainingState: Sendable {
  /// Epochs completed.
  public var epoch = 0
  public var bestLoss = Double.infinity
  public var bestEpoch = 0
  public var badEpochs = 0
  public var seconds = 0.0
  public var optimizerStep = 0
  public var adamM: [Float] = []
  public var adamV: [Float] = []
  public var emaUpdates = 0
  public var emaAverage: [Float]? = nil
  /// The fine-tuned text encoder's AdamW moments and weight average (same step and update counts).
  public var textAdamM: [Float]? = nil
  public var textAdamV: [Float]? = nil
  public var textEmaAverage: [Float]? = nil
  public var dropoutRandom = RandomStream(seed: 0, stream: 0)
  public var noiseRandom = RandomStream(seed: 0, stream: 0)

  public init() {}

  public func serialized() -> [UInt8] {
    var file = SafetensorsFile()
    file.tensors["adam.m"] = SafetensorsTensor(shape: [adamM.count], values: adamM, dtype: .f32)
    file.tensors["adam.v"] = SafetensorsTensor(shape: [adamV.count], values: adamV, dtype: .f32)
    let optional: [(String, [Float]?)] = [
      ("ema.average", emaAverage), ("text_adam.m", textAdamM), ("text_adam.v", textAdamV),
      ("text_ema.average", textEmaAverage),
    ]
    for case (let name, let values?) in optional {
      file.tensors[name] = SafetensorsTensor(shape: [values.count], values: values, dtype: .f32)
    }
    let counters: JSONValue = .object([
      ("epoch", .int(epoch)), ("best_loss", bestLoss.isFinite ? .double(bestLoss) : .null),
      ("best_epoch", .int(bestEpoch)),
      ("bad_epochs", .int(badEpochs)), ("seconds", .double(seconds)), ("optimizer_step", .int(optimizerStep)),
      ("ema_updates", .int(emaUpdates)), ("dropout_random", Self.encode(dropoutRandom)),
      ("noise_random", Self.encode(noiseRandom)),
    ])
    file.metadata["format"] = "mmolre-training-state-1"
    file.metadata["counters"] = counters.canonical
    return file.serialized()
  }

  public init(bytes: [UInt8], origin: String) throws {
    let file = try SafetensorsFile(bytes: bytes, origin: origin)
    guard let text = file.metadata["counters"], let counters = try? JSONValue(parsing: text) else {
      throw SafetensorsError("\(origin): no training counters in the metadata")
    }
    func int(_ key: String) throws -> Int {
      guard let value = counters[key]?.intValue else { throw SafetensorsError("\(origin): counters.\(key) is missing") }
      return value
    }
    epoch = try int("epoch")
    bestLoss = counters["best_loss"]?.doubleValue ?? .infinity
    bestEpoch = try int("best_epoch")
    badEpochs = try int("bad_epochs")
    seconds = counters["seconds"]?.doubleValue ?? 0
    optimizerStep = try int("optimizer_step")
    emaUpdates = try int("ema_updates")
    adamM = try file.tensor("adam.m", origin: origin).values(as: Float.self)
    adamV = try file.tensor("adam.v", origin: origin).values(as: Float.self)
    emaAverage = file.tensors["ema.average"]?.values(as: Float.self)
    textAdamM = file.tensors["text_adam.m"]?.values(as: Float.self)
    textAdamV = file.tensors["text_adam.v"]?.values(as: Float.self)
    textEmaAverage = file.tensors["text_ema.average"]?.values(as: Float.self)
    dropoutRandom = try Self.decode(counters["dropout_random"], origin: origin)
    noiseRandom = try Self.decode(counters["noise_random"], origin: origin)
  }

  static func encode(_ stream: RandomStream) -> JSONValue {
    // UInt64 seeds and positions as strings: JSON numbers are doubles in many readers.
    .object([
      ("seed", .string(String(stream.seed))), ("stream", .string(String(stream.stream))),
      ("position", .string(String(stream.position))), ("words_left", .int(stream.wordsLeft)),
    ])
  }

  static func decode(_ json: JSONValue?, origin: String) throws -> RandomStream {
    guard let json, let seed = json["seed"]?.stringValue.flatMap({ UInt64($0) }),
      let stream = json["stream"]?.stringValue.flatMap({ UInt64($0) }),
      let position = json["position"]?.stringValue.flatMap({ UInt64($0) }), let left = json["words_left"]?.intValue
    else { throw SafetensorsError("\(origin): a random stream's state is missing or malformed") }
    return RandomStream(seed: seed, stream: stream, position: position, wordsLeft: left)
  }
}
