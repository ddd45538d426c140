"""Task-adaptive multimodal fusion: cross-modal attention, masked pooling and a task gate over modalities."""

from __future__ import annotations

import torch
from torch import nn

from mmolre.models.router import masked_mean


def _safe_padding_mask(mask: torch.Tensor) -> torch.Tensor:
    """Key padding mask for attention; a sample with no valid key attends to its (zero) first step."""
    padding = ~mask
    empty = ~mask.any(dim=1)
    padding[empty, 0] = False
    return padding


class TaskFusion(nn.Module):
    """Fuse one task's modality streams into one vector.

    Each modality attends to the other modalities' steps (MulT-style cross-modal attention, Tsai et al.
    2019, simplified to one layer), is added back residually, normalised and mean-pooled over its valid
    steps. ``gated`` weighs the pooled modalities with a task-specific softmax gate; ``concat`` projects
    their concatenation.
    """

    def __init__(self, d_model: int, modalities: list[str], heads: int, mode: str, dropout: float) -> None:
        super().__init__()
        self.modalities = list(modalities)
        self.mode = mode
        multi = len(self.modalities) > 1
        self.cross = (
            nn.ModuleDict(
                {
                    m: nn.MultiheadAttention(d_model, heads, dropout=dropout, batch_first=True)
                    for m in modalities
                }
            )
            if multi
            else None
        )
        self.norms = nn.ModuleDict({m: nn.LayerNorm(d_model) for m in modalities}) if multi else None
        width = d_model * len(self.modalities)
        if mode == "gated":
            self.gate = nn.Linear(width, len(self.modalities))
        elif mode == "concat":
            self.project = nn.Sequential(nn.Linear(width, d_model), nn.GELU())
        else:
            raise ValueError(f"model.fusion: unknown mode {mode!r}")

    def forward(
        self, streams: dict[str, torch.Tensor], masks: dict[str, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """-> fused ``[B, d]`` and modality weights ``[B, M]`` (None for concat)."""
        pooled = []
        for m in self.modalities:
            x = streams[m]
            if self.cross is not None:
                others = [o for o in self.modalities if o != m]
                keys = torch.cat([streams[o] for o in others], dim=1)
                key_mask = torch.cat([masks[o] for o in others], dim=1)
                attended, _ = self.cross[m](x, keys, keys, key_padding_mask=_safe_padding_mask(key_mask))
                x = self.norms[m](x + attended)
            pooled.append(masked_mean(x, masks[m]))
        stacked = torch.stack(pooled, dim=1)  # [B, M, d]
        flat = stacked.flatten(1)
        if self.mode == "gated":
            weights = self.gate(flat).softmax(dim=-1)
            return (weights.unsqueeze(-1) * stacked).sum(dim=1), weights
        return self.project(flat), None
