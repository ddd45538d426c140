"""mmolre's own cached feature store: HDF5 files, one per split and modality, joined by id.

Layout of a store folder::

    store.json                  {"format": "mmolre-feature-store", "version": 1, "modalities": {m: {...}}}
    <split>/labels.h5           ids, sources, sentiment [N], emotions [N, 6]   (NaN = no label),
                                texts [N] (optional raw transcripts, for text fine-tuning)
    <split>/<modality>.h5       ids, lengths [N], data [sum(lengths), D], missing [N] (bool)

Modality files are joined to the labels by id, never by row order. A clip whose features could not be
made is kept in its modality file with ``missing=True`` and length 0; loading drops such clips and says
how many. Every file is written to a temporary name and renamed, so an interrupted write leaves no
half file behind.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import h5py
import numpy as np

from mmolre.atomic import atomic_path, write_json_atomic
from mmolre.constants import EMOTIONS
from mmolre.data.dataset import DataError, MultimodalDataset

log = logging.getLogger(__name__)

STORE_FORMAT = "mmolre-feature-store"
STORE_VERSION = 1
_STR = h5py.string_dtype("utf-8")


def write_labels(
    path: Path,
    ids: Sequence[str],
    sources: Sequence[str],
    sentiment,
    emotions,
    texts: Sequence[str] | None = None,
) -> None:
    """Write one split's labels; ``texts`` (raw transcripts, optional) enable text fine-tuning."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = atomic_path(path)
    with h5py.File(tmp, "w") as f:
        f.create_dataset("ids", data=np.array(list(ids), dtype=object), dtype=_STR)
        f.create_dataset("sources", data=np.array(list(sources), dtype=object), dtype=_STR)
        f.create_dataset("sentiment", data=np.asarray(sentiment, dtype=np.float32))
        f.create_dataset("emotions", data=np.asarray(emotions, dtype=np.float32).reshape(-1, len(EMOTIONS)))
        if texts is not None:
            f.create_dataset("texts", data=np.array(list(texts), dtype=object), dtype=_STR)
        f.attrs["emotions"] = ",".join(EMOTIONS)
    os.replace(tmp, path)


