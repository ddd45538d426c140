import Data
import Numerics

/// The order of training samples in one epoch, drawn from a stream fixed by (seed, epoch), so a
/// resumed run sees exactly the batches an uninterrupted one would.
public enum BatchOrder {
  /// Batches of row indices for `epoch` (0-based).
  ///
  /// Shuffled: a random permutation cut into batches. Grouped by length: the permutation is cut
  /// into pools of 50 batches, each pool sorted by length (longest first) and cut into batches, and
  /// the batches are shuffled — every sample once, little padding (the idea of Hugging Face
  /// Trainer's `group_by_length`, as the reference's `length_grouped_batches`).
  public static func batches(count: Int, batchSize: Int, seed: Int, epoch: Int, lengths: [Int]? = nil) -> [[Int]] {
    var rng = RandomStream(seed: UInt64(truncatingIfNeeded: seed), stream: 1000 &+ UInt64(epoch))
    let order = rng.permutation(count)
    guard let lengths else {
      return stride(from: 0, to: count, by: batchSize).map { Array(order[$0..<min($0 + batchSize, count)]) }
    }
    let pool = batchSize * 50
    var batches: [[Int]] = []
    for start in stride(from: 0, to: count, by: pool) {
      // Stable sort, longest first; ties keep the shuffled order.
      let ranked = order[start..<min(start + pool, count)].enumerated()
        .sorted { a, b in
          lengths[a.element] != lengths[b.element] ? lengths[a.element] > lengths[b.element] : a.offset < b.offset
        }
        .map(\.element)
      for j in stride(from: 0, to: ranked.count, by: batchSize) {
        batches.append(Array(ranked[j..<min(j + batchSize, ranked.count)]))
      }
    }
    return rng.permutation(batches.count).map { batches[$0] }
  }

  /// Each sample's longest sequence over its modalities (frames or tokens).
  public static func lengths(of dataset: MultimodalDataset) -> [Int] {
    (0..<dataset.count).map { i in dataset.modalities.map { dataset.features[$0]!.length(i) }.max() ?? 0 }
  }
}
