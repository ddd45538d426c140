"""UniTSE: unimodal task-specific feature extraction with shared and task-specific low-rank experts.

Block 1 copies one modality's features once per task stream; block 2 takes each stream's block-1 output.
Each block has N shared experts with one router per stream and one task-specific expert per stream:
``y_s = sum_n g_s,n f_n(x_s) + f_s(x_s)``, then residual and LayerNorm. Streams are usually the tasks
(SA, ER); hard parameter sharing uses one stream for all tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from mmolre.config import ModelConfig
from mmolre.models.experts import LowRankExperts
from mmolre.models.router import Router, balance_loss


@dataclass
class BlockOutput:
    streams: list[torch.Tensor]  # one [B, T, d] per stream
    gates: list[torch.Tensor | None]  # one [B, N] per stream (None without shared experts)
    balance: torch.Tensor  # scalar, mean over streams


class UniTSEBlock(nn.Module):
    def __init__(self, cfg: ModelConfig, n_streams: int) -> None:
        super().__init__()
        d = cfg.d_model
        self.n_streams = n_streams
        self.shared = (
            LowRankExperts(d, cfg.shared_ranks(), cfg.expert_activation) if cfg.shared_experts else None
        )
        self.routers = (
            nn.ModuleList(
                Router(d, cfg.n_experts, cfg.gating, cfg.top_k, cfg.gate_noise) for _ in range(n_streams)
            )
            if cfg.shared_experts
            else None
        )
        self.task_experts = (
            nn.ModuleList(
                LowRankExperts(d, [cfg.task_expert_rank()], cfg.expert_activation) for _ in range(n_streams)
            )
            if cfg.task_expert
            else None
        )
        if self.shared is None and self.task_experts is None:
            raise ValueError("model: shared_experts and task_expert cannot both be off")
        self.residual = cfg.residual
        self.norms = nn.ModuleList(nn.LayerNorm(d) for _ in range(n_streams)) if cfg.layer_norm else None
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, streams: Sequence[torch.Tensor], mask: torch.Tensor, same_input: bool) -> BlockOutput:
        """``streams``: ``n_streams`` tensors ``[B, T, d]``. ``same_input`` says they are one tensor
        (block 1), so the shared experts' first conv runs once for all streams."""
        batch = streams[0].shape[0]
        channels_first = [s.transpose(1, 2) for s in streams]  # Conv1d wants [B, d, T]
        mixed: list[torch.Tensor] = [torch.zeros_like(c) for c in channels_first]
        gates: list[torch.Tensor | None] = [None] * self.n_streams
        balance = streams[0].new_zeros(())
        if self.shared is not None:
            gates = [router(s, mask) for router, s in zip(self.routers, streams)]
            if same_input:
                hidden = self.shared.project(channels_first[0]).repeat(self.n_streams, 1, 1)
            else:
                hidden = self.shared.project(torch.cat(channels_first, dim=0))
            # all streams' second convs in one call: streams are stacked along the batch
            combined = self.shared.combine(hidden, torch.cat(gates, dim=0))
            mixed = list(combined.split(batch, dim=0))
            balance = torch.stack([balance_loss(g) for g in gates]).mean()
        if self.task_experts is not None:
            ones = streams[0].new_ones(batch, 1)
            mixed = [m + expert(c, ones) for m, expert, c in zip(mixed, self.task_experts, channels_first)]
        keep = mask.unsqueeze(-1).to(streams[0].dtype)
        outputs = []
        for i, (stream, update) in enumerate(zip(streams, mixed)):
            y = self.dropout(update.transpose(1, 2))
            if self.residual:
                y = stream + y
            if self.norms is not None:
                y = self.norms[i](y)
            outputs.append(y * keep)  # padded steps stay zero so the next kernel-3 conv sees no leak
        return BlockOutput(outputs, gates, balance)


class UniTSE(nn.Module):
    """One or two stacked blocks turning one modality's features into one stream per task."""

    def __init__(self, cfg: ModelConfig, n_streams: int) -> None:
        super().__init__()
        self.n_streams = n_streams
        self.blocks = nn.ModuleList(UniTSEBlock(cfg, n_streams) for _ in range(cfg.n_blocks))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[list[torch.Tensor], list[BlockOutput]]:
        streams: list[torch.Tensor] = [x] * self.n_streams
        history = []
        for i, block in enumerate(self.blocks):
            out = block(streams, mask, same_input=(i == 0))
            streams = out.streams
            history.append(out)
        return streams, history
