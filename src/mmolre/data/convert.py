"""``mmolre data convert``: read any supported layout, write another.

Targets: ``store`` (mmolre's cached feature store, `mmolre.data.store`), ``mmsa`` (an MMSA pickle),
``csd`` (a label ``.csd`` plus one ``.csd`` per modality, with synthetic times) and ``table`` (an MMSA
``label.csv`` plus a feature store in ``features/`` beside it, which the table reader finds by itself).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from mmolre.data.dataset import DataError, MultimodalDataset

log = logging.getLogger(__name__)


def _prepare(dst: Path, is_file: bool, force: bool) -> None:
    if dst.exists():
        if not force:
            raise DataError(f"{dst}: already exists; pass --force to overwrite")
        if dst.is_dir() and not is_file:
            shutil.rmtree(dst)
        elif dst.is_file():
            dst.unlink()
        else:
            raise DataError(f"{dst}: exists and is a {'folder' if dst.is_dir() else 'file'}; remove it first")


def write_splits(
    splits: dict[str, MultimodalDataset], dst: str | Path, to: str, name: str = ""
) -> dict[str, Path]:
    """Write ``splits`` in layout ``to``; returns role -> path of what was written."""
    from mmolre.data.csd import splits_to_csd
    from mmolre.data.label_table import frame_from_dataset, write_label_table
    from mmolre.data.mmsa_pickle import write_mmsa_pickle
    from mmolre.data.store import save_store

    dst = Path(dst)
    if to == "store":
        save_store(dst, splits)
        return {"store": dst}
    if to == "mmsa":
        if not next(iter(splits.values())).modalities:
            log.warning("%s: the source has no features; the pickle holds labels and texts only", dst)
        write_mmsa_pickle(dst, splits)
        return {"pickle": dst}
    if to == "csd":
        name = name or sorted({s for ds in splits.values() for s in ds.sources})[0]
        return splits_to_csd(dst, splits, name=name)
    if to == "table":
        frame = pd.concat([frame_from_dataset(ds, split) for split, ds in splits.items()], ignore_index=True)
        out = {"labels": dst / "label.csv"}
        write_label_table(out["labels"], frame)
        if next(iter(splits.values())).modalities:
            save_store(dst / "features", splits)
            out["features"] = dst / "features"
        return out
    raise DataError(f"convert: unknown target layout {to!r}")


def convert(
    src: str | Path, dst: str | Path, to: str, fmt: str = "auto", force: bool = False, **read_options: Any
) -> dict[str, Path]:
    """Read ``src`` (format ``fmt`` or detected) and write it to ``dst`` in layout ``to``."""
    from mmolre.data.formats import read_path

    dst = Path(dst)
    if Path(src).resolve() == dst.resolve():
        raise DataError(f"{dst}: source and destination are the same")
    _, splits = read_path(src, fmt, **read_options)
    _prepare(dst, is_file=to == "mmsa", force=force)
    return write_splits(splits, dst, to, read_options.get("name", ""))
