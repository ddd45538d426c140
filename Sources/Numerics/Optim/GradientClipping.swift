// Gradient-norm clipping (reference: torch.nn.utils.clip_grad_norm_): the global L2 norm over all
// gradients; when it exceeds `maxNorm`, every gradient is scaled by maxNorm / (norm + 1e-6).

/// Clips in place and returns the norm before clipping.
@discardableResult
public func clipGradientNorm<T: Scalar>(_ gradients: UnsafeMutableBufferPointer<T>, maxNorm: Double) -> Double {
  var sum = 0.0
  for g in gradients { sum += Double(g) * Double(g) }
  let norm = sum.squareRoot()
  let coefficient = maxNorm / (norm + 1e-6)
  if coefficient < 1 {
    let c = T(coefficient)
    for i in gradients.indices { gradients[i] *= c }
  }
  return norm
}

/// Clips several gradient buffers together by their joint norm (a model and its fine-tuned text
/// encoder clip as one set of parameters, as `clip_grad_norm_` over all of a module's parameters).
@discardableResult
public func clipGradientNorm<T: Scalar>(_ buffers: [UnsafeMutableBufferPointer<T>], maxNorm: Double) -> Double {
  var sum = 0.0
  for buffer in buffers { for g in buffer { sum += Double(g) * Double(g) } }
  let norm = sum.squareRoot()
  let coefficient = maxNorm / (norm + 1e-6)
  if coefficient < 1 {
    let c = T(coefficient)
    for buffer in buffers { for i in buffer.indices { buffer[i] *= c } }
  }
  return norm
}
