// RunEnvironment: the code and machine a run came from (for reproducing its numbers).

/// What produced a run: code version, toolchain, BLAS build and threads. Host, pid and times are
/// recorded by the store itself. Every field is optional: record what is known.
public struct RunEnvironment: Sendable, Equatable {
  /// `git rev-parse HEAD` of the source tree, and whether it had uncommitted changes.
  public var gitCommit: String?
  public var gitDirty: Bool?
  /// The Swift compiler version the binary was built with.
  public var swiftVersion: String?
  /// `openblas_get_config()` and `openblas_get_corename()`: across machines OpenBLAS picks other
  /// kernels, so figures agree within a tolerance, not bit for bit.
  public var openBLASVersion: String?
  public var openBLASCore: String?
  /// Compute threads the run used.
  public var threads: Int?

  public init(
    gitCommit: String? = nil, gitDirty: Bool? = nil, swiftVersion: String? = nil, openBLASVersion: String? = nil,
    openBLASCore: String? = nil, threads: Int? = nil
  ) {
    self.gitCommit = gitCommit
    self.gitDirty = gitDirty
    self.swiftVersion = swiftVersion
    self.openBLASVersion = openBLASVersion
    self.openBLASCore = openBLASCore
    self.threads = threads
  }
}
