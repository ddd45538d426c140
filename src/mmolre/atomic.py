"""Atomic file writes: fill a temporary sibling, then rename it onto the target.

An interrupted run leaves either the old file or the new one, never half of one (partial outputs are
never lost or corrupted). The temporary file lives in the same folder, so ``os.replace`` is a rename on
one filesystem.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def atomic_path(path: Path) -> Path:
    """The temporary sibling a writer of binary formats (HDF5, safetensors) fills before ``os.replace``."""
    return path.with_name(f".{path.name}.partial")


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (flushed to disk before the rename); creates the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_json_atomic(
    path: str | os.PathLike[str], data: Any, default: Callable[[Any], Any] | None = None
) -> None:
    """``json.dumps(data, indent=2)`` written with `write_text_atomic`."""
    write_text_atomic(path, json.dumps(data, indent=2, default=default))
