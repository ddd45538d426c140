"""One entry point from a `DataConfig` to ``{split: MultimodalDataset}``, whatever the format."""

from __future__ import annotations

from collections.abc import Callable

from mmolre.config import DataConfig
from mmolre.data.dataset import DataError, MultimodalDataset, concat_datasets

Splits = dict[str, MultimodalDataset]


def _load_synthetic(cfg: DataConfig) -> Splits:
    from mmolre.data.synthetic import generate_synthetic

    return generate_synthetic(cfg.synthetic).splits


def _load_store(cfg: DataConfig) -> Splits:
    from mmolre.data.store import load_store

    return _load_each(cfg, lambda path, name: load_store(path))


def _load_each(cfg: DataConfig, read: Callable[[str, str], Splits]) -> Splits:
    """Read every path of ``cfg.paths`` and concatenate them split by split (MOSI + MOSEI together)."""
    if not cfg.paths:
        raise DataError(f"data.paths: data.kind={cfg.kind!r} needs at least one path")
    names = cfg.names or [""] * len(cfg.paths)
    if len(names) != len(cfg.paths):
        raise DataError(f"data.names: {len(names)} names for {len(cfg.paths)} paths")
    parts = [read(path, name) for path, name in zip(cfg.paths, names)]
    for part, name in zip(parts, names):
        if name:
            for ds in part.values():
                ds.sources = [name] * len(ds)
    return {split: concat_datasets([p[split] for p in parts]) for split in parts[0]}


def _load_format(kind: str) -> Callable[[DataConfig], Splits]:
    """Reader of an external format (MMSA pickle, CMU-SDK .csd, label table); see `mmolre.data.formats`."""

    def load(cfg: DataConfig) -> Splits:
        from mmolre.data import formats

        read = {"mmsa": formats.read_mmsa, "csd": formats.read_csd_source, "table": formats.read_table}[kind]
        return _load_each(cfg, lambda path, name: read(cfg, path, name))

    return load


# Readers register here by kind; each returns {split: MultimodalDataset}.
READERS: dict[str, Callable[[DataConfig], Splits]] = {
    "synthetic": _load_synthetic,
    "store": _load_store,
    "mmsa": _load_format("mmsa"),
    "csd": _load_format("csd"),
    "table": _load_format("table"),
}


def load_splits(cfg: DataConfig) -> Splits:
    if cfg.kind not in READERS:
        raise DataError(f"data.kind: no reader for {cfg.kind!r} (known: {sorted(READERS)})")
    splits = READERS[cfg.kind](cfg)
    for split in ("train", "valid", "test"):
        if split not in splits or len(splits[split]) == 0:
            raise DataError(f"data: split {split!r} is missing or empty")
    return splits
