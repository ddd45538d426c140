import Numerics

/// What one forward/backward pass runs with: the parameters, an arena for activations and
/// gradients, the mode, and the random streams for dropout and gate noise.
///
/// Layers take their buffers from `arena`; the trainer resets it after every step, so a step in
/// steady state allocates nothing.
public final class Context<T: Scalar> {
  public let params: ParameterSet<T>
  public let arena: Arena<T>
  /// Dropout and gate noise act only in training mode.
  public var training: Bool
  public var dropoutRandom: RandomStream
  public var noiseRandom: RandomStream

  public init(params: ParameterSet<T>, arena: Arena<T> = Arena(), training: Bool, seed: UInt64 = 0) {
    self.params = params
    self.arena = arena
    self.training = training
    dropoutRandom = RandomStream(seed: seed, stream: RandomStreamID.dropout)
    noiseRandom = RandomStream(seed: seed, stream: RandomStreamID.gateNoise)
  }

  @inlinable public func value(_ ref: ParameterRef) -> UnsafeMutablePointer<T> { params.value(ref) }
  @inlinable public func gradient(_ ref: ParameterRef) -> UnsafeMutablePointer<T> { params.gradient(ref) }
}

/// Stream ids of the counter-based generator, one per use, so no two uses ever share draws.
public enum RandomStreamID {
  public static let initialization: UInt64 = 1
  public static let dropout: UInt64 = 2
  public static let gateNoise: UInt64 = 3
  public static let shuffle: UInt64 = 4
}
