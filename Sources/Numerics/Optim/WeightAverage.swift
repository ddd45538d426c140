// An exponential moving average (EMA) of the trainable weights, for validation, selection and the
// saved checkpoint (reference: mmolre.training.averaging.WeightAverage). After update n (counted from
// 1) the decay is min(decay, (1 + n) / (10 + n)), TensorFlow's ExponentialMovingAverage with
// num_updates, so early on the average follows the weights instead of the random initialisation:
//   avg <- avg + (1 - d) (w - avg)

/// The average lives in one flat buffer beside the weights; `swap` exchanges the two in place.
public final class WeightAverage<T: Scalar> {
  public let decay: Double
  public private(set) var updates = 0
  public private(set) var average: UnsafeMutableBufferPointer<T>

  /// Starts at a copy of `values`.
  public init(values: UnsafeMutableBufferPointer<T>, decay: Double) {
    precondition(decay > 0 && decay < 1, "ema decay must lie in (0, 1)")
    self.decay = decay
    average = .allocate(capacity: values.count)
    _ = average.initialize(from: values)
  }

  deinit { average.deallocate() }

  public var currentDecay: Double { min(decay, Double(1 + updates) / Double(10 + updates)) }

  public func update(values: UnsafeMutableBufferPointer<T>) {
    updates += 1
    let weight = T(1 - currentDecay)
    for i in average.indices { average[i] += weight * (values[i] - average[i]) }
  }

  /// Exchanges the average and the weights in place (call twice to restore).
  public func swap(with values: UnsafeMutableBufferPointer<T>) {
    for i in average.indices { (average[i], values[i]) = (values[i], average[i]) }
  }

  /// Restores a saved state (resume).
  public func restore(updates: Int, average saved: [T]) {
    precondition(saved.count == average.count, "weight average of another size")
    self.updates = updates
    _ = average.update(fromContentsOf: saved)
  }
}
