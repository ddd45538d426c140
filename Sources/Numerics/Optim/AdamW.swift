// AdamW with decoupled weight decay and bias correction (Loshchilov & Hutter 2019; reference:
// torch.optim.AdamW with its defaults betas (0.9, 0.999), eps 1e-8): per step t and element,
//   p <- p (1 - lr wd);  m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2
//   p <- p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// Parameters, gradients and both moments are flat buffers, so a step is one loop per group.

/// A contiguous range of trainable values with its own learning rate (a fine-tuned text encoder
/// trains with `features.text_lr`).
public struct ParameterGroup: Sendable, Hashable {
  public var range: Range<Int>
  public var learningRate: Double
  public init(range: Range<Int>, learningRate: Double) {
    self.range = range
    self.learningRate = learningRate
  }
}

/// AdamW state over a `ParameterSet`'s flat trainable values.
public final class AdamW<T: Scalar> {
  public let beta1: Double
  public let beta2: Double
  public let epsilon: Double
  public let weightDecay: Double
  public var groups: [ParameterGroup]
  /// Steps taken so far (`t` of the bias correction).
  public private(set) var step = 0
  /// First and second moments, each as long as the trainable values.
  public private(set) var m: UnsafeMutableBufferPointer<T>
  public private(set) var v: UnsafeMutableBufferPointer<T>

  public init(
    count: Int, groups: [ParameterGroup], weightDecay: Double, beta1: Double = 0.9, beta2: Double = 0.999,
    epsilon: Double = 1e-8
  ) {
    self.groups = groups
    self.weightDecay = weightDecay
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    m = .allocate(capacity: count)
    m.initialize(repeating: 0)
    v = .allocate(capacity: count)
    v.initialize(repeating: 0)
  }

  deinit {
    m.deallocate()
    v.deallocate()
  }

  /// One update of `values` from `gradients`; `lrScale` multiplies every group's rate (the schedule).
  public func update(
    values: UnsafeMutableBufferPointer<T>, gradients: UnsafeMutableBufferPointer<T>, lrScale: Double = 1
  ) {
    step += 1
    let correction1 = 1 - pow(beta1, Double(step))
    let correction2Root = (1 - pow(beta2, Double(step))).squareRoot()
    let (b1, b2, eps) = (T(beta1), T(beta2), T(epsilon))
    let p = values.baseAddress!
    let g = gradients.baseAddress!
    let mm = m.baseAddress!
    let vv = v.baseAddress!
    for group in groups {
      let lr = group.learningRate * lrScale
      let decay = T(1 - lr * weightDecay)
      let stepSize = T(lr / correction1)
      let invRoot = T(1 / correction2Root)
      for i in group.range {
        p[i] *= decay
        mm[i] = b1 * mm[i] + (1 - b1) * g[i]
        vv[i] = b2 * vv[i] + (1 - b2) * g[i] * g[i]
        p[i] -= stepSize * mm[i] / (T.sqrt(vv[i]) * invRoot + eps)
      }
    }
  }

  /// Restores a saved state (resume): the step count and both moments.
  public func restore(step: Int, m savedM: [T], v savedV: [T]) {
    precondition(savedM.count == m.count && savedV.count == v.count, "optimizer state of another size")
    self.step = step
    _ = m.update(fromContentsOf: savedM)
    _ = v.update(fromContentsOf: savedV)
  }
}

#if canImport(Glibc)
  import Glibc
#endif
