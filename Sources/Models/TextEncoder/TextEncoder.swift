// The text encoder as the trainer and the feature cache use it (reference: mmolre.features.text
// TextEncoder at cff5b35): a BERT model over token ids whose output is the per-token last hidden
// state, special tokens kept.
//
// Fine-tuning the top k layers (`trainableLayers = k < L`): the embeddings and the bottom L-k layers
// are frozen and run without dropout, so their output for a token sequence never changes; it is
// computed once per distinct sequence and memoized, and each step runs only the k trainable layers (in
// training mode, with dropout) on the memoized states. In eval mode the split path gives the same
// result as the whole model. `trainableLayers` nil or >= L trains everything and keeps no memo.
//
// The encoder owns its `ParameterSet` (trainable parameters in `values`, frozen ones in `buffers`), so
// the trainer runs a second AdamW over it with `features.text_lr`.
import Data
import Dispatch
import Numerics
import Synchronization

/// The encoder's output for a batch, in the context's arena (valid until its reset).
public struct TextFeatures<T: Scalar> {
  /// [B, T, H]: the last hidden state of every token; zero at padded positions.
  public let features: UnsafeMutablePointer<T>
  /// [B, T]: 1 for a token, 0 for padding.
  public let mask: UnsafeMutablePointer<T>
  /// B, T (the longest sequence) and H.
  public let batch: Int
  public let steps: Int
  public let width: Int
  /// Tokens per sequence.
  public let lengths: [Int]
}

public final class TextEncoder<T: Scalar> {
  public let model: BertModel<T>
  /// Top layers that train, as configured: nil when everything trains.
  public let trainableLayers: Int?
  /// Whether the split path keeps the frozen bottom's output (true by default). With false, eval-mode
  /// forwards run the whole model and keep nothing (a long-lived predictor sees unbounded distinct texts).
  public var memoize = true
  /// Normalised token sequence -> frozen bottom's output [L_i, H].
  private var memo: [[Int32]: [T]] = [:]
  private var lastBatch: TokenBatch?
  /// Node graphs over `params` with their arenas, one per inference worker, kept between `encode`
  /// calls so that steady-state inference allocates nothing.
  private var inferenceWorkers: [(BertModel<T>, (Arena<T>, Arena<T>))] = []

  /// A model of `config` with zero weights (`load` or `model.initialize(seed:)` next).
  /// - Parameter trainableLayers: nil or >= L: everything trains; k in 0 ..< L: the top k layers train
  ///   over a memoized frozen bottom (0: nothing trains, for inference and the feature cache).
  /// - Throws: `ModelError` when `trainableLayers` is negative.
  public init(config: BertModelConfig, trainableLayers: Int?) throws {
    if let k = trainableLayers, k < 0 {
      throw ModelError("features.text_trainable_layers: \(k) is negative")
    }
    self.trainableLayers = trainableLayers.flatMap { $0 >= config.layers ? nil : $0 }
    model = BertModel(config: config, trainableLayers: self.trainableLayers)
  }

  /// Reads `config.json` and `model.safetensors`.
  /// - Throws: `DataError`/`ModelError` naming the file and key or tensor that is wrong.
  public convenience init(configFile: String, weightsFile: String, trainableLayers: Int?) throws {
    try self.init(config: BertModelConfig(contentsOf: configFile), trainableLayers: trainableLayers)
    try load(SafetensorsFile(contentsOf: weightsFile), origin: weightsFile)
  }

  /// A fetched encoder's files (`EncoderFiles.locate(name: "minilm")`).
  public convenience init(files: EncoderFiles, trainableLayers: Int?) throws {
    try self.init(configFile: files.config, weightsFile: files.model, trainableLayers: trainableLayers)
  }

  /// Every parameter, trainable (`values`, `gradients`) and frozen (`buffers`).
  public var params: ParameterSet<T> { model.params }
  public var config: BertModelConfig { model.config }
  public var hiddenSize: Int { model.config.hiddenSize }
  /// Distinct token sequences whose frozen output is memoized.
  public var memoizedCount: Int { memo.count }

  /// Copies the weights by name (see `BertModel.load`) and drops the memo, which they make stale.
  public func load(_ file: SafetensorsFile, origin: String) throws {
    try model.load(file, origin: origin)
    clearMemo()
  }

