import Foundation
import Numerics
import Tracker

/// What the store records about the machine and the code of a run.
public enum EnvironmentProbe {
  /// Git commit and dirty flag of the checkout the running binary was built from (found from the
  /// executable's path, `<checkout>/.build/<triple>/<config>/mmolre`), Swift and OpenBLAS versions and core.
  public static func current(threads: Int) -> RunEnvironment {
    let (commit, dirty) = gitState()
    return RunEnvironment(
      gitCommit: commit, gitDirty: dirty, swiftVersion: swiftVersion, openBLASVersion: openBLASVersion,
      openBLASCore: BLASLibrary.coreName, threads: threads)
  }

  /// The compiler that built this binary.
  public static var swiftVersion: String {
    #if compiler(>=6.4)
      return "6.4+"
    #elseif compiler(>=6.3)
      return "6.3"
    #elseif compiler(>=6.2)
      return "6.2"
    #else
      return "6.x"
    #endif
  }

  /// `0.3.21` from OpenBLAS's configuration string (`OpenBLAS 0.3.21 DYNAMIC_ARCH ...`).
  public static var openBLASVersion: String {
    let words = BLASLibrary.configuration.split(separator: " ")
    if let i = words.firstIndex(of: "OpenBLAS"), i + 1 < words.count { return String(words[i + 1]) }
    return BLASLibrary.configuration
  }

  static func gitState() -> (String?, Bool?) {
    // The checkout is the first folder above the executable with a .git (`.build/<triple>/release/mmolre`).
    var folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    var found: URL?
    for _ in 0..<6 where found == nil {
      if FileManager.default.fileExists(atPath: folder.appendingPathComponent(".git").path) { found = folder }
      folder = folder.deletingLastPathComponent()
    }
    guard let checkout = found else { return (nil, nil) }
    guard let commit = git(["rev-parse", "HEAD"], in: checkout.path)?.trimmingCharacters(in: .whitespacesAndNewlines),
      commit.count == 40
    else { return (nil, nil) }
    let status = git(["status", "--porcelain", "--untracked-files=no"], in: checkout.path)
    return (commit, status.map { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty })
  }

  static func git(_ arguments: [String], in folder: String) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git", "-C", folder] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
  }
}
