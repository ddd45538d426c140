// Building a zoo card's model (`mmolre zoo build NAME`, DESIGN section 3): the card's config is
// trained for each of its seeds through the grid runner (so a cell the store finished earlier, by
// `mmolre run` or a previous build, is reused rather than retrained), the first seed's selected
// checkpoint is registered as a version of the named model, and the reached test metrics (means over
// the seeds) are checked against the card's within its tolerance: |reached - card| <= tolerance.
// Weights are bit-equal only on the machine and OpenBLAS core that wrote the card; elsewhere the
// tolerance is what a rebuild promises (zoo/README.md says how it was chosen).
import Data
import Foundation
import Metrics
import Numerics
import Tracker

/// The outcome of building one card.
public struct ZooBuild: Sendable {
  /// One metric of the card against what the build reached.
  public struct Check: Sendable {
    public let split: String
    public let metric: String
    /// The card's value (its mean over the card's seeds).
    public let card: Double
    /// The mean over this build's seeds (NaN when a run lacks the metric).
    public let reached: Double
    /// nil when the card sets no tolerance for the metric: reported, not checked.
    public let tolerance: Double?

    /// Within tolerance; nil when unchecked.
    public var passed: Bool? { tolerance.map { abs(reached - card) <= $0 } }
  }

  public let card: ZooCard
  /// One per seed, in the card's seed order.
  public let outcomes: [CellOutcome]
  /// The registered version and the run whose best checkpoint it holds (the first seed's).
  public let version: Int
  public let run: RunID
  public let weightsSHA256: String
  /// Every metric the card states, in split then canonical metric order.
  public let checks: [Check]
  /// The OpenBLAS kernel family of this machine (the card records the one it was measured on).
  public let openBLASCore: String

  /// Whether every checked metric is within its tolerance.
  public var passed: Bool { checks.allSatisfy { $0.passed != false } }

  /// Data files whose sha256 differs from the card's `data.fingerprints` (the synthetic benchmark is
  /// generated with libm, so another C library may make other numbers); nil when the card states none.
  public let changedData: [String]?

  /// Whether the registered weights are the card's own (`weights_sha256`); nil when the card has none.
  public var sameWeightsAsCard: Bool? { card.weightsSHA256.map { $0 == weightsSHA256 } }
}

/// Trains, registers and checks zoo cards.
public enum ZooBuilder {
  /// The run config a card states (its `config` over the schema defaults).
  public static func config(of card: ZooCard) throws -> RunConfig {
    try RunConfig.fromJSON(card.config, origin: "model card \(card.name): config")
  }

  /// The card's seeds, else its config's `train.seeds`.
  public static func seeds(of card: ZooCard, config: RunConfig) -> [Int] {
    card.seeds.isEmpty ? config.train.seeds : card.seeds
  }

  /// Trains `card` into `runner`'s store (finished cells are reused), registers the first seed's
  /// selected checkpoint as a new version of `card.name` (or finds the identical newest version) and
  /// compares the reached metrics with the card's.
  ///
  /// ```swift
  /// let runner = GridRunner(store: store, experiment: "zoo", runName: nil, prepareData: DataPreparation.prepare)
  /// let build = try ZooBuilder.build(card, runner: runner)
  /// build.passed  // every metric within the card's tolerance
  /// ```
  /// - Throws: `ConfigError` for a card whose config does not resolve, or when a seed's run failed or
  ///   is being trained by another process; `TrainingInterrupted` on Ctrl-C (the run stays resumable
  ///   and the next build continues it).
  public static func build(_ card: ZooCard, runner: GridRunner) throws -> ZooBuild {
    let config = try config(of: card)
    let outcomes = try runner.run(cells: [config], seeds: seeds(of: card, config: config))
    for outcome in outcomes {
      switch outcome.kind {
      case .trained, .resumed, .skipped: continue
      case .busy:
        throw ConfigError(
          "model \(card.name), seed \(outcome.seed): run \(outcome.run?.short ?? "?") is being trained by another "
            + "process; build again when it has finished")
      case .failed:
        throw ConfigError(
          "model \(card.name), seed \(outcome.seed): run \(outcome.run?.short ?? "?") failed: \(outcome.error ?? "")")
      }
    }
    guard let run = outcomes.first?.run else { throw ConfigError("model card \(card.name): no seeds to train") }
    let store = runner.store
    let version = try store.registerModel(name: card.name, card: card.json, run: run)
    let registered = try store.registeredModel(name: card.name, version: version)
    return ZooBuild(
      card: card, outcomes: outcomes, version: version, run: run, weightsSHA256: registered.weightsSHA256,
      checks: try checks(card, outcomes, store: store), openBLASCore: BLASLibrary.coreName,
      changedData: try changedData(card, store.fingerprints(run)))
  }

  /// The card's data fingerprints that `recorded` does not match; nil when the card states none.
  static func changedData(_ card: ZooCard, _ recorded: [String: String]) -> [String]? {
    guard let stated = card.json["data"]?["fingerprints"]?.objectPairs, !stated.isEmpty else { return nil }
    return stated.filter { recorded[$0.0] != $0.1.stringValue }.map(\.0).sorted()
  }

  /// The card's metrics against their means over the runs of `outcomes`, as the store holds them.
  static func checks(_ card: ZooCard, _ outcomes: [CellOutcome], store: Store) throws -> [ZooBuild.Check] {
    let results = try outcomes.compactMap(\.run).map { try store.results($0) }
    var out: [ZooBuild.Check] = []
    for (split, metrics) in card.metrics.sorted(by: { $0.key < $1.key }) {
      for metric in MetricKeys.canonicalOrder(metrics.keys) {
        let values = results.map { $0[split]?[metric] ?? .nan }
        out.append(
          ZooBuild.Check(
            split: split, metric: metric, card: metrics[metric]!.mean,
            reached: values.reduce(0, +) / Double(max(values.count, 1)), tolerance: card.tolerance(for: metric)))
      }
    }
    return out
  }
}
