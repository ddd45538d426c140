import Testing
import Training

@Suite struct EnvironmentProbeTests {
  /// The tests run from the checkout's `.build`, so the probe finds its git commit.
  @Test func findsTheCheckoutsCommit() {
    let environment = EnvironmentProbe.current(threads: 1)
    #expect(environment.gitCommit?.count == 40, "git commit: \(environment.gitCommit ?? "nil")")
    #expect(environment.gitDirty != nil)
    #expect(environment.openBLASCore?.isEmpty == false)
  }
}
