"""A run: data prepared once, one `Trainer` per seed, per-seed and mean/std results written together."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from mmolre.config import RunConfig, to_yaml
from mmolre.data.dataset import MultimodalDataset
from mmolre.data.loaders import load_splits
from mmolre.evaluation.reporting import summarize, write_results
from mmolre.evaluation.scoring import Predictions, score, tune_thresholds
from mmolre.training.trainer import SeedResult, Trainer, load_seed_result

log = logging.getLogger(__name__)


@dataclass
class PreparedData:
    splits: dict[str, MultimodalDataset]
    # metrics of the synthetic benchmark's oracle (it sees the latents): the best a model can do
    reference: dict[str, float] | None = None
    description: str = ""


@dataclass
class RunSummary:
    folder: Path
    seeds: list[SeedResult]
    summary: dict[str, dict]
    reference: dict[str, float] | None = field(default=None)


def _oracle_predictions(dataset: MultimodalDataset, sentiment: np.ndarray, probs: np.ndarray) -> Predictions:
    return Predictions(
        ids=list(dataset.ids),
        sources=list(dataset.sources),
        sentiment_true=dataset.sentiment.astype(np.float64),
        emotion_true=dataset.emotions.astype(np.float64),
        sentiment_pred=np.asarray(sentiment, dtype=np.float64),
        emotion_prob=np.asarray(probs, dtype=np.float64),
    )


def prepare_data(cfg: RunConfig) -> PreparedData:
    """Load the configured data, restricted to the model's modalities; score the oracle if there is one."""
    if cfg.data.kind == "synthetic":
        from mmolre.data.synthetic import generate_synthetic

        bench = generate_synthetic(cfg.data.synthetic)
        splits = bench.splits
        oracle = {s: _oracle_predictions(splits[s], *bench.oracle_predictions(s)) for s in ("valid", "test")}
        reference = score(oracle["test"], tune_thresholds(oracle["valid"]))
        description = bench.describe()
    else:
        splits, reference, description = load_splits(cfg.data), None, f"{cfg.data.kind}: {cfg.data.paths}"
    splits = {name: ds.select_modalities(cfg.model.modalities) for name, ds in splits.items()}
    return PreparedData(splits, reference, description)


def default_run_folder(cfg: RunConfig) -> Path:
    return Path(cfg.output_dir) / cfg.name / time.strftime("%Y%m%d-%H%M%S")


def attach_log_file(folder: Path) -> logging.Handler:
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(folder / "train.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    if logging.getLogger().level > logging.INFO:
        logging.getLogger().setLevel(logging.INFO)
    return handler


def run(cfg: RunConfig, folder: Path, resume: bool = False, data: PreparedData | None = None) -> RunSummary:
    """Train every seed of ``cfg.train.seeds`` into ``folder/seed_<seed>`` and write the results table.

    With ``resume``, a seed whose ``metrics.json`` exists is not trained again and an unfinished seed
    continues from its last epoch.
    """
    folder = Path(folder)
    handler = attach_log_file(folder)
    try:
        if cfg.train.num_threads:
            torch.set_num_threads(cfg.train.num_threads)
        (folder / "config.yaml").write_text(to_yaml(cfg))
        data = data or prepare_data(cfg)
        log.info("data: %s", data.description.replace("\n", " | "))
        for split, ds in data.splits.items():
            log.info("%s: %d samples (%d with emotions)", split, len(ds), int(ds.has_emotions.sum()))
        results = []
        for seed in cfg.train.seeds:
            seed_folder = folder / f"seed_{seed}"
            finished = load_seed_result(seed_folder) if resume else None
            if finished is not None:
                log.info("seed %d: finished earlier, skipped", seed)
                results.append(finished)
                continue
            result = Trainer(cfg, data.splits, seed, seed_folder).fit(resume=resume)
            log.info(
                "seed %d: best epoch %d, %.1fs, test %s",
                seed,
                result.best_epoch,
                result.train_seconds,
                _headline(result.test),
            )
            results.append(result)
        per_seed = {r.seed: {**r.test, "train_seconds": r.train_seconds} for r in results}
        summary = summarize(list(per_seed.values()))
        write_results(folder, per_seed, summary, title=f"{cfg.name}: test metrics", reference=data.reference)
        return RunSummary(folder, results, summary, data.reference)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()


HEADLINE = ("Non0_acc_2", "MAE", "Corr", "Mult_acc_7", "mean_WA", "mean_F1")


def _headline(metrics: dict[str, float]) -> str:
    return ", ".join(f"{k} {metrics[k]:.4f}" for k in HEADLINE if k in metrics)
