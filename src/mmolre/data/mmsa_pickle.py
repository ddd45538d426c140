"""MMSA feature pickles (``aligned_50.pkl``, ``unaligned_50.pkl``): a restricted reader and a writer.

Layout (thuiar/MMSA, ``MMSA/data_loader.py`` and the files it publishes): a dict with splits ``train``,
``valid``, ``test``; each split is a dict of arrays with one row per clip:

    id                  "video$_$clip"
    raw_text            transcript
    text                [N, L, D_t] text features (GloVe or BERT), zero-padded
    text_bert           [N, 3, L] BERT inputs: token ids, attention mask, segment ids
    audio, vision       [N, L_m, D_m] features, zero-padded
    audio_lengths, ...  [N] true lengths (unaligned files; MSA_FET also writes text_lengths)
    regression_labels   [N] sentiment in [-3, 3]

Padding is cut by ``<modality>_lengths`` where the file has them; text without lengths is cut by
``text_bert``'s attention mask; anything else (aligned files record no lengths) loses its all-zero rows
at both ends. Non-finite values (MOSI's audio holds -inf) are set to 0 and counted in a warning.

A pickle can run code when loaded, so a user's file is read with `SafeUnpickler`, which admits only the
globals that numpy arrays, numpy scalars and dtypes need; any other global is refused, with its name,
before it is called. MMSA pickles carry no emotion labels: emotions are NaN unless the file has an
``emotion_labels`` array (written by `write_mmsa_pickle`) or a label table is joined by id.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mmolre.constants import EMOTIONS, SENTIMENT_RANGE, SPLITS
from mmolre.data.dataset import DataError, MultimodalDataset

log = logging.getLogger(__name__)

FEATURE_KEYS: tuple[str, ...] = ("text", "audio", "vision")
TEXT_FIELDS: tuple[str, ...] = ("text", "text_bert")
EMOTION_KEY = "emotion_labels"  # mmolre's addition; MMSA files do not have it
_RANGE_TOL = 1e-5


def _allowed_globals() -> dict[tuple[str, str], Any]:
    """(module, name) -> object for every global a pickled numpy array, scalar or dtype refers to.

    The callables are taken from numpy's own ``__reduce__`` output, so the table is right for whichever
    numpy is installed; both the numpy 1 (``numpy.core``) and numpy 2 (``numpy._core``) module names
    are accepted because MMSA's files were written with numpy 1.
    """
    reconstruct = np.zeros(1).__reduce__()[0]  # multiarray._reconstruct
    frombuffer = np.zeros(1).__reduce_ex__(5)[0]  # numeric._frombuffer (protocol 5)
    scalar = np.float32(0).__reduce__()[0]  # multiarray.scalar
    table: dict[tuple[str, str], Any] = {}
    for core in ("numpy.core", "numpy._core"):
        table[(f"{core}.multiarray", "_reconstruct")] = reconstruct
        table[(f"{core}.multiarray", "scalar")] = scalar
        table[(f"{core}.numeric", "_frombuffer")] = frombuffer
    table[("numpy", "ndarray")] = np.ndarray
    table[("numpy", "dtype")] = np.dtype
    # Concrete dtype classes (numpy.dtypes.Float32DType, ...) appear in pickles written by numpy >= 1.25.
    for name in dir(np.dtypes):
        obj = getattr(np.dtypes, name)
        if isinstance(obj, type) and issubclass(obj, np.dtype):
            table[("numpy.dtypes", name)] = obj
    # Protocol 2 pickles spell bytes as _codecs.encode(str, "latin1"); only that use is let through.
    table[("_codecs", "encode")] = _latin1_encode
    return table


def _latin1_encode(text: str, encoding: str = "latin1") -> bytes:
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode is admitted only as (str, 'latin1')")
    return text.encode("latin1")


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that builds only numpy arrays/dtypes/scalars and plain containers, str, bytes, numbers.

    Lists, tuples, dicts, str, bytes, ints, floats, bools and None are pickle opcodes and need no global;
    everything else goes through `find_class`, which refuses any name outside the allow-list. A refused
    name raises before anything is called, so no code in the file runs.
    """

    _ALLOWED: dict[tuple[str, str], Any] | None = None

    def find_class(self, module: str, name: str) -> Any:
        if SafeUnpickler._ALLOWED is None:
            SafeUnpickler._ALLOWED = _allowed_globals()
        if module == "__builtin__":  # protocol 2 pickles written by Python 2
            module = "builtins"
        allowed = SafeUnpickler._ALLOWED.get((module, name))
        if allowed is None:
            raise pickle.UnpicklingError(f"forbidden global {module}.{name}")
        return allowed


