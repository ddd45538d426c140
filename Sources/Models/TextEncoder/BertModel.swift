// Hugging Face's BertModel without the pooler (reference: transformers BertModel, as
// sentence-transformers runs all-MiniLM-L6-v2): embeddings, then `num_hidden_layers` BertLayers; the
// output is the last hidden state of every token. Rows are packed (`TokenBatch`), so no padding is
// computed. Parameters live in one `ParameterSet` under the checkpoint's own names (no prefix):
// `embeddings.word_embeddings.weight`, `encoder.layer.0.attention.self.query.weight`, ...
//
// Fine-tuning the top k layers: the embeddings and layers 0 ..< L-k are registered non-trainable (their
// values in `params.buffers`), layers L-k ..< L trainable, so `params.values`/`gradients` hold exactly
// what the optimizer updates. `trainableLayers: nil` (or >= L) trains everything, embeddings included.
import Data
import Numerics

public final class BertModel<T: Scalar> {
  public let config: BertModelConfig
  public let params: ParameterSet<T>
  public let embeddings: BertEmbeddings<T>
  public let layers: [BertLayer<T>]
  /// Index of the first trainable layer (0 when the embeddings train too; L when nothing trains).
  public let firstTrainableLayer: Int
  /// Whether the embedding tables and their LayerNorm train.
  public var trainsEmbeddings: Bool { embeddings.word.trainable }

  /// Builds the model with zero weights (call `initialize(seed:)` or `load(_:origin:)`).
  /// - Parameter trainableLayers: nil or >= L trains everything; k in 0 ..< L trains the top k layers.
  /// - Precondition: `trainableLayers` is not negative.
  public convenience init(config: BertModelConfig, trainableLayers: Int? = nil) {
    precondition((trainableLayers ?? 0) >= 0, "trainableLayers must not be negative")
    let count = config.layers
    let params = ParameterSet<T>()
    self.init(
      config: config, firstTrainable: trainableLayers.map { $0 >= count ? 0 : count - $0 } ?? 0, registry: params,
      params: params)
    params.allocate()
  }

  /// Another set of nodes over `other`'s parameters (no copy), so that two threads can each run a
  /// forward pass: a node keeps its last input for backward and serves one pass at a time.
  public convenience init(sharingParametersOf other: BertModel<T>) {
    // Registering the same tensors in the same order into an unallocated set gives the same refs.
    self.init(
      config: other.config, firstTrainable: other.firstTrainableLayer, registry: ParameterSet(), params: other.params)
  }

  private init(config: BertModelConfig, firstTrainable: Int, registry: ParameterSet<T>, params: ParameterSet<T>) {
    self.config = config
    self.params = params
    firstTrainableLayer = firstTrainable
    embeddings = BertEmbeddings(registry, "embeddings", config: config, trainable: firstTrainable == 0)
    layers = (0..<config.layers).map {
      BertLayer(registry, "encoder.layer.\($0)", config: config, trainable: $0 >= firstTrainable)
    }
  }

  /// BERT's random initialisation (normal(0, `std`) weights and tables, zero biases, unit LayerNorms),
  /// in module order from the initialisation stream of `seed`.
  public func initialize(seed: UInt64, std: Double = 0.02) {
    var rng = RandomStream(seed: seed, stream: RandomStreamID.initialization)
    embeddings.initialize(params, std: std, rng: &rng)
    for layer in layers { layer.initialize(params, std: std, rng: &rng) }
  }

