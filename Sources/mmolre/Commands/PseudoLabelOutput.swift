// `mmolre data pseudo-label`: parses the options of `DataCommand`, runs `PseudoLabelJob` and prints
// what the reference's command prints (the classes given, the evaluation table, where files went).
import Data
import Foundation
import Training

enum PseudoLabelOutput {
  static func run(_ arguments: Arguments) throws {
    guard arguments.positionals.count == 2 else {
      throw UsageError(
        arguments.positionals.count < 2 ? "data pseudo-label needs a TABLE" : "data pseudo-label takes one TABLE")
    }
    let references = arguments.all("reference")
    if references.isEmpty { throw UsageError("data pseudo-label needs --reference CSV (MELD's train_sent_emo.csv)") }
    guard let out = arguments.value("out") else { throw UsageError("data pseudo-label needs --out FILE") }
    let split = arguments.value("split") ?? "all"
    let splits = ["all"] + DataConventions.splits
    guard splits.contains(split) else {
      throw UsageError("--split: \(split) is not one of \(splits.joined(separator: ", "))")
    }
    func positive(_ name: String) throws -> Int? {
      guard let n = try arguments.int(name) else { return nil }
      if n < 1 { throw UsageError("--\(name): must be positive, got \(n)") }
      return n
    }
    let encoder = arguments.value("encoder") ?? "minilm"
    _ = try KnownEncoder.named(encoder)
    let job = PseudoLabelJob(
      tablePath: arguments.positionals[1], referencePaths: references, textFromPath: arguments.value("text-from"),
      split: split, encoder: encoder, maxLength: try positive("max-length") ?? 64,
      batchSize: try positive("batch-size") ?? 64, threads: try positive("threads"),
      featureCache: arguments.value("feature-cache"), embeddingCache: arguments.value("embedding-cache"))
    let started = Date()
    let outcome = try job.run()
    try AtomicFile.write(PseudoLabeler.csv(outcome.labels), to: out)
    print("pseudo labels: \(out) (\(outcome.labels.count) utterances; reference: \(outcome.referenceCount) utterances)")
    print(
      "pseudo classes: "
        + outcome.classCounts.map { "\($0.name.isEmpty ? "none" : $0.name) \($0.count)" }.joined(separator: ", "))
    if let s = outcome.similaritySummary {
      print(
        String(
          format: "similarity to the nearest reference utterance: median %.2f, mean %.2f, 75th percentile %.2f",
          s.median, s.mean, s.p75))
    }
    if let file = outcome.referenceEmbeddingsFile {
      print("reference embeddings: \(file)\(outcome.referenceFromCache ? " (reused)" : " (written)")")
    }
    print(String(format: "seconds: %.1f", Date().timeIntervalSince(started)))
    guard let evaluation = outcome.evaluation else { return }
    let report = arguments.value("report") ?? (out.hasSuffix(".csv") ? String(out.dropLast(4)) : out) + ".eval.json"
    try AtomicFile.write(PseudoLabelEvaluation.json(evaluation).pretty + "\n", to: report)
    print(PseudoLabelEvaluation.markdown(evaluation))
    print("evaluation: \(report)")
  }
}
