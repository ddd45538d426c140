"""Label tables in the MMSA ``label.csv`` layout, and the reader that joins them to feature stores.

The layout is MMSA's (thuiar/MMSA, ``label.csv`` per dataset): one row per clip with ``video_id``,
``clip_id``, ``text``, ``label`` (sentiment in [-3, 3]), ``annotation``, ``mode`` (train/valid/test).
mmolre also reads the optional MOSEI emotion columns ``happy .. fear`` (intensities in [0, 3], the order
of ``CMU_MOSEI_Labels.csd``) and optional ``start``/``end`` (seconds, the CMU-SDK segment interval), and a
``sdk_clip_id`` column (the segment's index in the SDK computational sequence) when present.

Emotion labels that live in another file (``CMU_MOSEI_Labels.csd`` or a CSV with video id, SDK segment
index, start/end and the six emotions) are joined by video and segment - SDK index or start/end
interval - never by row order (`attach_emotions`).

Every problem is a `DataError` whose message names the file and the problem.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from mmolre.constants import EMOTION_RANGE, EMOTIONS, SENTIMENT_RANGE, SPLITS
from mmolre.data.dataset import DataError, MultimodalDataset

log = logging.getLogger(__name__)

ID_SEPARATOR = "$_$"  # MMSA joins video and clip ids with this
REQUIRED_COLUMNS: tuple[str, ...] = ("video_id", "clip_id", "label", "mode")
# Spellings of ``mode`` seen in public label files (MMSA uses train/valid/test; MELD and others use dev).
MODE_ALIASES: dict[str, str] = {
    "train": "train",
    "training": "train",
    "valid": "valid",
    "val": "valid",
    "validation": "valid",
    "dev": "valid",
    "test": "test",
    "testing": "test",
}
# Rows outside the standard folds (e.g. the 68 MOSEI videos the SDK folds leave out) carry these modes.
NO_SPLIT_MODES: frozenset[str] = frozenset({"none", "", "nan", "unused"})
# Label files store float32 values printed to full precision, so 3.0 can read as 3.0000000953674316.
_RANGE_TOL = 1e-5
_MAX_LISTED = 5


def make_id(video_id: str, clip_id: str) -> str:
    """The canonical clip id, as MMSA writes it: ``f"{video_id}$_${clip_id}"``."""
    return f"{video_id}{ID_SEPARATOR}{clip_id}"


def split_id(clip_id: str) -> tuple[str, str]:
    """Inverse of `make_id`; an id without the separator is split at its last underscore."""
    if ID_SEPARATOR in clip_id:
        video, clip = clip_id.rsplit(ID_SEPARATOR, 1)
        return video, clip
    if "_" in clip_id:
        video, clip = clip_id.rsplit("_", 1)
        return video, clip
    raise DataError(f"id {clip_id!r} has neither {ID_SEPARATOR!r} nor '_' between video and clip")


def _listed(values: Sequence) -> str:
    shown = ", ".join(str(v) for v in list(values)[:_MAX_LISTED])
    more = len(values) - _MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"{path}: label table not found")
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        # Everything as text first: MOSEI video ids such as "81406" or "-3g5yACwYnA" must stay strings.
        return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: cannot parse as a label table ({str(exc).splitlines()[0]})") from exc


def _to_float(df: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    values = pd.to_numeric(df[column].str.strip().replace("", np.nan), errors="coerce")
    bad = values.isna() & ~df[column].str.strip().isin(["", "nan", "NaN", "NA"])
    if bad.any():
        raise DataError(
            f"{path}: column {column!r} has non-numeric values in rows of "
            f"{_listed(df.loc[bad, 'id'].tolist())}"
        )
    return values.to_numpy(dtype=np.float64)


def check_label_frame(
    df: pd.DataFrame, path: str | Path, require_splits: Sequence[str] = SPLITS
) -> list[str]:
    """Problems of an already-normalised table (as `read_label_table` builds it), one line each."""
    problems: list[str] = []
    label = df["label"].to_numpy(dtype=np.float64)
    nan = np.isnan(label)
    if nan.any():
        shown = _listed(df.loc[nan, "id"].tolist())
        problems.append(f"label is NaN or empty for {nan.sum()} clips ({shown})")
    lo, hi = SENTIMENT_RANGE
    out = ~nan & ((label < lo - _RANGE_TOL) | (label > hi + _RANGE_TOL))
    if out.any():
        shown = _listed([f"{i}={v:g}" for i, v in zip(df.loc[out, "id"], label[out])])
        problems.append(f"label outside [{lo:g}, {hi:g}] for {out.sum()} clips ({shown})")
    dup = df["id"].duplicated(keep=False)
    if dup.any():
        problems.append(f"{dup.sum()} rows share an id ({_listed(sorted(set(df.loc[dup, 'id'])))})")
    counts = df["mode"].value_counts()
    for split in require_splits:
        if counts.get(split, 0) == 0:
            problems.append(f"split {split!r} has zero rows")
    emo = df[list(EMOTIONS)].to_numpy(dtype=np.float64)
    row_nan = np.isnan(emo)
    partial = row_nan.any(axis=1) & ~row_nan.all(axis=1)
    if partial.any():
        problems.append(
            f"emotion labels are only partly given for {partial.sum()} clips "
            f"({_listed(df.loc[partial, 'id'].tolist())}); give all six or none"
        )
    elo, ehi = EMOTION_RANGE
    bad = ~row_nan & ((emo < elo - _RANGE_TOL) | (emo > ehi + _RANGE_TOL))
    if bad.any():
        rows = bad.any(axis=1)
        problems.append(
            f"emotion intensities outside [{elo:g}, {ehi:g}] for {rows.sum()} clips "
            f"({_listed(df.loc[rows, 'id'].tolist())})"
        )
    return [f"{path}: {p}" for p in problems]


def normalise_label_frame(raw: pd.DataFrame, path: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """Bring a raw (all-string) table to the canonical columns; return it and the structural problems.

    Problems returned here are those that make further checks meaningless (a missing column, a
    non-numeric value, an unknown mode); when there are any the returned frame may be partial.
    """
    path = Path(path)
    raw = raw.rename(columns=lambda c: str(c).strip())
    columns = set(raw.columns)
    problems: list[str] = []
    if "label" not in columns and "sentiment" in columns:
        raw = raw.rename(columns={"sentiment": "label"})  # the SDK-derived tables name it sentiment
        columns = set(raw.columns)
    if "id" in columns and not {"video_id", "clip_id"} <= columns:
        try:
            parts = [split_id(str(v)) for v in raw["id"]]
        except DataError as exc:
            return raw, [f"{path}: column 'id': {exc}"]
        raw = raw.assign(video_id=[p[0] for p in parts], clip_id=[p[1] for p in parts])
        columns = set(raw.columns)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return raw, [
            f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} "
            f"(has {', '.join(raw.columns)}; expected the MMSA label.csv layout "
            f"video_id, clip_id, text, label, annotation, mode)"
        ]
    present_emotions = [e for e in EMOTIONS if e in columns]
    if present_emotions and len(present_emotions) != len(EMOTIONS):
        absent = [e for e in EMOTIONS if e not in columns]
        return raw, [f"{path}: emotion columns {present_emotions} are present but {absent} are missing"]

    df = pd.DataFrame()
    df["video_id"] = raw["video_id"].astype(str).str.strip()
    df["clip_id"] = raw["clip_id"].astype(str).str.strip()
    df["id"] = [make_id(v, c) for v, c in zip(df["video_id"], df["clip_id"])]
    df["text"] = raw["text"].astype(str) if "text" in columns else ""
    try:
        df["label"] = _to_float(raw.assign(id=df["id"]), "label", path)
        for e in EMOTIONS:
            df[e] = _to_float(raw.assign(id=df["id"]), e, path) if present_emotions else np.nan
        for c in ("start", "end"):
            df[c] = _to_float(raw.assign(id=df["id"]), c, path) if c in columns else np.nan
        if "sdk_clip_id" in columns:
            df["sdk_clip_id"] = _to_float(raw.assign(id=df["id"]), "sdk_clip_id", path)
    except DataError as exc:
        return df, [str(exc)]
    if "annotation" in columns:
        df["annotation"] = raw["annotation"].astype(str)
    else:
        # MMSA writes the sign of the label here; rebuild it so a table without it still has the column.
        df["annotation"] = np.select(
            [df["label"] > 0, df["label"] < 0], ["Positive", "Negative"], default="Neutral"
        )
    modes = raw["mode"].astype(str).str.strip().str.lower()
    unknown = sorted(set(modes) - set(MODE_ALIASES) - NO_SPLIT_MODES)
    if unknown:
        problems.append(f"{path}: column 'mode' has unknown values {unknown}; expected train, valid, test")
    df["mode"] = modes.map(MODE_ALIASES).fillna("none")
    # keep any further columns (label_T, label_A, label_V, ...) after the canonical ones
    for c in raw.columns:
        if c not in df.columns and c not in ("id", "sentiment"):
            df[c] = raw[c].to_numpy()
    return df, problems


def read_label_table(
    path: str | Path,
    require_splits: Sequence[str] = SPLITS,
    drop_unsplit: bool = True,
) -> pd.DataFrame:
    """Read and validate an MMSA-layout label table (``.csv``, or ``.tsv`` tab-separated).

    Returns a DataFrame with columns ``id`` (``f"{video_id}$_${clip_id}"``), ``video_id``, ``clip_id``,
    ``text`` (``""`` where empty), ``label`` (float), ``annotation``, ``mode`` (one of train/valid/test),
    the six emotion columns in `EMOTIONS` order (NaN where the table has none), ``start``/``end``
    (NaN where absent), then any further columns of the file. ``df.attrs`` holds ``path``,
    ``has_emotions`` and ``dropped`` (rows outside every split, e.g. mode ``none``).

    Raises:
        DataError: naming the file and the problem - a missing column, a NaN label, a label outside
            [-3, 3], an unknown mode, duplicate ids, or a split in ``require_splits`` with zero rows.
    """
    path = Path(path)
    df, problems = normalise_label_frame(_read_csv(path), path)
    if problems:
        raise DataError(problems[0] if len(problems) == 1 else "; ".join(problems))
    dropped = int((df["mode"] == "none").sum())
    if dropped and drop_unsplit:
        log.info("%s: %d rows belong to no split (mode none) and are left out", path, dropped)
        df = df[df["mode"] != "none"].reset_index(drop=True)
    problems = check_label_frame(df, path, require_splits)
    if problems:
        # one message naming the file once, then every problem
        raise DataError(f"{path}: " + "; ".join(p.removeprefix(f"{path}: ") for p in problems))
    df.attrs.update(
        path=str(path),
        has_emotions=bool((~df[list(EMOTIONS)].isna().any(axis=1)).any()),
        dropped=dropped if drop_unsplit else 0,
    )
    return df


def write_label_table(path: str | Path, df: pd.DataFrame) -> None:
    """Write a table in the MMSA layout (emotion and start/end columns only where they hold values)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = ["video_id", "clip_id", "text", "label", "annotation", "mode"]
    if set(EMOTIONS) <= set(df.columns) and not df[list(EMOTIONS)].isna().all().all():
        columns += list(EMOTIONS)
    for c in ("start", "end", "sdk_clip_id"):
        if c in df.columns and not df[c].isna().all():
            columns.append(c)
    out = df.copy()
    if "annotation" not in out.columns:
        out["annotation"] = np.select(
            [out["label"] > 0, out["label"] < 0], ["Positive", "Negative"], default="Neutral"
        )
    if "sdk_clip_id" in columns:
        out["sdk_clip_id"] = out["sdk_clip_id"].astype("Int64")
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    tmp = path.with_name(f".{path.name}.partial")
    out[columns].to_csv(tmp, index=False, sep=sep, float_format="%.7g")
    tmp.replace(path)


