// ZooArchive: one safetensors file holding a model's weights with its card in the metadata, the form
// `zoo export` writes and `zoo import` reads.
//
// The card goes into `__metadata__` under `mmolre.card` (compact JSON), with `mmolre.model` and
// `mmolre.version`; every other metadata key of the weights is kept. Reading removes the `mmolre.*`
// keys again, so the weights come back byte for byte (the serializer orders tensors and keys) and their
// sha256 is the one the store and the card's `weights_sha256` use.
import Data

public enum ZooArchive {
  static let cardKey = "mmolre.card"
  static let modelKey = "mmolre.model"
  static let versionKey = "mmolre.version"

  /// The archive bytes for `weights` (safetensors) and `card`.
  public static func archive(weights: [UInt8], card: JSONValue, name: String, version: Int) throws -> [UInt8] {
    var file = try SafetensorsFile(bytes: weights, origin: "model \(name) v\(version) weights")
    file.metadata[cardKey] = card.compact
    file.metadata[modelKey] = name
    file.metadata[versionKey] = String(version)
    return file.serialized()
  }

  /// Splits archive bytes into the card and the weights; checks the card and, when it states
  /// `weights_sha256`, the weights against it.
  public static func unpack(_ bytes: [UInt8], origin: String) throws -> (card: ZooCard, weights: [UInt8]) {
    var file: SafetensorsFile
    do {
      file = try SafetensorsFile(bytes: bytes, origin: origin)
    } catch {
      throw TrackerError(.data, "\(error)")
    }
    guard let cardText = file.metadata[cardKey] else {
      throw TrackerError(
        .data, "\(origin): no model card in the metadata (\(cardKey)); not a file `mmolre zoo export` wrote")
    }
    let card = try ZooCard(text: cardText, origin: "\(origin) (\(cardKey))")
    for key in file.metadata.keys where key.hasPrefix("mmolre.") { file.metadata.removeValue(forKey: key) }
    let weights = file.serialized()
    if let expected = card.weightsSHA256 {
      let actual = SHA256.hex(weights)
      guard actual == expected else {
        throw TrackerError(
          .data,
          "\(origin): the weights hash to \(actual.prefix(12))..., the card says \(expected.prefix(12))...; the file was changed"
        )
      }
    }
    return (card, weights)
  }
}
