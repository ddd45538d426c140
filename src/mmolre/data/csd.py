"""CMU-MultimodalSDK computational sequences (``.csd``): reading, aligning to label segments, writing.

Layout (CMU-MultiComp-Lab/CMU-MultimodalSDK, ``mmsdk/mmdatasdk/computational_sequence/file_ops.py``):
an HDF5 file with one root group (the sequence's "root name") holding

    data/<video>/features    [n, d] one row per frame (or word, or labelled segment)
    data/<video>/intervals   [n, 2] start and end of each row, in seconds
    metadata/<key>           a one-element string dataset holding a JSON value

A label sequence has one row per opinion segment: ``CMU_MOSI_Opinion_Labels.csd`` has d = 1 (sentiment),
``CMU_MOSEI_Labels.csd`` has d = 7: [sentiment, happy, sad, anger, surprise, disgust, fear] - the
order of `mmolre.constants.EMOTIONS` after the sentiment column.

A feature sequence is aligned to the label segments the way the SDK's ``align`` does: a frame belongs
to a segment when their intervals overlap by more than ``epsilon`` seconds. A segment that no frame
overlaps is reported (dropped with a warning naming it, or kept empty, or an error - the caller's
choice), never dropped silently. Splits come from the video-level standard folds the SDK publishes
(``cmu_mosi_std_folds.py``, ``cmu_mosei_std_folds.py``), shipped here as JSON.

Segment ids are ``f"{video}$_${k}"`` with k the segment's position in its video: 1-based for MOSI (the
numbering of MMSA's MOSI ``label.csv``, which matches the SDK order one to one) and 0-based otherwise
(the SDK segment index, ``sdk_clip_id`` in mmolre's MOSEI tables). Files written by `write_csd` record
their own clip ids and splits in the metadata, so they read back unchanged.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

import h5py
import numpy as np
import pandas as pd

from mmolre.constants import EMOTIONS, SENTIMENT_RANGE, SPLITS
from mmolre.data.dataset import DataError, MultimodalDataset

log = logging.getLogger(__name__)

EPSILON = 1e-6  # seconds; the SDK aligns with a small epsilon too
CLIP_IDS_KEY = "mmolre clip ids"  # metadata written by write_csd: {video: [clip id per segment]}
SPLITS_KEY = "mmolre splits"  # metadata written by write_csd: {video: [split per segment]}
MODALITY_KEY = "mmolre modality"  # metadata written by splits_to_csd on feature sequences
_STR = h5py.string_dtype("utf-8")
_RANGE_TOL = 1e-5
EmptyPolicy = Literal["drop", "keep", "error"]

# The SDK's metadata keys (mmsdk/mmdatasdk/configurations/metadataconfigs.py, featuresetMetadataTemplate).
METADATA_KEYS: tuple[str, ...] = (
    "root name",
    "computational sequence description",
    "computational sequence version",
    "alignment compatible",
    "dataset name",
    "dataset version",
    "creator",
    "contact",
    "featureset bib citation",
    "dataset bib citation",
)


@dataclass
class ComputationalSequence:
    """One ``.csd`` read into memory: ``data[video] = (features [n, d], intervals [n, 2])``."""

    path: Path
    root: str
    data: dict[str, tuple[np.ndarray, np.ndarray]]
    metadata: dict = field(default_factory=dict)

    @property
    def dim(self) -> int:
        first = next(iter(self.data.values()), None)
        return 0 if first is None else int(first[0].shape[1])

    @property
    def n_rows(self) -> int:
        return sum(len(f) for f, _ in self.data.values())

    def dataset_name(self) -> str:
        """``mosi``/``mosei`` from the metadata "dataset name" ("CMU-MOSI"), else that name in lower case."""
        name = str(self.metadata.get("dataset name", "")).strip().lower()
        for short in ("mosei", "mosi"):
            if short in name:
                return short
        return name


def _decode(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _read_metadata(group: h5py.Group) -> dict:
    out = {}
    for key in group:
        raw = group[key][()]
        text = _decode(raw[0] if isinstance(raw, np.ndarray) and raw.size else raw)
        try:
            out[key] = json.loads(text)
        except json.JSONDecodeError:
            out[key] = text
    return out


def _video_key(entry: str) -> str:
    """An aligned SDK sequence names entries ``video[k]``; they belong to ``video``."""
    return entry.split("[")[0]


def read_csd(path: str | Path) -> ComputationalSequence:
    """Read and check a computational sequence; any problem is a `DataError` naming file and entry."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise DataError(
            f"{path}: not a readable HDF5 file ({str(exc).splitlines()[0]}); it may be truncated or still "
            "downloading"
        ) from None
    with f:
        roots = list(f.keys())
        if len(roots) != 1:
            raise DataError(f"{path}: expected one root group in a computational sequence, found {roots}")
        root = f[roots[0]]
        if not isinstance(root, h5py.Group) or "data" not in root:
            raise DataError(f"{path}: root group {roots[0]!r} has no 'data' group")
        metadata = _read_metadata(root["metadata"]) if "metadata" in root else {}
        grouped: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
        try:
            for entry in root["data"]:
                g = root["data"][entry]
                if not isinstance(g, h5py.Group) or "features" not in g or "intervals" not in g:
                    raise DataError(f"{path}: entry {entry!r} lacks 'features' or 'intervals'")
                feats, ivals = g["features"][()], g["intervals"][()]
                if ivals.ndim != 2 or ivals.shape[1] != 2:
                    raise DataError(
                        f"{path}: entry {entry!r} has intervals of shape {ivals.shape}, expected [n, 2]"
                    )
                if feats.ndim == 1:
                    feats = feats[:, None]
                if feats.shape[0] != ivals.shape[0]:
                    raise DataError(
                        f"{path}: entry {entry!r} has {feats.shape[0]} feature rows "
                        f"but {ivals.shape[0]} intervals"
                    )
                grouped.setdefault(_video_key(entry), []).append((feats, ivals.astype(np.float64)))
        except (OSError, KeyError, RuntimeError) as exc:
            raise DataError(
                f"{path}: cannot read the data ({str(exc).splitlines()[0]}); the file may be truncated"
            ) from None
    data = {}
    for video, parts in grouped.items():
        feats = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
        ivals = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
        data[video] = (feats, ivals)
    dims = {int(fe.shape[1]) for fe, _ in data.values() if fe.ndim == 2}
    if len(dims) > 1:
        raise DataError(f"{path}: feature dims differ between videos: {sorted(dims)}")
    return ComputationalSequence(path=path, root=roots[0], data=data, metadata=metadata)


