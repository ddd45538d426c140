"""``mmolre features extract``: label table (+ audio / vision folders) -> cached feature store.

The output is the project's feature store (`mmolre.data.store`): ``<split>/labels.h5`` (with the raw
transcripts, so the store can also drive text fine-tuning) and ``<split>/<modality>.h5``, plus
``store.json``. Beside them the run writes ``missing.csv`` (split, modality, id, reason for every clip
whose features could not be made) and ``extraction.json`` (what was run, counts and throughput).

Resumability: clips are cut, per split and in table order, into chunks of ``chunk_size``. Each finished
chunk is saved as a shard under ``<out>/.work/<modality>/<split>/`` (written to a temporary name and
renamed, so a shard is either whole or absent). A restarted run reuses every shard whose ids and
settings match and computes the rest; the store files are assembled from the shards only when every
chunk exists, and ``store.json`` is written last. Chunks are fixed by the table, not by how far a run
got, and each is computed the same way, so an interrupted and restarted run gives the same store as an
uninterrupted one (bit for bit, on the same machine and thread count: a BLAS may sum in another order
with another number of threads).

A clip whose audio (or vision file) is missing, unreadable or too short is logged by id, recorded as
missing (``missing=True``, length 0 in its modality file, and a row in ``missing.csv``), and the run goes
on; nothing is filled in. A clip with an empty transcript is, by default, encoded as the empty string
(the tokenizer's special tokens only): the utterance exists and may carry audio, and an empty
transcript is its text. ``empty_text="missing"`` records such clips as missing instead.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import shutil
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mmolre.atomic import atomic_path, write_json_atomic
from mmolre.config import ConfigError, FeaturesConfig
from mmolre.constants import EMOTIONS, SPLITS
from mmolre.data.dataset import DataError
from mmolre.data.store import write_labels, write_manifest, write_modality
from mmolre.features import ClipError

log = logging.getLogger(__name__)

WORK_DIR = ".work"
SHARD_VERSION = 1
# What may already be in an output folder: our own files, from an earlier or interrupted run.
_OWN_ENTRIES = {WORK_DIR, "store.json", "missing.csv", "extraction.json", *SPLITS}

# (features [T, D] or None, reason "" or why it is missing) for one clip
ClipResult = tuple[np.ndarray | None, str]
ChunkCallback = Callable[[str, str, int], None]


class ModalityExtractor(ABC):
    """Makes one modality's features for a chunk of label-table rows."""

    modality: str

    @property
    @abstractmethod
    def dim(self) -> int: ...

    @abstractmethod
    def describe(self) -> dict:
        """Settings that determine the features (for the manifest and the resume fingerprint)."""

    @abstractmethod
    def extract(self, rows: pd.DataFrame) -> list[ClipResult]: ...

    def close(self) -> None:  # noqa: B027 - a no-op default: not every extractor holds a model
        """Free the encoder before the next modality is built."""


class TextExtractor(ModalityExtractor):
    modality = "text"

    def __init__(self, cfg: FeaturesConfig, empty_text: str = "encode", device: str = "cpu") -> None:
        from mmolre.features.text import build_text_encoder

        if empty_text not in ("encode", "missing"):
            raise ConfigError(f"--empty-text: expected encode or missing, not {empty_text!r}")
        self.encoder = build_text_encoder(cfg).to(device)
        self.batch_size = cfg.batch_size
        self.empty_text = empty_text

    @property
    def dim(self) -> int:
        return self.encoder.hidden_size

    def describe(self) -> dict:
        return {**self.encoder.describe(), "empty_text": self.empty_text}

    def extract(self, rows: pd.DataFrame) -> list[ClipResult]:
        from mmolre.features.text import normalize_text

        texts = [normalize_text(t) for t in rows["text"]]
        empty = [i for i, t in enumerate(texts) if not t]
        if empty:
            ids = ", ".join(rows["id"].iloc[i] for i in empty)
            what = "encoded as the empty string" if self.empty_text == "encode" else "recorded as missing"
            log.warning("empty transcript for %d clip(s), %s: %s", len(empty), what, ids)
        if self.empty_text == "missing":
            todo = [i for i, t in enumerate(texts) if t]
        else:
            todo = list(range(len(texts)))
        results: list[ClipResult] = [(None, "empty transcript")] * len(texts)
        for i, feats in zip(todo, self.encoder.encode([texts[i] for i in todo], self.batch_size)):
            results[i] = (feats, "")
        return results

    def close(self) -> None:
        del self.encoder


