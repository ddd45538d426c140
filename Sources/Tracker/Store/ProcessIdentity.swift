// ProcessIdentity: this process's host, pid and start time, and whether a recorded process still lives.
//
// A pid alone can be reused after its process dies; Linux's /proc/PID/stat field 22 (starttime, clock
// ticks since boot) tells a reused pid apart, so a run is found dead even when its pid now belongs to
// another process.
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

struct ProcessIdentity: Equatable {
  let host: String
  let pid: Int
  let startTicks: Int?

  /// This process.
  static var current: ProcessIdentity {
    let pid = Int(getpid())
    return ProcessIdentity(host: hostName(), pid: pid, startTicks: startTicks(of: pid))
  }

  static func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
    return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Field 22 of /proc/PID/stat, or nil when /proc does not know the pid.
  static func startTicks(of pid: Int) -> Int? {
    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat"),
      let text = String(data: data, encoding: .utf8),
      let close = text.lastIndex(of: ")")
    else { return nil }
    // After "pid (comm)" come fields 3...; starttime is field 22, the 20th after the comm.
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 19 else { return nil }
    return Int(fields[19])
  }

  /// Whether the process `pid` that started at `startTicks` is still alive on this host.
  static func isAlive(pid: Int, startTicks: Int?) -> Bool {
    guard pid > 0 else { return false }
    if let now = Self.startTicks(of: pid) {
      // A zombie still has /proc/PID/stat but has exited.
      if isZombie(pid) { return false }
      return startTicks == nil || now == startTicks
    }
    if FileManager.default.fileExists(atPath: "/proc/self/stat") { return false }  // /proc works: pid is gone
    return kill(pid_t(pid), 0) == 0 || errno == EPERM
  }

  private static func isZombie(_ pid: Int) -> Bool {
    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat"),
      let text = String(data: data, encoding: .utf8), let close = text.lastIndex(of: ")")
    else { return false }
    return text[text.index(after: close)...].split(separator: " ").first == "Z"
  }
}
