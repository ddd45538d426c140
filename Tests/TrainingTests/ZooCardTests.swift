// The released zoo cards: each is the cpu preset with the one ablation override its name says, trained
// for seed 1111, with a tolerance for every metric it states and the command that rebuilds it.
import Data
import Testing
import Tracker
import Training

@Suite struct ZooCardTests {
  /// Card name -> the override of the cpu preset it must be (nil: the preset itself).
  static let expected: [String: String?] = [
    "synthetic-mmolre": nil, "synthetic-hard-sharing": "model.architecture=hard_sharing",
    "synthetic-mmolre-1-expert": "model.n_experts=1", "synthetic-mmolre-no-task-expert": "model.task_expert=false",
    "synthetic-mmolre-full-rank": "model.full_rank_experts=true",
  ]

  @Test func everyCardIsThePresetWithItsAblation() throws {
    let cards = try ZooCard.embedded()
    #expect(Set(cards.map(\.name)) == Set(Self.expected.keys))
    for card in cards {
      let override = try #require(Self.expected[card.name])
      let preset = try RunConfig.load(preset: "cpu", overrides: override.map { [$0] } ?? [])
      let config = try ZooBuilder.config(of: card)
      #expect(config.cellJSON.canonical == preset.cellJSON.canonical, "\(card.name)")
      #expect(config.name == card.name)
      #expect(ZooBuilder.seeds(of: card, config: config) == [1111])
      #expect(card.command == "mmolre zoo build \(card.name)")
      #expect(card.openBLASCore != nil && card.weightsSHA256 != nil, "\(card.name)")
      let test = try #require(card.metrics["test"], "\(card.name)")
      #expect(test.count == 12)
      for (metric, value) in test {
        #expect(value.mean > 0 && value.mean < 1.5, "\(card.name) \(metric)")
        #expect((card.tolerance(for: metric) ?? 0) > 0, "\(card.name) \(metric) has no tolerance")
      }
    }
  }
}
