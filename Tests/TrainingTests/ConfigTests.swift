import Data
import Testing
import Training

@Suite struct ConfigTests {
  @Test func everyPresetResolves() throws {
    for name in Presets.names {
      let config = try RunConfig.load(preset: name)
      #expect(config.json["model"]?["d_model"] != nil, "preset \(name)")
    }
    let cpu = try RunConfig.load()
    #expect(cpu.name == "mmolre-cpu")
    #expect(cpu.model.sharedRanks() == [4, 8, 16, 32])
    #expect(cpu.train.seeds == [1111])
  }

  @Test func overridesAreJSONOrPlainStrings() throws {
    let config = try RunConfig.load(overrides: [
      "model.expert_ranks=[8,8,16,16]", "train.ema_decay=null", "name=my run", "model.gating=topk",
    ])
    #expect(config.model.expertRanks == [8, 8, 16, 16])
    #expect(config.train.emaDecay == nil)
    #expect(config.name == "my run")
    #expect(config.model.gating == .topk)
  }

  @Test func unknownKeysNameTheNearestValidOne() {
    #expect {
      try RunConfig.load(overrides: ["model.n_expert=3"])
    } throws: { error in
      (error as? ConfigError)?.message
        == "--set model.n_expert=3: model.n_expert: unknown key; did you mean model.n_experts?"
    }
    #expect {
      try RunConfig.load(overrides: ["model.gating=dens"])
    } throws: { error in
      (error as? ConfigError)?.message.contains("did you mean dense?") ?? false
    }
    #expect {
      try RunConfig.load(overrides: ["train.lr=-1"])
    } throws: { error in
      (error as? ConfigError)?.message.contains("train.lr: must be greater than 0") ?? false
    }
    #expect {
      try RunConfig.load(overrides: ["model.architecture=mmoe"])
    } throws: { error in
      (error as? ConfigError)?.message.contains("not ported to Swift yet") ?? false
    }
  }

  @Test func cellsIgnoreNamingThreadsAndNumberSpelling() throws {
    let a = try RunConfig.load(overrides: ["train.lr=1e-3", "name=a", "train.threads=2", "train.seeds=[1,2]"])
    let b = try RunConfig.load(overrides: ["train.lr=0.001", "name=b"])
    #expect(a.cellJSON.canonical == b.cellJSON.canonical)
    let c = try RunConfig.load(overrides: ["train.lr=0.002"])
    #expect(a.cellJSON.canonical != c.cellJSON.canonical)
  }

  @Test func referenceKeysAreRenamedOrIgnoredWithAWarning() throws {
    let config = try RunConfig.fromJSON(
      try JSONValue(parsing: #"{"train": {"num_threads": 2, "device": "cpu"}, "output_dir": "runs"}"#),
      origin: "old.json")
    #expect(config.train.threads == 2)
    #expect(config.warnings.count == 3)
  }

  @Test func sweepsSplitOnTopLevelCommasOnly() throws {
    let axis = try SweepAxis(parsing: "model.expert_ranks=[8,8],[4,16]")
    #expect(axis.values == ["[8,8]", "[4,16]"])
    let cells = SweepAxis.cells([
      try SweepAxis(parsing: "model.n_experts=1,2"), try SweepAxis(parsing: #"name="a,b",c"#),
    ])
    #expect(
      cells == [
        ["model.n_experts=1", #"name="a,b""#], ["model.n_experts=1", "name=c"], ["model.n_experts=2", #"name="a,b""#],
        ["model.n_experts=2", "name=c"],
      ])
  }
}