  /// Forgets the frozen bottom's outputs; call after changing frozen weights by hand.
  public func clearMemo() { memo.removeAll() }

  /// The memoized frozen outputs, for `adoptMemo` of another encoder with the same frozen weights.
  public var memoTable: [[Int32]: [T]] { memo }

  /// Takes over the frozen outputs another encoder memoized. Only valid when its embeddings and frozen
  /// layers hold the same weights as this one's and it trains the same top layers (the frozen outputs
  /// are a function of the tokens and those weights only). Copy-on-write: nothing is copied.
  public func adoptMemo(_ table: [[Int32]: [T]]) {
    guard trainableLayers != nil else { return }
    memo = table
  }

  /// Bytes the memoized frozen outputs hold (their values only).
  public var memoBytes: Int { memo.values.reduce(0) { $0 + $1.count * MemoryLayout<T>.stride } }

  /// Memoizes the frozen bottom's output of every sequence in `tokenIds` not memoized yet, in
  /// length-sorted batches of `batchSize` (as the first epoch would, but in one go, so that training
  /// steps afterwards run only the top layers). Nothing happens when everything trains.
  @_specialize(exported:true,where T == Float)
  public func fillMemo(tokenIds: [[Int32]], batchSize: Int = 32) {
    precondition(batchSize > 0, "batchSize must be positive")
    guard trainableLayers != nil else { return }
    var queued = Set<[Int32]>()
    let missing = tokenIds.filter { memo[$0] == nil && queued.insert($0).inserted }.sorted { $0.count < $1.count }
    let arena = Arena<T>()
    for start in stride(from: 0, to: missing.count, by: batchSize) {
      arena.reset()
      memoizeFrozen(Array(missing[start..<min(start + batchSize, missing.count)]), arena: arena)
    }
  }

  // MARK: - Training

  /// Encodes a batch of token id sequences (each `[CLS] ... [SEP]`, already truncated) in `ctx`'s
  /// mode: dropout in training mode, none in eval mode. `ctx` supplies the arena, the mode and the
  /// dropout stream; its parameters may be another model's (the encoder reads its own), and the
  /// stream's position advances by the draws made here. Cost: O(N H^2 + sum_i L_i^2 H) per layer run.
  /// - Precondition: at least one sequence; ids below the vocabulary size; no sequence longer than
  ///   `max_position_embeddings`.
  @_specialize(exported:true,where T == Float)
  public func forward(_ tokens: [[Int32]], _ ctx: Context<T>) -> TextFeatures<T> {
    let hidden = forwardPacked(tokens, ctx)
    guard let batch = lastBatch else { preconditionFailure("forwardPacked sets the batch") }
    let h = hiddenSize
    let features = ctx.arena.take(batch.count * batch.maxLength * h)
    batch.pad(hidden, width: h, into: features)
    let mask = ctx.arena.take(batch.count * batch.maxLength)
    batch.mask(into: mask)
    return TextFeatures(
      features: features, mask: mask, batch: batch.count, steps: batch.maxLength, width: h, lengths: batch.lengths)
  }

  /// As `forward`, with the features packed: [N, H], sequence i's tokens in rows
  /// `offsets[i] ..< offsets[i] + lengths[i]` in order (what MMoLRE's `Batch` holds).
  @_specialize(exported:true,where T == Float)
  public func forwardPacked(_ tokens: [[Int32]], _ ctx: Context<T>) -> UnsafeMutablePointer<T> {
    precondition(!tokens.isEmpty, "TextEncoder.forward needs at least one sequence")
    let batch = TokenBatch(tokens)
    let inner = ownContext(ctx)
    defer { if inner !== ctx { ctx.dropoutRandom = inner.dropoutRandom } }
    let hidden: UnsafeMutablePointer<T>
    if trainableLayers != nil && (ctx.training || memoize) {
      hidden = topForward(tokens, batch: batch, inner)
    } else {
      hidden = model.forward(batch, inner)
    }
    lastBatch = batch
    return hidden
  }

