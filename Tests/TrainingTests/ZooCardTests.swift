// The released zoo cards: each is its preset with the one override its name says (the synthetic ones:
// the cpu preset and an ablation, seed 1111; the real-transcript ones: their preset's five seeds), with
// a tolerance for every metric it states and the command that rebuilds it.
import Data
import Testing
import Tracker
import Training

@Suite struct ZooCardTests {
  struct Expected {
    var preset = "cpu"
    /// The override of the preset the card must be (nil: the preset itself).
    var override: String? = nil
    var seeds = [1111]
  }

  static let fiveSeeds = [1111, 1112, 1113, 1114, 1115]
  static let expected: [String: Expected] = [
    "synthetic-mmolre": Expected(), "synthetic-hard-sharing": Expected(override: "model.architecture=hard_sharing"),
    "synthetic-mmolre-1-expert": Expected(override: "model.n_experts=1"),
    "synthetic-mmolre-no-task-expert": Expected(override: "model.task_expert=false"),
    "synthetic-mmolre-full-rank": Expected(override: "model.full_rank_experts=true"),
    "mosei-text-mmolre": Expected(preset: "mosei-text", seeds: fiveSeeds),
    "mosi+mosei-text-ft-mmolre": Expected(preset: "mosi+mosei-text-ft", seeds: fiveSeeds),
  ]

  @Test func everyCardIsThePresetWithItsAblation() throws {
    let cards = try ZooCard.embedded()
    #expect(Set(cards.map(\.name)) == Set(Self.expected.keys))
    for card in cards {
      let expected = try #require(Self.expected[card.name])
      let preset = try RunConfig.load(preset: expected.preset, overrides: expected.override.map { [$0] } ?? [])
      let config = try ZooBuilder.config(of: card)
      #expect(config.cellJSON.canonical == preset.cellJSON.canonical, "\(card.name)")
      #expect(config.name == card.name)
      #expect(ZooBuilder.seeds(of: card, config: config) == expected.seeds)
      #expect(card.command == "mmolre zoo build \(card.name)")
      #expect(card.openBLASCore != nil && card.weightsSHA256 != nil, "\(card.name)")
      let test = try #require(card.metrics["test"], "\(card.name)")
      #expect(test.count >= 12, "\(card.name): the aggregate test metrics")
      #expect(test["Non0_acc_2"] != nil && test["MAE"] != nil, "\(card.name)")
      for (metric, value) in test {
        #expect(value.mean > 0 && value.mean < 1.5, "\(card.name) \(metric)")
        #expect((card.tolerance(for: metric) ?? 0) > 0, "\(card.name) \(metric) has no tolerance")
      }
    }
  }
}
