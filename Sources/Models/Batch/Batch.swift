// A mini-batch with the sequences of each modality packed row after row (no padding): modality m
// holds `features[m]` [rows_m, D_m] and `segments(m)` says which rows belong to which sample; labels
// come with a mask per task (reference: mmolre.data.dataset.Batch and collate, which padded and
// masked instead; the valid rows are the same). A sample with an empty sequence owns no rows.
import Data
import Numerics

public final class Batch<T: Scalar> {
  public let modalities: [String]
  public let featureDims: [Int]
  public private(set) var size = 0
  /// Packed features per modality, [rows_m, D_m].
  public private(set) var features: [UnsafeMutablePointer<T>]
  let segmentStorage: [SegmentStorage]
  /// [B] sentiment, 0 where missing; `sentimentMask` 1 where present.
  public private(set) var sentiment: UnsafeMutablePointer<T>
  public private(set) var sentimentMask: UnsafeMutablePointer<T>
  /// [B, 6] intensities (0 where missing) and presence targets (intensity > 0).
  public private(set) var emotions: UnsafeMutablePointer<T>
  public private(set) var emotionPresence: UnsafeMutablePointer<T>
  public private(set) var emotionMask: UnsafeMutablePointer<T>
  /// Dataset rows of the samples, in batch order.
  public private(set) var rows: [Int] = []

  public init(modalities: [String], featureDims: [Int]) {
    self.modalities = modalities
    self.featureDims = featureDims
    segmentStorage = modalities.map { _ in SegmentStorage() }
    let placeholder = UnsafeMutablePointer<T>.allocate(capacity: 1)
    features = Array(repeating: placeholder, count: modalities.count)
    sentiment = placeholder
    sentimentMask = placeholder
    emotions = placeholder
    emotionPresence = placeholder
    emotionMask = placeholder
    self.placeholder = placeholder
  }

  private let placeholder: UnsafeMutablePointer<T>
  deinit { placeholder.deallocate() }

  /// Which rows of modality `m` belong to which sample.
  public func segments(_ m: Int) -> Segments { segmentStorage[m].segments }

  /// Fills the batch with dataset rows `indices` in buffers from `arena` (valid until its reset).
  /// Modalities in `supplied` are left for `setFeatures` (a fine-tuned text encoder's output).
  public func fill(
    from dataset: MultimodalDataset, rows indices: ArraySlice<Int>, arena: Arena<T>, supplied: Set<Int> = []
  ) {
    let b = indices.count
    size = b
    rows.removeAll(keepingCapacity: true)
    rows.append(contentsOf: indices)
    for (m, name) in modalities.enumerated() where !supplied.contains(m) {
      let sequences = dataset.features[name]!
      let dim = featureDims[m]
      let storage = segmentStorage[m]
      storage.set(lengths: indices.lazy.map { sequences.length($0) })
      let x = arena.take(max(storage.segments.rows, 1) * dim)
      sequences.values.withUnsafeBufferPointer { values in
        var target = x
        for i in indices {
          let count = sequences.length(i) * dim
          let source = values.baseAddress! + sequences.offsets[i] * dim
          for j in 0..<count { target[j] = T(source[j]) }
          target += count
        }
      }
      features[m] = x
    }
    fillLabels(count: b, arena: arena) { slot, j in
      let i = indices[indices.startIndex + slot]
      return Double(j < 0 ? dataset.sentiment[i] : dataset.emotions[6 * i + j])
    }
  }

  /// Sets modality `m`'s packed features [rows, D_m] computed elsewhere, one sequence per sample of
  /// the batch with the given lengths.
  public func setFeatures(_ m: Int, _ features: UnsafeMutablePointer<T>, lengths: [Int]) {
    precondition(lengths.count == size, "setFeatures: \(lengths.count) lengths for a batch of \(size)")
    segmentStorage[m].set(lengths: lengths)
    self.features[m] = features
  }

  /// Fills the batch from padded arrays (tests, golden files): `features[m]` is [B, steps[m], D_m]
  /// and `masks[m]` [B, steps[m]] with the valid steps first.
  public func fill(
    size b: Int, steps: [Int], features: [[T]], masks: [[T]], sentiment: [Double], emotions: [Double], arena: Arena<T>
  ) {
    size = b
    rows = Array(0..<b)
    for m in modalities.indices {
      let (t, dim) = (steps[m], featureDims[m])
      let lengths = (0..<b).map { s in (0..<t).filter { masks[m][s * t + $0] != 0 }.count }
      segmentStorage[m].set(lengths: lengths)
      let x = arena.take(max(segmentStorage[m].segments.rows, 1) * dim)
      var target = x
      for s in 0..<b {
        let count = lengths[s] * dim
        target.update(from: Array(features[m][(s * t * dim)..<(s * t * dim + count)]), count: count)
        target += count
      }
      self.features[m] = x
    }
    fillLabels(count: b, arena: arena) { slot, j in j < 0 ? sentiment[slot] : emotions[6 * slot + j] }
  }

  /// `label(slot, -1)` is a sample's sentiment, `label(slot, j)` its intensity of emotion j; NaN = missing.
  private func fillLabels(count b: Int, arena: Arena<T>, label: (Int, Int) -> Double) {
    sentiment = arena.zeroed(b)
    sentimentMask = arena.zeroed(b)
    emotions = arena.zeroed(b * 6)
    emotionPresence = arena.zeroed(b * 6)
    emotionMask = arena.zeroed(b)
    for slot in 0..<b {
      let s = label(slot, -1)
      if !s.isNaN {
        sentiment[slot] = T(s)
        sentimentMask[slot] = 1
      }
      if !(0..<6).contains(where: { label(slot, $0).isNaN }) {
        emotionMask[slot] = 1
        for j in 0..<6 {
          let e = label(slot, j)
          emotions[slot * 6 + j] = T(e)
          emotionPresence[slot * 6 + j] = e > 0 ? 1 : 0
        }
      }
    }
  }
}
