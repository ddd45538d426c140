// RunFormatter: runs as `mmolre runs` lists them and `mmolre show` details them (text and JSON).
import Data
import Foundation

public enum RunFormatter {
  /// `yyyy-MM-dd HH:mm` in local time (localtime_r: a DateFormatter per row made long listings slow).
  static func date(_ date: Date?) -> String {
    guard let date else { return "-" }
    var seconds = time_t(date.timeIntervalSince1970)
    var parts = tm()
    localtime_r(&seconds, &parts)
    return String(
      format: "%04d-%02d-%02d %02d:%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour,
      parts.tm_min)
  }

  /// The `runs` table: id, name, experiment, status, seed, epochs, best, started, time, tags.
  public static func listing(_ runs: [RunRecord]) -> TextTable {
    let header = ["id", "name", "experiment", "status", "seed", "epochs", "best", "started", "time", "tags"]
    let rows = runs.map { run in
      [
        run.id.short, run.name, run.experiment, run.status.rawValue, String(run.seed), String(run.epochCount),
        run.bestEpoch.map(String.init) ?? "-", date(run.startedAt), NumberFormat.duration(run.trainSeconds),
        run.tags.joined(separator: ","),
      ]
    }
    return TextTable(header: header, rows: rows, rightAligned: [4, 5, 6])
  }

  /// One run's fields as JSON (no config, epochs or results: `show --json` adds those).
  public static func json(_ run: RunRecord) -> JSONValue {
    func optional<T>(_ value: T?, _ wrap: (T) -> JSONValue) -> JSONValue { value.map(wrap) ?? .null }
    let environment = run.environment
    return .object([
      ("id", .string(run.id.uid)), ("name", .string(run.name)), ("experiment", .string(run.experiment)),
      ("status", .string(run.status.rawValue)), ("seed", .int(run.seed)),
      ("started_at", .double(run.startedAt.timeIntervalSince1970)),
      ("finished_at", optional(run.finishedAt) { .double($0.timeIntervalSince1970) }),
      ("heartbeat_at", .double(run.heartbeatAt.timeIntervalSince1970)), ("host", .string(run.host)),
      ("pid", .int(run.pid)), ("config_sha256", .string(run.configSHA256)), ("cell_sha256", .string(run.cellSHA256)),
      ("git_commit", optional(environment.gitCommit) { .string($0) }),
      ("git_dirty", optional(environment.gitDirty) { .bool($0) }),
      ("swift_version", optional(environment.swiftVersion) { .string($0) }),
      ("openblas_version", optional(environment.openBLASVersion) { .string($0) }),
      ("openblas_core", optional(environment.openBLASCore) { .string($0) }),
      ("threads", optional(environment.threads) { .int($0) }), ("resumes", optional(run.resumes) { .string($0.uid) }),
      ("error", optional(run.error) { .string($0) }), ("note", optional(run.note) { .string($0) }),
      ("best_epoch", optional(run.bestEpoch) { .int($0) }),
      ("train_seconds", optional(run.trainSeconds) { .double($0) }),
      ("parameter_count", optional(run.parameterCount) { .int($0) }), ("tags", .array(run.tags.map { .string($0) })),
      ("epochs", .int(run.epochCount)),
    ])
  }

  // MARK: - show

