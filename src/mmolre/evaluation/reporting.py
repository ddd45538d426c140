"""Multi-seed summaries and result files (DESIGN.md section 4).

A multi-seed experiment ends with :func:`summarize` over the per-seed metric dicts and
:func:`write_results`, which writes ``results.json``, ``results.csv`` and ``results.md`` side by side.
Every file is written atomically, so a crash never leaves a half-written result behind.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from mmolre.atomic import write_text_atomic

__all__ = ["format_mean_std", "markdown_table", "summarize", "write_results"]

RESULT_FILES: tuple[str, ...] = ("results.json", "results.csv", "results.md")


def _is_missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def summarize(runs: Iterable[Mapping[str, float]]) -> dict[str, dict[str, float | int]]:
    """Mean and sample standard deviation of each metric over runs (seeds).

    Args:
        runs: one ``{metric: value}`` dict per run.

    Returns:
        ``{metric: {"mean": float, "std": float, "n": int}}`` in order of first appearance. ``std`` uses
        ``ddof=1`` and is NaN when ``n == 1``. A metric present in only some runs is summarized over the
        runs that have it. A NaN value is kept, so it makes that metric's mean NaN: an undefined metric
        in one seed should be visible, not silently averaged away.

    Raises:
        ValueError: if ``runs`` is empty or a value is not a real number.
    """
    runs = list(runs)
    if not runs:
        raise ValueError("summarize needs at least one run")
    values: dict[str, list[float]] = {}
    for i, run in enumerate(runs):
        for key, val in run.items():
            if isinstance(val, bool) or not isinstance(val, int | float | np.integer | np.floating):
                raise ValueError(f"run {i}: metric {key!r} is not a number: {val!r}")
            values.setdefault(key, []).append(float(val))
    out: dict[str, dict[str, float | int]] = {}
    for key, vals in values.items():
        arr = np.asarray(vals, dtype=np.float64)
        std = float(np.std(arr, ddof=1)) if arr.size > 1 else float("nan")
        out[key] = {"mean": float(np.mean(arr)), "std": std, "n": int(arr.size)}
    return out


def format_mean_std(mean: float | None, std: float | None, digits: int = 4) -> str:
    """``"0.1234 ± 0.0056"``; an undefined std (a single run) reads ``"0.1234 ± n/a"``."""
    m = "n/a" if _is_missing(mean) else f"{mean:.{digits}f}"
    s = "n/a" if _is_missing(std) else f"{std:.{digits}f}"
    return f"{m} ± {s}"


def _cell(value: Any, digits: int) -> str:
    if value is None:
        return ""
    if isinstance(value, float | np.floating):
        return "nan" if math.isnan(value) else f"{value:.{digits}f}"
    # Pipes would split the cell and newlines would end the row.
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: list[Mapping[str, Any]], columns: list[str], digits: int = 4) -> str:
    """A GitHub-flavoured Markdown table.

    Args:
        rows: one mapping per row; a column missing from a row gives an empty cell.
        columns: column names, in order; they are also the header.
        digits: decimals for float cells (strings and ints are written as they are).

    Returns:
        The table as a string ending in a newline.
    """
    if not columns:
        raise ValueError("markdown_table needs at least one column")
    lines = [
        "| " + " | ".join(_cell(c, digits) for c in columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(c), digits) for c in columns) + " |")
    return "\n".join(lines) + "\n"


def _json_safe(obj: Any) -> Any:
    # Strict JSON has no NaN: write null instead so any JSON reader (jq, JavaScript) accepts the file.
    if isinstance(obj, Mapping):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return None if not math.isfinite(obj) else float(obj)
    return obj


def _metric_order(per_seed: Mapping[Any, Mapping[str, float]], summary: Mapping[str, Any]) -> list[str]:
    keys: dict[str, None] = dict.fromkeys(summary)
    for metrics in per_seed.values():
        keys.update(dict.fromkeys(metrics))
    return list(keys)


def _seed_header(seed: int | str) -> str:
    return f"seed {seed}" if isinstance(seed, int | np.integer) else str(seed)


def write_results(
    out_dir: str | os.PathLike[str],
    per_seed: Mapping[int | str, Mapping[str, float]],
    summary: Mapping[str, Mapping[str, float | int]] | None = None,
    title: str = "Results",
    reference: Mapping[str, float] | None = None,
    reference_name: str = "oracle",
) -> dict[str, Path]:
    """Write ``results.json``, ``results.csv`` and ``results.md`` into ``out_dir``.

    Args:
        out_dir: folder, created if needed.
        per_seed: ``{seed: {metric: value}}``.
        summary: output of :func:`summarize`; computed from ``per_seed`` when ``None``.
        title: heading of the Markdown file, also stored in the JSON.
        reference: metrics of a reference predictor (e.g. the synthetic benchmark's oracle), shown beside
            the seeds under ``reference_name`` but not counted in the mean and std.

    Files:
        ``results.json``: ``{"title", "per_seed": {seed: metrics}, "summary": {metric: {mean, std, n}}}``;
        seeds become strings (JSON keys) and NaN becomes ``null``.
        ``results.csv``: column ``seed`` then one column per metric; one row per seed, then rows ``mean``
        and ``std``; full precision; an absent metric is an empty cell, NaN is ``nan``.
        ``results.md``: the title and a table with one row per metric and columns ``metric``, each seed
        (``seed <s>`` for integer seeds), then ``mean ± std``, all to 4 decimals.

    Returns:
        ``{"json": path, "csv": path, "md": path}``.
    """
    if not per_seed:
        raise ValueError("write_results needs at least one seed")
    if summary is None:
        summary = summarize(per_seed.values())
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    metrics = _metric_order(per_seed, summary)
    paths = {"json": out / "results.json", "csv": out / "results.csv", "md": out / "results.md"}

    doc = {"title": title, "per_seed": dict(per_seed.items()), "summary": dict(summary.items())}
    if reference is not None:
        doc[reference_name] = dict(reference)
    write_text_atomic(paths["json"], json.dumps(_json_safe(doc), indent=2, allow_nan=False) + "\n")

    def csv_value(v: Any) -> str:
        if v is None:
            return ""
        return repr(float(v))  # repr keeps every digit; float('nan') -> 'nan', which pandas reads as NaN

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["seed", *metrics])
    for seed, vals in per_seed.items():
        writer.writerow([seed, *(csv_value(vals.get(m)) for m in metrics)])
    for stat in ("mean", "std"):
        writer.writerow([stat, *(csv_value(summary.get(m, {}).get(stat)) for m in metrics)])
    if reference is not None:
        writer.writerow([reference_name, *(csv_value(reference.get(m)) for m in metrics)])
    write_text_atomic(paths["csv"], buf.getvalue())

    seed_cols = [_seed_header(s) for s in per_seed]
    columns = ["metric", *seed_cols, "mean ± std"] + ([reference_name] if reference is not None else [])
    rows: list[dict[str, Any]] = []
    for m in metrics:
        row: dict[str, Any] = {"metric": m}
        for seed, col in zip(per_seed, seed_cols):
            v = per_seed[seed].get(m)
            row[col] = None if v is None else float(v)
        s = summary.get(m)
        row["mean ± std"] = "" if s is None else format_mean_std(s.get("mean"), s.get("std"))
        if reference is not None:
            row[reference_name] = reference.get(m)
        rows.append(row)
    n_seeds = len(per_seed)
    md = (
        f"# {title}\n\n"
        f"{n_seeds} seed{'s' if n_seeds != 1 else ''}; mean ± sample std (ddof = 1).\n\n"
        + markdown_table(rows, columns)
    )
    write_text_atomic(paths["md"], md)
    return paths