def frame_from_dataset(ds: MultimodalDataset, split: str) -> pd.DataFrame:
    """The label table rows of one split of a dataset (ids must be ``video$_$clip``)."""
    parts = [split_id(i) for i in ds.ids]
    df = pd.DataFrame(
        {
            "video_id": [p[0] for p in parts],
            "clip_id": [p[1] for p in parts],
            "id": ds.ids,
            "text": ds.texts if ds.texts is not None else [""] * len(ds),
            "label": ds.sentiment.astype(np.float64),
            "mode": split,
        }
    )
    for j, e in enumerate(EMOTIONS):
        df[e] = ds.emotions[:, j].astype(np.float64)
    return df


# ---------------------------------------------------------------------------------------------------
# Emotion labels from another file, joined by video and segment


def read_emotion_source(path: str | Path) -> pd.DataFrame:
    """Emotion labels keyed by segment: ``video_id``, ``sdk_clip_id``, ``start``, ``end``, six emotions.

    Reads ``CMU_MOSEI_Labels.csd`` (via `mmolre.data.csd`), an MMSA-layout label table with emotion
    columns (then an ``id`` column holds the canonical clip id), or an SDK-derived CSV: video id, the
    SDK segment index and/or start/end, sentiment and the six emotions (``mosei_labels.csv``, whose
    ``clip_id`` is the SDK index; ``mosei_labels_emotions.csv`` with ``id`` and ``segment_id``).
    """
    path = Path(path)
    if path.suffix.lower() == ".csd":
        from mmolre.data.csd import read_label_segments

        return read_label_segments(path).drop(columns=["sentiment", "id"], errors="ignore")
    raw = _read_csv(path)
    raw = raw.rename(columns=lambda c: str(c).strip())
    if "label" in raw.columns:
        # an MMSA-layout table: its clip_id is MMSA's numbering, so it joins by id (and sdk_clip_id if any)
        table = read_label_table(path, require_splits=(), drop_unsplit=False)
        if not table.attrs["has_emotions"]:
            raise DataError(f"{path}: has no emotion columns ({', '.join(EMOTIONS)})")
        cols = ["id", "video_id", "start", "end", *EMOTIONS]
        out = table[cols].copy()
        out["sdk_clip_id"] = table["sdk_clip_id"] if "sdk_clip_id" in table.columns else np.nan
        return out
    rename = {}
    if "video_id" not in raw.columns and "id" in raw.columns:
        rename["id"] = "video_id"
    if "sdk_clip_id" not in raw.columns:
        # in the SDK-derived layouts (no MMSA "label" column) the segment number is the SDK index
        for c in ("segment_id", "clip_id"):
            if c in raw.columns:
                rename[c] = "sdk_clip_id"
                break
    raw = raw.rename(columns=rename)
    missing = [e for e in EMOTIONS if e not in raw.columns] + (["video_id"] if "video_id" not in raw else [])
    if missing:
        raise DataError(f"{path}: missing column(s) {missing} for emotion labels")
    out = pd.DataFrame({"video_id": raw["video_id"].astype(str).str.strip()})
    out["id"] = out["video_id"]  # for error messages of _to_float
    for c in ("sdk_clip_id", "start", "end", *EMOTIONS):
        out[c] = _to_float(raw.assign(id=out["id"]), c, path) if c in raw.columns else np.nan
    return out.drop(columns=["id"])


