"""PNG plots of runs and experiments (matplotlib, object-oriented API on the Agg canvas).

Each function takes plain data (lists, dicts, arrays), writes one PNG and returns its path. They never
touch pyplot's global state or the user's backend, so they run headless, in tests and in threads.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mmolre.constants import EMOTIONS

__all__ = [
    "plot_emotion_wa",
    "plot_learning_curves",
    "plot_params_vs_metric",
    "plot_routing",
    "plot_sentiment_scatter",
]

DPI = 90
TASK_LOSSES = (("SA", "sa_loss", "L1"), ("ER", "er_loss", "BCE"))
STREAM_COLORS = {"SA": "tab:blue", "ER": "tab:orange", "shared": "tab:gray"}


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    return path


def plot_learning_curves(
    histories: Mapping[int, Sequence[Mapping[str, float]]], path: Path, title: str
) -> Path:
    """Train (dashed) and validation (solid) loss per task and epoch, one colour per seed.

    ``histories``: seed -> the trainer's ``history.json`` records (``epoch``, ``train_sa_loss``,
    ``valid_sa_loss``, ``train_er_loss``, ``valid_er_loss``). The best validation epoch is marked.
    """
    tasks = [t for t in TASK_LOSSES if any(f"valid_{t[1]}" in r for h in histories.values() for r in h)]
    fig = _figure(5.0 * max(len(tasks), 1), 3.6)
    axes = fig.subplots(1, max(len(tasks), 1), squeeze=False)[0]
    colors = [f"C{i}" for i in range(10)]
    for ax, (task, key, loss_name) in zip(axes, tasks):
        for i, (seed, records) in enumerate(histories.items()):
            epochs = [r["epoch"] for r in records]
            color = colors[i % len(colors)]
            ax.plot(epochs, [r[f"train_{key}"] for r in records], "--", color=color, alpha=0.7)
            valid = [r[f"valid_{key}"] for r in records]
            ax.plot(epochs, valid, "-", color=color, label=f"seed {seed}")
            best = [r["valid_loss"] for r in records]
            b = int(np.argmin(best))
            ax.plot(epochs[b], valid[b], "o", color=color)
        ax.set_title(f"{task}: {loss_name} loss (dashed train, solid valid, dot best)")
        ax.set_xlabel("epoch")
        ax.set_ylabel(loss_name)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return _save(fig, path)


def plot_routing(routing: Mapping[str, Mapping[str, Sequence]], path: Path, title: str) -> Path:
    """Mean gate weight of each expert, per task (bar colour), modality (row) and block (column).

    ``routing``: ``"modality/blockJ/stream"`` -> ``{"labels": [...], "mean": [...], "std": [...]}``.
    Streams are tasks (or ``shared``); error bars are the std over utterances.
    """
    keys = [k.split("/") for k in routing]
    modalities = list(dict.fromkeys(k[0] for k in keys))
    blocks = sorted(set(k[1] for k in keys), key=lambda b: int(b.removeprefix("block") or 0))
    fig = _figure(1.2 + 4.6 * len(blocks), 0.6 + 2.9 * len(modalities))
    axes = fig.subplots(len(modalities), len(blocks), squeeze=False)
    for r, modality in enumerate(modalities):
        for c, block in enumerate(blocks):
            ax = axes[r][c]
            entries = {k.split("/")[2]: v for k, v in routing.items() if k.startswith(f"{modality}/{block}/")}
            labels = list(dict.fromkeys(lbl for v in entries.values() for lbl in v["labels"]))
            width = 0.8 / max(len(entries), 1)
            for i, (stream, v) in enumerate(entries.items()):
                pos = [labels.index(lbl) + (i - (len(entries) - 1) / 2) * width for lbl in v["labels"]]
                ax.bar(
                    pos,
                    v["mean"],
                    width,
                    yerr=v.get("std"),
                    capsize=2,
                    label=stream,
                    color=STREAM_COLORS.get(stream, f"C{i}"),
                )
            ax.set_xticks(range(len(labels)))
            ax.set_xticklabels(labels, rotation=25, ha="right", fontsize=8)
            ax.set_ylim(0, 1)
            ax.set_title(f"{modality}, {block.replace('block', 'block ')}")
            ax.set_ylabel("mean gate weight")
            ax.legend(fontsize=8, title="task", title_fontsize=8)
    fig.suptitle(title)
    return _save(fig, path)


def plot_params_vs_metric(
    points: Sequence[Mapping],
    lines: Mapping[str, Sequence[str]],
    metrics: Sequence[str],
    path: Path,
    title: str,
) -> Path:
    """Parameters (log x) against each metric (one panel each), error bars = std over seeds.

    ``points``: ``{"name", "params", "metrics": {metric: (mean, std)}}`` per variant. ``lines``:
    sweep name -> the variant names on that sweep, drawn connected in order of parameters and labelled
    in place; every other variant gets its own marker and an entry in the legend.
    """
    fig = _figure(5.6 * len(metrics) + 2.2, 4.6)
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    by_name = {p["name"]: p for p in points}
    on_line = {n for names in lines.values() for n in names}
    others = [n for n in by_name if n not in on_line]
    markers = "osD^vP*Xhp<>d8H"
    for ax, metric in zip(axes, metrics):
        for i, name in enumerate(others):
            p = by_name[name]
            if metric not in p["metrics"]:
                continue
            mean, std = p["metrics"][metric]
            # tab20 from its third pair on: the sweeps' lines keep blue (C0) and orange (C1) to themselves
            color = matplotlib.colormaps["tab20"]((4 + i) % 20)
            style = {"fmt": markers[i % len(markers)], "color": color, "ms": 6, "capsize": 2}
            ax.errorbar(p["params"], mean, yerr=_nan_to_zero(std), label=name, **style)
        for i, (sweep, names) in enumerate(lines.items()):
            pts = [by_name[n] for n in names if n in by_name and metric in by_name[n]["metrics"]]
            pts.sort(key=lambda p: p["params"])
            if not pts:
                continue
            means = [p["metrics"][metric][0] for p in pts]
            stds = [_nan_to_zero(p["metrics"][metric][1]) for p in pts]
            xs = [p["params"] for p in pts]
            ax.errorbar(
                xs, means, yerr=stds, fmt="-o", color=f"C{i}", lw=2, capsize=3, label=f"sweep {sweep}"
            )
            for p, y in zip(pts, means):
                ax.annotate(p["name"], (p["params"], y), fontsize=8, color=f"C{i}", xytext=(4, -11),
                            textcoords="offset points")  # fmt: skip
        ax.set_xscale("log")
        ax.set_xlabel("parameters (log scale)")
        ax.set_ylabel(metric)
        ax.set_title(f"{metric} vs parameters")
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=8)
    fig.suptitle(title)
    return _save(fig, path)


def _nan_to_zero(x: float | None) -> float:
    return 0.0 if x is None or math.isnan(x) else float(x)


def plot_sentiment_scatter(
    pairs: Mapping[int, tuple[np.ndarray, np.ndarray]], path: Path, title: str
) -> Path:
    """Predicted against true sentiment on the test split, one colour per seed, with y = x."""
    fig = _figure(4.8, 4.6)
    ax = fig.subplots()
    for i, (seed, (true, pred)) in enumerate(pairs.items()):
        keep = ~np.isnan(true) & ~np.isnan(pred)
        true, pred = true[keep], pred[keep]
        mae = float(np.mean(np.abs(pred - true))) if true.size else float("nan")
        corr = float(np.corrcoef(true, pred)[0, 1]) if true.size > 1 and np.std(pred) > 0 else float("nan")
        # jitter-free: labels lie on 1/n_annotators steps, alpha shows the density
        ax.scatter(
            true, pred, s=8, alpha=0.35, color=f"C{i}", label=f"seed {seed}: MAE {mae:.3f}, r {corr:.3f}"
        )
    ax.plot([-3, 3], [-3, 3], "k--", lw=1)
    ax.set_xlim(-3.2, 3.2)
    ax.set_ylim(-3.2, 3.2)
    ax.set_xlabel("true sentiment")
    ax.set_ylabel("predicted sentiment")
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title(title, fontsize=10)
    return _save(fig, path)


def plot_emotion_wa(bars: Mapping[str, Mapping[str, tuple[float, float]]], path: Path, title: str) -> Path:
    """Weighted accuracy per emotion, one bar per variant (error bars = std over seeds).

    ``bars``: variant -> ``{emotion: (mean, std)}`` for the six emotions of `EMOTIONS`.
    """
    fig = _figure(max(6.0, 1.0 + 0.25 * len(bars) * len(EMOTIONS)), 3.8)
    ax = fig.subplots()
    width = 0.8 / max(len(bars), 1)
    x = np.arange(len(EMOTIONS))
    for i, (variant, per_emotion) in enumerate(bars.items()):
        means = [per_emotion.get(e, (np.nan, np.nan))[0] for e in EMOTIONS]
        stds = [_nan_to_zero(per_emotion.get(e, (np.nan, np.nan))[1]) for e in EMOTIONS]
        ax.bar(
            x + (i - (len(bars) - 1) / 2) * width,
            means,
            width,
            yerr=stds,
            capsize=2,
            label=variant,
            color=f"C{i % 10}",
        )
    ax.axhline(0.5, color="k", lw=0.8, ls=":")
    ax.set_xticks(x)
    ax.set_xticklabels(EMOTIONS)
    lowest = min((m for v in bars.values() for m, _ in v.values() if not math.isnan(m)), default=0.5)
    ax.set_ylim(min(0.4, lowest - 0.05), 1.0)
    ax.set_ylabel("weighted accuracy (WA)")
    ax.legend(fontsize=7, ncols=min(len(bars), 4), loc="upper right")
    ax.set_title(title)
    return _save(fig, path)
