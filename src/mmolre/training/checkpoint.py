"""Checkpoints: weights in safetensors, the resolved config and data facts as JSON beside them.

A checkpoint folder holds ``model.safetensors`` and ``checkpoint.json`` (the full `RunConfig`, the seed,
feature dimensions and ER thresholds chosen on validation), enough to rebuild the model and re-evaluate
it. Training state for resuming (optimizer, RNG, epoch counters) lives in ``last/``. Every file is
written under a temporary name and renamed into place.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from mmolre.atomic import write_json_atomic
from mmolre.config import ConfigError, RunConfig, validate

WEIGHTS = "model.safetensors"
META = "checkpoint.json"


def write_json(path: Path, data: Any) -> None:
    """JSON that may hold numpy arrays and scalars, written atomically."""
    write_json_atomic(path, data, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def save_weights(path: Path, model: nn.Module) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    save_file(state, str(tmp))
    os.replace(tmp, path)


def load_weights(path: Path, model: nn.Module) -> None:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: checkpoint weights not found")
    model.load_state_dict(load_file(str(path)))


def save_checkpoint(
    folder: Path,
    model: nn.Module,
    cfg: RunConfig,
    seed: int,
    feature_dims: dict[str, int],
    thresholds: np.ndarray | None = None,
    extra: dict | None = None,
) -> None:
    folder = Path(folder)
    save_weights(folder / WEIGHTS, model)
    meta = {
        "config": cfg.model_dump(mode="json"),
        "seed": seed,
        "feature_dims": feature_dims,
        "thresholds": None if thresholds is None else [float(t) for t in thresholds],
        **(extra or {}),
    }
    write_json(folder / META, meta)


def read_checkpoint_meta(folder: Path) -> tuple[RunConfig, dict]:
    """The checkpoint's config (validated against the schema) and its metadata."""
    path = Path(folder) / META
    if not path.is_file():
        raise ConfigError(f"{path}: not found; is {folder} a checkpoint folder written by `mmolre train`?")
    try:
        meta = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from None
    return validate(meta["config"], origin=str(path)), meta


def save_training_state(
    folder: Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    state: dict,
    components: dict[str, Any] | None = None,
) -> None:
    """What resuming needs: the last epoch's weights, the optimizer and the loop's counters and RNG.

    ``components`` maps a name to an object with ``state_dict()`` (a scheduler, a weight average);
    `load_training_state` returns their saved states under the same names.
    """
    folder = Path(folder)
    save_weights(folder / WEIGHTS, model)
    saved = {name: part.state_dict() for name, part in (components or {}).items()}
    payload = {
        "optimizer": optimizer.state_dict(),
        "torch_rng": torch.get_rng_state(),
        "components": saved,
        **state,
    }
    tmp = folder / ".trainer_state.pt.partial"
    torch.save(payload, tmp)
    os.replace(tmp, folder / "trainer_state.pt")


def load_training_state(folder: Path, model: nn.Module, optimizer: torch.optim.Optimizer) -> dict | None:
    folder = Path(folder)
    if not (folder / "trainer_state.pt").is_file() or not (folder / WEIGHTS).is_file():
        return None
    load_weights(folder / WEIGHTS, model)
    # weights_only: the file holds tensors, numbers and dicts; never run code from it
    payload = torch.load(folder / "trainer_state.pt", weights_only=True)
    optimizer.load_state_dict(payload.pop("optimizer"))
    torch.set_rng_state(payload.pop("torch_rng"))
    payload.setdefault("components", {})
    return payload
