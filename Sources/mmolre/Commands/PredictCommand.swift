import Data
import Foundation
import Metrics
import Tracker
import Training

/// `mmolre predict`: sentiment and emotions of new utterances from a trained text model.
enum PredictCommand: Command {
  static let name = "predict"
  static let summary = "sentiment in [-3, 3] and the six emotions of new utterances from a text model"
  static let help = """
    Usage: mmolre predict --model NAME [--version N] [TEXT...] [--file PATH] [--json] [--store PATH]
           mmolre predict --run RUN ... | --weights FILE ...

    Predicts with a model registered in the store's zoo (`mmolre zoo build NAME` or `zoo import`), a run's
    best checkpoint, or a weights file (`mmolre zoo export`). Texts come from the arguments, else from
    --file (one per line), else from standard input (one per line). The emotion probabilities are the
    presence probabilities; "present" uses the thresholds chosen on validation.
    """
  static let options: [OptionSpec] = [
    .value("model", "NAME", "a model registered in the store"),
    .value("version", "N", "its version (default: the latest)"),
    .value("run", "RUN", "a run's best checkpoint instead"),
    .value("weights", "FILE", "a weights or zoo-export file instead"),
    .value("file", "PATH", "texts, one per line"),
    .flag("json", "print JSON"),
    StoreAccess.option,
  ]

  static func run(_ arguments: Arguments) throws {
    let (weights, origin) = try loadWeights(arguments)
    let predictor = try Predictor(weights: try SafetensorsFile(bytes: weights, origin: origin), origin: origin)
    let texts = try readTexts(arguments)
    guard !texts.isEmpty else {
      throw UsageError("no text given: pass it as arguments, with --file or on standard input")
    }
    let predictions = predictor.predict(texts)
    if arguments.flag("json") {
      print(JSONValue.array(predictions.map(json)).pretty)
    } else {
      print(table(predictions))
    }
  }

  static func loadWeights(_ arguments: Arguments) throws -> ([UInt8], String) {
    let sources = ["model", "run", "weights"].filter { arguments.value($0) != nil }
    guard sources.count == 1 else { throw UsageError("give exactly one of --model, --run and --weights") }
    if let path = arguments.value("weights") {
      guard let data = FileManager.default.contents(atPath: path) else {
        throw DataError("\(path): cannot read the file")
      }
      let bytes = [UInt8](data)
      if let (_, weights) = try? ZooArchive.unpack(bytes, origin: path) { return (weights, path) }
      return (bytes, path)
    }
    let store = try StoreAccess.open(arguments)
    if let reference = arguments.value("run") {
      let run = try store.run(reference)
      guard let best = try store.checkpoint(run.id, kind: .best) else {
        throw TrackerError(.state, "run \(run.id.short) has no best checkpoint yet")
      }
      return (best.weights, "run \(run.id.short) best checkpoint")
    }
    let name = arguments.value("model")!
    let model = try store.registeredModel(name: name, version: try arguments.int("version"))
    return (try store.weights(of: model), "model \(model.name) v\(model.version)")
  }

  static func readTexts(_ arguments: Arguments) throws -> [String] {
    if !arguments.positionals.isEmpty { return arguments.positionals }
    let text: String
    if let path = arguments.value("file") {
      guard let data = FileManager.default.contents(atPath: path), let decoded = String(data: data, encoding: .utf8)
      else {
        throw DataError("\(path): cannot read the file as UTF-8 text")
      }
      text = decoded
    } else {
      text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    }
    return text.split(whereSeparator: \.isNewline).map(String.init).filter {
      !$0.trimmingCharacters(in: .whitespaces).isEmpty
    }
  }

  static func json(_ p: TextPrediction) -> JSONValue {
    var fields: [(String, JSONValue)] = [("text", .string(p.text))]
    if let s = p.sentiment { fields.append(("sentiment", .double(s))) }
    if let e = p.emotions {
      fields.append(("emotions", .object(zip(MetricKeys.emotions, e).map { ($0, .double($1)) })))
      fields.append(("present", .array(zip(MetricKeys.emotions, p.present!).filter(\.1).map { .string($0.0) })))
    }
    return .object(fields)
  }

  static func table(_ predictions: [TextPrediction]) -> String {
    var header = ["text"]
    if predictions.first?.sentiment != nil { header.append("sentiment") }
    if predictions.first?.emotions != nil { header += MetricKeys.emotions }
    let rows = predictions.map { p -> [String] in
      var row = [p.text.count > 48 ? String(p.text.prefix(45)) + "..." : p.text]
      if let s = p.sentiment { row.append(String(format: "%+.2f", s)) }
      if let e = p.emotions {
        row += e.enumerated().map { j, v in String(format: "%.2f", v) + (p.present![j] ? "*" : "") }
      }
      return row
    }
    var text = TextTable(header: header, rows: rows, rightAligned: Set(1..<header.count)).plain()
    if predictions.first?.emotions != nil { text += "\n* present at the threshold chosen on validation" }
    return text
  }
}
