import Numerics

/// PyTorch's default initialisations, drawn from the project's counter-based generator.
public enum Initialization {
  /// Uniform in `[-bound, bound)`: `torch.nn.Linear` and `Conv1d` use `bound = 1/sqrt(fan_in)` for
  /// weights (kaiming_uniform with a = sqrt 5) and biases.
  public static func uniform<T: Scalar>(
    _ pointer: UnsafeMutablePointer<T>, count: Int, bound: Double, rng: inout RandomStream
  ) {
    for i in 0..<count { pointer[i] = T((2 * rng.nextUniform() - 1) * bound) }
  }

  /// Xavier/Glorot uniform, `bound = sqrt(6 / (fan_in + fan_out))` (torch.nn.init.xavier_uniform_,
  /// which MultiheadAttention applies to `in_proj_weight`).
  public static func xavierUniform<T: Scalar>(
    _ pointer: UnsafeMutablePointer<T>, fanIn: Int, fanOut: Int, rng: inout RandomStream
  ) {
    uniform(pointer, count: fanIn * fanOut, bound: (6.0 / Double(fanIn + fanOut)).squareRoot(), rng: &rng)
  }

  public static func fill<T: Scalar>(_ pointer: UnsafeMutablePointer<T>, count: Int, value: T) {
    pointer.update(repeating: value, count: count)
  }
}

extension Initialization {
  /// Normal with mean 0 and standard deviation `std` (torch.nn.init.normal_; BERT draws every weight
  /// matrix and embedding table so, with `std = initializer_range = 0.02`).
  public static func normal<T: Scalar>(
    _ pointer: UnsafeMutablePointer<T>, count: Int, std: Double, rng: inout RandomStream
  ) {
    for i in 0..<count { pointer[i] = T(rng.nextNormal() * std) }
  }
}
