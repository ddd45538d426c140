import Foundation

/// Wall-clock timing helpers: the best of several repeats, since this machine's speed varies.
public enum Timing {
  /// Seconds of one call of `body`.
  public static func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  }

  /// The fastest of `repeats` calls (after one warm-up call).
  public static func best(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var best = Double.infinity
    for _ in 0..<max(repeats, 1) { best = min(best, try seconds(body)) }
    return best
  }
}