  /// The `show` text: fields, config, epoch curves (a sparkline per metric, and the table when
  /// `epochTable`), results per split, thresholds, checkpoints, fingerprints.
  public static func detail(_ store: Store, _ run: RunRecord, epochTable: Bool, digits: Int = 4) throws -> String {
    var out = header(run)
    out += "\nconfig:\n" + (try store.config(run.id).pretty) + "\n"
    let epochs = try store.epochs(run.id)
    if !epochs.isEmpty {
      out += "\nepochs (\(epochs.count)):\n" + curves(epochs, best: run.bestEpoch, digits: digits).plain()
      if epochTable { out += "\n" + table(epochs, digits: digits).plain() }
    }
    let results = try store.results(run.id)
    if !results.isEmpty { out += "\nresults:\n" + resultTable(results, digits: digits).plain() }
    if let thresholds = try store.thresholds(run.id) {
      out +=
        "\nER thresholds (chosen on valid): " + thresholds.map { NumberFormat.fixed($0, 2) }.joined(separator: " ")
        + "\n"
    }
    let predictions = try store.predictionSplits(run.id)
    if !predictions.isEmpty { out += "predictions stored: " + predictions.joined(separator: ", ") + "\n" }
    let checkpoints = try store.checkpoints(run.id)
    if !checkpoints.isEmpty {
      out += "\ncheckpoints:\n"
      out += TextTable(
        header: ["kind", "epoch", "weights sha256", "weights", "training state"],
        rows: checkpoints.map {
          [
            $0.kind.rawValue, String($0.epoch), String($0.weightsSHA256.prefix(16)),
            NumberFormat.bytes($0.weightsBytes),
            $0.stateBytes.map(NumberFormat.bytes) ?? "-",
          ]
        }, rightAligned: [1, 3, 4]
      ).plain()
    }
    let fingerprints = try store.fingerprints(run.id)
    if !fingerprints.isEmpty {
      out += "\ndata fingerprints (sha256):\n"
      for (file, hash) in fingerprints.sorted(by: { $0.key < $1.key }) { out += "  \(hash.prefix(16))  \(file)\n" }
    }
    return out
  }

