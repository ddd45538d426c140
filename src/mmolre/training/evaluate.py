"""Re-evaluating a saved checkpoint from its own config: the same data, weights and thresholds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mmolre.config import ConfigError
from mmolre.evaluation.scoring import Predictions, score
from mmolre.models import build_model
from mmolre.training.checkpoint import META, WEIGHTS, load_weights, read_checkpoint_meta
from mmolre.training.run import PreparedData, prepare_data
from mmolre.training.trainer import evaluate_checkpoint


@dataclass
class Reevaluation:
    folder: Path
    test: dict[str, float]
    saved: dict[str, float] | None  # test metrics written at training time, if any
    predictions: Predictions

    def mismatches(self, tolerance: float = 0.0) -> dict[str, tuple[float, float]]:
        if self.saved is None:
            return {}
        return {
            k: (self.saved[k], v)
            for k, v in self.test.items()
            if k in self.saved and not abs(self.saved[k] - v) <= tolerance
        }


def checkpoint_folders(path: Path) -> list[Path]:
    """``path`` itself if it is a checkpoint folder, else its ``seed_*`` checkpoint folders."""
    path = Path(path)
    if (path / META).is_file():
        return [path]
    found = sorted(p for p in path.glob("seed_*") if (p / META).is_file())
    if not found:
        raise ConfigError(f"{path}: no {META} here or in seed_* folders; not a run or checkpoint folder")
    return found


def reevaluate(folder: Path, data: PreparedData | None = None) -> Reevaluation:
    cfg, meta = read_checkpoint_meta(folder)
    data = data or prepare_data(cfg)
    model = build_model(cfg, meta["feature_dims"]).to(cfg.train.device)
    load_weights(Path(folder) / WEIGHTS, model)
    _, test_preds = evaluate_checkpoint(model, data.splits, cfg)
    thresholds = None if meta.get("thresholds") is None else np.asarray(meta["thresholds"], dtype=float)
    saved_path = Path(folder) / "metrics.json"
    saved = json.loads(saved_path.read_text())["test"] if saved_path.is_file() else None
    return Reevaluation(Path(folder), score(test_preds, thresholds), saved, test_preds)
