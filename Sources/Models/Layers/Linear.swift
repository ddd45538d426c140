import Numerics

/// A linear layer node, `y = x W^T + b` over `rows` rows (reference: torch.nn.Linear). It remembers
/// its last input for `backward`, so each instance runs once per forward pass.
public final class Linear<T: Scalar> {
  public let weight: ParameterRef
  public let bias: ParameterRef?
  public let inputs: Int
  public let outputs: Int
  var input: UnsafePointer<T>?
  var rows = 0

  /// Registers `name.weight` [outputs, inputs] and `name.bias` [outputs].
  public init(
    _ params: ParameterSet<T>, _ name: String, inputs: Int, outputs: Int, bias: Bool = true, trainable: Bool = true
  ) {
    self.inputs = inputs
    self.outputs = outputs
    weight = params.add("\(name).weight", shape: [outputs, inputs], trainable: trainable)
    self.bias = bias ? params.add("\(name).bias", shape: [outputs], trainable: trainable) : nil
  }

  /// A node over the same parameters as `other` (a weight-shared layer applied to another input).
  public init(sharing other: Linear<T>) {
    weight = other.weight
    bias = other.bias
    inputs = other.inputs
    outputs = other.outputs
  }

  /// PyTorch's default: weight and bias uniform in +-1/sqrt(inputs).
  public func initialize(_ params: ParameterSet<T>, rng: inout RandomStream) {
    let bound = 1 / Double(inputs).squareRoot()
    Initialization.uniform(params.value(weight), count: inputs * outputs, bound: bound, rng: &rng)
    if let bias { Initialization.uniform(params.value(bias), count: outputs, bound: bound, rng: &rng) }
  }

  /// `[rows, inputs] -> [rows, outputs]` into a new arena buffer.
  public func forward(_ x: UnsafePointer<T>, rows: Int, _ ctx: Context<T>) -> UnsafeMutablePointer<T> {
    input = x
    self.rows = rows
    let out = ctx.arena.take(rows * outputs)
    linearForward(
      out, x, ctx.value(weight), bias.map { UnsafePointer(ctx.value($0)) }, rows: rows, inputs: inputs, outputs: outputs
    )
    return out
  }

  /// Accumulates the parameter gradients (when trainable) and `dx` (when given).
  public func backward(_ dy: UnsafePointer<T>, _ ctx: Context<T>, dx: UnsafeMutablePointer<T>?) {
    guard let input else { preconditionFailure("Linear.backward before forward") }
    linearBackward(
      dinp: dx, dweight: weight.trainable ? ctx.gradient(weight) : nil,
      dbias: bias.flatMap { $0.trainable ? ctx.gradient($0) : nil }, dout: dy, inp: input, weight: ctx.value(weight),
      rows: rows, inputs: inputs, outputs: outputs)
  }
}
