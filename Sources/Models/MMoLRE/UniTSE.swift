// UniTSE: unimodal task-specific feature extraction (reference: mmolre.models.unitse.UniTSE): one or
// two stacked blocks turning one modality's features [rows, d] into one stream per task [S, rows, d].
// Block 1 reads the same input for every stream; block 2 reads each stream's block-1 output.
import Numerics

public final class UniTSE<T: Scalar> {
  public let blocks: [UniTSEBlock<T>]
  public let streams: Int

  public init(_ params: ParameterSet<T>, _ name: String, config: ModelConfig, streams: Int) {
    self.streams = streams
    blocks = (0..<config.nBlocks).map { UniTSEBlock(params, "\(name).blocks.\($0)", config: config, streams: streams) }
  }

  public init(sharing other: UniTSE<T>) {
    streams = other.streams
    blocks = other.blocks.map { UniTSEBlock(sharing: $0) }
  }

  public func initialize(_ params: ParameterSet<T>, rng: inout RandomStream) {
    for block in blocks { block.initialize(params, rng: &rng) }
  }

  public func forward(_ x: UnsafePointer<T>, segments: Segments, _ ctx: Context<T>) -> UnsafeMutablePointer<T> {
    var current = x
    var out: UnsafeMutablePointer<T>? = nil
    for (j, block) in blocks.enumerated() {
      let y = block.forward(current, sharedInput: j == 0, segments: segments, ctx)
      current = UnsafePointer(y)
      out = y
    }
    return out!
  }

  /// Accumulates parameter gradients and `dx` [rows, d] from `dout` [S, rows, d].
  public func backward(
    _ dout: UnsafePointer<T>, balanceWeight: T, segments: Segments, _ ctx: Context<T>, dx: UnsafeMutablePointer<T>
  ) {
    var upstream = dout
    for (j, block) in blocks.enumerated().reversed() {
      if j == 0 {
        block.backward(upstream, balanceWeight: balanceWeight, ctx, dx: dx)
      } else {
        let dInput = ctx.arena.zeroed(streams * segments.rows * block.dModel)
        block.backward(upstream, balanceWeight: balanceWeight, ctx, dx: dInput)
        upstream = UnsafePointer(dInput)
      }
    }
  }
}