def safe_load(path: str | Path) -> Any:
    """Unpickle ``path`` with `SafeUnpickler`; a forbidden global or a broken file is a `DataError`."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        with open(path, "rb") as f:
            return SafeUnpickler(f).load()
    except pickle.UnpicklingError as exc:
        if str(exc).startswith("forbidden global"):
            raise DataError(
                f"{path}: refused to load: the pickle refers to {str(exc)[len('forbidden ') :]}, which is "
                "not "
                "a numpy array, dtype, list, tuple, dict, str, bytes or number; nothing in it was run"
            ) from None
        raise DataError(f"{path}: not a readable pickle ({exc})") from None
    except (EOFError, ValueError, TypeError, AttributeError, IndexError, MemoryError) as exc:
        raise DataError(
            f"{path}: not a readable pickle; the file may be truncated ({type(exc).__name__}: {exc})"
        ) from None


def safe_loads(data: bytes) -> Any:
    """`safe_load` for bytes in memory (raises ``pickle.UnpicklingError`` on a forbidden global)."""
    return SafeUnpickler(io.BytesIO(data)).load()


# ---------------------------------------------------------------------------------------------------
# checks


def _as_strings(values: Any) -> list[str]:
    out = []
    for v in np.asarray(values, dtype=object).reshape(-1):
        out.append(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v))
    return out


def check_split(split: Mapping, name: str, text_field: str = "text") -> list[str]:
    """Structural problems of one split dict, one line each (empty when it is fine)."""
    problems: list[str] = []
    if not isinstance(split, Mapping):
        return [f"split {name!r} is a {type(split).__name__}, expected a dict of arrays"]
    for key in ("id", "regression_labels"):
        if key not in split:
            problems.append(f"split {name!r} has no {key!r} (keys: {sorted(split)})")
    if problems:
        return problems
    n = len(split["id"])
    if n == 0:
        return [f"split {name!r} has zero rows"]
    labels = np.asarray(split["regression_labels"], dtype=np.float64).reshape(-1)
    if len(labels) != n:
        problems.append(f"split {name!r}: regression_labels has {len(labels)} rows but there are {n} ids")
    else:
        nan = np.isnan(labels)
        if nan.any():
            problems.append(f"split {name!r}: {nan.sum()} regression_labels are NaN")
        lo, hi = SENTIMENT_RANGE
        out = ~nan & ((labels < lo - _RANGE_TOL) | (labels > hi + _RANGE_TOL))
        if out.any():
            problems.append(f"split {name!r}: {out.sum()} regression_labels lie outside [{lo:g}, {hi:g}]")
    for key in (*FEATURE_KEYS, "text_bert"):
        if key not in split:
            continue
        arr = split[key]
        if not isinstance(arr, np.ndarray) or arr.ndim != 3:
            shape = getattr(arr, "shape", None)
            problems.append(
                f"split {name!r}: {key!r} has shape {shape}, expected [N, T, D] (text_bert [N, 3, L])"
            )
            continue
        if arr.shape[0] != n:
            problems.append(f"split {name!r}: {key!r} has {arr.shape[0]} rows but there are {n} ids")
        lengths_key = f"{key}_lengths"
        if lengths_key in split:
            lengths = np.asarray(split[lengths_key]).reshape(-1)
            t_max = arr.shape[2] if key == "text_bert" else arr.shape[1]
            if len(lengths) != n:
                problems.append(
                    f"split {name!r}: {lengths_key} has {len(lengths)} rows but there are {n} ids"
                )
            elif (lengths < 0).any() or (lengths > t_max).any():
                problems.append(
                    f"split {name!r}: {lengths_key} has values outside [0, {t_max}] "
                    f"(min {lengths.min()}, max {lengths.max()})"
                )
    if text_field == "text_bert" and "text_bert" not in split:
        problems.append(f"split {name!r} has no 'text_bert' (asked for as the text field)")
    if EMOTION_KEY in split:
        emo = np.asarray(split[EMOTION_KEY])
        if emo.shape != (n, len(EMOTIONS)):
            problems.append(
                f"split {name!r}: {EMOTION_KEY} has shape {emo.shape}, expected ({n}, {len(EMOTIONS)})"
            )
    return problems


def check_pickle(data: Any, text_field: str = "text", splits: Sequence[str] = SPLITS) -> list[str]:
    """Problems of a loaded MMSA pickle (before it is turned into datasets)."""
    if not isinstance(data, Mapping):
        return [f"the pickle holds a {type(data).__name__}, expected a dict of splits {list(splits)}"]
    problems = [f"split {s!r} is missing (has {sorted(map(str, data))})" for s in splits if s not in data]
    for s in splits:
        if s in data:
            problems += check_split(data[s], s, text_field)
    dims: dict[str, set[int]] = {}
    for s in splits:
        if s in data and isinstance(data[s], Mapping):
            for key in (*FEATURE_KEYS, "text_bert"):
                arr = data[s].get(key)
                if isinstance(arr, np.ndarray) and arr.ndim == 3:
                    dims.setdefault(key, set()).add(int(arr.shape[1] if key == "text_bert" else arr.shape[2]))
    problems += [
        f"{key!r} has a different dim in different splits: {sorted(d)}"
        for key, d in dims.items()
        if len(d) > 1
    ]
    return problems


# ---------------------------------------------------------------------------------------------------
# reading


def _trim_zero_padding(seq: np.ndarray) -> np.ndarray:
    """Drop all-zero rows at both ends (the padding of an aligned MMSA file, which records no lengths)."""
    nonzero = np.flatnonzero(np.any(seq != 0, axis=1))
    if len(nonzero) == 0:
        return seq[:1]
    return seq[nonzero[0] : nonzero[-1] + 1]


def _mask_matches(split: Mapping, text: np.ndarray) -> bool:
    bert = split.get("text_bert")
    return (
        isinstance(bert, np.ndarray)
        and bert.ndim == 3
        and bert.shape[1] == 3
        and bert.shape[2] == text.shape[1]
    )


def _sequences(split: Mapping, key: str, out_name: str, trim_padding: bool) -> tuple[list[np.ndarray], int]:
    """Unpadded float32 ``[T_i, D]`` sequences of one modality; non-finite values set to 0 (and counted)."""
    arr = split[key]
    if key == "text_bert":
        # [N, 3, L] -> [N, L, 3]; the true length is the attention mask's sum
        lengths = np.asarray(arr[:, 1, :]).sum(axis=1).astype(np.int64)
        arr = np.transpose(arr, (0, 2, 1))
    elif f"{key}_lengths" in split:
        lengths = np.asarray(split[f"{key}_lengths"]).reshape(-1).astype(np.int64)
    elif key == "text" and _mask_matches(split, arr):
        # MMSA's text features are computed from text_bert's tokens, one row per token, so the
        # attention mask gives their true length (padding rows of BERT features need not be zero)
        lengths = np.asarray(split["text_bert"][:, 1, :]).sum(axis=1).astype(np.int64)
    else:
        lengths = None
    arr = np.asarray(arr, dtype=np.float32)
    bad = ~np.isfinite(arr)
    n_bad = int(bad.sum())
    if n_bad:
        # MMSA itself sets MOSI's -inf audio values to 0 before training; so does mmolre, and says so.
        arr = np.where(bad, np.float32(0), arr)
    seqs = []
    for i in range(arr.shape[0]):
        if lengths is not None:
            seqs.append(np.ascontiguousarray(arr[i, : max(int(lengths[i]), 0)]))
        elif trim_padding:
            seqs.append(np.ascontiguousarray(_trim_zero_padding(arr[i])))
        else:
            seqs.append(np.ascontiguousarray(arr[i]))
    return seqs, n_bad


def pickle_to_splits(
    data: Mapping,
    source: str,
    path: str | Path = "pickle",
    text_field: str = "text",
    modalities: Sequence[str] | None = None,
    trim_padding: bool = True,
) -> dict[str, MultimodalDataset]:
    """Turn a loaded MMSA pickle into ``{split: MultimodalDataset}`` (after `check_pickle`)."""
    if text_field not in TEXT_FIELDS:
        raise DataError(f"{path}: text field must be one of {list(TEXT_FIELDS)}, not {text_field!r}")
    problems = check_pickle(data, text_field)
    if problems:
        raise DataError(f"{path}: " + "; ".join(problems))
    out = {}
    for split in SPLITS:
        part = data[split]
        ids = _as_strings(part["id"])
        if len(set(ids)) != len(ids):
            raise DataError(f"{path}: split {split!r} has duplicate ids")
        features: dict[str, list[np.ndarray]] = {}
        available = {"text": text_field, "audio": "audio", "vision": "vision"}
        wanted = (
            list(modalities) if modalities is not None else [m for m, k in available.items() if k in part]
        )
        for m in wanted:
            if m not in available or available[m] not in part:
                raise DataError(f"{path}: split {split!r} has no {available.get(m, m)!r} for modality {m!r}")
            features[m], n_bad = _sequences(part, available[m], m, trim_padding)
            if n_bad:
                log.warning("%s: %s/%s had %d non-finite values (-inf/NaN), set to 0", path, split, m, n_bad)
        n = len(ids)
        emotions = (
            np.asarray(part[EMOTION_KEY], dtype=np.float32)
            if EMOTION_KEY in part
            else np.full((n, len(EMOTIONS)), np.nan, np.float32)
        )
        texts = _as_strings(part["raw_text"]) if "raw_text" in part else None
        out[split] = MultimodalDataset(
            ids=ids,
            features=features,
            sentiment=np.asarray(part["regression_labels"], dtype=np.float32).reshape(-1),
            emotions=emotions,
            sources=[source] * n,
            texts=[t.strip() for t in texts] if texts is not None else None,
        )
    return out


def load_mmsa_pickle(
    path: str | Path,
    source: str = "",
    text_field: str = "text",
    emotions: str | Path | None = None,
    modalities: Sequence[str] | None = None,
) -> dict[str, MultimodalDataset]:
    """Read an MMSA pickle safely into ``{split: MultimodalDataset}``.

    Args:
        path: ``aligned_50.pkl`` / ``unaligned_50.pkl`` or a file written by `write_mmsa_pickle`.
        source: dataset name for per-dataset metrics; guessed from the path when empty.
        text_field: ``"text"`` (feature vectors) or ``"text_bert"`` (BERT ids, mask, segments as [L, 3]).
        emotions: a label table with emotion columns (e.g. MOSEI ``label.csv``) joined by clip id.
        modalities: which of text/audio/vision to keep (default: all present).
    """
    from mmolre.data.label_table import guess_source

    path = Path(path)
    data = safe_load(path)
    splits = pickle_to_splits(data, source or guess_source(path), path, text_field, modalities)
    if emotions:
        join_emotions_by_id(splits, emotions)
    return splits


def join_emotions_by_id(splits: Mapping[str, MultimodalDataset], table: str | Path) -> None:
    """Fill emotions in place from a label table, matching clip ids (``video$_$clip``), not row order."""
    from mmolre.data.label_table import read_label_table

    df = read_label_table(table, require_splits=())
    if not df.attrs["has_emotions"]:
        raise DataError(f"{table}: has no emotion columns ({', '.join(EMOTIONS)}) to join")
    by_id = dict(zip(df["id"], df[list(EMOTIONS)].to_numpy(np.float32)))
    missing = 0
    for ds in splits.values():
        for i, cid in enumerate(ds.ids):
            row = by_id.get(cid)
            if row is None:
                missing += 1
            else:
                ds.emotions[i] = row
    if missing:
        total = sum(len(ds) for ds in splits.values())
        log.warning("%s: %d of %d clips have no emotion row and keep NaN emotions", table, missing, total)


# ---------------------------------------------------------------------------------------------------
# writing


def _pad(seqs: Sequence[np.ndarray], length: int | None) -> tuple[np.ndarray, np.ndarray]:
    dim = int(seqs[0].shape[-1])
    t_max = length or max(max(s.shape[0] for s in seqs), 1)
    out = np.zeros((len(seqs), t_max, dim), np.float32)
    lengths = np.zeros(len(seqs), np.int64)
    for i, s in enumerate(seqs):
        k = min(s.shape[0], t_max)
        out[i, :k] = s[:k]
        lengths[i] = k
    return out, lengths


def splits_to_pickle_dict(splits: Mapping[str, MultimodalDataset], max_length: int | None = None) -> dict:
    """The MMSA dict for ``splits``: zero-padded arrays plus ``*_lengths`` for every modality."""
    data = {}
    for split, ds in splits.items():
        part: dict[str, Any] = {"id": np.array(ds.ids, dtype=object)}
        part["raw_text"] = np.array(ds.texts if ds.texts is not None else [""] * len(ds), dtype=object)
        for m in ds.modalities:
            part[m], part[f"{m}_lengths"] = _pad(ds.features[m], max_length)
        part["regression_labels"] = ds.sentiment.astype(np.float32)
        if ds.has_emotions.any():
            part[EMOTION_KEY] = ds.emotions.astype(np.float32)
        data[split] = part
    return data


def write_mmsa_pickle(
    path: str | Path, splits: Mapping[str, MultimodalDataset], max_length: int | None = None
) -> None:
    """Write ``splits`` as an MMSA pickle (padded to ``max_length`` or the longest clip)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    with open(tmp, "wb") as f:
        pickle.dump(splits_to_pickle_dict(splits, max_length), f, protocol=4)
    os.replace(tmp, path)
