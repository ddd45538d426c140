// Sentence embeddings from token states (reference: sentence-transformers' Pooling with mean mode and
// its Normalize module, as all-MiniLM-L6-v2 is configured): the mean over the real tokens, then
// x / max(||x||_2, 1e-12) (torch.nn.functional.normalize's eps).
import Numerics

public enum SentencePooling {
  /// The L2-normalised mean of `tokens` rows of `rows` [tokens, width]; zeros for no tokens.
  public static func meanNormalized<T: Scalar>(_ rows: UnsafePointer<T>, tokens: Int, width: Int) -> [T] {
    var mean = [T](repeating: 0, count: width)
    for t in 0..<tokens {
      for j in 0..<width { mean[j] += rows[t * width + j] }
    }
    let inverseCount = 1 / T(max(tokens, 1))
    var squares: T = 0
    for j in 0..<width {
      mean[j] *= inverseCount
      squares += mean[j] * mean[j]
    }
    let inverseNorm = 1 / max(T.sqrt(squares), T(1e-12))
    return mean.map { $0 * inverseNorm }
  }
}
