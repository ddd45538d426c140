import Data
import Metrics

/// The splits a run trains and evaluates on, restricted to the model's modalities, with what the
/// store records about them.
public struct PreparedData: Sendable {
  /// `train`, `valid` and `test`.
  public var splits: [String: MultimodalDataset]
  /// Test metrics of the synthetic benchmark's oracle (it sees the latents): the noise floor.
  public var reference: [String: Double]?
  /// A few lines about the data, for logs.
  public var description: String
  /// File name -> sha256 of every input file (label tables, feature caches).
  public var fingerprints: [String: String]

  public init(
    splits: [String: MultimodalDataset], reference: [String: Double]? = nil, description: String = "",
    fingerprints: [String: String] = [:]
  ) {
    self.splits = splits
    self.reference = reference
    self.description = description
    self.fingerprints = fingerprints
  }

  public func split(_ name: String) throws -> MultimodalDataset {
    guard let split = splits[name] else {
      throw DataError("the data has no \(name) split (it has \(splits.keys.sorted()))")
    }
    return split
  }
}
