import Foundation
import Training

/// A one-line progress bar on standard error, redrawn in place; silent when stderr is not a terminal.
final class ProgressLine {
  private let enabled: Bool
  private var lastDraw = Date.distantPast
  private var visible = false

  init(enabled: Bool) { self.enabled = enabled && standardErrorIsTerminal }

  /// Redraws at most ten times a second unless `force`.
  func show(_ text: String, force: Bool = false) {
    guard enabled else { return }
    let now = Date()
    guard force || now.timeIntervalSince(lastDraw) > 0.1 else { return }
    lastDraw = now
    printError("\r\u{1B}[K" + text, terminator: "")
    visible = true
  }

  /// Removes the bar so that a normal line can be printed.
  func clear() {
    guard enabled, visible else { return }
    printError("\r\u{1B}[K", terminator: "")
    visible = false
  }

  /// `[#####.....]` for a fraction in [0, 1].
  static func bar(_ fraction: Double, width: Int = 20) -> String {
    let filled = max(0, min(width, Int((fraction * Double(width)).rounded())))
    return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
  }
}
