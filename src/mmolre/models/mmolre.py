"""MMoLRE assembled from its parts: input projection, UniTSE, task-adaptive fusion and task heads."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from mmolre.config import ModelConfig
from mmolre.constants import EMOTIONS
from mmolre.data.dataset import Batch, MultimodalDataset
from mmolre.models.fusion import TaskFusion
from mmolre.models.unitse import UniTSE


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


class MMoLRE(nn.Module):
    """Multimodal Mixture of Low-Rank Experts (Zhang et al., ICME 2025) and its hard-sharing variant.

    ``architecture="mmolre"`` gives each task its own stream through UniTSE (own routers and task expert)
    and its own fusion; ``"hard_sharing"`` runs one stream for all tasks, so only the heads differ.
    """

    def __init__(
        self, cfg: ModelConfig, feature_dims: dict[str, int], text_encoder: nn.Module | None = None
    ) -> None:
        super().__init__()
        missing = [m for m in cfg.modalities if m not in feature_dims]
        if missing:
            raise ValueError(f"model.modalities: no features for {missing} (data has {sorted(feature_dims)})")
        self.cfg = cfg
        self.modalities = list(cfg.modalities)
        self.tasks = list(cfg.tasks)
        self.stream_names = self.tasks if cfg.architecture == "mmolre" else ["shared"]
        self.text_encoder = text_encoder
        d = cfg.d_model
        dims = dict(feature_dims)
        if text_encoder is not None:
            dims["text"] = int(text_encoder.hidden_size)
        for m in self.modalities:
            self.register_buffer(f"mean_{m}", torch.zeros(dims[m]))
            self.register_buffer(f"std_{m}", torch.ones(dims[m]))
        self.project = nn.ModuleDict(
            {m: nn.Sequential(nn.Linear(dims[m], d), nn.Dropout(cfg.dropout)) for m in self.modalities}
        )
        n_streams = len(self.stream_names)
        unitse_keys = ["shared"] if cfg.share_unitse else self.modalities
        self.unitse = nn.ModuleDict({k: UniTSE(cfg, n_streams) for k in unitse_keys})
        self.fusion = nn.ModuleDict(
            {
                s: TaskFusion(d, self.modalities, cfg.fusion_heads, cfg.fusion, cfg.dropout)
                for s in self.stream_names
            }
        )
        self.heads = nn.ModuleDict()
        if "SA" in self.tasks:
            self.heads["SA"] = head(d, 1, cfg.dropout)
        if "ER" in self.tasks:
            self.heads["ER"] = head(d, len(EMOTIONS) * (2 if cfg.er_intensity else 1), cfg.dropout)

    def stream_of(self, task: str) -> str:
        return task if task in self.stream_names else "shared"

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

    def forward(self, batch: Batch) -> ModelOutput:
        inputs, masks = self.encode_inputs(batch)
        per_stream: dict[str, dict[str, torch.Tensor]] = {s: {} for s in self.stream_names}
        gates: dict[str, torch.Tensor] = {}
        balances = []
        for m in self.modalities:
            unitse = self.unitse["shared" if self.cfg.share_unitse else m]
            streams, history = unitse(inputs[m], masks[m])
            for name, stream in zip(self.stream_names, streams):
                per_stream[name][m] = stream
            for b, block in enumerate(history):
                balances.append(block.balance)
                for name, g in zip(self.stream_names, block.gates):
                    if g is not None:
                        gates[f"{m}/block{b + 1}/{name}"] = g
        fused, weights = {}, {}
        for name in self.stream_names:
            fused[name], w = self.fusion[name](per_stream[name], masks)
            if w is not None:
                weights[name] = w
        sentiment = logits = intensity = None
        if "SA" in self.heads:
            sentiment = self.heads["SA"](fused[self.stream_of("SA")]).squeeze(-1)
        if "ER" in self.heads:
            out = self.heads["ER"](fused[self.stream_of("ER")])
            logits = out[:, : len(EMOTIONS)]
            if self.cfg.er_intensity:
                intensity = out[:, len(EMOTIONS) :]
        balance = torch.stack(balances).mean()
        return ModelOutput(sentiment, logits, intensity, balance, gates, weights)
