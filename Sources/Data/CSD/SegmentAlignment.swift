// Alignment of a feature sequence to labelled segments, as the CMU-SDK's `align` and the reference's
// `_frames_in` do it: a frame belongs to the segment [start, end] when their intervals overlap by
// more than epsilon seconds, i.e. min(frame end, end) - max(frame start, start) > epsilon. Frames that
// only touch the segment's edge do not count. When a video's frames are sorted by start and end
// (the usual case), only a window found by binary search can overlap.

extension ComputationalSequence {
  /// The SDK's epsilon: overlaps of at most a microsecond do not count.
  public static let alignmentEpsilon = 1e-6

  /// Frames of `video` that overlap `[start, end]` by more than `epsilon` seconds, row-major
  /// (`frames * dim` values, in file order); nil when the sequence has no such video.
  /// - Complexity: O(log n + k) for sorted frames (k frames in the window), else O(n).
  public func frames(video: String, start: Double, end: Double, epsilon: Double = alignmentEpsilon) -> [Float]? {
    guard let entry = entries[video] else { return nil }
    let n = entry.count
    var low = 0
    var high = n
    if n > 64 && entry.isSorted {
      // First frame whose end reaches start; first frame whose start lies past end.
      low = entry.partition(column: 1) { $0 < start }
      high = entry.partition(column: 0) { $0 <= end }
    }
    var out: [Float] = []
    for i in low..<max(low, high) {
      let overlap = min(entry.intervals[2 * i + 1], end) - max(entry.intervals[2 * i], start)
      if overlap > epsilon { out.append(contentsOf: entry.features[(i * dim)..<((i + 1) * dim)]) }
    }
    return out
  }
}

extension ComputationalSequence.Entry {
  /// Whether starts and ends are both non-decreasing.
  var isSorted: Bool {
    var i = 1
    while i < count {
      let startsRise: Bool = intervals[2 * i] >= intervals[2 * i - 2]
      let endsRise: Bool = intervals[2 * i + 1] >= intervals[2 * i - 1]
      if !(startsRise && endsRise) { return false }
      i += 1
    }
    return true
  }

  /// The first row whose interval column `column` fails `belongs` (rows must be sorted on it).
  func partition(column: Int, _ belongs: (Double) -> Bool) -> Int {
    var low = 0
    var high = count
    while low < high {
      let mid = (low + high) / 2
      if belongs(intervals[2 * mid + column]) { low = mid + 1 } else { high = mid }
    }
    return low
  }
}
