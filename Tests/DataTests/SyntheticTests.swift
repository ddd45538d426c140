// The synthetic benchmark's generation: determinism, layout, speakers, independence of splits, label
// scales and prevalences, config bounds (mirrors cff5b35:tests/test_synthetic.py).
import Data
import Testing

/// Small splits that keep the tests fast.
let smallSynthetic = SyntheticConfig(nTrain: 60, nValid: 20, nTest: 30)

/// The default benchmark with features, generated once for the tests that need its size (about 2 s
/// in a debug build).
let defaultSynthetic = Result { try SyntheticBenchmark.generate(SyntheticConfig()) }

func synthetic(
  _ change: (inout SyntheticConfig) -> Void = { _ in }, from base: SyntheticConfig = smallSynthetic,
  features: Bool = true
) throws -> SyntheticBenchmark {
  var config = base
  change(&config)
  return try SyntheticBenchmark.generate(config, includeFeatures: features)
}

/// Every array of one split as Doubles, keyed like the reference test's `_arrays`.
func syntheticArrays(_ benchmark: SyntheticBenchmark, split: String) -> [String: [Double]] {
  guard let dataset = benchmark.splits[split], let latents = benchmark.latents[split] else { return [:] }
  var out = [
    "sentiment": dataset.sentiment.map(Double.init), "emotions": dataset.emotions.map(Double.init),
    "valence": latents.valence, "arousal": latents.arousal, "cues": latents.cues,
    "speaker": latents.speaker.map(Double.init),
  ]
  for (modality, sequences) in dataset.features {
    out[modality] = sequences.values.map(Double.init)
    out[modality + "/lengths"] = (0..<sequences.count).map { Double(sequences.length($0)) }
  }
  return out
}

