// The bridge from a label table to features: one modality's frames per clip id, from wherever they
// live (a feature cache, frames aligned from a `.csd`, a test's dictionary).

/// One modality's feature frames per clip, looked up by clip id (`video$_$clip`).
public struct ClipFeatures {
  /// Modality name (`text`, `audio`, `vision`); the order of a `[ClipFeatures]` is the model order.
  public let modality: String
  /// Values per frame.
  public let dim: Int
  /// Frames of one clip, row-major (`frames * dim` values), or nil when the clip has none (it is
  /// then left out of the splits and counted). May throw to stop reading (a broken cache file).
  public let lookup: (String) throws -> [Float]?

  public init(modality: String, dim: Int, lookup: @escaping (String) throws -> [Float]?) {
    self.modality = modality
    self.dim = dim
    self.lookup = lookup
  }

  /// Frames from a dictionary keyed by clip id.
  public init(modality: String, dim: Int, byID frames: [String: [Float]]) {
    self.init(modality: modality, dim: dim, lookup: { frames[$0] })
  }
}
