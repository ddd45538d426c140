"""Running an experiment: every variant's seeds one after another, resumable, and one results table.

Layout of an experiment folder::

    experiment.yaml                  the experiment file as it was run (resolved)
    results.{json,csv,md}            one row per variant: mean and sample std per metric, parameters,
                                     FLOPs per utterance, training time; rewritten after every variant
    train.log                        the whole log
    variants/<name>/                 a run folder of `mmolre.training.run.run` (seed_<s>/, results.*)
    variants/<name>/complexity.json  parameters and FLOPs per component

Resuming is the default: a variant whose seeds all have ``metrics.json`` is not touched, a seed that
has it is skipped, and an interrupted seed continues from its last finished epoch. A variant folder that
holds runs of a different config (the file was edited since) is an error rather than a silent mix.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mmolre.atomic import write_text_atomic
from mmolre.config import ConfigError, RunConfig
from mmolre.evaluation.complexity import COMPONENTS, Complexity, measure
from mmolre.evaluation.metrics import LOWER_IS_BETTER
from mmolre.evaluation.reporting import _json_safe, format_mean_std, markdown_table, summarize
from mmolre.experiments.spec import ExperimentSpec, Variant
from mmolre.models import build_model
from mmolre.training.checkpoint import write_json
from mmolre.training.run import PreparedData, attach_log_file, prepare_data, run
from mmolre.training.trainer import feature_dims, load_seed_result

log = logging.getLogger(__name__)

__all__ = [
    "ExperimentResult",
    "VariantResult",
    "config_changes",
    "experiment_markdown",
    "run_experiment",
    "variant_folder",
]

# config keys that may change between a run and its resumption without changing what it computes
RESUMABLE_KEYS = frozenset(
    {"name", "output_dir", "train.seeds", "train.progress", "train.tensorboard", "train.num_threads"}
    | {"train.device", "train.eval_batch_size"}
)
DISPLAY = {
    "Non0_acc_2": "Acc2",
    "Non0_F1_score": "F1",
    "Has0_acc_2": "Acc2 (has0)",
    "Has0_F1_score": "F1 (has0)",
    "Mult_acc_5": "Acc5",
    "Mult_acc_7": "Acc7",
    "MAE": "MAE ↓",
    "Corr": "Corr",
    "mean_WA": "ER WA",
    "mean_F1": "ER F1",
    "micro_F1": "ER micro-F1",
    "mean_AUC": "ER AUC",
}


@dataclass
class VariantResult:
    """A variant's finished seeds: test metrics per seed, their summary, and its complexity."""

    name: str
    group: str
    overrides: dict[str, Any]
    folder: Path
    per_seed: dict[int, dict[str, float]]  # seed -> test metrics and train_seconds
    summary: dict[str, dict[str, float]]
    complexity: Complexity | None
    oracle: dict[str, float] | None = None

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "group": self.group,
            "overrides": self.overrides,
            "folder": self.folder.name,
            "seeds": list(self.per_seed),
            "per_seed": {str(s): m for s, m in self.per_seed.items()},
            "summary": self.summary,
            "complexity": None if self.complexity is None else self.complexity.to_dict(),
        }


@dataclass
class ExperimentResult:
    folder: Path
    variants: list[VariantResult]
    trained: list[str] = field(default_factory=list)  # variants trained (or continued) by this call
    skipped: list[str] = field(default_factory=list)  # variants finished earlier
    pending: list[str] = field(default_factory=list)  # variants left out (``only``)
    wall_seconds: float = 0.0


def variant_folder(folder: Path, name: str) -> Path:
    return Path(folder) / "variants" / name


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(data, dict):
        return {prefix: data}
    out: dict[str, Any] = {}
    for key, value in data.items():
        out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def config_changes(folder: Path, cfg: RunConfig) -> list[str]:
    """``key: saved -> now`` for each config value that differs from the run saved in ``folder``."""
    path = Path(folder) / "config.yaml"
    if not path.is_file():
        return []
    saved = _flatten(yaml.safe_load(path.read_text()) or {})
    now = _flatten(cfg.model_dump(mode="json"))
    keys = sorted((set(saved) | set(now)) - RESUMABLE_KEYS)
    return [f"{k}: {saved.get(k)!r} -> {now.get(k)!r}" for k in keys if saved.get(k) != now.get(k)]


def _finished(folder: Path, cfg: RunConfig) -> bool:
    return all(load_seed_result(folder / f"seed_{s}") is not None for s in cfg.train.seeds)


def _data_key(cfg: RunConfig) -> str:
    # prepare_data depends on the data section and on the modalities it keeps
    return json.dumps([cfg.data.model_dump(mode="json"), cfg.model.modalities], sort_keys=True)


