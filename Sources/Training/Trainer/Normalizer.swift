import Data
import Models
import Numerics

/// Per-modality feature standardisation with training-split statistics (reference:
/// `MultimodalModel.fit_normalizer`): the mean and population standard deviation of every feature
/// dimension over all frames of the training split, in Double; standard deviations below 1e-6 are
/// raised to it.
public enum Normalizer {
  public static func fit(_ model: MMoLREModel<Float>, on train: MultimodalDataset, skipping skipped: Set<String> = []) {
    for (m, name) in model.config.modalities.enumerated() where !skipped.contains(name) {
      guard let sequences = train.features[name] else { continue }
      let dim = sequences.dim
      var sum = [Double](repeating: 0, count: dim)
      var squares = [Double](repeating: 0, count: dim)
      let frames = sequences.values.count / max(dim, 1)
      sequences.values.withUnsafeBufferPointer { values in
        for f in 0..<frames {
          for j in 0..<dim {
            let x = Double(values[f * dim + j])
            sum[j] += x
          }
        }
        let mean = sum.map { $0 / Double(max(frames, 1)) }
        for f in 0..<frames {
          for j in 0..<dim {
            let x = Double(values[f * dim + j]) - mean[j]
            squares[j] += x * x
          }
        }
        let meanPointer = model.params.value(model.means[m])
        let stdPointer = model.params.value(model.stds[m])
        for j in 0..<dim {
          meanPointer[j] = Float(mean[j])
          stdPointer[j] = Float(max((squares[j] / Double(max(frames, 1))).squareRoot(), 1e-6))
        }
      }
    }
  }
}