class AudioExtractor(ModalityExtractor):
    modality = "audio"

    def __init__(self, cfg: FeaturesConfig, folder: Path, device: str = "cpu") -> None:
        from mmolre.features.audio import build_audio_encoder

        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise DataError(f"{self.folder}: audio folder not found")
        self.encoder = build_audio_encoder(cfg, device=device)

    @property
    def dim(self) -> int:
        return self.encoder.dim

    def describe(self) -> dict:
        return {**self.encoder.describe(), "folder": str(self.folder.resolve())}

    def extract(self, rows: pd.DataFrame) -> list[ClipResult]:
        from mmolre.features.audio import AUDIO_EXTENSIONS, _describe_absence, find_clip_file, load_audio

        results: list[ClipResult] = []
        for clip, video_id, clip_id in zip(rows["id"], rows["video_id"], rows["clip_id"]):
            path = find_clip_file(self.folder, video_id, clip_id, AUDIO_EXTENSIONS)
            try:
                if path is None:
                    raise ClipError(_describe_absence(self.folder, video_id, clip_id))
                feats = self.encoder.encode(load_audio(path, self.encoder.sample_rate))
                results.append((feats, ""))
            except ClipError as exc:
                log.warning("audio of %s: %s; recorded as missing", clip, exc)
                results.append((None, str(exc)))
        return results

    def close(self) -> None:
        del self.encoder


class VisionExtractor(ModalityExtractor):
    modality = "vision"

    def __init__(self, folder: Path, table: pd.DataFrame, columns: str | None = None) -> None:
        from mmolre.features.vision import VisionReader

        self.reader = VisionReader(folder, columns)
        # The dimension comes from the first readable file in table order, whichever chunks are left.
        self.reader.probe(zip(table["video_id"], table["clip_id"]))

    @property
    def dim(self) -> int:
        assert self.reader.dim is not None
        return self.reader.dim

    def describe(self) -> dict:
        return self.reader.describe()

    def extract(self, rows: pd.DataFrame) -> list[ClipResult]:
        results: list[ClipResult] = []
        for clip, video_id, clip_id in zip(rows["id"], rows["video_id"], rows["clip_id"]):
            try:
                results.append((self.reader.read(video_id, clip_id), ""))
            except ClipError as exc:
                log.warning("vision of %s: %s; recorded as missing", clip, exc)
                results.append((None, str(exc)))
        return results


# ---------------------------------------------------------------------------------------------------
# Shards


def _save_shard(path: Path, ids: Sequence[str], results: Sequence[ClipResult], dim: int) -> None:
    arrays = [np.zeros((0, dim), np.float32) if a is None else np.asarray(a, np.float32) for a, _ in results]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = atomic_path(path)
    with open(tmp, "wb") as fh:  # a file object, so numpy does not append its own suffix
        np.savez(
            fh,
            version=np.int64(SHARD_VERSION),
            ids=np.array(list(ids), dtype=str),
            lengths=np.array([a.shape[0] for a in arrays], dtype=np.int64),
            data=np.concatenate(arrays, axis=0) if arrays else np.zeros((0, dim), np.float32),
            missing=np.array([a is None for a, _ in results], dtype=bool),
            reasons=np.array([r for _, r in results], dtype=str),
        )
    os.replace(tmp, path)