  /// Accumulates the trainable parameters' gradients (into `params.gradients`) from `dFeatures`
  /// [B, T, H], the gradient of the last `forward`'s features; padded positions are ignored.
  @_specialize(exported:true,where T == Float)
  public func backward(_ dFeatures: UnsafePointer<T>, _ ctx: Context<T>) {
    guard let batch = lastBatch else { preconditionFailure("TextEncoder.backward before forward") }
    let dHidden = ctx.arena.take(batch.rows * hiddenSize)
    batch.unpad(dFeatures, width: hiddenSize, into: dHidden)
    backwardPacked(dHidden, ctx)
  }

  /// As `backward`, from the packed gradient [N, H] of `forwardPacked`'s output.
  @_specialize(exported:true,where T == Float)
  public func backwardPacked(_ dHidden: UnsafePointer<T>, _ ctx: Context<T>) {
    guard let batch = lastBatch else { preconditionFailure("TextEncoder.backward before forward") }
    let inner = ownContext(ctx)
    model.backward(dHidden, batch: batch, inner)
  }

  /// The trainable top layers over the memoized output of the frozen bottom.
  private func topForward(_ tokens: [[Int32]], batch: TokenBatch, _ ctx: Context<T>) -> UnsafeMutablePointer<T> {
    let split = model.firstTrainableLayer
    let h = hiddenSize
    var missing: [[Int32]] = []
    var queued = Set<[Int32]>()
    for sequence in tokens where memo[sequence] == nil && queued.insert(sequence).inserted {
      missing.append(sequence)
    }
    if !missing.isEmpty { memoizeFrozen(missing, arena: ctx.arena) }
    let x = ctx.arena.take(batch.rows * h)
    for (s, sequence) in tokens.enumerated() {
      guard let rows = memo[sequence], !rows.isEmpty else { continue }
      rows.withUnsafeBufferPointer { (x + batch.offsets[s] * h).update(from: $0.baseAddress!, count: $0.count) }
    }
    return model.forwardLayers(split..<model.layers.count, x, batch: batch, ctx)
  }

  /// Runs the frozen bottom over `sequences` (distinct, none memoized) and memoizes each one's rows.
  private func memoizeFrozen(_ sequences: [[Int32]], arena: Arena<T>) {
    // The frozen part runs in eval mode: no dropout, so its output is a function of the tokens.
    let frozen = Context(params: params, arena: arena, training: false)
    let batch = TokenBatch(sequences)
    let out = model.forwardLayers(0..<model.firstTrainableLayer, model.embed(batch, frozen), batch: batch, frozen)
    let h = hiddenSize
    for (i, sequence) in sequences.enumerated() {
      memo[sequence] = Array(UnsafeBufferPointer(start: out + batch.offsets[i] * h, count: batch.lengths[i] * h))
    }
  }

  /// `ctx` when it holds the encoder's parameters, else a context over them sharing its arena, mode
  /// and dropout stream.
  private func ownContext(_ ctx: Context<T>) -> Context<T> {
    if ctx.params === params { return ctx }
    let inner = Context(params: params, arena: ctx.arena, training: ctx.training)
    inner.dropoutRandom = ctx.dropoutRandom
    return inner
  }

  // MARK: - Inference

  /// Per-token features for the feature cache: for each sequence, its `[L_i, H]` last hidden states
  /// (row-major, special tokens kept), in eval mode, in input order. Sequences run in batches of
  /// `batchSize` sorted by length; the memo is not used.
  ///
  /// With `threads` > 1 (default: OpenBLAS's thread count, so `OPENBLAS_NUM_THREADS=2` gives 2), that
  /// many workers each run whole batches with single-threaded BLAS: on small batches this scales better
  /// than splitting every GEMM, since the elementwise work runs in parallel too. OpenBLAS's thread count
  /// is set to 1 for the call and restored after it, so no other thread should use BLAS meanwhile.
  /// Do not call between a training `forward` and its `backward` (the nodes' saved state is reused).
  @_specialize(exported:true,where T == Float)
  public func encode(tokenIds: [[Int32]], batchSize: Int = 32, threads: Int? = nil) -> [[Float]] {
    let h = hiddenSize
    var starts: [Int] = []
    var total = 0
    for sequence in tokenIds {
      starts.append(total)
      total += sequence.count * h
    }
    var flat = [Float](repeating: 0, count: total)
    flat.withUnsafeMutableBufferPointer { buffer in
      let base = buffer.baseAddress
      run(tokenIds, batchSize: batchSize, threads: threads) { index, rows, length in
        guard let target = base.map({ $0 + starts[index] }) else { return }
        for k in 0..<(length * h) { target[k] = Float(rows[k]) }
      }
    }
    return tokenIds.indices.map { Array(flat[starts[$0]..<(starts[$0] + tokenIds[$0].count * h)]) }
  }

