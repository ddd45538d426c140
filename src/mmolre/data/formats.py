"""Format detection and the glue from a `DataConfig` path to each reader (MMSA pickle, .csd, label table).

`mmolre.data.loaders` registers `read_mmsa`, `read_csd_source` and `read_table` as the readers of
``data.kind`` ``mmsa``, ``csd`` and ``table``; ``mmolre data`` uses `detect_format` and `read_path`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from mmolre.config import DataConfig
from mmolre.data.dataset import DataError, MultimodalDataset

Splits = dict[str, MultimodalDataset]

FORMATS: tuple[str, ...] = ("mmsa", "csd", "table", "store")
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def detect_format(path: str | Path) -> str:
    """``mmsa``, ``csd``, ``table`` or ``store`` for a file or folder, from its name and first bytes."""
    path = Path(path)
    if path.is_dir():
        if (path / "store.json").is_file():
            return "store"
        if any(path.glob("*.csd")):
            return "csd"
        if any(path.glob("*.csv")) or any(path.glob("*.tsv")):
            return "table"
        raise DataError(f"{path}: folder holds no store.json, .csd or label table")
    if not path.is_file():
        raise DataError(f"{path}: not found")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "table"
    if suffix in (".pkl", ".pickle"):
        return "mmsa"
    with open(path, "rb") as f:
        head = f.read(8)
    if suffix in (".csd", ".h5", ".hdf5") or head == _HDF5_MAGIC:
        return "csd"
    if head[:1] == b"\x80":
        return "mmsa"
    raise DataError(f"{path}: cannot tell the format (expected .pkl, .csd or .csv/.tsv)")


def _per_path(values: list[str], cfg: DataConfig, path: str, field: str) -> str | None:
    if not values:
        return None
    if len(values) != len(cfg.paths):
        raise DataError(f"data.{field}: {len(values)} entries for {len(cfg.paths)} paths")
    return values[cfg.paths.index(path)] or None


def resolve_feature_path(template: str, source: str, base: Path) -> Path:
    """``{name}`` -> dataset name; a relative path absent from the working directory is tried in ``base``."""
    p = Path(template.replace("{name}", source))
    if not p.is_absolute() and not p.exists() and (base / p).exists():
        return base / p
    return p


def read_mmsa(cfg: DataConfig, path: str, name: str) -> Splits:
    from mmolre.data.mmsa_pickle import load_mmsa_pickle

    return load_mmsa_pickle(
        path, name, cfg.text_field, emotions=_per_path(cfg.emotion_labels, cfg, path, "emotion_labels")
    )


def find_labels_csd(folder: Path) -> Path:
    """The label sequence in an SDK download folder (its name holds "Labels")."""
    found = sorted(p for p in folder.glob("*.csd") if "label" in p.name.lower())
    if len(found) != 1:
        raise DataError(
            f"{folder}: expected one label .csd (name containing 'Labels'), found {[p.name for p in found]}"
        )
    return found[0]


def default_csd_features(folder: Path, source: str) -> dict[str, Path]:
    """Modality -> feature ``.csd`` in ``folder``.

    Files written by mmolre name their modality in the metadata; otherwise the standard SDK files that
    ``mmolre data download`` fetches are used (word vectors, COVAREP, FACET 4.2).
    """
    from mmolre.data.csd import MODALITY_KEY, read_csd_metadata
    from mmolre.data.download import DATASETS, DEFAULT_MODALITY_FILES

    out: dict[str, Path] = {}
    for path in sorted(folder.glob("*.csd")):
        modality = read_csd_metadata(path).get(MODALITY_KEY)
        if isinstance(modality, str) and modality:
            out[modality] = path
    if out:
        return out
    for modality, key in DEFAULT_MODALITY_FILES.items():
        url = DATASETS.get(source, {}).get(key)
        if url and (folder / url.rsplit("/", 1)[-1]).is_file():
            out[modality] = folder / url.rsplit("/", 1)[-1]
    return out


def read_csd_source(cfg: DataConfig, path: str, name: str) -> Splits:
    from mmolre.data.csd import load_csd, read_csd
    from mmolre.data.label_table import guess_source

    p = Path(path)
    labels = find_labels_csd(p) if p.is_dir() else p
    source = name or read_csd(labels).dataset_name() or guess_source(labels)
    base = labels.parent
    if cfg.feature_dirs:
        features = {m: resolve_feature_path(t, source, base) for m, t in cfg.feature_dirs.items()}
    else:
        features = default_csd_features(base, source)
    splits = load_csd(labels, features, source, folds=_per_path(cfg.folds, cfg, path, "folds"))
    emotions = _per_path(cfg.emotion_labels, cfg, path, "emotion_labels")
    if emotions:
        from mmolre.data.mmsa_pickle import join_emotions_by_id

        join_emotions_by_id(splits, emotions)
    return splits


def read_table(cfg: DataConfig, path: str, name: str) -> Splits:
    from mmolre.data.label_table import load_table

    p = Path(path)
    if p.is_dir():
        p = find_label_table(p)
    return load_table(
        p,
        cfg.feature_dirs or default_table_features(p),
        name,
        _per_path(cfg.emotion_labels, cfg, path, "emotion_labels"),
        _per_path(cfg.text_from, cfg, path, "text_from"),
    )


def find_label_table(folder: Path) -> Path:
    for candidate in ("label.csv", "labels.csv", "label.tsv"):
        if (folder / candidate).is_file():
            return folder / candidate
    found = sorted(folder.glob("*.csv")) + sorted(folder.glob("*.tsv"))
    if len(found) != 1:
        raise DataError(
            f"{folder}: expected label.csv or a single .csv/.tsv, found {[p.name for p in found]}"
        )
    return found[0]


def default_table_features(table: Path) -> dict[str, str]:
    """A label table written by ``mmolre data convert`` has its feature store in ``features/`` beside it."""
    from mmolre.data.store import read_manifest

    store = table.parent / "features"
    if (store / "store.json").is_file():
        return {m: str(store) for m in read_manifest(store)["modalities"]}
    return {}


def read_path(
    path: str | Path,
    fmt: str = "auto",
    name: str = "",
    feature_paths: Mapping[str, str] | None = None,
    text_field: str = "text",
    emotions: str | None = None,
    folds: str | None = None,
) -> tuple[str, Splits]:
    """Read one path in any supported format; returns (format, splits). For ``mmolre data``."""
    from mmolre.data.store import load_store

    path = Path(path)
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt not in FORMATS:
        raise DataError(f"format {fmt!r} is not one of {list(FORMATS)}")
    if fmt == "store":
        return fmt, load_store(path)
    cfg = DataConfig(
        kind=fmt,
        paths=[str(path)],
        names=[name] if name else [],
        feature_dirs=dict(feature_paths or {}),
        text_field=text_field,
        emotion_labels=[emotions] if emotions else [],
        folds=[folds] if folds else [],
    )
    reader = {"mmsa": read_mmsa, "csd": read_csd_source, "table": read_table}[fmt]
    return fmt, reader(cfg, str(path), name)