def _load_shard(path: Path, ids: Sequence[str], dim: int) -> list[ClipResult] | None:
    """A finished chunk's results, or None when the shard is absent, damaged or for other clips."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            if int(z["version"]) != SHARD_VERSION or list(z["ids"]) != list(ids):
                log.warning("%s: made for other clips; computing the chunk again", path)
                return None
            lengths, data, missing, reasons = z["lengths"], z["data"], z["missing"], z["reasons"]
    except (OSError, ValueError, KeyError) as exc:
        log.warning("%s: unreadable shard (%s); computing the chunk again", path, exc)
        return None
    if data.ndim != 2 or data.shape[1] != dim or int(lengths.sum()) != len(data):
        log.warning("%s: shard shape does not match; computing the chunk again", path)
        return None
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    return [
        (None if missing[i] else data[offsets[i] : offsets[i + 1]], str(reasons[i])) for i in range(len(ids))
    ]


def _fingerprint(describe: dict, chunk_size: int, table: pd.DataFrame) -> dict:
    """Everything a shard's content depends on; shards of another fingerprint are not reused."""
    digest = hashlib.sha256()
    for split in SPLITS:
        digest.update(("\n".join(table.loc[table["mode"] == split, "id"]) + "\0").encode())
    digest.update("\n".join(table["text"].astype(str)).encode())
    return {"settings": describe, "chunk_size": chunk_size, "clips_sha256": digest.hexdigest()}


def _prepare_work(work: Path, fingerprint: dict) -> None:
    path = work / "fingerprint.json"
    text = json.dumps(fingerprint, indent=2, sort_keys=True, default=str)
    if path.is_file() and path.read_text() != text:
        log.warning("%s: settings or label table changed since the interrupted run; starting afresh", work)
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    if not path.is_file():
        tmp = atomic_path(path)
        tmp.write_text(text)
        os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------------
# The pipeline


@dataclass
class ExtractResult:
    """What `extract_features` did: clip counts, missing clips and throughput per modality."""

    root: Path
    source: str
    clips: dict[str, int] = field(default_factory=dict)  # split -> clips in the store
    missing: dict[str, dict[str, dict[str, str]]] = field(
        default_factory=dict
    )  # modality -> split -> id -> why
    computed: dict[str, int] = field(default_factory=dict)  # modality -> clips computed in this run
    reused: dict[str, int] = field(default_factory=dict)  # modality -> clips taken from earlier shards
    seconds: dict[str, float] = field(default_factory=dict)  # modality -> encoding time in this run

    def throughput(self, modality: str) -> float:
        """Clips per second of encoding in this run (0 when nothing was computed)."""
        secs = self.seconds.get(modality, 0.0)
        return self.computed.get(modality, 0) / secs if secs > 0 else 0.0


def infer_source(path: Path) -> str:
    """Dataset name (mosi, mosei, ...) from a label table's path, as the label-table reader guesses it."""
    from mmolre.data.label_table import guess_source

    return guess_source(path)


def _check_output(out: Path, overwrite: bool) -> None:
    if not out.exists():
        return
    if not out.is_dir():
        raise DataError(f"{out}: exists and is not a folder")
    if (out / "store.json").is_file():
        if not overwrite:
            raise DataError(f"{out}: already holds a finished feature store; pass --overwrite to rebuild it")
        log.info("%s: rebuilding the feature store (--overwrite)", out)
        for name in _OWN_ENTRIES:
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        return
    foreign = sorted(
        p.name for p in out.iterdir() if p.name not in _OWN_ENTRIES and not p.name.startswith(".")
    )
    if foreign:
        raise DataError(f"{out}: folder is not empty and is not a feature store (has {foreign[:5]})")