  /// Sentence embeddings as sentence-transformers computes them for all-MiniLM-L6-v2: the mean of the
  /// last hidden states over the tokens, divided by its L2 norm (at least 1e-12). One `[H]` per sequence.
  /// Batches and threads as in `encode`.
  @_specialize(exported:true,where T == Float)
  public func sentenceEmbeddings(tokenIds: [[Int32]], batchSize: Int = 32, threads: Int? = nil) -> [[Float]] {
    let h = hiddenSize
    var flat = [Float](repeating: 0, count: tokenIds.count * h)
    flat.withUnsafeMutableBufferPointer { buffer in
      let base = buffer.baseAddress
      run(tokenIds, batchSize: batchSize, threads: threads) { index, rows, length in
        guard let target = base.map({ $0 + index * h }) else { return }
        for (j, value) in SentencePooling.meanNormalized(rows, tokens: length, width: h).enumerated() {
          target[j] = Float(value)
        }
      }
    }
    return tokenIds.indices.map { Array(flat[($0 * h)..<(($0 + 1) * h)]) }
  }

  /// Runs the whole model in eval mode over length-sorted batches and hands each sequence's rows
  /// [L_i, H] to `consume` with its input index, once per index; with several workers `consume` runs on
  /// several threads at once (for different indices).
  private func run(
    _ tokens: [[Int32]], batchSize: Int, threads: Int?, consume: (Int, UnsafePointer<T>, Int) -> Void
  ) {
    precondition(batchSize > 0, "batchSize must be positive")
    let order = tokens.indices.sorted { (tokens[$0].count, $0) < (tokens[$1].count, $1) }
    let starts = Array(stride(from: 0, to: order.count, by: batchSize))
    let workers = max(1, min(threads ?? BLASLibrary.threads, starts.count))
    while inferenceWorkers.count < workers {
      inferenceWorkers.append((BertModel(sharingParametersOf: model), (Arena(), Arena())))
    }
    let previousThreads = BLASLibrary.threads
    if workers > 1 { BLASLibrary.setThreads(1) }
    defer { if workers > 1 { BLASLibrary.setThreads(previousThreads) } }
    let h = hiddenSize
    withoutActuallyEscaping(consume) { consume in
      // Each worker uses its own graph and arenas, reads the shared parameters and hands out
      // disjoint indices, so sharing these across the workers is safe.
      let shared = WorkerShare(value: (inferenceWorkers, consume))
      // Each worker takes the next batch not taken yet, longest first: on a machine shared with other
      // jobs a worker that loses its core for a while leaves the remaining batches to the others, and
      // the last batches, the ones that can leave a worker idle at the end, are the shortest.
      let queue = BatchQueue()
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        let (graph, arenas) = shared.value.0[w]
        while true {
          let taken = queue.next.add(1, ordering: .relaxed).oldValue
          guard taken < starts.count else { break }
          let b = starts.count - 1 - taken
          let indices = order[starts[b]..<min(starts[b] + batchSize, order.count)]
          let batch = TokenBatch(indices.map { tokens[$0] })
          let hidden = graph.inferenceForward(batch, arenas: arenas)
          for (slot, index) in indices.enumerated() {
            shared.value.1(index, hidden + batch.offsets[slot] * h, batch.lengths[slot])
          }
        }
      }
    }
  }
}

/// Values the workers of `TextEncoder.run` share with a `@Sendable` closure (see there why it is safe).
private struct WorkerShare<Value>: @unchecked Sendable {
  let value: Value
}

/// The next batch index for `TextEncoder.run`'s workers to take.
private final class BatchQueue: Sendable {
  let next = Atomic<Int>(0)
}
