// `mmolre zoo`: the model zoo: cards compiled in from zoo/ and models registered in the store.
import Data
import Foundation
import Tracker
import Training

enum ZooCommand: Command {
  static let name = "zoo"
  static let summary = "model zoo: list, show, export or import named models"
  static let help = """
    Usage: mmolre zoo list
           mmolre zoo show NAME [--version V]
           mmolre zoo export NAME [--version V] --out FILE.safetensors
           mmolre zoo import FILE.safetensors
           mmolre zoo build NAME | --card FILE.json [--json]

    list: the model cards of this mmolre (zoo/*.json) and the models registered in the store, with
    their versions. show: a card and its registered versions. export: one safetensors file with the
    registered weights and the card in its metadata (mmolre.card). import: registers such a file (its
    weights are checked against the card's weights_sha256). build: trains a card's model into the store
    for each of the card's seeds (a finished identical run is reused, a killed one resumed), registers
    the first seed's selected checkpoint as a new version and checks every metric of the card within the
    card's tolerance; a metric outside it exits with status 1. --card builds from a card file instead of
    one compiled into this mmolre.
    """
  static let options: [OptionSpec] = [
    .value("version", "V", "a registered version (default: the newest)"),
    OutputFile.option,
    .value("card", "FILE", "build: the model card file (default: the card NAME compiled into mmolre)"),
    .flag("json", "build: the result as one JSON object"),
    .flag("quiet", "build: no progress bar"),
    StoreAccess.option,
  ]

  static func run(_ arguments: Arguments) throws {
    guard let action = arguments.positionals.first else {
      throw UsageError("expected list, show, export, import or build")
    }
    let rest = Array(arguments.positionals.dropFirst())
    switch action {
    case "list":
      try list(arguments)
    case "show":
      guard rest.count == 1 else { throw UsageError("zoo show: expected one NAME") }
      try show(rest[0], arguments)
    case "export":
      guard rest.count == 1 else { throw UsageError("zoo export: expected one NAME") }
      guard let out = arguments.value("out") else { throw UsageError("zoo export: --out FILE is required") }
      try export(rest[0], to: out, arguments)
    case "import":
      guard rest.count == 1 else { throw UsageError("zoo import: expected one FILE") }
      try importFile(rest[0], arguments)
    case "build":
      guard rest.count == (arguments.value("card") == nil ? 1 : 0) else {
        throw UsageError("zoo build: expected one NAME, or --card FILE without a NAME")
      }
      try ZooBuildOutput.build(card: try buildCard(name: rest.first, arguments), arguments)
    default:
      let hint =
        nearestName(to: action, among: ["list", "show", "export", "import", "build"]).map {
          "; did you mean \($0)?"
        } ?? ""
      throw UsageError("unknown zoo action \(action)\(hint)")
    }
  }

  /// The card `zoo build` trains: `--card FILE`, else the compiled-in card NAME.
  private static func buildCard(name: String?, _ arguments: Arguments) throws -> ZooCard {
    if let path = arguments.value("card") {
      guard let data = FileManager.default.contents(atPath: path) else {
        throw UsageError("--card \(path): cannot read the file")
      }
      return try ZooCard(text: String(decoding: data, as: UTF8.self), origin: path)
    }
    let cards = try ZooCard.embedded()
    guard let name, let card = cards.first(where: { $0.name == name }) else {
      let hint = name.flatMap { nearestName(to: $0, among: cards.map(\.name)) }.map { "; did you mean \($0)?" } ?? ""
      throw UsageError(
        "no model card named \(name ?? "") in this mmolre\(hint) (cards: \(cards.map(\.name).joined(separator: ", "))); "
          + "build another card with --card FILE")
    }
    return card
  }

  /// The registered models, or none when there is no store yet.
  private static func registered(_ arguments: Arguments) throws -> [RegisteredModel] {
    let path = Store.resolvePath(explicit: arguments.value("store"))
    guard FileManager.default.fileExists(atPath: path) else { return [] }
    return try StoreAccess.open(arguments).registeredModels()
  }

  private static func list(_ arguments: Arguments) throws {
    let cards = try ZooCard.embedded()
    let models = try registered(arguments)
    let names = Set(cards.map(\.name)).union(models.map(\.name)).sorted()
    guard !names.isEmpty else {
      print("no model cards in this build and no registered models")
      return
    }
    let rows = names.map { name -> [String] in
      let card = cards.first { $0.name == name }
      let versions = models.filter { $0.name == name }
      return [
        name, card == nil ? "-" : "yes",
        versions.isEmpty ? "-" : versions.map { "v\($0.version)" }.joined(separator: " "),
        (card?.json ?? versions.last?.card)?["description"]?.stringValue ?? "",
      ]
    }
    print(TextTable(header: ["name", "card", "registered", "description"], rows: rows).plain(), terminator: "")
  }

  private static func show(_ name: String, _ arguments: Arguments) throws {
    let card = try ZooCard.embedded().first { $0.name == name }
    let versions = try registered(arguments).filter { $0.name == name }
    guard card != nil || !versions.isEmpty else {
      let known = try ZooCard.embedded().map(\.name) + registered(arguments).map(\.name)
      let hint = nearestName(to: name, among: known).map { "; did you mean \($0)?" } ?? ""
      throw UsageError("no model card or registered model named \(name)\(hint)")
    }
    let shown: JSONValue
    if let version = try arguments.int("version") {
      guard let match = versions.first(where: { $0.version == version }) else {
        throw UsageError("--version: \(name) has no registered version \(version)")
      }
      shown = match.card
    } else {
      shown = card?.json ?? versions.last!.card
    }
    print(shown.pretty)
    if !versions.isEmpty {
      let rows = versions.map {
        ["v\($0.version)", $0.run?.short ?? "-", String($0.weightsSHA256.prefix(16)), String($0.weightsBytes)]
      }
      print("\nregistered:")
      print(TextTable(header: ["version", "run", "weights sha256", "bytes"], rows: rows).plain(), terminator: "")
    }
  }

  private static func export(_ name: String, to path: String, _ arguments: Arguments) throws {
    let store = try StoreAccess.open(arguments)
    let model = try store.registeredModel(name: name, version: try arguments.int("version"))
    var card = model.card
    if case .object = card, card["weights_sha256"] == nil { card.set("weights_sha256", .string(model.weightsSHA256)) }
    let bytes = try ZooArchive.archive(
      weights: try store.weights(of: model), card: card, name: model.name, version: model.version)
    try AtomicFile.write(bytes, to: path)
    print("wrote \(path): \(model.name) v\(model.version), \(bytes.count) bytes")
  }

  private static func importFile(_ path: String, _ arguments: Arguments) throws {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw UsageError("\(path): cannot read the file")
    }
    let (card, weights) = try ZooArchive.unpack([UInt8](data), origin: path)
    // The card records its weights' hash, so exporting and importing again gives the same version.
    var json = card.json
    if json["weights_sha256"] == nil { json.set("weights_sha256", .string(SHA256.hex(weights))) }
    let store = try StoreAccess.open(arguments, create: true)
    let version = try store.registerModel(name: card.name, card: json, run: nil, weights: weights)
    print("registered \(card.name) v\(version) (weights \(SHA256.hex(weights).prefix(16)))")
  }
}
