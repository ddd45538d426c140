// Prediction on new utterances with a trained text model (reference: mmolre.api.Predictor): the
// transcript is tokenised and encoded as in training — frozen MiniLM features, or the fine-tuned
// encoder whose trainable tensors the weights file carries — then MMoLRE gives the sentiment and
// the six emotions' presence probabilities. Inference runs the whole encoder and keeps no memo (a
// long-lived predictor sees unbounded distinct texts).
import Data
import Foundation
import Metrics
import Models
import Numerics

/// One utterance's prediction.
public struct TextPrediction: Sendable {
  public var text: String
  /// In [-3, 3] (the regression output, clipped as MMSA's metrics clip it); nil without an SA head.
  public var sentiment: Double?
  /// Presence probability per emotion in `MetricKeys.emotions` order; nil without an ER head.
  public var emotions: [Double]?
  /// Presence decisions at the thresholds chosen on validation (0.5 where none were chosen).
  public var present: [Bool]?
}

public final class Predictor {
  public let config: RunConfig
  public let thresholds: [Double]?
  let model: MMoLREModel<Float>
  let encoder: TextEncoder<Float>
  let tokenizer: WordPieceTokenizer
  let arena = Arena<Float>()

  /// A predictor from a weights file (a run's best checkpoint or a zoo model).
  /// - Throws: `ConfigError` when the model reads other modalities than text; errors naming the file
  ///   or tensor when the weights do not fit.
  public init(weights: SafetensorsFile, origin: String) throws {
    let meta = try ModelWeights.metadata(of: weights, origin: origin)
    config = meta.config
    thresholds = meta.thresholds
    guard config.model.modalities == ["text"] else {
      throw ConfigError(
        "\(origin): the model reads \(config.model.modalities.joined(separator: ", ")); predict takes transcripts only, so it needs a text-only model"
      )
    }
    let files = try EncoderFiles.locate(name: config.features.textEncoder)
    encoder = try TextEncoder<Float>(
      files: files, trainableLayers: config.features.finetuneText ? config.features.textTrainableLayers : 0)
    encoder.memoize = false
    tokenizer = try WordPieceTokenizer(vocabularyFile: files.vocabulary)
    model = try MMoLREModel<Float>(config: config.model, featureDims: meta.featureDims)
    try ModelWeights.load(weights, into: model, encoder: config.features.finetuneText ? encoder : nil, origin: origin)
  }

  /// Predictions for `texts`, in batches of `batchSize`.
  public func predict(_ texts: [String], batchSize: Int = 32) -> [TextPrediction] {
    var out: [TextPrediction] = []
    let context = Context(params: model.params, arena: arena, training: false)
    let batch = Batch<Float>(modalities: ["text"], featureDims: [encoder.hiddenSize])
    for start in stride(from: 0, to: texts.count, by: batchSize) {
      let chunk = Array(texts[start..<min(start + batchSize, texts.count)])
      let tokens = chunk.map { text in
        tokenizer.encode(text.trimmingCharacters(in: .whitespacesAndNewlines), maxLength: config.features.textMaxLength)
          .map { Int32($0) }
      }
      arena.reset()
      let nan = Array(repeating: Double.nan, count: chunk.count)
      batch.fill(
        size: chunk.count, steps: [0], features: [[]], masks: [[]], sentiment: nan,
        emotions: Array(repeating: .nan, count: chunk.count * 6), arena: arena)
      batch.setFeatures(0, encoder.forwardPacked(tokens, context), lengths: tokens.map(\.count))
      let output = model.forward(batch, context)
      for (i, text) in chunk.enumerated() {
        var prediction = TextPrediction(text: text)
        if let s = output.sentiment { prediction.sentiment = min(max(Double(s[i]), -3), 3) }
        if let logits = output.emotionLogits {
          let probabilities = (0..<6).map { Double(sigmoid(logits[i * 6 + $0])) }
          prediction.emotions = probabilities
          prediction.present = probabilities.enumerated().map { j, p in p >= (thresholds?[j] ?? 0.5) }
        }
        out.append(prediction)
      }
    }
    return out
  }
}
