// A task head (reference: mmolre.models.base.head): Linear(d, d) -> GELU -> Dropout -> Linear(d, out),
// named `heads.<task>.0` and `heads.<task>.3` after their places in that sequence.
import Numerics

public final class TaskHead<T: Scalar> {
  public let first: Linear<T>
  public let second: Linear<T>
  let dropout: Dropout<T>
  var hidden: UnsafeMutablePointer<T>?
  var rows = 0

  public init(_ params: ParameterSet<T>, _ name: String, dModel: Int, outputs: Int, dropout p: Double) {
    first = Linear(params, "\(name).0", inputs: dModel, outputs: dModel)
    second = Linear(params, "\(name).3", inputs: dModel, outputs: outputs)
    dropout = Dropout(p: p)
  }

  public func initialize(_ params: ParameterSet<T>, rng: inout RandomStream) {
    first.initialize(params, rng: &rng)
    second.initialize(params, rng: &rng)
  }

  /// `[B, d] -> [B, outputs]`.
  public func forward(_ x: UnsafePointer<T>, rows b: Int, _ ctx: Context<T>) -> UnsafeMutablePointer<T> {
    let h = first.forward(x, rows: b, ctx)
    let activated = ctx.arena.take(b * first.outputs)
    geluForward(activated, h, count: b * first.outputs)
    dropout.forward(activated, count: b * first.outputs, ctx)
    hidden = h
    rows = b
    return second.forward(activated, rows: b, ctx)
  }

  /// Accumulates parameter gradients and `dx` [B, d].
  public func backward(_ dout: UnsafePointer<T>, _ ctx: Context<T>, dx: UnsafeMutablePointer<T>) {
    guard let hidden else { preconditionFailure("TaskHead.backward before forward") }
    let width = first.outputs
    let dActivated = ctx.arena.zeroed(rows * width)
    second.backward(dout, ctx, dx: dActivated)
    dropout.backward(dActivated)
    let dh = ctx.arena.zeroed(rows * width)
    geluBackward(dx: dh, dout: dActivated, x: hidden, count: rows * width)
    first.backward(dh, ctx, dx: dx)
  }
}
