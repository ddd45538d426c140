// A padded mini-batch: per modality features [B, T, D] (zero on padding) and a mask [B, T]
// (1 = real step); labels with a mask per task (reference: mmolre.data.dataset.Batch and collate).
// An empty sequence keeps one all-zero masked step, so pooling stays defined.
import Data
import Numerics

public final class Batch<T: Scalar> {
  public let modalities: [String]
  public let featureDims: [Int]
  public private(set) var size = 0
  /// Padded steps per modality.
  public private(set) var steps: [Int]
  public private(set) var features: [UnsafeMutablePointer<T>]
  public private(set) var masks: [UnsafeMutablePointer<T>]
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
    steps = Array(repeating: 0, count: modalities.count)
    let placeholder = UnsafeMutablePointer<T>.allocate(capacity: 1)
    features = Array(repeating: placeholder, count: modalities.count)
    masks = features
    sentiment = placeholder
    sentimentMask = placeholder
    emotions = placeholder
    emotionPresence = placeholder
    emotionMask = placeholder
    self.placeholder = placeholder
  }

  private let placeholder: UnsafeMutablePointer<T>
  deinit { placeholder.deallocate() }

  /// Fills the batch with dataset rows `indices` in buffers from `arena` (valid until its reset).
  public func fill(from dataset: MultimodalDataset, rows indices: ArraySlice<Int>, arena: Arena<T>) {
    let b = indices.count
    size = b
    rows.removeAll(keepingCapacity: true)
    rows.append(contentsOf: indices)
    for (m, name) in modalities.enumerated() {
      let sequences = dataset.features[name]!
      let dim = featureDims[m]
      var longest = 1
      for i in indices { longest = max(longest, sequences.length(i)) }
      steps[m] = longest
      let x = arena.zeroed(b * longest * dim)
      let mask = arena.zeroed(b * longest)
      sequences.values.withUnsafeBufferPointer { values in
        for (slot, i) in indices.enumerated() {
          let length = sequences.length(i)
          let source = values.baseAddress! + sequences.offsets[i] * dim
          let target = x + slot * longest * dim
          for j in 0..<(length * dim) { target[j] = T(source[j]) }
          for step in 0..<length { mask[slot * longest + step] = 1 }
        }
      }
      features[m] = x
      masks[m] = mask
    }
    fillLabels(count: b, arena: arena) { slot, j in
      let i = indices[indices.startIndex + slot]
      return Double(j < 0 ? dataset.sentiment[i] : dataset.emotions[6 * i + j])
    }
  }

  /// Fills the batch from raw arrays (tests, golden files, prediction on new text).
  /// `features[m]` is [B, steps[m], D_m] and `masks[m]` [B, steps[m]].
  public func fill(
    size b: Int, steps: [Int], features: [[T]], masks: [[T]], sentiment: [Double], emotions: [Double], arena: Arena<T>
  ) {
    size = b
    rows = Array(0..<b)
    for m in modalities.indices {
      self.steps[m] = steps[m]
      let x = arena.take(b * steps[m] * featureDims[m])
      x.update(from: features[m], count: b * steps[m] * featureDims[m])
      let mask = arena.take(b * steps[m])
      mask.update(from: masks[m], count: b * steps[m])
      self.features[m] = x
      self.masks[m] = mask
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