  /// Copies every parameter from the checkpoint by name. Tensors the model does not use (the pooler,
  /// `embeddings.position_ids`) are ignored.
  /// - Throws: `ModelError` naming `origin` and the tensor when one is missing, has another shape or
  ///   is not a float tensor.
  @_specialize(exported:true,where T == Float)
  public func load(_ file: SafetensorsFile, origin: String) throws {
    for entry in params.entries {
      guard let tensor = file.tensors[entry.name] else {
        throw ModelError("\(origin): no tensor \(entry.name) (is this a BERT checkpoint of this config?)")
      }
      guard tensor.shape == entry.shape else {
        throw ModelError("\(origin): tensor \(entry.name) has shape \(tensor.shape), the config needs \(entry.shape)")
      }
      let target = params.value(entry.ref)
      switch tensor.dtype {
      case .f32 where T.self == Float.self:
        // Little-endian F32 is Float's own layout (every platform Swift runs on here): one copy.
        tensor.bytes.withUnsafeBytes { raw in
          UnsafeMutableRawPointer(target).copyMemory(from: raw.baseAddress!, byteCount: raw.count)
        }
      case .f32:
        tensor.bytes.withUnsafeBytes { raw in
          for i in 0..<entry.ref.count {
            target[i] = T(
              Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))))
          }
        }
      case .f64, .f16, .bf16:
        let values = tensor.values(as: T.self)
        target.update(from: values, count: values.count)
      default:
        throw ModelError("\(origin): tensor \(entry.name) is \(tensor.dtype.rawValue), not a float tensor")
      }
    }
  }

  /// The embeddings' output [N, H] of a batch.
  @_specialize(exported:true,where T == Float)
  public func embed(_ batch: TokenBatch, _ ctx: Context<T>) -> UnsafeMutablePointer<T> {
    embeddings.forward(batch, ctx)
  }

  /// Runs layers `range` over hidden states `x` [N, H]; returns `x` itself for an empty range.
  @_specialize(exported:true,where T == Float)
  public func forwardLayers(
    _ range: Range<Int>, _ x: UnsafeMutablePointer<T>, batch: TokenBatch, _ ctx: Context<T>
  ) -> UnsafeMutablePointer<T> {
    var hidden = x
    for i in range { hidden = layers[i].forward(hidden, batch: batch, ctx) }
    return hidden
  }

  /// The last hidden state [N, H]: embeddings and every layer.
  @_specialize(exported:true,where T == Float)
  public func forward(_ batch: TokenBatch, _ ctx: Context<T>) -> UnsafeMutablePointer<T> {
    forwardLayers(layers.indices, embed(batch, ctx), batch: batch, ctx)
  }

  /// The last hidden state [N, H] in eval mode, keeping only what the next layer reads: the embeddings
  /// and the layers alternate between the two arenas, each reset before it is reused, so memory stays at
  /// two layers' activations (it stays in cache, and steady state allocates nothing). The output lies in
  /// one of the arenas, valid until its next reset. Not for training: nothing is kept for `backward`.
  @_specialize(exported:true,where T == Float)
  public func inferenceForward(_ batch: TokenBatch, arenas: (Arena<T>, Arena<T>)) -> UnsafeMutablePointer<T> {
    let contexts = [arenas.0, arenas.1].map { arena in
      arena.reset()
      return Context(params: params, arena: arena, training: false)
    }
    var hidden = embed(batch, contexts[0])
    for (i, layer) in layers.enumerated() {
      let ctx = contexts[(i + 1) % 2]
      ctx.arena.reset()
      hidden = layer.forward(hidden, batch: batch, ctx)
    }
    return hidden
  }

  /// Accumulates the gradients of every trainable parameter from `dy` [N, H], the gradient of the last
  /// forward pass's output: through the trainable layers, top first, and into the embeddings when they
  /// train. Frozen layers are not visited, and no input gradient is formed below the lowest trainable one.
  @_specialize(exported:true,where T == Float)
  public func backward(_ dy: UnsafePointer<T>, batch: TokenBatch, _ ctx: Context<T>) {
    let size = batch.rows * config.hiddenSize
    var gradient = dy
    for i in layers.indices.reversed() where i >= firstTrainableLayer {
      let needsInput = i > firstTrainableLayer || trainsEmbeddings
      let dx = needsInput ? ctx.arena.zeroed(size) : nil
      layers[i].backward(gradient, rows: batch.rows, ctx, dx: dx)
      guard let dx else { return }
      gradient = UnsafePointer(dx)
    }
    if trainsEmbeddings { embeddings.backward(gradient, ctx) }
  }
}
