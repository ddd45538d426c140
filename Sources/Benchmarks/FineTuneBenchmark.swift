// Text fine-tuning cost per training step (the reference's cff5b35 benchmarks/bench_finetune.py): the
// whole MiniLM against a trainable top over a memoized frozen bottom, with random or length-grouped
// batches. A fixed sample of a label table's training transcripts (640 MOSEI ones by default) goes
// through all-MiniLM-L6-v2 as in training: tokenise, forward, backward of a scalar loss (the mean of
// the features over the padded [B, T, H] batch with padding zeroed, as the reference's
// `(feats * mask).mean()`), AdamW step over the trainable parameters (lr 5e-5, weight decay 0.01:
// torch.optim.AdamW's defaults). Every mode sees the same transcripts and a freshly loaded encoder;
// the memo of the frozen bottom is filled before timing (as after a first epoch) and its one-time cost
// is reported apart; one warm-up step precedes the timed pass. The GEMMs' FLOPs and the time spent in
// them are counted during the timed pass, and the sgemm peak is measured in the same run.
import Data
import Foundation
import Models
import Numerics
import Training

public struct FineTuneBenchmark {
  /// One configuration: `trainableLayers` nil trains the whole model.
  public struct Mode: Sendable {
    public var name: String
    public var trainableLayers: Int?
    public var lengthGrouped: Bool
  }

  /// The reference's five modes, in its order (the first is the speed-up's base).
  public static let modes = [
    Mode(name: "whole model, random batches", trainableLayers: nil, lengthGrouped: false),
    Mode(name: "whole model, length-grouped", trainableLayers: nil, lengthGrouped: true),
    Mode(name: "top 3 of 6 + memo, random batches", trainableLayers: 3, lengthGrouped: false),
    Mode(name: "top 3 of 6 + memo, length-grouped", trainableLayers: 3, lengthGrouped: true),
    Mode(name: "top 2 of 6 + memo, length-grouped", trainableLayers: 2, lengthGrouped: true),
  ]

  public var tablePath: String
  public var encoder = "minilm"
  public var clips = 640
  public var batchSize = 32
  public var maxLength = 64
  public var learningRate = 5e-5
  public var weightDecay = 0.01
  /// Seed of the transcript sample and of the batch order.
  public var seed: UInt64 = 0

  public init(tablePath: String) { self.tablePath = tablePath }

  public struct Measurement: Sendable {
    public var mode: Mode
    /// Seconds of the timed pass over every batch.
    public var seconds: Double
    public var clips: Int
    public var memoFillSeconds: Double
    public var memoBytes: Int
    public var trainableParameters: Int
    /// GEMM FLOPs of the timed pass and the seconds spent inside the GEMMs.
    public var flops: Int
    public var gemmSeconds: Double

    public var msPerClip: Double { 1000 * seconds / Double(clips) }
    /// FLOPs over the time inside the GEMMs.
    public var gemmGflops: Double { Double(flops) / gemmSeconds / 1e9 }
    /// FLOPs over the whole pass.
    public var wallGflops: Double { Double(flops) / seconds / 1e9 }
    public var gemmTimeShare: Double { gemmSeconds / seconds }
  }

  public struct Report: Sendable {
    public var threads: Int
    public var clips: Int
    public var meanWords: Double
    public var meanTokens: Double
    /// 1024^3 sgemm with `threads` threads, GFLOP/s, measured before the modes.
    public var sgemmPeak: Double
    public var measurements: [Measurement]
  }

