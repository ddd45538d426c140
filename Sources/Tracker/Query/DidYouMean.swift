// didYouMean: the "; did you mean X?" tail of an error about an unknown name.
import Data

/// `"; did you mean \(nearest)?"` for the candidate nearest to `name`, or "" when none is near.
/// `prefix` is put before the suggestion (`run.` for run fields).
func didYouMean(_ name: String, among candidates: some Sequence<String>, prefix: String = "") -> String {
  nearestName(to: name, among: candidates).map { "; did you mean \(prefix)\($0)?" } ?? ""
}