  private static func header(_ run: RunRecord) -> String {
    let environment = run.environment
    var lines = [
      "run \(run.id.uid)  \(run.name)  [\(run.status.rawValue)]",
      "experiment \(run.experiment), seed \(run.seed), host \(run.host) pid \(run.pid)",
      "started \(date(run.startedAt)), finished \(date(run.finishedAt)), training \(NumberFormat.duration(run.trainSeconds))",
    ]
    var code: [String] = []
    if let commit = environment.gitCommit {
      code.append("git \(commit.prefix(12))\(environment.gitDirty == true ? " (dirty)" : "")")
    }
    if let swift = environment.swiftVersion { code.append("swift \(swift)") }
    if let blas = environment.openBLASVersion { code.append(blas) }
    if let core = environment.openBLASCore { code.append("core \(core)") }
    if let threads = environment.threads { code.append("\(threads) thread\(threads == 1 ? "" : "s")") }
    if !code.isEmpty { lines.append(code.joined(separator: ", ")) }
    if let count = run.parameterCount {
      lines.append("parameters \(count), best epoch \(run.bestEpoch.map(String.init) ?? "-")")
    }
    lines.append("config sha256 \(run.configSHA256.prefix(16))")
    if let resumes = run.resumes { lines.append("resumes run \(resumes.uid)") }
    if !run.tags.isEmpty { lines.append("tags: " + run.tags.joined(separator: ", ")) }
    if let note = run.note { lines.append("note: " + note) }
    if let error = run.error { lines.append("error: " + error) }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Metric keys of the epochs, training first: `train.loss`, then `valid.loss`, then the rest.
  static func epochKeys(_ epochs: [EpochRecord]) -> [(split: String, key: String)] {
    func ordered(_ keys: Set<String>) -> [String] {
      keys.sorted { a, b in a == "loss" ? b != "loss" : (b != "loss" && a < b) }
    }
    let train = ordered(Set(epochs.flatMap { $0.train.keys }))
    let valid = ordered(Set(epochs.flatMap { $0.valid.keys }))
    return train.map { ("train", $0) } + valid.map { ("valid", $0) }
  }

  private static func value(_ epoch: EpochRecord, _ split: String, _ key: String) -> Double {
    (split == "train" ? epoch.train[key] : epoch.valid[key]) ?? .nan
  }

  /// One line per metric: sparkline, first, last, best value and its epoch.
  static func curves(_ epochs: [EpochRecord], best: Int?, digits: Int) -> TextTable {
    var rows: [[String]] = []
    rows.append(
      [
        "learning rate", Sparkline.render(epochs.map(\.learningRate)),
        NumberFormat.fixed(epochs.first?.learningRate, 6),
        NumberFormat.fixed(epochs.last?.learningRate, 6), "",
      ])
    for (split, key) in epochKeys(epochs) {
      let series = epochs.map { value($0, split, key) }
      let lower = Comparison.lowerIsBetter(key)
      let finite = zip(epochs, series).filter { $0.1.isFinite }
      let extreme = lower ? finite.min(by: { $0.1 < $1.1 }) : finite.max(by: { $0.1 < $1.1 })
      rows.append(
        [
          "\(split).\(key)", Sparkline.render(series), NumberFormat.fixed(series.first, digits),
          NumberFormat.fixed(series.last, digits),
          extreme.map { "\(NumberFormat.fixed($0.1, digits)) @\($0.0.epoch)" } ?? "-",
        ])
    }
    let header = ["metric", "curve", "first", "last", lower(best)]
    return TextTable(header: header, rows: rows, rightAligned: [2, 3, 4])
  }

  private static func lower(_ best: Int?) -> String { best.map { "best (selected @\($0))" } ?? "best" }

  /// The epoch table: epoch, learning rate, steps, seconds, every metric.
  static func table(_ epochs: [EpochRecord], digits: Int) -> TextTable {
    let keys = epochKeys(epochs)
    let header = ["epoch", "lr", "steps", "seconds"] + keys.map { "\($0.split).\($0.key)" }
    let rows = epochs.map { epoch in
      [
        String(epoch.epoch), String(format: "%.3g", epoch.learningRate), String(epoch.steps),
        NumberFormat.fixed(epoch.seconds, 1),
      ]
        + keys.map { NumberFormat.fixed(value(epoch, $0.split, $0.key), digits) }
    }
    return TextTable(header: header, rows: rows, rightAligned: Set(0..<header.count))
  }

  /// Results: one row per metric, one column per split.
  static func resultTable(_ results: [String: [String: Double]], digits: Int) -> TextTable {
    let usual = ["train", "valid", "test"]
    let splits = results.keys.sorted { a, b in
      let x = usual.firstIndex(of: a) ?? usual.count
      let y = usual.firstIndex(of: b) ?? usual.count
      return x != y ? x < y : a < b
    }
    let metrics = Set(results.values.flatMap { $0.keys }).sorted()
    let rows = metrics.map { metric in
      [metric] + splits.map { results[$0]?[metric].map { NumberFormat.fixed($0, digits) } ?? "-" }
    }
    return TextTable(header: ["metric"] + splits, rows: rows, rightAligned: Set(1...splits.count))
  }

  /// `show --json`: the run's fields plus config, epochs, results, thresholds, checkpoints, fingerprints.
  public static func detailJSON(_ store: Store, _ run: RunRecord) throws -> JSONValue {
    guard case .object(var pairs) = json(run) else { return json(run) }
    func numbers(_ map: [String: Double]) -> JSONValue {
      .object(map.sorted(by: { $0.key < $1.key }).map { ($0.key, $0.value.isFinite ? .double($0.value) : .null) })
    }
    pairs.append(("config", try store.config(run.id)))
    pairs.append(
      (
        "epochs",
        .array(
          try store.epochs(run.id).map { epoch in
            .object([
              ("epoch", .int(epoch.epoch)), ("learning_rate", .double(epoch.learningRate)),
              ("seconds", .double(epoch.seconds)), ("steps", .int(epoch.steps)), ("train", numbers(epoch.train)),
              ("valid", numbers(epoch.valid)),
              (
                "routing",
                .array(
                  epoch.routing.map {
                    .object([
                      ("task", .string($0.task)), ("modality", .string($0.modality)), ("block", .int($0.block)),
                      ("gates", .array($0.gates.map { .double($0) })),
                    ])
                  })
              ),
            ])
          })
      ))
    pairs.append(
      (
        "results",
        .object(try store.results(run.id).sorted(by: { $0.key < $1.key }).map { ($0.key, numbers($0.value)) })
      ))
    pairs.append(("thresholds", try store.thresholds(run.id).map { .array($0.map { .double($0) }) } ?? .null))
    pairs.append(
      (
        "checkpoints",
        .array(
          try store.checkpoints(run.id).map {
            .object([
              ("kind", .string($0.kind.rawValue)), ("epoch", .int($0.epoch)),
              ("weights_sha256", .string($0.weightsSHA256)),
              ("weights_bytes", .int($0.weightsBytes)), ("state_bytes", $0.stateBytes.map { .int($0) } ?? .null),
            ])
          })
      ))
    pairs.append(
      (
        "fingerprints",
        .object(try store.fingerprints(run.id).sorted(by: { $0.key < $1.key }).map { ($0.key, .string($0.value)) })
      ))
    return .object(pairs)
  }
}
