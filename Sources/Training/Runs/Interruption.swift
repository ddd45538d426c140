import Foundation
import Synchronization

/// Ctrl-C handling: the first SIGINT asks the trainer to stop between steps (the run stays
/// resumable); a second one exits at once.
public enum Interruption {
  static let requested = Atomic<Bool>(false)

  /// Installs the SIGINT and SIGTERM handlers.
  public static func install() {
    let handler: @convention(c) (Int32) -> Void = { signal in
      if Interruption.requested.exchange(true, ordering: .relaxed) { _exit(128 + signal) }
    }
    signal(SIGINT, handler)
    signal(SIGTERM, handler)
  }

  /// Whether a stop was asked for.
  public static var isRequested: Bool { requested.load(ordering: .relaxed) }
}
