import Data
import Foundation
import Models
import Testing
import Training

/// Joint fine-tuning of MiniLM's top layer with MMoLRE on a few hand-written utterances (needs the
/// MiniLM files: `mmolre encoders fetch minilm`, which CI runs before the tests).
@Suite(.serialized) struct FineTuningTests {
  static let positive = [
    "i loved this movie", "what a wonderful film", "the acting was great", "a truly beautiful story",
    "i really enjoyed it", "brilliant and funny", "the best film this year", "an amazing experience",
  ]
  static let negative = [
    "i hated this movie", "what a terrible film", "the acting was awful", "a truly boring story",
    "i really disliked it", "dull and stupid", "the worst film this year", "a painful experience",
  ]

  /// Splits of the hand-written texts; text features are placeholders (the encoder supplies them).
  static func data() throws -> PreparedData {
    let files = try EncoderFiles.locate(name: "minilm")
    let tokenizer = try WordPieceTokenizer(vocabularyFile: files.vocabulary)
    func split(_ name: String, _ texts: [(String, Float)]) throws -> MultimodalDataset {
      var features = FeatureSequences(dim: 384)
      for (text, _) in texts {
        features.append([Float](repeating: 0, count: tokenizer.encode(text, maxLength: 16).count * 384))
      }
      return try MultimodalDataset(
        ids: texts.indices.map { "\(name)\($0)" }, sources: texts.map { _ in "toy" }, modalities: ["text"],
        features: ["text": features], sentiment: texts.map(\.1),
        emotions: texts.flatMap { $0.1 > 0 ? [2, 0, 0, 0, 0, 0] : [0, 1, 1, 0, 0, 0] as [Float] }, texts: texts.map(\.0)
      )
    }
    let labelled = zip(positive, negative).flatMap { [($0, Float(2)), ($1, Float(-2))] }
    return PreparedData(splits: [
      "train": try split("train", Array(labelled[0..<10])), "valid": try split("valid", Array(labelled[10..<13])),
      "test": try split("test", Array(labelled[13..<16])),
    ])
  }

  static func config(_ extra: [String] = []) throws -> RunConfig {
    try RunConfig.load(
      preset: "mosi+mosei-text-ft",
      overrides: [
        "features.text_trainable_layers=1", "features.text_max_length=16", "model.d_model=16", "model.fusion_heads=2",
        "train.batch_size=4", "train.max_epochs=3", "train.patience=3", "train.ema_decay=0.9",
        "train.eval_batch_size=4",
      ] + extra)
  }

  @Test func trainsTheTopLayerAndResumesExactly() throws {
    let data = try Self.data()
    let config = try Self.config()
    let whole = try Trainer(config: config, data: data, seed: 5)
    let before = Array(whole.text!.encoder.params.values)
    let result = try whole.fit()
    // The top layer moved (the encoder trained), and the weights file carries its tensors.
    #expect(Array(whole.text!.encoder.params.values) != before)
    let file = try SafetensorsFile(bytes: result.bestWeights, origin: "best")
    #expect(file.tensors.keys.contains("text_encoder.encoder.layer.5.output.dense.weight"))
    #expect(!file.tensors.keys.contains("text_encoder.encoder.layer.4.output.dense.weight"))

    // The predictor (whole encoder, no memo) gives the trainer's test predictions for the same texts.
    let predictor = try Predictor(weights: file, origin: "best")
    let texts = try data.split("test").texts!
    let predictions = predictor.predict(texts, batchSize: 2)
    for (i, p) in predictions.enumerated() {
      let expected = min(max(result.testPredictions.sentimentPred![i], -3), 3)
      #expect(abs(p.sentiment! - expected) < 1e-4)
      for j in 0..<6 { #expect(abs(p.emotions![j] - result.testPredictions.emotionProb![i * 6 + j]) < 1e-4) }
    }

    let first = try Trainer(config: config, data: data, seed: 5)
    let recorder = MemoryRecorder()
    first.recorder = recorder
    first.shouldStop = { recorder.epochs.count == 2 }
    #expect(throws: TrainingInterrupted.self) { try first.fit() }
    let last = try #require(recorder.last)
    let resumed = try Trainer(config: config, data: data, seed: 5)
    try resumed.restore(
      weights: try SafetensorsFile(bytes: last.weights, origin: "last"),
      state: try TrainingState(bytes: last.trainingState!, origin: "last"), best: recorder.best, origin: "last")
    let continued = try resumed.fit()
    #expect(continued.bestWeights == result.bestWeights)
    #expect(continued.test == result.test)
  }

  /// A run's memo of the frozen bottom goes to the process's next run with the same weights and
  /// trainable layers, and holds exactly what that run would have computed itself.
  @Test func laterRunsStartWithTheFrozenMemoOfEarlierOnes() throws {
    let data = try Self.data()
    let config = try Self.config(["train.max_epochs=1"])
    do { _ = try Trainer(config: config, data: data, seed: 7).fit() }
    let next = try Trainer(config: config, data: data, seed: 8)
    let adopted = next.text!.encoder
    let allTexts = try ["train", "valid", "test"].flatMap { try data.split($0).texts! }
    #expect(adopted.memoizedCount == Set(allTexts).count)

    let files = try EncoderFiles.locate(name: "minilm")
    let fresh = try TextEncoder<Float>(files: files, trainableLayers: 1)
    let tokenizer = try WordPieceTokenizer(vocabularyFile: files.vocabulary)
    fresh.fillMemo(tokenIds: allTexts.map { tokenizer.encode($0, maxLength: 16).map { Int32($0) } })
    #expect(fresh.memoTable == adopted.memoTable)

    // Another split of the layers freezes other weights: nothing is shared.
    let other = try Trainer(config: try Self.config(["features.text_trainable_layers=2"]), data: data, seed: 8)
    #expect(other.text!.encoder.memoizedCount == 0)
  }
}