  /// Times every mode in `modes` on `threads` BLAS threads.
  /// - Throws: `DataError` for a bad table, `EncoderError` when MiniLM is not fetched.
  public func run(threads: Int, modes: [Mode] = Self.modes, log: (String) -> Void = { _ in }) throws -> Report {
    let texts = try sample()
    let files = try EncoderFiles.locate(name: encoder)
    let tokenizer = try WordPieceTokenizer(vocabularyFile: files.vocabulary)
    let tokens = tokenize(texts, tokenizer)
    let peak = SgemmPeak.measure(threads: threads)
    BLASLibrary.setThreads(threads)
    var measurements: [Measurement] = []
    for mode in modes {
      let m = try measure(mode, texts: texts, tokens: tokens, tokenizer: tokenizer, files: files)
      log(String(format: "%@: %.1f ms per clip", mode.name, m.msPerClip))
      measurements.append(m)
    }
    let words = texts.reduce(0) { $0 + $1.split(whereSeparator: \.isWhitespace).count }
    let tokenCount = tokens.reduce(0) { $0 + $1.count }
    return Report(
      threads: threads, clips: texts.count, meanWords: Double(words) / Double(texts.count),
      meanTokens: Double(tokenCount) / Double(texts.count), sgemmPeak: peak, measurements: measurements)
  }

  /// `clips` training transcripts of the table (trimmed), a fixed random sample in sample order.
  func sample() throws -> [String] {
    let table = try LabelTable.load(path: tablePath)
    let train = table.rows.filter { $0.mode == "train" }
    guard !train.isEmpty else { throw DataError("\(tablePath): no training rows") }
    var rng = RandomStream(seed: seed, stream: RandomStreamID.shuffle)
    return rng.permutation(train.count).prefix(clips).map { FeatureExtraction.normalized(train[$0].text) }
  }

  func tokenize(_ texts: [String], _ tokenizer: WordPieceTokenizer) -> [[Int32]] {
    texts.map { tokenizer.encode($0, maxLength: maxLength).map { Int32($0) } }
  }

  private func measure(
    _ mode: Mode, texts: [String], tokens: [[Int32]], tokenizer: WordPieceTokenizer, files: EncoderFiles
  ) throws -> Measurement {
    let model = try TextEncoder<Float>(files: files, trainableLayers: mode.trainableLayers)
    let count = model.params.trainableCount
    let optimizer = AdamW<Float>(
      count: count, groups: [ParameterGroup(range: 0..<count, learningRate: learningRate)], weightDecay: weightDecay)
    let memoSeconds = Timing.seconds { model.fillMemo(tokenIds: tokens, batchSize: batchSize) }
    let batches = BatchOrder.batches(
      count: texts.count, batchSize: batchSize, seed: Int(seed), epoch: 0,
      lengths: mode.lengthGrouped ? tokens.map(\.count) : nil)
    let ctx = Context(params: model.params, training: true, seed: seed)
    let step = { (rows: [Int]) in
      ctx.arena.reset()
      let ids = rows.map { tokenizer.encode(texts[$0], maxLength: maxLength).map { Int32($0) } }
      _ = model.forwardPacked(ids, ctx)
      // d mean(features * mask) / d feature of a real token: 1 / (B * T * H).
      let (rowCount, steps) = (ids.reduce(0) { $0 + $1.count }, ids.map(\.count).max() ?? 0)
      let dHidden = ctx.arena.take(max(rowCount * model.hiddenSize, 1))
      dHidden.update(repeating: 1 / Float(ids.count * steps * model.hiddenSize), count: rowCount * model.hiddenSize)
      model.params.zeroGradients()
      model.backwardPacked(dHidden, ctx)
      optimizer.update(values: model.params.values, gradients: model.params.gradients)
    }
    step(batches[0])  // warm-up: first-call allocations
    FlopCounter.start()
    let seconds = Timing.seconds { for batch in batches { step(batch) } }
    let flops = FlopCounter.stop()
    return Measurement(
      mode: mode, seconds: seconds, clips: texts.count, memoFillSeconds: mode.trainableLayers == nil ? 0 : memoSeconds,
      memoBytes: model.memoBytes, trainableParameters: count, flops: flops, gemmSeconds: FlopCounter.gemmSeconds)
  }
}