def _run_modality(
    extractor: ModalityExtractor,
    table: pd.DataFrame,
    work: Path,
    chunk_size: int,
    progress: bool,
    on_chunk_done: ChunkCallback | None,
    result: ExtractResult,
) -> None:
    """Fill every chunk shard of one modality, reusing those an earlier run finished."""
    from tqdm.auto import tqdm

    m = extractor.modality
    _prepare_work(work, _fingerprint(extractor.describe(), chunk_size, table))
    computed = reused = 0
    seconds = 0.0
    for split in SPLITS:
        rows = table[table["mode"] == split]
        n_chunks = (len(rows) + chunk_size - 1) // chunk_size
        split_computed, split_seconds = 0, 0.0
        with tqdm(
            total=len(rows), desc=f"{m}/{split}", unit="clip", disable=not progress, leave=False
        ) as bar:
            for k in range(n_chunks):
                chunk = rows.iloc[k * chunk_size : (k + 1) * chunk_size]
                ids = chunk["id"].tolist()
                shard = work / split / f"chunk-{k:05d}.npz"
                if _load_shard(shard, ids, extractor.dim) is not None:
                    reused += len(ids)
                    bar.update(len(ids))
                    continue
                start = time.perf_counter()
                results = extractor.extract(chunk)
                elapsed = time.perf_counter() - start
                _save_shard(shard, ids, results, extractor.dim)
                split_computed += len(ids)
                split_seconds += elapsed
                bar.update(len(ids))
                bar.set_postfix(enc_clips_per_s=f"{split_computed / max(split_seconds, 1e-9):.1f}")
                if on_chunk_done is not None:
                    on_chunk_done(m, split, k)
        if split_computed:
            log.info(
                "%s/%s: %d clips encoded in %.1f s (%.1f clips/s)",
                m,
                split,
                split_computed,
                split_seconds,
                split_computed / max(split_seconds, 1e-9),
            )
        computed += split_computed
        seconds += split_seconds
    result.computed[m], result.reused[m], result.seconds[m] = computed, reused, seconds
    if reused:
        log.info("%s: %d clips taken from shards of an interrupted run", m, reused)
    if computed:
        log.info(
            "%s: %d clips in %.1f s of encoding: %.1f clips/s", m, computed, seconds, result.throughput(m)
        )


def _assemble_modality(
    extractor: ModalityExtractor,
    table: pd.DataFrame,
    work: Path,
    out: Path,
    chunk_size: int,
    result: ExtractResult,
) -> dict:
    """Write ``<split>/<modality>.h5`` from the shards; return the modality's manifest entry."""
    m, dim = extractor.modality, extractor.dim
    describe = extractor.describe()
    h5_attrs = {k: v for k, v in describe.items() if isinstance(v, (str, int, float, bool)) and k != "dim"}
    missing_counts = {}
    result.missing[m] = {}
    for split in SPLITS:
        rows = table[table["mode"] == split]
        ids = rows["id"].tolist()
        sequences: list[np.ndarray | None] = []
        reasons: dict[str, str] = {}
        for k in range(0, len(ids), chunk_size):
            chunk_ids = ids[k : k + chunk_size]
            shard = _load_shard(work / split / f"chunk-{k // chunk_size:05d}.npz", chunk_ids, dim)
            if shard is None:  # pragma: no cover - _run_modality has just written every shard
                raise DataError(
                    f"{work}: shard {split}/{k // chunk_size} is missing; run the extraction again"
                )
            for clip, (feats, reason) in zip(chunk_ids, shard):
                sequences.append(feats)
                if feats is None:
                    reasons[clip] = reason
        write_modality(out / split / f"{m}.h5", ids, sequences, dim, attrs=h5_attrs)
        result.missing[m][split] = reasons
        missing_counts[split] = len(reasons)
        if reasons:
            log.warning(
                "%s/%s: %d of %d clips recorded as missing (see missing.csv)",
                m,
                split,
                len(reasons),
                len(ids),
            )
    return {**describe, "dim": dim, "missing": missing_counts}