def read_csd_metadata(path: str | Path) -> dict:
    """Only the metadata of a computational sequence (cheap: no feature data is read)."""
    path = Path(path)
    try:
        with h5py.File(path, "r") as f:
            roots = list(f.keys())
            if len(roots) != 1 or "metadata" not in f[roots[0]]:
                return {}
            return _read_metadata(f[roots[0]]["metadata"])
    except OSError as exc:
        raise DataError(
            f"{path}: not a readable HDF5 file ({str(exc).splitlines()[0]}); it may be truncated or still "
            "downloading"
        ) from None


def _is_text_features(feats: np.ndarray) -> bool:
    return feats.dtype.kind in "SOUa"


def write_csd(
    path: str | Path,
    data: Mapping[str, tuple[np.ndarray, np.ndarray]],
    root: str,
    metadata: Mapping | None = None,
) -> None:
    """Write a computational sequence the SDK can read: every metadata value JSON-encoded, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {key: "" for key in METADATA_KEYS}
    meta.update({"root name": root, "alignment compatible": True, "computational sequence version": "1.0"})
    meta.update(metadata or {})
    tmp = path.with_name(f".{path.name}.partial")
    with h5py.File(tmp, "w") as f:
        g = f.create_group(root)
        d = g.create_group("data")
        for video, (feats, ivals) in data.items():
            v = d.create_group(video)
            if _is_text_features(np.asarray(feats)):
                v.create_dataset("features", data=np.asarray(feats, dtype=object), dtype=_STR)
            else:
                v.create_dataset("features", data=np.asarray(feats))
            v.create_dataset("intervals", data=np.asarray(ivals, dtype=np.float64).reshape(-1, 2))
        m = g.create_group("metadata")
        for key, value in meta.items():
            ds = m.create_dataset(key, (1,), dtype=_STR)
            ds[0] = json.dumps(value)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------------
# labels, folds, alignment


def standard_folds(name: str) -> dict[str, list[str]]:
    """The SDK's standard video-level folds for ``mosi`` or ``mosei``: ``{split: [video ids]}``."""
    files = {"mosi": "mosi_std_folds.json", "mosei": "mosei_std_folds.json"}
    if name not in files:
        raise DataError(f"no standard folds for dataset {name!r} (known: {sorted(files)}); give a folds file")
    text = resources.files("mmolre.data").joinpath("folds", files[name]).read_text()
    return json.loads(text)