def write_modality(
    path: Path,
    ids: Sequence[str],
    sequences: Sequence[np.ndarray | None],
    dim: int,
    attrs: dict | None = None,
) -> None:
    """Write one modality of one split; ``None`` in ``sequences`` marks a clip as missing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    missing = np.array([s is None for s in sequences], dtype=bool)
    arrays = [np.zeros((0, dim), np.float32) if s is None else np.asarray(s, np.float32) for s in sequences]
    for clip_id, arr in zip(ids, arrays):
        if arr.ndim != 2 or arr.shape[1] != dim:
            raise DataError(f"{path}: features of {clip_id!r} have shape {arr.shape}, expected [T, {dim}]")
    lengths = np.array([a.shape[0] for a in arrays], dtype=np.int64)
    data = np.concatenate(arrays, axis=0) if len(arrays) else np.zeros((0, dim), np.float32)
    tmp = atomic_path(path)
    with h5py.File(tmp, "w") as f:
        f.create_dataset("ids", data=np.array(list(ids), dtype=object), dtype=_STR)
        f.create_dataset("lengths", data=lengths)
        f.create_dataset("missing", data=missing)
        f.create_dataset("data", data=data, chunks=True if len(data) else None)
        f.attrs["dim"] = dim
        for key, value in (attrs or {}).items():
            f.attrs[key] = value
    os.replace(tmp, path)


def write_manifest(root: Path, modalities: dict[str, dict]) -> None:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    manifest = {"format": STORE_FORMAT, "version": STORE_VERSION, "modalities": modalities}
    write_json_atomic(root / "store.json", manifest)


def save_store(
    root: Path, splits: dict[str, MultimodalDataset], attrs: dict[str, dict] | None = None
) -> None:
    """Write in-memory splits as a feature store (used by ``mmolre data convert``)."""
    root = Path(root)
    first = next(iter(splits.values()))
    for split, ds in splits.items():
        write_labels(root / split / "labels.h5", ds.ids, ds.sources, ds.sentiment, ds.emotions, ds.texts)
        for m in ds.modalities:
            write_modality(root / split / f"{m}.h5", ds.ids, ds.features[m], ds.feature_dim(m))
    modalities = {m: {"dim": first.feature_dim(m), **(attrs or {}).get(m, {})} for m in first.modalities}
    write_manifest(root, modalities)


def read_manifest(root: Path) -> dict:
    path = Path(root) / "store.json"
    if not path.is_file():
        raise DataError(f"{path}: not found; a feature store folder holds store.json")
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON ({exc})") from exc
    if manifest.get("format") != STORE_FORMAT:
        raise DataError(f"{path}: format is {manifest.get('format')!r}, expected {STORE_FORMAT!r}")
    return manifest


def _read_strings(f: h5py.File, key: str, path: Path) -> list[str]:
    if key not in f:
        raise DataError(f"{path}: missing dataset {key!r}")
    return [s.decode() if isinstance(s, bytes) else str(s) for s in f[key][()]]


def read_modality(path: Path) -> dict[str, np.ndarray | None]:
    """id -> ``[T, D]`` features, or None for a clip recorded as missing."""
    path = Path(path)
    try:
        with h5py.File(path, "r") as f:
            ids = _read_strings(f, "ids", path)
            for key in ("lengths", "data"):
                if key not in f:
                    raise DataError(f"{path}: missing dataset {key!r}")
            lengths = f["lengths"][()]
            data = f["data"][()]
            missing = f["missing"][()] if "missing" in f else np.zeros(len(ids), bool)
    except OSError as exc:
        raise DataError(f"{path}: cannot read HDF5 file ({exc})") from exc
    if len(lengths) != len(ids) or int(lengths.sum()) != len(data):
        raise DataError(f"{path}: lengths do not match ids ({len(ids)}) or data rows ({len(data)})")
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    return {
        clip_id: None if missing[i] else data[offsets[i] : offsets[i + 1]].astype(np.float32)
        for i, clip_id in enumerate(ids)
    }


def load_split(root: Path, split: str, modalities: Sequence[str] | None = None) -> MultimodalDataset:
    root = Path(root)
    manifest = read_manifest(root)
    modalities = list(modalities or manifest["modalities"])
    labels_path = root / split / "labels.h5"
    if not labels_path.is_file():
        raise DataError(f"{labels_path}: not found (split {split!r} of store {root})")
    try:
        with h5py.File(labels_path, "r") as f:
            ids = _read_strings(f, "ids", labels_path)
            sources = _read_strings(f, "sources", labels_path)
            sentiment = f["sentiment"][()]
            emotions = f["emotions"][()]
            texts = _read_strings(f, "texts", labels_path) if "texts" in f else None
    except OSError as exc:
        raise DataError(f"{labels_path}: cannot read HDF5 file ({exc})") from exc
    per_modality = {}
    for m in modalities:
        path = root / split / f"{m}.h5"
        if not path.is_file():
            raise DataError(f"{path}: not found; store {root} has modalities {list(manifest['modalities'])}")
        per_modality[m] = read_modality(path)
    keep = [i for i, cid in enumerate(ids) if all(per_modality[m].get(cid) is not None for m in modalities)]
    dropped = len(ids) - len(keep)
    if dropped:
        log.warning(
            "%s/%s: %d of %d clips lack features of %s and are left out",
            root,
            split,
            dropped,
            len(ids),
            modalities,
        )
    if not keep:
        raise DataError(f"{root}/{split}: no clip has features for all of {modalities}")
    return MultimodalDataset(
        ids=[ids[i] for i in keep],
        features={m: [per_modality[m][ids[i]] for i in keep] for m in modalities},
        sentiment=sentiment[keep],
        emotions=emotions[keep],
        sources=[sources[i] for i in keep],
        texts=None if texts is None else [texts[i] for i in keep],
    )


def load_store(
    root: Path, splits: Sequence[str] = ("train", "valid", "test"), modalities: Sequence[str] | None = None
) -> dict[str, MultimodalDataset]:
    """Read a feature store into ``{split: MultimodalDataset}``."""
    return {split: load_split(root, split, modalities) for split in splits}
