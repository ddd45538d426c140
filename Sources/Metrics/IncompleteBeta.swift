// The regularized incomplete beta function
//   I_x(a, b) = B(x; a, b) / B(a, b) = x^a (1 - x)^b / (a B(a, b)) * 1 / (1 + d1 / (1 + d2 / (1 + ...)))
// with d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)), d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m)),
// evaluated by the modified Lentz method, and through the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) where
// x > (a + 1) / (a + b + 2) so the continued fraction converges fast.
// Source: Press, Teukolsky, Vetterling, Flannery, "Numerical Recipes", 3rd ed. (2007), section 6.4
// (`Beta::betai`, `Beta::betacf`), and section 5.2 for Lentz's method.

import Foundation

/// The regularized incomplete beta function I_x(a, b), the CDF of a Beta(a, b) variable at x.
///
/// - Precondition: a > 0, b > 0, 0 <= x <= 1.
/// - Complexity: O(sqrt(max(a, b))) continued-fraction terms; accurate to about 1e-14 relative.
public func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
  precondition(a > 0 && b > 0, "regularizedIncompleteBeta: a = \(a) and b = \(b) must be positive")
  precondition(x >= 0 && x <= 1, "regularizedIncompleteBeta: x = \(x) must lie in [0, 1]")
  return regularizedIncompleteBeta(x, complement: 1 - x, a: a, b: b)
}

/// I_x(a, b) with 1 - x and both logarithms passed separately, so callers that know them exactly
/// (the Student t distribution: x = df / (df + t^2), 1 - x = t^2 / (df + t^2), log x = -log1p(t^2 / df))
/// keep full precision near x = 1 and for large a.
func regularizedIncompleteBeta(
  _ x: Double, complement y: Double, logX: Double, logY: Double, a: Double, b: Double
) -> Double {
  if x <= 0 { return 0 }
  if y <= 0 { return 1 }
  let logFront = a * logX + b * logY - logBeta(a, b)  // log of x^a y^b / B(a, b)
  if x < (a + 1) / (a + b + 2) {
    return exp(logFront) * betaContinuedFraction(x, a: a, b: b) / a
  }
  return 1 - exp(logFront) * betaContinuedFraction(y, a: b, b: a) / b
}

func regularizedIncompleteBeta(_ x: Double, complement y: Double, a: Double, b: Double) -> Double {
  regularizedIncompleteBeta(x, complement: y, logX: log(x), logY: log1p(-x), a: a, b: b)
}

/// log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b), rearranged where an argument is 10 or more
/// so that the large, nearly equal lgamma terms do not cancel: with delta(x) = lgamma(x) - ((x - 1/2)
/// log x - x + log(2 pi) / 2) (Stirling's series), s = min(a, b), l = max(a, b),
///   s < 10 <= l:   lgamma(s) + s - s log(s + l) - (l - 1/2) log1p(s / l) + delta(l) - delta(s + l)
///   10 <= s:       log(2 pi) / 2 - log(s) / 2 - s log1p(l / s) - (l - 1/2) log1p(s / l)
///                  + delta(s) + delta(l) - delta(s + l)
/// (the same idea as DiDonato & Morris, ACM TOMS 708, `betaln`).
func logBeta(_ a: Double, _ b: Double) -> Double {
  let s = min(a, b)
  let l = max(a, b)
  if l < 10 { return lgamma(a) + lgamma(b) - lgamma(a + b) }
  let tail = -(l - 0.5) * log1p(s / l) + stirlingCorrection(l) - stirlingCorrection(s + l)
  if s < 10 { return lgamma(s) + s - s * log(s + l) + tail }
  return 0.5 * log(2 * Double.pi) - 0.5 * log(s) - s * log1p(l / s) + stirlingCorrection(s) + tail
}

/// delta(x) = lgamma(x) - ((x - 1/2) log x - x + log(2 pi) / 2) for x >= 10, from Stirling's series
/// 1/(12x) - 1/(360x^3) + 1/(1260x^5) - 1/(1680x^7) + 1/(1188x^9) - 691/(360360x^11); the first omitted
/// term is below 1e-15 there.
func stirlingCorrection(_ x: Double) -> Double {
  let inverse = 1 / x
  let z = inverse * inverse
  let series = 1.0 / 12 - z * (1.0 / 360 - z * (1.0 / 1260 - z * (1.0 / 1680 - z * (1.0 / 1188 - z * 691 / 360360))))
  return series * inverse
}

/// The continued fraction of I_x(a, b) by the modified Lentz method (Numerical Recipes `betacf`).
private func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
  let epsilon = Double.ulpOfOne
  let tiny = Double.leastNormalMagnitude / epsilon
  let qab = a + b
  let qap = a + 1
  let qam = a - 1
  var c = 1.0
  var d = 1 - qab * x / qap
  if abs(d) < tiny { d = tiny }
  d = 1 / d
  var h = d
  for m in 1...100_000 {
    let m = Double(m)
    let m2 = 2 * m
    // Even step d_{2m}.
    var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
    d = 1 + aa * d
    if abs(d) < tiny { d = tiny }
    c = 1 + aa / c
    if abs(c) < tiny { c = tiny }
    d = 1 / d
    h *= d * c
    // Odd step d_{2m+1}.
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
    d = 1 + aa * d
    if abs(d) < tiny { d = tiny }
    c = 1 + aa / c
    if abs(c) < tiny { c = tiny }
    d = 1 / d
    let delta = d * c
    h *= delta
    if abs(delta - 1) <= epsilon { break }
  }
  return h
}