def read_folds(path: str | Path) -> dict[str, list[str]]:
    """A folds JSON ``{"train": [video ids], "valid": [...], "test": [...]}``."""
    path = Path(path)
    try:
        folds = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: cannot read folds ({exc})") from None
    if not isinstance(folds, dict) or not all(s in folds for s in SPLITS):
        raise DataError(f"{path}: folds must be a JSON object with lists {list(SPLITS)}")
    return folds


def clip_base(dataset: str) -> int:
    """First segment number: 1 for MOSI (MMSA's clip ids), 0 elsewhere (the SDK segment index)."""
    return 1 if dataset == "mosi" else 0


def label_segments(seq: ComputationalSequence, dataset: str = "") -> pd.DataFrame:
    """One row per labelled segment of a label sequence, in SDK order within each video.

    Columns: ``id``, ``video_id``, ``clip_id``, ``sdk_clip_id``, ``start``, ``end``, ``sentiment``, the six
    emotions (NaN for a 1-column sequence such as MOSI's) and ``mode`` when the file records splits.
    """
    dataset = dataset or seq.dataset_name()
    if seq.dim not in (1, 1 + len(EMOTIONS)):
        raise DataError(
            f"{seq.path}: a label sequence has 1 column (sentiment) or 7 "
            f"(sentiment and {', '.join(EMOTIONS)}), "
            f"this one has {seq.dim}"
        )
    clip_ids = seq.metadata.get(CLIP_IDS_KEY) if isinstance(seq.metadata.get(CLIP_IDS_KEY), dict) else None
    splits = seq.metadata.get(SPLITS_KEY) if isinstance(seq.metadata.get(SPLITS_KEY), dict) else None
    base = clip_base(dataset)
    rows = []
    for video in sorted(seq.data):
        feats, ivals = seq.data[video]
        for k in range(len(feats)):
            clip = str(clip_ids[video][k]) if clip_ids and video in clip_ids else str(k + base)
            row = {
                "id": f"{video}$_${clip}",
                "video_id": video,
                "clip_id": clip,
                "sdk_clip_id": k,
                "start": float(ivals[k, 0]),
                "end": float(ivals[k, 1]),
                "sentiment": float(feats[k, 0]),
            }
            for j, e in enumerate(EMOTIONS):
                row[e] = float(feats[k, j + 1]) if seq.dim > 1 else np.nan
            if splits and video in splits:
                row["mode"] = splits[video][k]
            rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        raise DataError(f"{seq.path}: the label sequence holds no segments")
    return df


def read_label_segments(path: str | Path, dataset: str = "") -> pd.DataFrame:
    """`label_segments` of the label ``.csd`` at ``path``."""
    return label_segments(read_csd(path), dataset)


def assign_splits(
    segments: pd.DataFrame, folds: Mapping[str, Sequence[str]] | None, path: str | Path
) -> pd.DataFrame:
    """Set ``mode`` per segment from video-level folds (or keep the file's own); videos in no fold -> none."""
    segments = segments.copy()
    if folds is None:
        if "mode" not in segments.columns or segments["mode"].isna().any():
            raise DataError(f"{path}: no folds: name the dataset (mosi, mosei) or give a folds file")
        return segments
    video_split: dict[str, str] = {}
    for split in SPLITS:
        for video in folds.get(split, []):
            video_split[str(video)] = split
    segments["mode"] = segments["video_id"].map(video_split).fillna("none")
    return segments


def check_segments(segments: pd.DataFrame, path: str | Path) -> list[str]:
    """Label problems: NaN or out-of-range sentiment, emotions out of range, empty splits."""
    problems = []
    s = segments["sentiment"].to_numpy(np.float64)
    if np.isnan(s).any():
        problems.append(f"{np.isnan(s).sum()} segments have a NaN sentiment label")
    lo, hi = SENTIMENT_RANGE
    out = ~np.isnan(s) & ((s < lo - _RANGE_TOL) | (s > hi + _RANGE_TOL))
    if out.any():
        problems.append(f"{out.sum()} sentiment labels lie outside [{lo:g}, {hi:g}]")
    for split in SPLITS:
        if not (segments["mode"] == split).any():
            problems.append(f"split {split!r} has zero segments")
    return [f"{path}: {p}" for p in problems]


