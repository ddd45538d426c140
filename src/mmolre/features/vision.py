"""Optional vision features read from one CSV or NPY file per clip (e.g. OpenFace 2 output).

Files are found like audio: ``folder/<video_id>/<clip_id>.{npy,csv}`` or ``folder/<video_id>_<clip_id>...``.

- ``.npy``: a ``[T, D]`` (or ``[D]``) float array, loaded without pickle.
- ``.csv``: one row per frame. Columns are stripped of the spaces OpenFace puts before them; its
  bookkeeping columns (frame, face_id, timestamp, confidence, success) are dropped, and when a
  ``success`` column exists only the frames where a face was tracked are kept. An optional regular
  expression picks the feature columns (e.g. ``AU\\d+_r`` for action-unit intensities).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from mmolre.features import ClipError
from mmolre.features.audio import find_clip_file

VISION_EXTENSIONS: tuple[str, ...] = (".npy", ".csv")
OPENFACE_META = ("frame", "face_id", "timestamp", "confidence", "success")


class VisionError(ClipError):
    """A clip's vision file is missing or unreadable (a `DataError`, recorded per clip)."""


def read_vision_file(path: Path, columns: str | None = None) -> np.ndarray:
    """Features ``[T, D]`` float32 of one clip's file; non-finite values become 0."""
    path = Path(path)
    try:
        if path.suffix == ".npy":
            arr = np.load(path, allow_pickle=False)
        elif path.suffix == ".csv":
            arr = _read_csv(path, columns)
        else:
            raise VisionError(f"{path}: vision files are .npy or .csv")
    except (OSError, ValueError) as exc:
        raise VisionError(f"unreadable vision file {path} ({exc})") from exc
    arr = np.asarray(arr, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise VisionError(f"{path}: expected a [T, D] array, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise VisionError(f"{path}: no frames (no row, or no frame with a tracked face)")
    return np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0)


def _read_csv(path: Path, columns: str | None) -> np.ndarray:
    import pandas as pd

    frame = pd.read_csv(path, skipinitialspace=True)
    frame.columns = [str(c).strip() for c in frame.columns]
    if "success" in frame.columns:
        frame = frame[frame["success"] == 1]
    keep = [c for c in frame.columns if c not in OPENFACE_META]
    if columns:
        pattern = re.compile(columns)
        keep = [c for c in keep if pattern.fullmatch(c)]
        if not keep:
            raise VisionError(f"{path}: no column matches {columns!r}")
    return frame[keep].to_numpy(dtype=np.float32)


class VisionReader:
    """Reads per-clip vision files; the feature dimension is taken from the first readable file."""

    name = "file"

    def __init__(self, folder: Path, columns: str | None = None) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise VisionError(f"{self.folder}: vision folder not found")
        self.columns = columns
        self.dim: int | None = None

    def find(self, video_id: str, clip_id: str) -> Path | None:
        return find_clip_file(self.folder, video_id, clip_id, VISION_EXTENSIONS)

    def probe(self, clips: Iterable[tuple[str, str]]) -> int:
        """Fix ``dim`` from the first clip, in the given order, whose file reads; deterministic so a
        resumed extraction agrees with an uninterrupted one."""
        for video_id, clip_id in clips:
            path = self.find(video_id, clip_id)
            if path is None:
                continue
            try:
                self.dim = int(read_vision_file(path, self.columns).shape[1])
                return self.dim
            except VisionError:
                continue
        raise VisionError(f"{self.folder}: no readable vision file for any clip")

    def read(self, video_id: str, clip_id: str) -> np.ndarray:
        path = self.find(video_id, clip_id)
        if path is None:
            raise VisionError(f"no vision file {video_id}/{clip_id}.npy or .csv in {self.folder}")
        arr = read_vision_file(path, self.columns)
        if self.dim is not None and arr.shape[1] != self.dim:
            raise VisionError(f"{path}: {arr.shape[1]} features per frame, other clips have {self.dim}")
        return arr

    def describe(self) -> dict:
        return {
            "encoder": self.name,
            "folder": str(self.folder.resolve()),
            "columns": self.columns or "",
            "dim": self.dim,
            "level": "frame",
        }
