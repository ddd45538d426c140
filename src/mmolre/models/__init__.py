"""Models: MMoLRE and the baselines that share its parts."""

from __future__ import annotations

from torch import nn

from mmolre.config import RunConfig
from mmolre.models.mmolre import MMoLRE, ModelOutput

__all__ = ["MMoLRE", "ModelOutput", "build_model"]


def build_model(cfg: RunConfig, feature_dims: dict[str, int]) -> nn.Module:
    """The model named by ``cfg.model.architecture`` for data with the given feature dimensions."""
    text_encoder = None
    if cfg.features.finetune_text:
        from mmolre.features.text import build_text_encoder

        text_encoder = build_text_encoder(cfg.features)
    return MMoLRE(cfg.model, feature_dims, text_encoder=text_encoder)
