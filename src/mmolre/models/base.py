"""What MMoLRE and every baseline share: standardised, projected inputs, task heads and the output type.

A model of this package turns a `Batch` into a `ModelOutput`. The parts before and after the
architecture-specific middle are the same for all of them, so that a comparison between models measures
the middle alone: per-modality standardisation with training-split statistics (`fit_normalizer`), a
linear projection to ``d_model``, and one MLP head per task (SA: sentiment; ER: six presence logits, plus
six intensities with ``model.er_intensity``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from mmolre.config import ModelConfig
from mmolre.constants import EMOTIONS
from mmolre.data.dataset import Batch, MultimodalDataset


@dataclass
class ModelOutput:
    sentiment: torch.Tensor | None  # [B]
    emotion_logits: torch.Tensor | None  # [B, 6] presence logits
    emotion_intensity: torch.Tensor | None  # [B, 6], when model.er_intensity
    balance: torch.Tensor  # scalar load-balancing loss
    gates: dict[str, torch.Tensor] = field(default_factory=dict)  # "text/block1/SA" -> [B, N]
    modality_weights: dict[str, torch.Tensor] = field(default_factory=dict)  # stream -> [B, M]


def head(d_model: int, out: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_model, d_model), nn.GELU(), nn.Dropout(dropout), nn.Linear(d_model, out))


class MultimodalModel(nn.Module):
    """Base of every model: inputs (`_build_inputs`, `encode_inputs`, `fit_normalizer`) and heads.

    Subclasses call ``_build_inputs`` first and ``_build_heads`` where they like (the order of module
    creation fixes the random initialisation, so MMoLRE keeps its original order), and implement
    ``forward(batch) -> ModelOutput``.
    """

    cfg: ModelConfig

    def _build_inputs(
        self, cfg: ModelConfig, feature_dims: dict[str, int], text_encoder: nn.Module | None
    ) -> None:
        missing = [m for m in cfg.modalities if m not in feature_dims]
        if missing:
            raise ValueError(f"model.modalities: no features for {missing} (data has {sorted(feature_dims)})")
        self.cfg = cfg
        self.modalities = list(cfg.modalities)
        self.tasks = list(cfg.tasks)
        self.text_encoder = text_encoder
        dims = dict(feature_dims)
        if text_encoder is not None:
            dims["text"] = int(text_encoder.hidden_size)
        for m in self.modalities:
            self.register_buffer(f"mean_{m}", torch.zeros(dims[m]))
            self.register_buffer(f"std_{m}", torch.ones(dims[m]))
        self.project = nn.ModuleDict(
            {
                m: nn.Sequential(nn.Linear(dims[m], cfg.d_model), nn.Dropout(cfg.dropout))
                for m in self.modalities
            }
        )

    def _build_heads(self) -> nn.ModuleDict:
        """One head per task; SA outputs one value, ER six logits (and six intensities)."""
        cfg = self.cfg
        heads = nn.ModuleDict()
        if "SA" in self.tasks:
            heads["SA"] = head(cfg.d_model, 1, cfg.dropout)
        if "ER" in self.tasks:
            heads["ER"] = head(cfg.d_model, len(EMOTIONS) * (2 if cfg.er_intensity else 1), cfg.dropout)
        return heads

    @torch.no_grad()
    def fit_normalizer(self, train: MultimodalDataset) -> None:
        """Standardise each precomputed feature dimension with training-split statistics."""
        for m in self.modalities:
            if m == "text" and self.text_encoder is not None:
                continue
            frames = np.concatenate([s for s in train.features[m] if len(s)], axis=0).astype(np.float64)
            getattr(self, f"mean_{m}").copy_(torch.from_numpy(frames.mean(axis=0)))
            getattr(self, f"std_{m}").copy_(torch.from_numpy(frames.std(axis=0)).clamp_min(1e-6))

    def encode_inputs(self, batch: Batch) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """Standardised, projected ``[B, T, d]`` features per modality (zero on padding), and masks."""
        features, masks = dict(batch.features), dict(batch.masks)
        if self.text_encoder is not None:
            if batch.texts is None:
                raise ValueError("features.finetune_text needs raw transcripts, but this dataset has none")
            features["text"], masks["text"] = self.text_encoder(batch.texts)
        projected = {}
        for m in self.modalities:
            x = (features[m] - getattr(self, f"mean_{m}")) / getattr(self, f"std_{m}")
            projected[m] = self.project[m](x) * masks[m].unsqueeze(-1).to(x.dtype)
        return projected, masks

    @staticmethod
    def run_heads(heads: nn.ModuleDict, features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Raw head outputs ``{task: [B, out]}`` from each task's ``[B, d]`` representation."""
        return {task: module(features[task]) for task, module in heads.items()}

    def split_outputs(
        self, raw: dict[str, torch.Tensor]
    ) -> tuple[torch.Tensor | None, torch.Tensor | None, torch.Tensor | None]:
        """Raw head outputs -> (sentiment ``[B]``, emotion logits ``[B, 6]``, intensities ``[B, 6]``)."""
        sentiment = logits = intensity = None
        if "SA" in raw:
            sentiment = raw["SA"].squeeze(-1)
        if "ER" in raw:
            logits = raw["ER"][:, : len(EMOTIONS)]
            if self.cfg.er_intensity:
                intensity = raw["ER"][:, len(EMOTIONS) :]
        return sentiment, logits, intensity

    def expert_labels(self, gate_key: str, width: int) -> list[str]:
        """Names of the experts a gate ``[B, width]`` (key ``modality/blockJ/stream``) weighs, for plots."""
        ranks = self.cfg.shared_ranks()
        if width == len(ranks):
            return [f"shared {i + 1} (r={r})" for i, r in enumerate(ranks)]
        return [f"expert {i + 1}" for i in range(width)]
