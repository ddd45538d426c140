"""`mmolre report RUN_DIR`: a Markdown report with PNG plots for an experiment or a single run folder.

Plots (in ``RUN_DIR/plots/``):

* ``learning_curves.png``: train and validation loss per task and epoch, per seed (reference variant);
* ``routing_<variant>.png``: mean gate weight of each expert per task, modality and block, over the test
  split, from the best checkpoint of the variant's first seed (the numbers are in ``routing.json``);
* ``params_vs_accuracy.png``: parameters against accuracy over the sweeps (N, ranks) and all variants
  (experiments only);
* ``sentiment_scatter.png``: predicted against true test sentiment (reference variant, every seed);
* ``emotion_wa.png``: weighted accuracy per emotion, mean and std over seeds, per compared variant.

The routing weights are recomputed from checkpoints and the run's own saved config, so any run folder
written by `mmolre train` or `mmolre experiment` can be reported, also one trained before this existed.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from mmolre.atomic import write_text_atomic
from mmolre.config import ConfigError
from mmolre.constants import EMOTIONS
from mmolre.data.dataset import make_loader
from mmolre.evaluation import plots
from mmolre.evaluation.reporting import markdown_table
from mmolre.experiments.runner import DataCache
from mmolre.experiments.spec import ExperimentSpec
from mmolre.models import build_model
from mmolre.training.checkpoint import WEIGHTS, load_weights, read_checkpoint_meta, write_json

log = logging.getLogger(__name__)

__all__ = ["collect_routing", "write_report"]

SA_METRIC, ER_METRIC = "Non0_acc_2", "mean_WA"


class _Accumulator:
    """Running sum and sum of squares of ``[B, k]`` rows, for a mean and std over utterances."""

    def __init__(self) -> None:
        self.n, self.sum, self.sq = 0, 0.0, 0.0

    def add(self, rows: torch.Tensor) -> None:
        rows = rows.detach().double().cpu()
        self.n += rows.shape[0]
        self.sum = self.sum + rows.sum(dim=0)
        self.sq = self.sq + rows.pow(2).sum(dim=0)

    def result(self, labels: list[str]) -> dict[str, Any]:
        mean = self.sum / self.n
        std = (self.sq / self.n - mean.pow(2)).clamp_min(0).sqrt()
        return {"labels": labels, "mean": mean.tolist(), "std": std.tolist()}


@torch.no_grad()
def collect_routing(seed_folder: Path, data: DataCache | None = None, split: str = "test") -> dict[str, Any]:
    """Mean and std over a split's utterances of every gate and modality weight of a checkpoint.

    Returns ``{"seed", "split", "n", "gates": {"modality/blockJ/stream": {"labels", "mean", "std"}},
    "modality_weights": {stream: {"labels", "mean", "std"}}}``.
    """
    cfg, meta = read_checkpoint_meta(seed_folder)
    data = data or DataCache()
    dataset = data.get(cfg).splits[split]
    model = build_model(cfg, meta["feature_dims"])
    load_weights(Path(seed_folder) / WEIGHTS, model)
    model.eval()
    gates: dict[str, _Accumulator] = {}
    weights: dict[str, _Accumulator] = {}
    widths: dict[str, int] = {}
    for batch in make_loader(dataset, cfg.train.eval_batch_size, shuffle=False):
        out = model(batch)
        for key, g in out.gates.items():
            gates.setdefault(key, _Accumulator()).add(g)
            widths[key] = g.shape[1]
        for stream, w in out.modality_weights.items():
            weights.setdefault(stream, _Accumulator()).add(w)
    return {
        "seed": meta["seed"],
        "split": split,
        "n": len(dataset),
        "gates": {k: acc.result(model.expert_labels(k, widths[k])) for k, acc in gates.items()},
        "modality_weights": {s: acc.result(list(model.modalities)) for s, acc in weights.items()},
    }


def _seed_folders(run_folder: Path) -> list[Path]:
    return sorted(
        (p for p in Path(run_folder).glob("seed_*") if (p / "metrics.json").is_file()),
        key=lambda p: p.name,
    )


def _histories(run_folder: Path) -> dict[int, list[dict]]:
    out = {}
    for folder in _seed_folders(run_folder):
        path = folder / "history.json"
        if path.is_file():
            out[int(folder.name.removeprefix("seed_"))] = json.loads(path.read_text())
    return out


def _sentiment_pairs(run_folder: Path) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    out = {}
    for folder in _seed_folders(run_folder):
        path = folder / "test_predictions.csv"
        if path.is_file():
            frame = pd.read_csv(path)
            if "sentiment_pred" in frame:
                out[int(folder.name.removeprefix("seed_"))] = (
                    frame["sentiment"].to_numpy(float),
                    frame["sentiment_pred"].to_numpy(float),
                )
    return out


def _emotion_wa(per_seed: list[dict[str, float]]) -> dict[str, tuple[float, float]]:
    out = {}
    for e in EMOTIONS:
        values = np.array([m[f"{e}_WA"] for m in per_seed if f"{e}_WA" in m], dtype=float)
        if values.size:
            out[e] = (float(values.mean()), float(values.std(ddof=1)) if values.size > 1 else float("nan"))
    return out


def _float(value: float | None) -> float:
    """A JSON number, where ``null`` stands for NaN (the std of one seed)."""
    return float("nan") if value is None else float(value)


def _routing_section(name: str, routing: dict[str, Any], image: str) -> str:
    text = f"### {name} (seed {routing['seed']}, {routing['split']} split, {routing['n']} utterances)\n\n"
    text += f"![routing weights of {name}]({image})\n\n"
    if routing["modality_weights"]:
        rows = []
        for stream, w in routing["modality_weights"].items():
            rows.append(
                {
                    "task": stream,
                    **{m: f"{v:.3f} ± {s:.3f}" for m, v, s in zip(w["labels"], w["mean"], w["std"])},
                }
            )
        labels = next(iter(routing["modality_weights"].values()))["labels"]
        text += "Fusion weights over modalities (mean ± std over utterances):\n\n"
        text += markdown_table(rows, ["task", *labels]) + "\n"
    return text


def _is_experiment(folder: Path) -> bool:
    return (folder / "experiment.yaml").is_file() and (folder / "results.json").is_file()


def write_report(run_dir: Path) -> Path:
    """Write ``report.md``, ``routing.json`` and ``plots/*.png`` into ``run_dir``; return report.md's path."""
    run_dir = Path(run_dir)
    if _is_experiment(run_dir):
        return _experiment_report(run_dir)
    if _seed_folders(run_dir):
        return _run_report(run_dir)
    raise ConfigError(
        f"{run_dir}: neither an experiment folder (experiment.yaml, results.json) nor a run folder with "
        "finished seed_* folders"
    )


def _learning_and_scatter(run_folder: Path, out: Path, label: str) -> str:
    text = ""
    histories = _histories(run_folder)
    if histories:
        plots.plot_learning_curves(
            histories, out / "plots" / "learning_curves.png", f"Learning curves: {label}"
        )
        text += f"## Learning curves per task ({label})\n\n![learning curves](plots/learning_curves.png)\n\n"
    pairs = _sentiment_pairs(run_folder)
    if pairs:
        plots.plot_sentiment_scatter(
            pairs, out / "plots" / "sentiment_scatter.png", f"Test sentiment: {label}"
        )
        text += f"## Predicted vs true sentiment ({label})\n\n"
        text += "![sentiment scatter](plots/sentiment_scatter.png)\n\n"
    return text


def _routing(variants: dict[str, Path], out: Path, data: DataCache) -> str:
    """Routing plots for ``{name: run folder}``; variants without gates are named, not plotted."""
    text = "## Routing weights per task and block\n\n"
    text += (
        "Mean gate weight each task's router gives each expert, over the test utterances, from the best "
        "checkpoint (error bars: std over utterances). Keys: modality (row), UniTSE block (column).\n\n"
    )
    saved = {}
    for name, folder in variants.items():
        seeds = _seed_folders(folder)
        if not seeds:
            continue
        routing = collect_routing(seeds[0], data)
        saved[name] = routing
        if not routing["gates"]:
            text += f"### {name}\n\nNo routers (no shared experts): nothing to plot.\n\n"
            continue
        image = f"plots/routing_{name}.png"
        plots.plot_routing(routing["gates"], out / image, f"Routing weights: {name} (seed {routing['seed']})")
        text += _routing_section(name, routing, image)
    write_json(out / "routing.json", saved)
    return text


def _experiment_report(folder: Path) -> Path:
    import yaml

    spec = ExperimentSpec.model_validate(yaml.safe_load((folder / "experiment.yaml").read_text()))
    doc = json.loads((folder / "results.json").read_text())
    rows = {v["name"]: v for v in doc["variants"]}
    if not rows:
        raise ConfigError(f"{folder}: no finished variant to report")
    run_folder = {name: folder / "variants" / name for name in rows}
    reference = spec.report.reference if spec.report.reference in rows else next(iter(rows))
    data = DataCache()
    results_md = (folder / "results.md").read_text().split("\n", 1)[1].lstrip()
    text = f"# Report: {spec.name}\n\n"
    text += (
        f"Written by `mmolre report {folder}` from the experiment's run folders. Reference variant for "
        f"single-model plots: **{reference}**.\n\n## Results\n\n{results_md}\n"
    )
    text += _learning_and_scatter(run_folder[reference], folder, reference)

    routing = [n for n in (spec.report.routing or [reference]) if n in rows]
    text += _routing(
        {n: run_folder[n] for n in routing},
        folder,
        data,
    )

    points = []
    for name, v in rows.items():
        if v.get("complexity") is None:
            continue
        summary = v["summary"]
        metrics = {
            m: (summary[m]["mean"], _float(summary[m]["std"])) for m in (SA_METRIC, ER_METRIC) if m in summary
        }
        points.append({"name": name, "params": v["complexity"]["params"]["total"], "metrics": metrics})
    lines = {}
    for sweep, sweep_spec in spec.sweeps.items():
        names = [n for n, v in rows.items() if v["group"] == sweep] + [
            n for n in sweep_spec.include if n in rows
        ]
        if names:
            lines[sweep] = names
    if points:
        plots.plot_params_vs_metric(
            points,
            lines,
            [SA_METRIC, ER_METRIC],
            folder / "plots" / "params_vs_accuracy.png",
            "Parameters vs accuracy (test, mean ± std over seeds)",
        )
        text += (
            "## Parameters vs accuracy over N and rank\n\n"
            f"Lines: the sweeps ({', '.join(lines) or 'none'}); other markers: the other variants.\n\n"
            "![parameters vs accuracy](plots/params_vs_accuracy.png)\n\n"
        )

    compare = spec.report.compare or [n for n, v in rows.items() if v["group"] == "variants"]
    bars = {}
    for name in compare:
        if name in rows:
            wa = _emotion_wa(list(rows[name]["per_seed"].values()))
            if wa:
                bars[name] = wa
    if bars:
        plots.plot_emotion_wa(
            bars, folder / "plots" / "emotion_wa.png", "Per-emotion WA (test, mean ± std over seeds)"
        )
        text += "## Per-emotion weighted accuracy\n\n![per-emotion WA](plots/emotion_wa.png)\n\n"
    path = folder / "report.md"
    write_text_atomic(path, text)
    return path


def _run_report(folder: Path) -> Path:
    results = folder / "results.md"
    name = folder.name
    text = f"# Report: {name}\n\nWritten by `mmolre report {folder}`.\n\n"
    if results.is_file():
        text += "## Results\n\n" + results.read_text().split("\n", 1)[1].lstrip() + "\n"
    text += _learning_and_scatter(folder, folder, name)
    text += _routing({name: folder}, folder, DataCache())
    per_seed = [json.loads((p / "metrics.json").read_text())["test"] for p in _seed_folders(folder)]
    wa = _emotion_wa(per_seed)
    if wa:
        plots.plot_emotion_wa({name: wa}, folder / "plots" / "emotion_wa.png", "Per-emotion WA (test)")
        text += "## Per-emotion weighted accuracy\n\n![per-emotion WA](plots/emotion_wa.png)\n\n"
    path = folder / "report.md"
    write_text_atomic(path, text)
    return path
