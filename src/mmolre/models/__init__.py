"""Models: MMoLRE and the baselines that share its parts."""

from __future__ import annotations

from torch import nn

from mmolre.config import RunConfig
from mmolre.models.base import ModelOutput, MultimodalModel
from mmolre.models.baselines import PLE, LateFusion, MMoE
from mmolre.models.mmolre import MMoLRE

__all__ = [
    "ARCHITECTURES",
    "LateFusion",
    "MMoE",
    "MMoLRE",
    "ModelOutput",
    "MultimodalModel",
    "PLE",
    "build_model",
]

# model.architecture -> class; hard sharing is MMoLRE with one stream for all tasks
ARCHITECTURES: dict[str, type[MultimodalModel]] = {
    "mmolre": MMoLRE,
    "hard_sharing": MMoLRE,
    "mmoe": MMoE,
    "ple": PLE,
    "late_fusion": LateFusion,
}


def build_model(cfg: RunConfig, feature_dims: dict[str, int]) -> nn.Module:
    """The model named by ``cfg.model.architecture`` for data with the given feature dimensions."""
    text_encoder = None
    if cfg.features.finetune_text:
        from mmolre.features.text import build_text_encoder

        text_encoder = build_text_encoder(cfg.features)
    return ARCHITECTURES[cfg.model.architecture](cfg.model, feature_dims, text_encoder=text_encoder)