def attach_emotions(
    df: pd.DataFrame, source: str | Path | pd.DataFrame, on: str = "auto", decimals: int = 3
) -> pd.DataFrame:
    """Fill the emotion columns of ``df`` from ``source`` by video and segment, never by row order.

    ``on`` is ``"id"`` (the canonical ``video$_$clip`` id, for an MMSA-layout source), ``"index"``
    (``df.sdk_clip_id`` against the SDK segment index), ``"interval"`` (``start`` and ``end`` rounded to
    ``decimals`` seconds), or ``"auto"``: id when the source has ids, else index when both sides have
    SDK indices, else interval. A clip of ``df`` without a match keeps NaN emotions and is counted in a
    warning; a key that matches two source rows is an error.
    """
    path = source if not isinstance(source, pd.DataFrame) else "emotion labels"
    emo = source if isinstance(source, pd.DataFrame) else read_emotion_source(source)

    def has(frame: pd.DataFrame, column: str) -> bool:
        return column in frame.columns and not frame[column].isna().all()

    if on == "auto":
        if has(emo, "id"):
            on = "id"
        elif has(df, "sdk_clip_id") and has(emo, "sdk_clip_id"):
            on = "index"
        else:
            on = "interval"
    if on == "id":
        keys = ["id"]
        left, right = df[keys], emo
    elif on == "index":
        keys = ["video_id", "sdk_clip_id"]
        if not has(df, "sdk_clip_id") or not has(emo, "sdk_clip_id"):
            raise DataError(f"{path}: cannot join emotions by segment index; a side lacks sdk_clip_id")
        left = df[keys].assign(sdk_clip_id=df["sdk_clip_id"].round().astype("Int64"))
        right = emo.assign(sdk_clip_id=emo["sdk_clip_id"].round().astype("Int64"))
    elif on == "interval":
        keys = ["video_id", "start", "end"]
        if not has(df, "start") or not has(emo, "start"):
            raise DataError(f"{path}: cannot join emotions by start/end; a side has no start/end times")
        left = df[keys].round({"start": decimals, "end": decimals})
        right = emo.round({"start": decimals, "end": decimals})
    else:
        raise DataError(f"attach_emotions: on must be auto, id, index or interval, not {on!r}")
    right = right[keys + list(EMOTIONS)]
    dup = right.duplicated(keys, keep=False)
    if dup.any():
        raise DataError(f"{path}: {dup.sum()} emotion rows share a (video, segment) key; cannot join")
    merged = left.merge(right, on=keys, how="left", validate="many_to_one")
    out = df.copy()
    for e in EMOTIONS:
        out[e] = merged[e].to_numpy(dtype=np.float64)
    unmatched = int(out[list(EMOTIONS)].isna().any(axis=1).sum())
    if unmatched:
        log.warning("%s: %d of %d clips found no emotion labels (joined by %s)", path, unmatched, len(df), on)
    out.attrs = dict(df.attrs, has_emotions=unmatched < len(df))
    return out


