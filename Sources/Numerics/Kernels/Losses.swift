// The training losses (reference: mmolre.training.losses, mmolre.models.router.balance_loss).
// Each returns the loss and writes its gradient scaled by `upstream` (the loss weight).

/// Mean absolute error over the samples with `mask != 0` (torch.nn.functional.l1_loss, masked mean).
/// Writes `dpred = upstream * sign(pred - target) / count` (sign 0 at 0, as PyTorch); 0 with no samples.
@inlinable
public func l1Loss<T: Scalar>(
  _ pred: UnsafePointer<T>, _ target: UnsafePointer<T>, mask: UnsafePointer<T>, count n: Int,
  dpred: UnsafeMutablePointer<T>?, upstream: T = 1
) -> T {
  var total: T = 0
  var valid = 0
  for i in 0..<n where mask[i] != 0 {
    total += abs(pred[i] - target[i])
    valid += 1
  }
  guard valid > 0 else {
    dpred?.update(repeating: 0, count: n)
    return 0
  }
  if let dpred {
    let w = upstream / T(valid)
    for i in 0..<n {
      let diff = pred[i] - target[i]
      dpred[i] = mask[i] == 0 || diff == 0 ? 0 : (diff > 0 ? w : -w)
    }
  }
  return total / T(valid)
}

/// Binary cross-entropy on logits `x` [N, C] against targets `z` in {0, 1}, averaged over the rows
/// with `rowMask != 0` and all columns (torch.nn.functional.binary_cross_entropy_with_logits):
/// `max(x, 0) - x z + log(1 + exp(-|x|))`. Writes `dx = upstream (sigmoid(x) - z) / (rows * C)`.
@inlinable
public func bceWithLogitsLoss<T: Scalar>(
  _ x: UnsafePointer<T>, _ z: UnsafePointer<T>, rowMask: UnsafePointer<T>, rows n: Int, columns c: Int,
  dx: UnsafeMutablePointer<T>?, upstream: T = 1
) -> T {
  var total: T = 0
  var valid = 0
  for r in 0..<n where rowMask[r] != 0 {
    valid += 1
    for j in 0..<c {
      let v = x[r * c + j]
      total += max(v, 0) - v * z[r * c + j] + T.log1p(T.exp(-abs(v)))
    }
  }
  guard valid > 0 else {
    dx?.update(repeating: 0, count: n * c)
    return 0
  }
  let denominator = T(valid * c)
  if let dx {
    for r in 0..<n {
      for j in 0..<c {
        dx[r * c + j] = rowMask[r] == 0 ? 0 : upstream * (sigmoid(x[r * c + j]) - z[r * c + j]) / denominator
      }
    }
  }
  return total / denominator
}

/// Squared coefficient of variation of each expert's mean gate over the batch (Shazeer et al. 2017,
/// "Outrageously Large Neural Networks", importance loss): `var(imp) / mean(imp)^2` with the population
/// variance and the denominator clamped at 1e-10, as the reference. Gates [B, N]; accumulates
/// `dgates += upstream * dL/dgates`.
@inlinable
public func balanceLoss<T: Scalar>(
  _ gates: UnsafePointer<T>, batch b: Int, experts n: Int, dgates: UnsafeMutablePointer<T>?, upstream: T = 1
) -> T {
  guard b > 0, n > 0 else { return 0 }
  return withUnsafeTemporaryAllocation(of: T.self, capacity: n) { importance in
    balanceLoss(gates, batch: b, experts: n, dgates: dgates, upstream: upstream, importance: importance.baseAddress!)
  }
}

/// `balanceLoss` with scratch space for the importance vector (n elements).
@inlinable
func balanceLoss<T: Scalar>(
  _ gates: UnsafePointer<T>, batch b: Int, experts n: Int, dgates: UnsafeMutablePointer<T>?, upstream: T,
  importance: UnsafeMutablePointer<T>
) -> T {
  importance.update(repeating: 0, count: n)
  for s in 0..<b { for e in 0..<n { importance[e] += gates[s * n + e] } }
  for e in 0..<n { importance[e] /= T(b) }
  var mean: T = 0
  for e in 0..<n { mean += importance[e] }
  mean /= T(n)
  var variance: T = 0
  for e in 0..<n { variance += (importance[e] - mean) * (importance[e] - mean) }
  variance /= T(n)
  let clamped = mean * mean < T(1e-10)
  let denominator = clamped ? T(1e-10) : mean * mean
  if let dgates {
    for e in 0..<n {
      // d var / d imp_e = 2 (imp_e - mean) / n; d mean^2 / d imp_e = 2 mean / n (zero when clamped)
      var d = 2 * (importance[e] - mean) / T(n) / denominator
      if !clamped { d -= variance / (denominator * denominator) * 2 * mean / T(n) }
      let perGate = upstream * d / T(b)
      for s in 0..<b { dgates[s * n + e] += perGate }
    }
  }
  return variance / denominator
}
