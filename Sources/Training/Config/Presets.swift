import Data

/// The built-in presets, as JSON (the reference's YAML presets at cff5b35, carried over key for key;
/// `train.num_threads` became `train.threads`). Paths are relative to the working folder.
public enum Presets {
  /// Preset names in listing order.
  public static let names = [
    "cpu", "paper", "mosi-text", "mosi-text-ft", "mosei-text", "mosi+mosei-text", "mosei-text-ft", "mosi+mosei-text-ft",
  ]

  /// A preset's JSON object.
  public static func json(named name: String) throws -> JSONValue {
    guard let text = sources[name] else {
      let hint = nearestName(to: name, among: names).map { "; did you mean \($0)?" } ?? ""
      throw ConfigError("preset \(name) does not exist\(hint); choose from \(names.joined(separator: ", "))")
    }
    do {
      return try JSONValue(parsing: text)
    } catch {
      throw ConfigError("preset \(name): \(error)")  // the presets are source code; a test parses each
    }
  }

  static let smallModel =
    #""d_model": 64, "n_blocks": 2, "n_experts": 4, "rank_min": 4, "rank_max": 32, "task_rank": 16"#
  static let mosi =
    #""paths": ["../shared/data/mosi/label.csv"], "names": ["mosi"], "text_from": ["../shared/data/mosi/unimse_MOSI-label.csv"]"#
  static let mosei = #""paths": ["../shared/data/mosei/label.csv"], "names": ["mosei"]"#
  static let both = #"""
    "paths": ["../shared/data/mosi/label.csv", "../shared/data/mosei/label.csv"], "names": ["mosi", "mosei"],
    "text_from": ["../shared/data/mosi/unimse_MOSI-label.csv", ""]
    """#
  static let textCache = #""feature_dirs": {"text": "cache/{name}_minilm"}"#
  static let fiveSeeds = #""seeds": [1111, 1112, 1113, 1114, 1115]"#

  static let sources: [String: String] = [
    // CPU default: the embedded synthetic benchmark, a small model, one thread (on 2 shared cores a
    // second BLAS thread slows this small model down; see BENCHMARKS.md).
    "cpu": #"""
    {"name": "mmolre-cpu", "data": {"kind": "synthetic"},
     "model": {\#(smallModel)},
     "train": {"threads": 1, "lr": 0.001, "batch_size": 32, "max_epochs": 30, "patience": 6}}
    """#,
    // The paper's configuration (Zhang et al., ICME 2025): d_model 768, ranks spread 16..128.
    "paper": #"""
    {"name": "mmolre-paper", "features": {"text_max_length": 64},
     "model": {"d_model": 768, "n_blocks": 2, "n_experts": 4, "rank_min": 16, "rank_max": 128, "task_rank": 64,
               "fusion_heads": 8},
     "train": {"lr": 0.0001, "batch_size": 32, "max_epochs": 40, "patience": 8}}
    """#,
    // Text-only MSA on real MOSI transcripts with frozen MiniLM token features from the cache
    // (`mmolre features extract`); lr 5e-4 was chosen on validation in the reference.
    "mosi-text": #"""
    {"name": "mosi-text", "data": {"kind": "table", \#(mosi), \#(textCache)},
     "features": {"text_encoder": "all-MiniLM-L6-v2", "text_max_length": 64},
     "model": {"modalities": ["text"], "tasks": ["SA"], \#(smallModel), "dropout": 0.1},
     "train": {"threads": 1, "lr": 0.0005, "batch_size": 32, "max_epochs": 30, "patience": 6, \#(fiveSeeds)}}
    """#,
    "mosi-text-ft": #"""
    {"name": "mosi-text-ft", "data": {"kind": "table", \#(mosi), \#(textCache)},
     "features": {"text_encoder": "all-MiniLM-L6-v2", "text_max_length": 64, "finetune_text": true, "text_lr": 0.00005},
     "model": {"modalities": ["text"], "tasks": ["SA"], \#(smallModel), "dropout": 0.1},
     "train": {"threads": 1, "lr": 0.001, "batch_size": 32, "max_epochs": 10, "patience": 3, "seeds": [1111]}}
    """#,
    "mosei-text": #"""
    {"name": "mosei-text", "data": {"kind": "table", \#(mosei), \#(textCache)},
     "features": {"text_encoder": "all-MiniLM-L6-v2", "text_max_length": 64},
     "model": {"modalities": ["text"], "tasks": ["SA", "ER"], \#(smallModel), "dropout": 0.1},
     "train": {"threads": 1, "batch_size": 128, "lr": 0.002, "max_epochs": 20, "patience": 4, \#(fiveSeeds)}}
    """#,
    "mosi+mosei-text": #"""
    {"name": "mosi+mosei-text", "data": {"kind": "table", \#(both), \#(textCache)},
     "features": {"text_encoder": "all-MiniLM-L6-v2", "text_max_length": 64},
     "model": {"modalities": ["text"], "tasks": ["SA", "ER"], \#(smallModel), "dropout": 0.1},
     "train": {"threads": 1, "batch_size": 128, "lr": 0.002, "max_epochs": 20, "patience": 4, \#(fiveSeeds)}}
    """#,
    "mosei-text-ft": #"""
    {"name": "mosei-text-ft", "data": {"kind": "table", \#(mosei), \#(textCache)},
     "features": {"text_encoder": "all-MiniLM-L6-v2", "text_max_length": 64, "finetune_text": true,
                  "text_trainable_layers": 3, "text_lr": 0.0001},
     "model": {"modalities": ["text"], "tasks": ["SA", "ER"], \#(smallModel), "dropout": 0.1},
     "train": {"threads": 1, "lr": 0.001, "batch_size": 32, "group_by_length": true, "max_epochs": 6, "patience": 2,
               \#(fiveSeeds)}}
    """#,
    // Joint MOSI + MOSEI with MiniLM's top three layers fine-tuned over a memoized frozen bottom,
    // linear warmup (10 %) and decay over 4 epochs and a weight average (decay 0.998), chosen on
    // validation loss in the reference.
    "mosi+mosei-text-ft": #"""
    {"name": "mosi+mosei-text-ft", "data": {"kind": "table", \#(both), \#(textCache)},
     "features": {"text_encoder": "all-MiniLM-L6-v2", "text_max_length": 64, "finetune_text": true,
                  "text_trainable_layers": 3, "text_lr": 0.0001},
     "model": {"modalities": ["text"], "tasks": ["SA", "ER"], \#(smallModel), "dropout": 0.1},
     "train": {"threads": 1, "lr": 0.001, "batch_size": 32, "group_by_length": true, "lr_schedule": "linear",
               "warmup_ratio": 0.1, "ema_decay": 0.998, "max_epochs": 4, "patience": 2, \#(fiveSeeds)}}
    """#,
  ]
}
