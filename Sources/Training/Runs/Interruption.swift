import Foundation
import Synchronization

/// Ctrl-C handling: the first SIGINT asks the trainer to stop between steps (the run stays
/// resumable); a second one exits at once.
public enum Interruption {
  static let requested = Atomic<Bool>(false)

  /// Installs the SIGINT and SIGTERM handlers and unblocks both signals on the calling thread: the
  /// signal mask survives exec, and a parent that started mmolre from a thread blocking them (a test
  /// runner's worker thread, some job launchers) would otherwise leave Ctrl-C pending for ever.
  public static func install() {
    let handler: @convention(c) (Int32) -> Void = { signal in
      if Interruption.requested.exchange(true, ordering: .relaxed) { _exit(128 + signal) }
    }
    signal(SIGINT, handler)
    signal(SIGTERM, handler)
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
  }

  /// Whether a stop was asked for.
  public static var isRequested: Bool { requested.load(ordering: .relaxed) }
}
