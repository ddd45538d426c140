import Data
import Foundation

/// `mmolre data inspect|validate FILE`: what a label table, MMSA pickle or `.csd` holds, and what is
/// wrong with it. The reading and checking live in the Data module (`DataReader`, `DatasetSummary`).
/// `mmolre data pseudo-label TABLE`: UniMSE-style pseudo emotion labels (`PseudoLabelJob`, Training).
struct DataCommand: Command {
  static let name = "data"
  static let summary = "inspect or validate a label table, MMSA pickle or .csd file; pseudo emotion labels"
  static let help = """
    Usage: mmolre data inspect FILE [options]
           mmolre data validate FILE [options]
           mmolre data pseudo-label TABLE --reference CSV... --out FILE [options]

    inspect   clips per split, sentiment ranges, emotion prevalence, empty transcripts, feature dims,
              lengths and non-finite values (a feature .csd on its own: videos, rows, dim)
    validate  every problem found (missing columns, non-numeric values, unknown modes, labels out of
              range, duplicate ids, empty splits, ...); exit status 65 when there is any

    FILE is a label table (.csv/.tsv in MMSA's label.csv layout), an MMSA pickle (.pkl) or a CMU-SDK
    computational sequence (.csd); the format comes from the name and the first bytes.

    pseudo-label  gives each utterance of an MMSA-layout label table the emotion of its most similar
              reference (ERC) utterance of the same sentiment polarity, by cosine similarity of MiniLM
              sentence embeddings (Hu et al., UniMSE, EMNLP 2022). MELD's classes map to MOSEI's six
              emotions (joy->happy, sadness->sad, neutral->none). When the table has real emotion labels
              (MOSEI) the pseudo labels are scored against them, beside two labellings that ignore the
              text (the polarity's commonest class; a random class within the polarity).
    """
  static let subcommands = ["inspect", "validate", "pseudo-label"]
  static let options: [OptionSpec] = [
    .flag("json", "print JSON for scripts"),
    .value("format", "FORMAT", "table, mmsa or csd (default: detected)"),
    .value("name", "NAME", "dataset name of every clip (default from the path: mosi, mosei, ...)"),
    .value("emotions", "FILE", "emotion labels to join (label table, SDK-derived CSV or label .csd)"),
    .value("text-from", "FILE", "label tables: fill empty transcripts from this table, by clip id"),
    .value("text-field", "FIELD", "MMSA pickles: text or text_bert (default text)"),
    .value("folds", "FILE", ".csd: folds JSON (default: the file's own, else the standard folds)"),
    .value("features", "MODALITY=FILE", ".csd: a feature sequence to align to the segments", repeatable: true),
    .value("reference", "CSV", "pseudo-label: ERC table (MELD *_sent_emo.csv)", repeatable: true),
    .value("out", "FILE", "pseudo-label: CSV of pseudo labels to write"),
    .value("report", "FILE", "pseudo-label: JSON evaluation (default beside --out, .eval.json)"),
    .value("feature-cache", "DIR", "pseudo-label: text feature cache of TABLE to mean-pool instead of encoding"),
    .value("embedding-cache", "DIR", "pseudo-label: folder to keep the reference embeddings in"),
    .value("split", "SPLIT", "pseudo-label: all, train, valid or test (default all)"),
    .value("encoder", "NAME", "pseudo-label: sentence encoder (default minilm)"),
    .value("max-length", "N", "pseudo-label: tokens per transcript (default 64)"),
    .value("batch-size", "N", "pseudo-label: transcripts per batch (default 64)"),
    .value("threads", "N", "pseudo-label: encoder threads (default OpenBLAS's)"),
  ]

  static func run(_ arguments: Arguments) throws {
    guard let action = arguments.positionals.first else {
      throw UsageError("expected a subcommand: \(subcommands.joined(separator: " or ")) FILE")
    }
    guard subcommands.contains(action) else {
      let hint = nearestName(to: action, among: subcommands).map { "; did you mean \($0)?" } ?? ""
      throw UsageError("unknown subcommand \(action)\(hint)")
    }
    if action == "pseudo-label" { return try PseudoLabelOutput.run(arguments) }
    guard arguments.positionals.count == 2 else {
      throw UsageError(
        arguments.positionals.count < 2 ? "data \(action) needs a FILE" : "data \(action) takes one FILE")
    }
    let path = arguments.positionals[1]
    let format = try arguments.value("format").map { text in
      guard let format = DataFormat(rawValue: text) else {
        let known = DataFormat.allCases.map(\.rawValue)
        let hint = nearestName(to: text, among: known).map { "; did you mean \($0)?" } ?? ""
        throw UsageError("--format: \(text) is not one of \(known.joined(separator: ", "))\(hint)")
      }
      return format
    }
    let options = try readOptions(arguments)
    if action == "inspect" {
      try inspect(path: path, format: format, options: options, json: arguments.flag("json"))
    } else {
      try validate(path: path, format: format, options: options, json: arguments.flag("json"))
    }
  }

  static func readOptions(_ arguments: Arguments) throws -> DataReader.Options {
    let textField = arguments.value("text-field") ?? "text"
    guard MMSAPickle.textFields.contains(textField) else {
      throw UsageError("--text-field: \(textField) is not one of \(MMSAPickle.textFields.joined(separator: ", "))")
    }
    let features = try arguments.all("features").map { item -> (modality: String, path: String) in
      guard let eq = item.firstIndex(of: "="), eq != item.startIndex, item.index(after: eq) != item.endIndex else {
        throw UsageError("--features \(item): expected MODALITY=FILE")
      }
      return (String(item[..<eq]), String(item[item.index(after: eq)...]))
    }
    return DataReader.Options(
      name: arguments.value("name"), textField: textField, emotions: arguments.value("emotions"),
      textFrom: arguments.value("text-from"), folds: arguments.value("folds"), features: features)
  }

  static func inspect(path: String, format: DataFormat?, options: DataReader.Options, json: Bool) throws {
    let format = try format ?? DataFormat.detect(path: path)
    if format == .csd, options.features.isEmpty, try DataReader.isFeatureSequence(path: path) {
      // A feature sequence alone has no labels or splits: describe the sequence itself.
      let summary = SequenceSummary(try ComputationalSequence.read(path: path))
      print(json ? summary.json.pretty : summary.text, terminator: json ? "\n" : "")
      return
    }
    let summary = DatasetSummary(
      try DataReader.read(path: path, format: format, options: options), path: path, format: format)
    print(json ? summary.json.pretty : summary.text, terminator: json ? "\n" : "")
  }

  static func validate(path: String, format: DataFormat?, options: DataReader.Options, json: Bool) throws {
    let detected = (try? format ?? DataFormat.detect(path: path)).map(\.rawValue) ?? "unknown"
    let problems = DataReader.problems(path: path, format: format, options: options)
    if json {
      let report: JSONValue = .object([
        ("path", .string(path)), ("format", .string(detected)), ("ok", .bool(problems.isEmpty)),
        ("problems", .array(problems.map { .string($0) })),
      ])
      print(report.pretty)
    } else if problems.isEmpty {
      print("\(path): ok (\(detected))")
    } else {
      print("\(path): \(problems.count) problem\(problems.count == 1 ? "" : "s") (\(detected)):")
      for problem in problems { print("  - \(problem)") }
    }
    if !problems.isEmpty {
      throw DataError("\(path): \(problems.count) problem\(problems.count == 1 ? "" : "s") found")
    }
  }
}