def _frames_in(feats: np.ndarray, ivals: np.ndarray, start: float, end: float, epsilon: float) -> np.ndarray:
    """Rows of ``feats`` whose interval overlaps ``[start, end]`` by more than ``epsilon`` seconds."""
    lo, hi = 0, len(ivals)
    if len(ivals) > 64 and (np.diff(ivals[:, 0]) >= 0).all() and (np.diff(ivals[:, 1]) >= 0).all():
        # sorted frames (the usual case): only a window can overlap, found by binary search
        lo = int(np.searchsorted(ivals[:, 1], start, side="left"))
        hi = int(np.searchsorted(ivals[:, 0], end, side="right"))
    window = ivals[lo:hi]
    overlap = np.minimum(window[:, 1], end) - np.maximum(window[:, 0], start)
    return np.asarray(feats[lo:hi][overlap > epsilon], dtype=np.float32)


def align_to_segments(
    seq: ComputationalSequence, segments: pd.DataFrame, epsilon: float = EPSILON
) -> list[np.ndarray | None]:
    """Frames of ``seq`` inside each segment (overlap > ``epsilon`` s); None where the video is absent."""
    result: list[np.ndarray | None] = [None] * len(segments)
    starts = segments["start"].to_numpy(np.float64)
    ends = segments["end"].to_numpy(np.float64)
    for video, rows in segments.groupby("video_id", sort=False).indices.items():
        entry = seq.data.get(video)
        if entry is None:
            continue
        feats, ivals = entry
        for i in rows:
            result[i] = _frames_in(feats, ivals, starts[i], ends[i], epsilon)
    return result


def load_csd(
    labels: str | Path,
    features: Mapping[str, str | Path] | None = None,
    source: str = "",
    folds: str | Path | Mapping[str, Sequence[str]] | None = None,
    empty: EmptyPolicy = "drop",
    epsilon: float = EPSILON,
) -> dict[str, MultimodalDataset]:
    """Read a label ``.csd`` and feature ``.csd`` files (modality -> path) into datasets per split.

    Args:
        labels: ``CMU_MOSI_Opinion_Labels.csd``, ``CMU_MOSEI_Labels.csd`` or one written by `write_csd`.
        features: modality -> computational sequence; each is aligned to the label segments.
        source: dataset name; default from the labels' metadata ("CMU-MOSI" -> mosi) or the path.
        folds: a folds JSON path or mapping; default the file's own splits, else the standard folds.
        empty: what to do with a segment no frame of some modality overlaps: ``drop`` (with a
            warning naming the segments), ``keep`` (a zero-length sequence) or ``error``.
    """
    from mmolre.data.label_table import guess_source

    labels = Path(labels)
    label_seq = read_csd(labels)
    dataset = label_seq.dataset_name() or source or guess_source(labels)
    source = source or dataset
    segments = label_segments(label_seq, dataset)
    if isinstance(folds, (str, Path)):
        folds = read_folds(folds)
    elif folds is None and "mode" not in segments.columns:
        try:
            folds = standard_folds(dataset)
        except DataError as exc:
            raise DataError(f"{labels}: {exc}") from None
    segments = assign_splits(segments, folds, labels)
    outside = int((segments["mode"] == "none").sum())
    if outside:
        log.info("%s: %d segments of videos outside the folds are left out", labels, outside)
    segments = segments[segments["mode"] != "none"].reset_index(drop=True)
    problems = check_segments(segments, labels)
    if problems:
        raise DataError("; ".join(problems))

    aligned: dict[str, list[np.ndarray | None]] = {}
    for modality, fpath in (features or {}).items():
        seq = read_csd(fpath)
        if seq.data and _is_text_features(next(iter(seq.data.values()))[0]):
            raise DataError(
                f"{fpath}: holds words, not feature vectors; use a word-vector sequence for {modality!r}"
            )
        aligned[modality] = align_to_segments(seq, segments, epsilon)
        empty_ids = [cid for cid, a in zip(segments["id"], aligned[modality]) if a is None or len(a) == 0]
        if empty_ids:
            shown = ", ".join(empty_ids[:5]) + (
                f" and {len(empty_ids) - 5} more" if len(empty_ids) > 5 else ""
            )
            msg = f"{fpath}: {len(empty_ids)} of {len(segments)} segments have no {modality} frames ({shown})"
            if empty == "error":
                raise DataError(msg)
            log.warning("%s; %s", msg, "they are left out" if empty == "drop" else "they are kept empty")
        dim = seq.dim
        aligned[modality] = [np.zeros((0, dim), np.float32) if a is None else a for a in aligned[modality]]
        n_bad = sum(int((~np.isfinite(a)).sum()) for a in aligned[modality])
        if n_bad:
            # MOSI's COVAREP sequence holds -inf; set to 0 as MMSA does with its copy, and say how many
            aligned[modality] = [np.where(np.isfinite(a), a, np.float32(0)) for a in aligned[modality]]
            log.warning(
                "%s: %d non-finite values (-inf/NaN) in aligned %s frames, set to 0", fpath, n_bad, modality
            )

    keep = np.ones(len(segments), bool)
    if empty == "drop":
        for seqs in aligned.values():
            keep &= np.array([len(a) > 0 for a in seqs], bool)
    out = {}
    for split in SPLITS:
        idx = np.flatnonzero(keep & (segments["mode"] == split).to_numpy())
        if len(idx) == 0:
            raise DataError(f"{labels}: split {split!r} has no segment with frames of every modality")
        part = segments.iloc[idx]
        out[split] = MultimodalDataset(
            ids=part["id"].tolist(),
            features={m: [seqs[i] for i in idx] for m, seqs in aligned.items()},
            sentiment=part["sentiment"].to_numpy(np.float32),
            emotions=part[list(EMOTIONS)].to_numpy(np.float32),
            sources=[source] * len(idx),
        )
    return out


