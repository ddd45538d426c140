import Data
import Foundation
import Numerics
import Training

/// `mmolre features extract|info`: builds a feature cache of frozen MiniLM token features from a label
/// table, or describes one. The work happens in `FeatureExtraction` (Data) and `FrozenTextEncoder`.
struct FeaturesCommand: Command {
  static let name = "features"
  static let summary = "extract frozen text-encoder token features of a label table into a cache"
  static let help = """
    Usage: mmolre features extract TABLE [--text-from TABLE2] [--out DIR] [--encoder minilm] [--max-length 64]
                                         [--batch-size 32] [--threads N] [--limit N] [--overwrite]
           mmolre features info DIR

    extract  tokenises each clip's transcript (empty ones filled from --text-from by clip id), keeps at most
             --max-length tokens ([CLS] and [SEP] included), encodes them with the frozen encoder and writes
             the per-token last hidden states to DIR (safetensors shards and manifest.json). Resumable: run
             the same command again after an interruption and finished shards are kept. A cache made with
             another encoder, max length or table is refused (--overwrite replaces it).
    info     what a cache holds and how it was made.

    The presets read cache/{name}_minilm, e.g.
      mmolre features extract ../shared/data/mosi/label.csv \\
        --text-from ../shared/data/mosi/unimse_MOSI-label.csv --out cache/mosi_minilm
    """
  static let options: [OptionSpec] = [
    .value("text-from", "TABLE", "label table whose transcripts fill empty ones, by clip id"),
    .value("out", "DIR", "cache folder (default cache/<dataset>_minilm)"),
    .value("encoder", "NAME", "text encoder (default minilm)"),
    .value("max-length", "N", "tokens per transcript, [CLS] and [SEP] included (default 64)"),
    .value("batch-size", "N", "transcripts per batch (default 32)"),
    .value("threads", "N", "encoder threads (default: OpenBLAS's, e.g. OPENBLAS_NUM_THREADS)"),
    .value("limit", "N", "encode only the first N clips of the table"),
    .value("chunk-size", "N", "clips per shard, the unit of resuming (default 256)"),
    .flag("overwrite", "replace a cache made with other settings"),
    .flag("quiet", "no progress line"),
  ]

  static func run(_ arguments: Arguments) throws {
    guard let action = arguments.positionals.first else {
      throw UsageError("expected a subcommand: extract TABLE or info DIR")
    }
    guard arguments.positionals.count == 2 else {
      throw UsageError(
        arguments.positionals.count < 2 ? "features \(action) needs a path" : "features \(action) takes one path")
    }
    switch action {
    case "extract": try extract(table: arguments.positionals[1], arguments)
    case "info": try info(folder: arguments.positionals[1])
    default:
      let hint = nearestName(to: action, among: ["extract", "info"]).map { "; did you mean \($0)?" } ?? ""
      throw UsageError("unknown subcommand \(action)\(hint)")
    }
  }

  static func positive(_ arguments: Arguments, _ name: String, minimum: Int = 1) throws -> Int? {
    guard let value = try arguments.int(name) else { return nil }
    if value < minimum { throw UsageError("--\(name): must be at least \(minimum), got \(value)") }
    return value
  }

  static func extract(table: String, _ arguments: Arguments) throws {
    let encoderName = arguments.value("encoder") ?? "minilm"
    let known = try KnownEncoder.named(encoderName)  // an unknown name is a usage error before any reading
    let job = FeatureExtraction(
      tablePath: table, textFromPath: arguments.value("text-from"),
      folder: arguments.value("out") ?? "cache/\(DataConventions.guessSource(path: table))_minilm",
      maxLength: try positive(arguments, "max-length", minimum: 2) ?? 64,
      chunkSize: try positive(arguments, "chunk-size") ?? 256, limit: try positive(arguments, "limit"),
      overwrite: arguments.flag("overwrite"))
    let batchSize = try positive(arguments, "batch-size") ?? 32
    let threads = try positive(arguments, "threads")
    // A folder of other settings is refused before the encoder takes its second to load.
    try job.checkFolder(encoder: known.name, encoderSHA256: known.model.sha256)
    let frozen = try FrozenTextEncoder(name: encoderName)
    let progress = ProgressLine(enabled: !arguments.flag("quiet"))
    let report = try job.run(
      tokenizer: frozen.tokenizer, encoder: frozen.extractionEncoder(batchSize: batchSize, threads: threads)
    ) { p in
      let rate = p.encodeSeconds > 0 ? String(format: ", %.0f clips/s", Double(p.clipsEncoded) / p.encodeSeconds) : ""
      progress.show(
        "features \(ProgressLine.bar(Double(p.clipsDone) / Double(max(p.clipsTotal, 1)))) "
          + "\(p.clipsDone)/\(p.clipsTotal) clips\(rate)")
    }
    progress.clear()
    for note in report.notes { printError("note: \(note)") }
    let splits = DataConventions.splits.compactMap { s in report.clipsPerSplit[s].map { "\(s) \($0)" } }
    print("feature cache: \(report.folder) (\(frozen.known.name), dim \(frozen.dim), max_length \(job.maxLength))")
    print(
      "clips: \(report.clips) (\(splits.joined(separator: ", "))); encoded \(report.encoded), kept \(report.reused)")
    print(String(format: "tokens per clip: %.1f", report.tokensPerClip))
    if report.encoded == 0 {
      print(String(format: "nothing to encode: every shard was kept from an earlier run; total %.1f s", report.seconds))
    } else {
      print(
        String(
          format: "encoding: %.1f s, %.1f clips/s (batch %d, threads %d); total %.1f s", report.encodeSeconds,
          report.clipsPerSecond, batchSize, threads ?? BLASLibrary.threads, report.seconds))
    }
  }

  static func info(folder: String) throws {
    let (manifest, _) = try FeatureCacheManifest.read(folder: folder)
    var perSplit: [String: Int] = [:]
    for shard in manifest.shards { perSplit[shard.split, default: 0] += shard.ids.count }
    let splits = DataConventions.splits.compactMap { s in perSplit[s].map { "\(s) \($0)" } }
    print("\(folder): \(manifest.complete ? "complete" : "unfinished (rerun the extraction to complete it)")")
    print(
      "encoder: \(manifest.encoder) (model sha256 \(manifest.encoderSHA256.prefix(12))...), \(manifest.level) level")
    print("dim \(manifest.dim), max_length \(manifest.maxLength), \(manifest.shards.count) shards")
    print("label table: \(manifest.labelTable)" + (manifest.textFrom.map { ", texts filled from \($0)" } ?? ""))
    print(
      "clips: \(manifest.count) (\(splits.joined(separator: ", ")))" + (manifest.limit.map { ", --limit \($0)" } ?? ""))
    if let tokens = manifest.tokens, manifest.count > 0 {
      print(String(format: "tokens: %d (%.1f per clip)", tokens, Double(tokens) / Double(manifest.count)))
    }
  }
}