class DataCache:
    """Prepared data per distinct data config, so variants that share data build it once."""

    def __init__(self) -> None:
        self._cache: dict[str, PreparedData] = {}

    def get(self, cfg: RunConfig) -> PreparedData:
        key = _data_key(cfg)
        if key not in self._cache:
            self._cache[key] = prepare_data(cfg)
        return self._cache[key]


def _complexity(folder: Path, cfg: RunConfig, data: DataCache) -> Complexity:
    path = folder / "complexity.json"
    if path.is_file():
        return Complexity.from_dict(json.loads(path.read_text()))
    splits = data.get(cfg).splits
    model = build_model(cfg, feature_dims(splits["train"]))
    result = measure(model, splits["test"], device="cpu")
    write_json(path, result.to_dict())
    return result


def load_variant(variant: Variant, folder: Path, complexity: Complexity | None) -> VariantResult:
    """The finished seeds of ``variant`` in ``folder`` (unfinished ones are left out)."""
    per_seed: dict[int, dict[str, float]] = {}
    for seed in variant.config.train.seeds:
        result = load_seed_result(folder / f"seed_{seed}")
        if result is not None:
            per_seed[seed] = {**result.test, "train_seconds": result.train_seconds}
    oracle = None
    results = folder / "results.json"
    if results.is_file():
        saved = json.loads(results.read_text())
        # run() writes the synthetic oracle as "oracle" (older run folders: as a seed named "oracle")
        oracle = saved.get("oracle") or saved.get("per_seed", {}).get("oracle")
    summary = summarize(per_seed.values()) if per_seed else {}
    return VariantResult(
        variant.name, variant.group, variant.overrides, folder, per_seed, summary, complexity, oracle
    )


def run_experiment(
    spec: ExperimentSpec, variants: list[Variant], folder: Path, only: list[str] | None = None
) -> ExperimentResult:
    """Train every variant (or those in ``only``) one after another into ``folder``; write the table.

    Finished variants and seeds are skipped, so calling this again after an interruption trains only
    what is missing. The results table is rewritten after every variant.
    """
    folder = Path(folder)
    unknown = sorted(set(only or []) - {v.name for v in variants})
    if unknown:
        raise ConfigError(
            f"--only: unknown variants {unknown}; the experiment has {[v.name for v in variants]}"
        )
    for v in variants:  # refuse before training anything, not after an hour
        changes = config_changes(variant_folder(folder, v.name), v.config)
        if changes:
            raise ConfigError(
                f"variant {v.name}: {variant_folder(folder, v.name)} holds runs of another config "
                f"({'; '.join(changes[:3])}{'; ...' if len(changes) > 3 else ''}); delete that folder to "
                "retrain it, or choose another output folder"
            )
    handler = attach_log_file(folder)
    started = time.perf_counter()
    outcome = ExperimentResult(folder, [])
    try:
        (folder / "experiment.yaml").write_text(yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False))
        data = DataCache()
        for i, v in enumerate(variants, start=1):
            sub = variant_folder(folder, v.name)
            if _finished(sub, v.config):
                log.info("[%d/%d] %s: finished earlier, skipped", i, len(variants), v.name)
                outcome.skipped.append(v.name)
            elif only and v.name not in only:
                outcome.pending.append(v.name)
                continue
            else:
                log.info("[%d/%d] %s: training seeds %s", i, len(variants), v.name, v.config.train.seeds)
                t0 = time.perf_counter()
                run(v.config, sub, resume=True, data=data.get(v.config))
                log.info("[%d/%d] %s: done in %.1fs", i, len(variants), v.name, time.perf_counter() - t0)
                outcome.trained.append(v.name)
            outcome.variants.append(load_variant(v, sub, _complexity(sub, v.config, data)))
            outcome.wall_seconds = time.perf_counter() - started
            write_experiment_results(folder, spec, outcome)
        if not outcome.variants:
            log.info("no variant finished yet; nothing to write")
        return outcome
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()