def extract_features(
    table_path: str | Path,
    out: str | Path,
    cfg: FeaturesConfig | None = None,
    *,
    text: bool = True,
    audio_dir: str | Path | None = None,
    vision_dir: str | Path | None = None,
    vision_columns: str | None = None,
    source: str | None = None,
    chunk_size: int = 256,
    empty_text: str = "encode",
    text_from: str | Path | None = None,
    device: str = "cpu",
    overwrite: bool = False,
    keep_work: bool = False,
    progress: bool = True,
    on_chunk_done: ChunkCallback | None = None,
) -> ExtractResult:
    """Build a feature store at ``out`` from an MMSA-layout label table; resumable (see module doc).

    Modalities: text (unless ``text=False``), audio when ``audio_dir`` is given, vision when
    ``vision_dir`` is given. ``source`` names the dataset (mosi, mosei, ...); by default it is inferred
    from the table's path. ``on_chunk_done(modality, split, chunk_index)`` is called after each newly
    computed chunk is saved (for progress reporting; an exception from it stops the run, leaving the
    finished shards for a restart).
    ``text_from`` names a second label table whose transcripts fill this table's empty ones by
    (video_id, clip_id) (`mmolre.data.label_table.fill_text`).
    """
    from mmolre.data.label_table import fill_text, read_label_table

    cfg = cfg or FeaturesConfig()
    table_path, out = Path(table_path), Path(out)
    if chunk_size < 1:
        raise ConfigError(f"--chunk-size: must be at least 1, not {chunk_size}")
    if not (text or audio_dir or vision_dir):
        raise ConfigError(
            "features extract: nothing to extract; keep text or give --audio-dir / --vision-dir"
        )
    for flag, folder in (("--audio-dir", audio_dir), ("--vision-dir", vision_dir)):
        # Checked before any encoding, so a typo does not surface after the text has been encoded.
        if folder is not None and not Path(folder).is_dir():
            raise DataError(f"{flag}: {folder}: folder not found")
    table = read_label_table(table_path)
    if text_from:
        table = fill_text(table, text_from)
    table = table[table["mode"].isin(SPLITS)].reset_index(drop=True)
    source = source or infer_source(table_path)
    _check_output(out, overwrite)
    out.mkdir(parents=True, exist_ok=True)
    result = ExtractResult(root=out, source=source)
    log.info(
        "%s: %d clips (%s) from %s",
        out,
        len(table),
        ", ".join(f"{s} {(table['mode'] == s).sum()}" for s in SPLITS),
        table_path,
    )

    builders: list[tuple[str, Callable[[], ModalityExtractor]]] = []
    if text:
        builders.append(("text", lambda: TextExtractor(cfg, empty_text=empty_text, device=device)))
    if audio_dir:
        builders.append(("audio", lambda: AudioExtractor(cfg, Path(audio_dir), device=device)))
    if vision_dir:
        builders.append(("vision", lambda: VisionExtractor(Path(vision_dir), table, vision_columns)))

    manifest: dict[str, dict] = {}
    for modality, build in builders:
        extractor = build()  # one encoder in memory at a time
        try:
            work = out / WORK_DIR / modality
            _run_modality(extractor, table, work, chunk_size, progress, on_chunk_done, result)
            manifest[modality] = _assemble_modality(extractor, table, work, out, chunk_size, result)
        finally:
            extractor.close()

    for split in SPLITS:
        rows = table[table["mode"] == split]
        result.clips[split] = len(rows)
        write_labels(
            out / split / "labels.h5",
            ids=rows["id"].tolist(),
            sources=[source] * len(rows),
            sentiment=rows["label"].to_numpy(np.float32),
            emotions=rows[list(EMOTIONS)].to_numpy(np.float32),
            texts=[str(t).strip() for t in rows["text"]],
        )
    _write_missing_csv(out / "missing.csv", result)
    _write_json(
        out / "extraction.json",
        {
            "label_table": str(table_path.resolve()),
            "text_from": str(Path(text_from).resolve()) if text_from else None,
            "source": source,
            "clips": result.clips,
            "chunk_size": chunk_size,
            "modalities": {
                m: {
                    **manifest[m],
                    "clips_per_s": round(result.throughput(m), 2),
                    "computed": result.computed[m],
                    "reused": result.reused[m],
                }
                for m in manifest
            },
        },
    )
    for split in SPLITS:
        # Modality files of an earlier, interrupted run with other modalities would be unlisted leftovers.
        for path in (out / split).glob("*.h5"):
            if path.stem != "labels" and path.stem not in manifest:
                path.unlink()
    write_manifest(out, manifest)  # last: its presence marks a finished store
    if not keep_work:
        shutil.rmtree(out / WORK_DIR, ignore_errors=True)
    total_missing = {m: sum(len(v) for v in result.missing[m].values()) for m in manifest}
    log.info("%s: feature store written: %s clips; missing per modality %s", out, result.clips, total_missing)
    return result


def _write_missing_csv(path: Path, result: ExtractResult) -> None:
    tmp = atomic_path(path)
    with open(tmp, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["split", "modality", "id", "reason"])
        for modality, per_split in result.missing.items():
            for split in SPLITS:
                for clip, reason in per_split.get(split, {}).items():
                    writer.writerow([split, modality, clip, reason])
    os.replace(tmp, path)


def _write_json(path: Path, payload: dict) -> None:
    write_json_atomic(path, payload, default=str)
