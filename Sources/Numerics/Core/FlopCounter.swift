import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Counts the floating-point operations of every `gemm` call while enabled, and the time spent in
/// them, so a benchmark can report a training step's achieved GFLOP/s and how much of its time the
/// GEMMs take. Off by default; the checks cost two relaxed loads per call.
public enum FlopCounter {
  static let enabled = Atomic<Bool>(false)
  static let count = Atomic<Int>(0)
  static let nanoseconds = Atomic<Int>(0)

  /// Starts counting from zero.
  public static func start() {
    count.store(0, ordering: .relaxed)
    nanoseconds.store(0, ordering: .relaxed)
    enabled.store(true, ordering: .relaxed)
  }

  /// Stops counting and returns the FLOPs since `start()`.
  @discardableResult
  public static func stop() -> Int {
    enabled.store(false, ordering: .relaxed)
    return count.load(ordering: .relaxed)
  }

  /// Seconds spent inside `gemm` calls between `start()` and `stop()`, summed over the threads that
  /// made them (two workers each in GEMMs for 1 s count 2 s).
  public static var gemmSeconds: Double { Double(nanoseconds.load(ordering: .relaxed)) / 1e9 }

  /// A monotonic clock in nanoseconds while counting, else 0 (no clock read).
  @usableFromInline
  static func clock() -> Int {
    guard enabled.load(ordering: .relaxed) else { return 0 }
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return now.tv_sec * 1_000_000_000 + now.tv_nsec
  }

  /// Adds one call's FLOPs, and its time when `started` (from `clock()`) is not 0.
  @usableFromInline
  static func add(_ flops: Int, since started: Int = 0) {
    guard enabled.load(ordering: .relaxed) else { return }
    count.add(flops, ordering: .relaxed)
    if started != 0 { nanoseconds.add(clock() - started, ordering: .relaxed) }
  }
}
