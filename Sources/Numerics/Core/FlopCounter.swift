import Synchronization

/// Counts the floating-point operations of every `gemm` call while enabled, so a benchmark can
/// report a training step's achieved GFLOP/s. Off by default; the check costs one relaxed load.
public enum FlopCounter {
  static let enabled = Atomic<Bool>(false)
  static let count = Atomic<Int>(0)

  /// Starts counting from zero.
  public static func start() {
    count.store(0, ordering: .relaxed)
    enabled.store(true, ordering: .relaxed)
  }

  /// Stops counting and returns the FLOPs since `start()`.
  @discardableResult
  public static func stop() -> Int {
    enabled.store(false, ordering: .relaxed)
    return count.load(ordering: .relaxed)
  }

  @usableFromInline
  static func add(_ flops: Int) {
    if enabled.load(ordering: .relaxed) { count.add(flops, ordering: .relaxed) }
  }
}