@Suite struct SyntheticGenerationTests {
  @Test func sameSeedGivesIdenticalArrays() throws {
    let a = try synthetic {
      $0.seed = 7; $0.withVision = true
    }
    let b = try synthetic {
      $0.seed = 7; $0.withVision = true
    }
    for split in SyntheticBenchmark.splitNames {
      let (x, y) = (syntheticArrays(a, split: split), syntheticArrays(b, split: split))
      #expect(x.keys.sorted() == y.keys.sorted())
      for key in x.keys { #expect(x[key] == y[key], "\(split)/\(key)") }
      #expect(a.splits[split]?.ids == b.splits[split]?.ids)
    }
  }

  @Test func differentSeedsGiveDifferentArrays() throws {
    let a = syntheticArrays(try synthetic { $0.seed = 1 }, split: "train")
    let b = syntheticArrays(try synthetic { $0.seed = 2 }, split: "train")
    #expect(a["text"]?.prefix(10) != b["text"]?.prefix(10))
    #expect(a["sentiment"] != b["sentiment"])
    let c = syntheticArrays(try synthetic { $0.seed = -1 }, split: "train")
    #expect(c["sentiment"] != a["sentiment"])
  }

  @Test func visionAndOtherSplitSizesLeaveTheRestUnchanged() throws {
    let base = try synthetic { $0.seed = 3 }
    let vision = try synthetic {
      $0.seed = 3; $0.withVision = true
    }
    let resized = try synthetic {
      $0.seed = 3; $0.nTest = 45
    }
    for split in SyntheticBenchmark.splitNames {
      let reference = syntheticArrays(base, split: split)
      let withVision = syntheticArrays(vision, split: split)
      let other = syntheticArrays(resized, split: split)
      for (key, value) in reference {
        #expect(withVision[key] == value, "\(split)/\(key) with vision")
        if split != "test" { #expect(other[key] == value, "\(split)/\(key) with another test size") }
      }
    }
    #expect(resized.splits["test"]?.count == 45)
    // Resizing the training split moves the speaker numbers of the later splits, but nothing else.
    let grown = try synthetic {
      $0.seed = 3; $0.nTrain = 200
    }
    #expect(grown.splits["test"]?.sentiment == base.splits["test"]?.sentiment)
    #expect(grown.splits["test"]?.features["audio"]?.values == base.splits["test"]?.features["audio"]?.values)
  }

  @Test func withoutFeaturesTheLabelsAndLatentsAreTheSame() throws {
    let full = try synthetic {
      $0.seed = 5; $0.withVision = true
    }
    let bare = try synthetic(
      {
        $0.seed = 5; $0.withVision = true
      }, features: false)
    for split in SyntheticBenchmark.splitNames {
      let (x, y) = (syntheticArrays(full, split: split), syntheticArrays(bare, split: split))
      #expect(y.keys.sorted() == ["arousal", "cues", "emotions", "sentiment", "speaker", "valence"])
      for (key, value) in y { #expect(x[key] == value, "\(split)/\(key)") }
      #expect(bare.splits[split]?.modalities == [] && bare.splits[split]?.ids == full.splits[split]?.ids)
    }
  }

  @Test func defaultSplitsHaveTheReferenceLayout() throws {
    let benchmark = try defaultSynthetic.get()
    #expect(Set(benchmark.splits.keys) == ["train", "valid", "test"])
    #expect(benchmark.splits.mapValues(\.count) == ["train": 1284, "valid": 229, "test": 686])
    let train = try #require(benchmark.splits["train"])
    #expect(train.ids[12] == "syn_train_00012")
    #expect(benchmark.splits["test"]?.ids[0] == "syn_test_00000")
    #expect(Set(train.ids).count == train.count)
    #expect(Set(train.sources) == ["synthetic"])
    #expect(train.texts == nil)
    #expect(train.modalities == ["text", "audio"])
    #expect(train.featureDim("text") == 32 && train.featureDim("audio") == 24)
  }

  @Test(arguments: [false, true]) func featureShapesAndLengths(withVision: Bool) throws {
    let benchmark = try synthetic {
      $0.seed = 4; $0.textDim = 12; $0.audioDim = 10; $0.visionDim = 6; $0.withVision = withVision
    }
    let bounds = [
      "text": (SyntheticModel.textLength, 12), "audio": (SyntheticModel.audioLength, 10),
      "vision": (SyntheticModel.visionLength, 6),
    ]
    let expected = withVision ? ["text", "audio", "vision"] : ["text", "audio"]
    for dataset in benchmark.splits.values {
      #expect(dataset.modalities == expected)
      for modality in expected {
        let sequences = try #require(dataset.features[modality])
        let (lengths, dim) = try #require(bounds[modality])
        #expect(sequences.dim == dim && sequences.count == dataset.count)
        #expect((0..<sequences.count).allSatisfy { lengths.contains(sequences.length($0)) })
        #expect(sequences.values.allSatisfy { $0.isFinite })
      }
    }
  }

  @Test func lengthsCoverTheirRanges() throws {
    let text = try #require(try defaultSynthetic.get().splits["train"]?.features["text"])
    let lengths = (0..<text.count).map(text.length)
    #expect(lengths.min() == 8 && lengths.max() == 40)
    // Uniform on 8...40: mean 24.
    #expect(abs(Double(lengths.reduce(0, +)) / Double(lengths.count) - 24) < 0.8)
  }

  @Test func tinyDimsAndOneUtteranceSplitsWork() throws {
    // Fewer dimensions than signal directions: the directions are no longer orthogonal, but it runs.
    let benchmark = try SyntheticBenchmark.generate(
      SyntheticConfig(nTrain: 1, nValid: 1, nTest: 1, textDim: 4, audioDim: 4, visionDim: 4, withVision: true))
    #expect(benchmark.splits.values.allSatisfy { $0.count == 1 })
    #expect(benchmark.latents.mapValues(\.speaker) == ["train": [0], "valid": [1], "test": [2]])
    for dataset in benchmark.splits.values {
      #expect(dataset.features.values.allSatisfy { $0.values.allSatisfy { $0.isFinite } })
    }
  }

  @Test func speakersAreDisjointSortedBlocks() throws {
    let benchmark = try synthetic {
      $0.seed = 2; $0.utterancesPerSpeaker = 10
    }
    var seen = Set<Int>()
    for (split, expectedSpeakers) in zip(SyntheticBenchmark.splitNames, [6, 2, 3]) {
      let speakers = try #require(benchmark.latents[split]?.speaker)
      #expect(speakers == speakers.sorted(), "\(split) speakers are adjacent blocks")
      let distinct = Set(speakers)
      #expect(distinct.count == expectedSpeakers, "\(split): every speaker has an utterance")
      #expect(distinct.isDisjoint(with: seen), "\(split) shares speakers with an earlier split")
      #expect(distinct == Set(seen.count..<(seen.count + expectedSpeakers)), "\(split) numbers on")
      seen.formUnion(distinct)
    }
  }

  @Test func speakersShareValence() throws {
    // 30 % of valence variance is per speaker: utterances of one speaker correlate by about 0.3.
    let latents = try #require(try synthetic({ $0.nTrain = 6000 }, features: false).latents["train"])
    var products = 0.0
    var pairs = 0
    for i in 1..<latents.count where latents.speaker[i] == latents.speaker[i - 1] {
      products += latents.valence[i] * latents.valence[i - 1]
      pairs += 1
    }
    #expect(abs(products / Double(pairs) - 0.3) < 0.05)
  }

  @Test(arguments: [3, 4]) func labelsAreAnnotatorMeansInRange(annotators: Int) throws {
    let benchmark = try synthetic(
      {
        $0.nAnnotators = annotators; $0.nTrain = 500
      }, from: SyntheticConfig(), features: false)
    for dataset in benchmark.splits.values {
      #expect(dataset.emotions.count == 6 * dataset.count)
      #expect(dataset.sentiment.allSatisfy { (-3...3).contains($0) })
      #expect(dataset.emotions.allSatisfy { (0...3).contains($0) })
      for label in dataset.sentiment + dataset.emotions {
        let scaled = Double(label) * Double(annotators)
        #expect(abs(scaled - scaled.rounded()) < 1e-4, "\(label) is not a multiple of 1/\(annotators)")
      }
    }
    let sentiment = try #require(benchmark.splits["train"]?.sentiment.map(Double.init))
    #expect(Set(sentiment).count > 3 * 6)  // the fine scale, not only integers
    let mean = sentiment.reduce(0, +) / Double(sentiment.count)
    let std = (sentiment.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(sentiment.count)).squareRoot()
    #expect(std > 1.0)  // spread like MOSI's (std about 1.5)
  }

  @Test func emotionPrevalencesAreMoseiLike() throws {
    // The reference solved the offsets for about 45, 28, 22, 16, 22 and 11 %; its test asks for each
    // in [0.08, 0.55], happy most and fear least frequent. With 4000 utterances the standard error of
    // a prevalence is under 0.01 (plus speaker clustering), so 0.03 around the targets is also asked.
    let benchmark = try synthetic({ $0.nTrain = 4000 }, from: SyntheticConfig(), features: false)
    let emotions = try #require(benchmark.splits["train"]?.emotions)
    let n = Double(emotions.count / 6)
    let prevalence = (0..<6).map { e in
      Double(stride(from: e, to: emotions.count, by: 6).filter { emotions[$0] > 0 }.count) / n
    }
    let targets = [0.45, 0.28, 0.22, 0.16, 0.22, 0.11]
    for (e, p) in prevalence.enumerated() {
      #expect((0.08...0.55).contains(p), "\(MultimodalDataset.emotions[e]) \(p)")
      #expect(abs(p - targets[e]) < 0.03, "\(MultimodalDataset.emotions[e]) \(p) vs \(targets[e])")
    }
    #expect(prevalence.firstIndex(of: prevalence.max()!) == 0)
    #expect(prevalence.firstIndex(of: prevalence.min()!) == 5)
  }

  @Test func describeSummarisesTheSplits() throws {
    let text = try synthetic().describe()
    #expect(text.contains("seed 0") && text.contains("train: 60 utterances") && text.contains("fear="))
    #expect(
      text.hasPrefix(
        "synthetic benchmark (seed 0, noise 1.0, 3 annotators, annotator noise x1.0); "
          + "modalities: text 32, audio 24"))
    #expect(text.contains("train: 60 utterances, 3 speakers; sentiment mean "))
  }

  @Test func configBoundsNameTheField() {
    var config = SyntheticConfig()
    #expect(throws: Never.self) { try config.validate() }
    let cases: [(WritableKeyPath<SyntheticConfig, Int>, Int, String, Int)] = [
      (\.nTrain, 0, "n_train", 1), (\.nValid, 0, "n_valid", 1), (\.nTest, -1, "n_test", 1),
      (\.textDim, 3, "text_dim", 4), (\.audioDim, 3, "audio_dim", 4), (\.visionDim, 2, "vision_dim", 4),
      (\.nAnnotators, 0, "n_annotators", 1), (\.utterancesPerSpeaker, 0, "utterances_per_speaker", 1),
    ]
    for (path, value, field, minimum) in cases {
      config = SyntheticConfig()
      config[keyPath: path] = minimum
      #expect(throws: Never.self) { try config.validate() }
      config[keyPath: path] = value
      do {
        _ = try SyntheticBenchmark.generate(config)
        Issue.record("\(field) = \(value) was accepted")
      } catch {
        #expect(error.field == field)
        #expect(error.description == "data.synthetic.\(field): must be >= \(minimum), got \(value)")
      }
    }
    for (path, field) in [(\SyntheticConfig.noise, "noise"), (\SyntheticConfig.annotatorNoise, "annotator_noise")] {
      for value in [-0.1, .nan, .infinity] {
        config = SyntheticConfig()
        config[keyPath: path] = value
        do {
          try config.validate()
          Issue.record("\(field) = \(value) was accepted")
        } catch {
          #expect(error.field == field)
        }
      }
    }
  }
}
