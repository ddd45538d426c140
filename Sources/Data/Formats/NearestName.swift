/// The candidate closest to `name` by edit distance, for "did you mean" hints in error messages;
/// nil when nothing is reasonably close.
public func nearestName(to name: String, among candidates: some Sequence<String>) -> String? {
  var best: (String, Int)?
  for candidate in candidates {
    let distance = editDistance(name.lowercased(), candidate.lowercased())
    if best == nil || distance < best!.1 { best = (candidate, distance) }
  }
  guard let (candidate, distance) = best else { return nil }
  // A hint that needs more edits than about half the name is noise.
  return distance <= max(2, name.count / 2) ? candidate : nil
}

/// Levenshtein distance over Unicode scalars.
public func editDistance(_ a: String, _ b: String) -> Int {
  let x = Array(a.unicodeScalars)
  let y = Array(b.unicodeScalars)
  if x.isEmpty { return y.count }
  if y.isEmpty { return x.count }
  var previous = Array(0...y.count)
  var current = [Int](repeating: 0, count: y.count + 1)
  for i in 1...x.count {
    current[0] = i
    for j in 1...y.count {
      current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
    }
    swap(&previous, &current)
  }
  return previous[y.count]
}
