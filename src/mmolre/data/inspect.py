"""Summaries and checks of a dataset on disk, for ``mmolre data inspect`` and ``mmolre data validate``.

`summarize` works on ``{split: MultimodalDataset}`` from any reader: counts per split and source,
each modality's dim and length range, sentiment range, and emotion prevalence (share of labelled clips
whose intensity is > 0, the presence the ER task predicts). `find_problems` reads a path and returns
every problem it can find, one line each, rather than stopping at the first.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from mmolre.constants import EMOTIONS, SPLITS
from mmolre.data.dataset import DataError, MultimodalDataset

log = logging.getLogger(__name__)


def _length_stats(lengths: np.ndarray) -> dict[str, float]:
    if len(lengths) == 0:
        return {"min": 0, "median": 0, "max": 0}
    return {"min": int(lengths.min()), "median": float(np.median(lengths)), "max": int(lengths.max())}


def summarize(splits: Mapping[str, MultimodalDataset], fmt: str = "", path: str = "") -> dict[str, Any]:
    """A JSON-ready summary of ``splits``."""
    summary: dict[str, Any] = {"path": path, "format": fmt, "splits": {}, "modalities": {}}
    for split, ds in splits.items():
        sources: dict[str, int] = {}
        for s in ds.sources:
            sources[s] = sources.get(s, 0) + 1
        sent = ds.sentiment[ds.has_sentiment]
        has_emo = ds.has_emotions
        entry: dict[str, Any] = {
            "clips": len(ds),
            "sources": sources,
            "sentiment": {
                "labelled": int(len(sent)),
                "min": float(sent.min()) if len(sent) else None,
                "max": float(sent.max()) if len(sent) else None,
                "mean": float(sent.mean()) if len(sent) else None,
            },
            "emotions": {"labelled": int(has_emo.sum())},
        }
        if has_emo.any():
            present = ds.emotions[has_emo] > 0
            entry["emotions"]["prevalence"] = {e: float(present[:, j].mean()) for j, e in enumerate(EMOTIONS)}
        summary["splits"][split] = entry
        for m in ds.modalities:
            lengths = np.array([len(s) for s in ds.features[m]])
            info = summary["modalities"].setdefault(m, {"dim": ds.feature_dim(m), "lengths": {}})
            info["lengths"][split] = _length_stats(lengths)
            if any(len(s) == 0 for s in ds.features[m]):
                info.setdefault("empty", {})[split] = int((lengths == 0).sum())
    all_emo = [ds.emotions[ds.has_emotions] for ds in splits.values() if ds.has_emotions.any()]
    if all_emo:
        present = np.concatenate(all_emo) > 0
        summary["emotion_prevalence"] = {e: float(present[:, j].mean()) for j, e in enumerate(EMOTIONS)}
        summary["emotion_labelled"] = int(len(present))
    return summary


def format_summary(summary: Mapping[str, Any]) -> str:
    """Human-readable text of a `summarize` result."""
    lines = [f"{summary['path']}: format {summary['format']}"]
    splits = summary["splits"]
    counts = "/".join(str(splits[s]["clips"]) for s in splits)
    total = sum(splits[s]["clips"] for s in splits)
    lines.append(f"clips: {counts} ({'/'.join(splits)}), {total} in all")
    lines.append(f"{'split':<8}{'clips':>7}  {'sentiment range':<18}{'mean':>7}  {'emotions':>8}  sources")
    for s, e in splits.items():
        st = e["sentiment"]
        rng = f"[{st['min']:.3g}, {st['max']:.3g}]" if st["min"] is not None else "-"
        mean = f"{st['mean']:.3f}" if st["mean"] is not None else "-"
        srcs = ", ".join(f"{k} {v}" for k, v in e["sources"].items())
        lines.append(f"{s:<8}{e['clips']:>7}  {rng:<18}{mean:>7}  {e['emotions']['labelled']:>8}  {srcs}")
    if summary["modalities"]:
        lines.append("modalities:")
        for m, info in summary["modalities"].items():
            per = "; ".join(
                f"{s} {v['min']}-{v['max']} (median {v['median']:g})" for s, v in info["lengths"].items()
            )
            lines.append(f"  {m}: dim {info['dim']}, lengths {per}")
            if info.get("empty"):
                lines.append(f"    empty sequences: {info['empty']}")
    else:
        lines.append("modalities: none (labels only)")
    if "emotion_prevalence" in summary:
        lines.append(f"emotion prevalence (intensity > 0, {summary['emotion_labelled']} labelled clips):")
        header = f"  {'split':<8}" + "".join(f"{e:>10}" for e in EMOTIONS)
        lines.append(header)
        for s, e in splits.items():
            if "prevalence" in e["emotions"]:
                lines.append(
                    f"  {s:<8}" + "".join(f"{e['emotions']['prevalence'][x]:>10.3f}" for x in EMOTIONS)
                )
        lines.append(
            f"  {'all':<8}" + "".join(f"{summary['emotion_prevalence'][x]:>10.3f}" for x in EMOTIONS)
        )
    else:
        lines.append("emotions: none (sentiment only)")
    return "\n".join(lines)


def find_problems(path: str | Path, fmt: str = "auto", **read_options: Any) -> tuple[str, list[str]]:
    """Every problem found in ``path`` (format detected unless given); returns (format, problems)."""
    from mmolre.data.formats import detect_format, read_path

    path = Path(path)
    try:
        fmt = detect_format(path) if fmt == "auto" else fmt
    except DataError as exc:
        return fmt, [str(exc)]
    problems: list[str] = []
    try:
        feature_sequence = fmt == "csd" and path.is_file() and is_feature_sequence(path)
        summary = summarize_sequence(path) if feature_sequence else None
    except DataError as exc:
        return fmt, [str(exc)]
    if summary is not None:
        if summary["non_finite"]:
            log.warning("%s: %d non-finite values (set to 0 when read)", path, summary["non_finite"])
        return fmt, []
    if fmt == "table" and path.is_file():
        problems += _table_problems(path)
        if problems:
            return fmt, problems
    try:
        if fmt == "mmsa":
            splits, problems = _pickle_splits(path, read_options)
            if problems:
                return fmt, problems
        else:
            _, splits = read_path(path, fmt, **read_options)
    except DataError as exc:
        return fmt, [str(exc)]
    for split in SPLITS:
        if split not in splits or len(splits[split]) == 0:
            problems.append(f"{path}: split {split!r} is missing or empty")
    for split, ds in splits.items():
        for m in ds.modalities:
            empty = sum(1 for s in ds.features[m] if len(s) == 0)
            if empty:
                problems.append(f"{path}: {split}: {empty} clips have an empty {m} sequence")
            bad = sum(int((~np.isfinite(s)).sum()) for s in ds.features[m])
            if bad:
                problems.append(f"{path}: {split}: {m} has {bad} non-finite values")
    return fmt, problems


def is_feature_sequence(path: str | Path) -> bool:
    """True for a ``.csd`` of features (COVAREP, FACET, word vectors), False for a label sequence."""
    from mmolre.data.csd import MODALITY_KEY, read_csd_metadata

    meta = read_csd_metadata(path)
    if MODALITY_KEY in meta:
        return True
    names = (Path(path).name + " " + str(meta.get("root name", ""))).lower()
    return "label" not in names


def summarize_sequence(path: str | Path) -> dict[str, Any]:
    """Videos, rows, dim, rows per video and time span of one computational sequence."""
    from mmolre.data.csd import read_csd

    seq = read_csd(path)
    rows = np.array([len(f) for f, _ in seq.data.values()])
    numeric = [f for f, _ in seq.data.values() if f.dtype.kind in "fiu"]
    ends = [float(i[:, 1].max()) for _, i in seq.data.values() if len(i)]
    return {
        "path": str(path),
        "format": "csd",
        "root": seq.root,
        "dataset": str(seq.metadata.get("dataset name", "")),
        "videos": len(seq.data),
        "rows": int(rows.sum()),
        "dim": seq.dim,
        "rows_per_video": _length_stats(rows),
        "max_end_seconds": max(ends) if ends else None,
        "non_finite": int(sum((~np.isfinite(f)).sum() for f in numeric)),
        "words": len(numeric) < len(seq.data),
    }


def format_sequence_summary(s: Mapping[str, Any]) -> str:
    lines = [
        f"{s['path']}: format csd, sequence {s['root']!r} ({s['dataset'] or 'dataset not named'})",
        f"videos {s['videos']}, rows {s['rows']}, dim {s['dim']}{' (words)' if s['words'] else ''}",
        "rows per video: {min}-{max} (median {median:g})".format(**s["rows_per_video"]),
    ]
    if s["non_finite"]:
        lines.append(f"non-finite values: {s['non_finite']} (set to 0 when read)")
    lines.append(
        "no labels or splits: read it with a label sequence, e.g. --features audio=" + Path(s["path"]).name
    )
    return "\n".join(lines)


def _table_problems(path: Path) -> list[str]:
    from mmolre.data.label_table import _read_csv, check_label_frame, normalise_label_frame

    try:
        df, problems = normalise_label_frame(_read_csv(path), path)
    except DataError as exc:
        return [str(exc)]
    if problems:
        return problems
    return check_label_frame(df[df["mode"] != "none"], path)


def _pickle_splits(path: Path, options: dict[str, Any]) -> tuple[dict[str, MultimodalDataset], list[str]]:
    """Load the pickle once: all structural problems, or the splits when there are none."""
    from mmolre.data.label_table import guess_source
    from mmolre.data.mmsa_pickle import check_pickle, join_emotions_by_id, pickle_to_splits, safe_load

    data = safe_load(path)
    text_field = options.get("text_field", "text")
    problems = check_pickle(data, text_field)
    if problems:
        return {}, [f"{path}: {p}" for p in problems]
    splits = pickle_to_splits(data, options.get("name") or guess_source(path), path, text_field)
    if options.get("emotions"):
        join_emotions_by_id(splits, options["emotions"])
    return splits, []
