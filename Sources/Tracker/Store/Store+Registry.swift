// Store+Registry: the zoo registry: named, versioned models pointing at a weights blob, a card and
// the run they came from (NULL once that run is removed, or for an imported model).
import Data
import Foundation

/// One registered version of a named model.
public struct RegisteredModel: Sendable {
  public let name: String
  public let version: Int
  /// The run it was trained in, if it is still in the store.
  public let run: RunID?
  public let weightsSHA256: String
  public let weightsBytes: Int
  public let card: JSONValue
  public let registeredAt: Date
}

extension Store {
  /// Registers `name` with `card` and returns its version (1 for a new name, else the next one). The
  /// weights are `weights` when given, else `run`'s best checkpoint (its latest if it has no best). If
  /// the newest version already has these weights and this card, that version is returned instead.
  /// - Throws: `.usage` when neither weights nor a run with a checkpoint is given.
  @discardableResult
  public func registerModel(name: String, card: JSONValue, run: RunID?, weights: [UInt8]? = nil) throws -> Int {
    var bytes = weights
    if bytes == nil, let run {
      guard let checkpoint = try checkpoint(run, kind: .best) ?? checkpoint(run, kind: .last) else {
        throw TrackerError(.usage, "\(describe(run)) has no checkpoint to register as \(name)")
      }
      bytes = checkpoint.weights
    }
    guard let bytes else { throw TrackerError(.usage, "registering \(name): no weights and no run given") }
    let hash = SHA256.hex(bytes)
    let cardText = card.canonical
    return try write {
      let newest = try connection.first(
        "SELECT version, weights, card FROM models WHERE name = ? ORDER BY version DESC LIMIT 1", [.text(name)]
      ) { ($0.int(0), $0.text(1), $0.text(2)) }
      if let newest, newest.1 == hash, newest.2 == cardText { return newest.0 }
      let version = (newest?.0 ?? 0) + 1
      try putBlob(bytes, hash: hash)
      try connection.run(
        "INSERT INTO models (name, version, run, weights, card, registered_at) VALUES (?, ?, ?, ?, ?, ?)",
        [
          .text(name), .int(version), run.map { .integer($0.row) } ?? .null, .text(hash), .text(cardText),
          .real(Self.now),
        ])
      return version
    }
  }

  /// Registered models (all names, or one), by name then version.
  public func registeredModels(name: String? = nil) throws -> [RegisteredModel] {
    let filter = name == nil ? "" : "WHERE m.name = ?"
    return try connection.rows(
      """
      SELECT m.name, m.version, r.uid, m.run, m.weights, b.size, m.card, m.registered_at FROM models m
      JOIN blobs b ON b.sha256 = m.weights LEFT JOIN runs r ON r.id = m.run \(filter) ORDER BY m.name, m.version
      """, name.map { [.text($0)] } ?? []
    ) { row in
      RegisteredModel(
        name: row.text(0), version: row.int(1), run: row.optionalText(2).map { RunID(uid: $0, row: row.int64(3)) },
        weightsSHA256: row.text(4), weightsBytes: row.int(5),
        card: (try? JSONValue(parsing: row.text(6))) ?? .object([]),
        registeredAt: Date(timeIntervalSince1970: row.double(7)))
    }
  }

  /// Version `version` of `name` (the newest when nil).
  /// - Throws: `.usage` naming the nearest registered name when there is none.
  public func registeredModel(name: String, version: Int? = nil) throws -> RegisteredModel {
    let versions = try registeredModels(name: name)
    guard !versions.isEmpty else {
      let names = try connection.rows("SELECT DISTINCT name FROM models") { $0.text(0) }
      throw TrackerError(.usage, "no model \(name) is registered in \(path)\(didYouMean(name, among: names))")
    }
    guard let version else { return versions.last! }
    guard let match = versions.first(where: { $0.version == version }) else {
      throw TrackerError(
        .usage,
        "model \(name) has no version \(version) (versions: \(versions.map { String($0.version) }.joined(separator: ", ")))"
      )
    }
    return match
  }

  /// The model's weights, checked against their sha256.
  public func weights(of model: RegisteredModel) throws -> [UInt8] {
    try readBlob(model.weightsSHA256, owner: "model \(model.name) v\(model.version) weights")
  }
}