# ---------------------------------------------------------------------------------------------------
# writing datasets as computational sequences


def splits_to_csd(
    folder: str | Path,
    splits: Mapping[str, MultimodalDataset],
    name: str = "dataset",
    segment_seconds: float = 1.0,
) -> dict[str, Path]:
    """Write ``splits`` as a label ``.csd`` plus one ``.csd`` per modality; returns role -> path.

    MultimodalDataset carries no times, so the written times are synthetic: segment k of a video spans
    ``[2k, 2k + 1) * segment_seconds`` and its frames divide that span evenly. Clip ids and splits go
    into the metadata, so `load_csd` gives back the same ids and splits. The label sequence has 7
    columns when any clip has emotions (NaN rows for clips without), else 1.
    """
    from mmolre.data.label_table import split_id

    folder = Path(folder)
    first = next(iter(splits.values()))
    has_emotions = any(ds.has_emotions.any() for ds in splits.values())
    per_video: dict[str, list[tuple[str, str, MultimodalDataset, int]]] = {}
    for split, ds in splits.items():
        for i, cid in enumerate(ds.ids):
            video, clip = split_id(cid)
            per_video.setdefault(video, []).append((clip, split, ds, i))
    labels, clip_ids, split_of = {}, {}, {}
    feats: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {m: {} for m in first.modalities}
    for video, clips in per_video.items():
        clips.sort(key=lambda c: (int(c[0]) if c[0].isdigit() else 0, c[0]))
        spans = np.array([[2 * k, 2 * k + 1] for k in range(len(clips))], np.float64) * segment_seconds
        rows = []
        for _, _, ds, i in clips:
            row = [float(ds.sentiment[i])]
            if has_emotions:
                row += [float(v) for v in ds.emotions[i]]
            rows.append(row)
        labels[video] = (np.array(rows, np.float32), spans)
        clip_ids[video] = [c[0] for c in clips]
        split_of[video] = [c[1] for c in clips]
        for m in first.modalities:
            f_rows, i_rows = [], []
            for (_, _, ds, i), (s, e) in zip(clips, spans):
                seq = ds.features[m][i]
                t = len(seq)
                edges = s + (e - s) * np.arange(t + 1) / max(t, 1)
                f_rows.append(np.asarray(seq, np.float32))
                i_rows.append(np.stack([edges[:-1], edges[1:]], axis=1))
            feats[m][video] = (np.concatenate(f_rows), np.concatenate(i_rows))
    common = {
        "dataset name": name,
        "creator": "mmolre",
        "computational sequence description": "written by mmolre",
    }
    paths = {"labels": folder / f"{name}_labels.csd"}
    write_csd(
        paths["labels"],
        labels,
        root="Labels",
        metadata={
            **common,
            "dimension names": ["sentiment", *EMOTIONS] if has_emotions else ["sentiment"],
            CLIP_IDS_KEY: clip_ids,
            SPLITS_KEY: split_of,
        },
    )
    for m in first.modalities:
        paths[m] = folder / f"{name}_{m}.csd"
        write_csd(paths[m], feats[m], root=m, metadata={**common, "times": "synthetic", MODALITY_KEY: m})
    return paths