def _human(value: float | None) -> str:
    """``14695 -> "14.7k"``, ``1.2e6 -> "1.20M"``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{unit}"
    return f"{value:.0f}"


def _best(rows: list[VariantResult], metric: str) -> float | None:
    means = [r.summary[metric]["mean"] for r in rows if metric in r.summary]
    means = [m for m in means if not math.isnan(m)]
    if not means:
        return None
    return min(means) if metric in LOWER_IS_BETTER else max(means)


def experiment_markdown(spec: ExperimentSpec, result: ExperimentResult) -> str:
    """The results table (and the per-component cost table) as Markdown, without a title."""
    rows = result.variants
    metrics = list(spec.metrics)
    best = {m: _best(rows, m) for m in metrics}
    columns = [
        "variant",
        *(DISPLAY.get(m, m) for m in metrics),
        "params",
        "FLOPs/utt",
        "train s/seed",
        "seeds",
    ]
    table = []
    for r in rows:
        row: dict[str, Any] = {"variant": r.name}
        for m in metrics:
            if m not in r.summary:
                row[DISPLAY.get(m, m)] = "–"
                continue
            s = r.summary[m]
            cell = format_mean_std(s["mean"], s["std"], digits=3)
            row[DISPLAY.get(m, m)] = f"**{cell}**" if best[m] is not None and s["mean"] == best[m] else cell
        if r.complexity is not None:
            row["params"] = _human(r.complexity.params["total"])
            row["FLOPs/utt"] = _human(r.complexity.flops["total"])
        t = r.summary.get("train_seconds")
        row["train s/seed"] = "" if t is None else format_mean_std(t["mean"], t["std"], digits=1)
        row["seeds"] = str(len(r.per_seed))
        table.append(row)
    oracle = next((r.oracle for r in rows if r.oracle), None)
    if oracle:
        table.append(
            {
                "variant": "oracle (noise floor)",
                **{DISPLAY.get(m, m): f"{oracle[m]:.3f}" for m in metrics if m in oracle},
            }
        )
    n_seeds = max((len(r.per_seed) for r in rows), default=0)
    n_utts = max((r.complexity.n_utterances for r in rows if r.complexity is not None), default=0)
    text = (
        f"Test split; mean ± sample std (ddof = 1) over {n_seeds} seeds; best mean in bold (MAE: lowest). "
        "params: all parameters; FLOPs/utt: one forward pass per utterance (2 × multiply-accumulates, "
        f"`torch.utils.flop_counter`, mean over {n_utts} test utterances); train s/seed: summed epoch times "
        "of one seed.\n\n" + markdown_table(table, columns)
    )
    cost_columns = ["variant", *(f"params {c}" for c in COMPONENTS), *(f"FLOPs {c}" for c in COMPONENTS)]
    cost = []
    for r in rows:
        if r.complexity is None:
            continue
        row = {"variant": r.name}
        row.update({f"params {c}": _human(r.complexity.params.get(c, 0)) for c in COMPONENTS})
        row.update({f"FLOPs {c}": _human(r.complexity.flops.get(c, 0.0)) for c in COMPONENTS})
        cost.append(row)
    if cost:
        text += "\n### Cost per component (parameters; FLOPs per utterance)\n\n" + markdown_table(
            cost, cost_columns
        )
    return text


def write_experiment_results(folder: Path, spec: ExperimentSpec, result: ExperimentResult) -> dict[str, Path]:
    """``results.json`` (everything), ``results.csv`` (a row per variant) and ``results.md`` in ``folder``."""
    folder = Path(folder)
    rows = result.variants
    paths = {"json": folder / "results.json", "csv": folder / "results.csv", "md": folder / "results.md"}
    oracle = next((r.oracle for r in rows if r.oracle), None)
    doc = {
        "title": f"{spec.name}: test metrics",
        "name": spec.name,
        "description": spec.description,
        "metrics": list(spec.metrics),
        "variants": [r.to_dict() for r in rows],
        "oracle": oracle,
        "train_seconds_total": sum(m.get("train_seconds", 0.0) for r in rows for m in r.per_seed.values()),
    }
    write_json(paths["json"], _json_safe(doc))

    metric_keys: dict[str, None] = {}
    for r in rows:
        metric_keys.update(dict.fromkeys(r.summary))
    header = ["variant", "group", "n_seeds"]
    header += [f"{m}_{stat}" for m in metric_keys for stat in ("mean", "std")]
    header += [f"params_{c}" for c in (*COMPONENTS, "total")] + [f"flops_{c}" for c in (*COMPONENTS, "total")]
    header += ["overrides"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for r in rows:
        line: list[Any] = [r.name, r.group, len(r.per_seed)]
        for m in metric_keys:
            s = r.summary.get(m)
            line += ["", ""] if s is None else [repr(float(s["mean"])), repr(float(s["std"]))]
        for part in ("params", "flops"):
            values = {} if r.complexity is None else getattr(r.complexity, part)
            line += [values.get(c, "") for c in (*COMPONENTS, "total")]
        line.append(json.dumps(r.overrides, sort_keys=True))
        writer.writerow(line)
    write_text_atomic(paths["csv"], buf.getvalue())

    md = f"# {doc['title']}\n\n"
    if spec.description:
        md += spec.description.strip() + "\n\n"
    md += experiment_markdown(spec, result)
    write_text_atomic(paths["md"], md)
    return paths


def describe(variants: list[Variant], folder: Path) -> str:
    """One line per variant: status and overrides (``mmolre experiment --list``)."""
    lines = []
    for v in variants:
        sub = variant_folder(folder, v.name)
        done = sum(load_seed_result(sub / f"seed_{s}") is not None for s in v.config.train.seeds)
        over = json.dumps(v.overrides, sort_keys=True) if v.overrides else "{}"
        lines.append(f"{v.name:<24} {done}/{len(v.config.train.seeds)} seeds done  {over}")
    return "\n".join(lines)