def fill_text(df: pd.DataFrame, source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Fill the empty transcripts of ``df`` from another label table, joined by (video_id, clip_id).

    Non-empty transcripts are kept as they are. MOSI's ``label.csv`` has 4 clips without text whose
    transcripts are in UniMSE's ``MOSI-label.csv``; a clip still empty afterwards is counted in a warning.
    """
    name = source if not isinstance(source, pd.DataFrame) else "text source"
    other = (
        source
        if isinstance(source, pd.DataFrame)
        else read_label_table(source, require_splits=(), drop_unsplit=False)
    )
    texts = dict(zip(other["id"], other["text"].astype(str).str.strip()))
    out = df.copy()
    empty = out["text"].astype(str).str.strip() == ""
    filled = [texts.get(i, "") for i in out.loc[empty, "id"]]
    out.loc[empty, "text"] = filled
    n_filled = sum(1 for t in filled if t)
    if empty.any():
        log.info("%s: filled %d of %d empty transcripts", name, n_filled, int(empty.sum()))
    if n_filled < int(empty.sum()):
        still = out.loc[out["text"].astype(str).str.strip() == "", "id"].tolist()
        log.warning("%s: %d clips still have no transcript (%s)", name, len(still), _listed(still))
    out.attrs = dict(df.attrs)
    return out


# ---------------------------------------------------------------------------------------------------
# Label table + per-modality feature stores -> {split: MultimodalDataset}


def _feature_files(store_dir: Path, modality: str) -> list[Path]:
    """Every ``<split>/<modality>.h5`` of a store folder (any split: features are joined by id)."""
    files = sorted(store_dir.glob(f"*/{modality}.h5"))
    direct = store_dir / f"{modality}.h5"
    if direct.is_file():
        files.append(direct)
    return files


def read_store_modality(store_dir: str | Path, modality: str) -> dict[str, np.ndarray | None]:
    """id -> features of one modality, gathered over all split folders of a feature store."""
    from mmolre.data.store import read_modality

    store_dir = Path(store_dir)
    if not store_dir.is_dir():
        raise DataError(f"{store_dir}: feature store folder for {modality!r} not found")
    files = _feature_files(store_dir, modality)
    if not files:
        raise DataError(f"{store_dir}: no {modality}.h5 in any split folder of this feature store")
    out: dict[str, np.ndarray | None] = {}
    for f in files:
        out.update(read_modality(f))
    return out


def table_to_splits(
    df: pd.DataFrame,
    features: Mapping[str, Mapping[str, np.ndarray | None]],
    source: str,
    splits: Sequence[str] = SPLITS,
) -> dict[str, MultimodalDataset]:
    """Join a label table to per-modality features by id; clips lacking a modality are left out (counted)."""
    path = df.attrs.get("path", "label table")
    out = {}
    for split in splits:
        part = df[df["mode"] == split]
        keep = [
            i for i, cid in enumerate(part["id"]) if all(features[m].get(cid) is not None for m in features)
        ]
        dropped = len(part) - len(keep)
        if dropped:
            log.warning(
                "%s: %d of %d %s clips lack features of %s and are left out",
                path,
                dropped,
                len(part),
                split,
                list(features),
            )
        if not keep:
            raise DataError(f"{path}: no {split} clip has features for all of {list(features)}")
        part = part.iloc[keep]
        ids = part["id"].tolist()
        out[split] = MultimodalDataset(
            ids=ids,
            features={m: [np.asarray(features[m][i], np.float32) for i in ids] for m in features},
            sentiment=part["label"].to_numpy(np.float32),
            emotions=part[list(EMOTIONS)].to_numpy(np.float32),
            sources=[source] * len(ids),
            texts=part["text"].tolist(),
        )
    return out


def load_table(
    path: str | Path,
    feature_dirs: Mapping[str, str | Path] | None = None,
    source: str = "",
    emotions: str | Path | None = None,
    text_from: str | Path | None = None,
) -> dict[str, MultimodalDataset]:
    """Read a label table and join it to feature stores (modality -> store folder) by clip id.

    ``{name}`` in a store path is replaced by ``source``, so one config can name the stores of MOSI and
    MOSEI. A relative store path that does not exist from the working directory is taken relative to
    the label table's folder. ``emotions`` names a file to join emotion labels from (`attach_emotions`);
    ``text_from`` a label table whose transcripts fill this one's empty ones (`fill_text`).
    Without feature stores the splits carry labels and transcripts only.
    """
    path = Path(path)
    df = read_label_table(path)
    if emotions:
        df = attach_emotions(df, emotions)
    if text_from:
        df = fill_text(df, text_from)
    source = source or guess_source(path)
    features = {}
    for modality, folder in (feature_dirs or {}).items():
        store = Path(str(folder).replace("{name}", source))
        if not store.is_absolute() and not store.exists() and (path.parent / store).exists():
            store = path.parent / store
        if not store.exists():
            fill = f" --text-from {text_from}" if text_from and modality == "text" else ""
            raise DataError(
                f"{store}: the {modality} feature store of {path} has not been built yet; build it with "
                f"`mmolre features extract {path}{fill} --out {store}`"
            )
        features[modality] = read_store_modality(store, modality)
    return table_to_splits(df, features, source)


def guess_source(path: str | Path) -> str:
    """Dataset name from a path: ``mosei`` or ``mosi`` when the path names one, else the file stem."""
    text = str(Path(path).resolve()).lower()
    for name in ("mosei", "mosi", "sims", "meld", "iemocap"):
        if name in Path(text).name or f"/{name}" in text or f"_{name}" in text:
            return name
    return Path(path).stem
