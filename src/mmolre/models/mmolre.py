"""MMoLRE assembled from its parts: input projection, UniTSE, task-adaptive fusion and task heads."""

from __future__ import annotations

import torch
from torch import nn

from mmolre.config import ModelConfig
from mmolre.data.dataset import Batch
from mmolre.models.base import ModelOutput, MultimodalModel, head
from mmolre.models.fusion import TaskFusion
from mmolre.models.unitse import UniTSE

__all__ = ["MMoLRE", "ModelOutput", "head", "run_unitse"]


class MMoLRE(MultimodalModel):
    """Multimodal Mixture of Low-Rank Experts (Zhang et al., ICME 2025) and its hard-sharing variant.

    ``architecture="mmolre"`` gives each task its own stream through UniTSE (own routers and task expert)
    and its own fusion; ``"hard_sharing"`` runs one stream for all tasks, so only the heads differ.
    """

    def __init__(
        self, cfg: ModelConfig, feature_dims: dict[str, int], text_encoder: nn.Module | None = None
    ) -> None:
        super().__init__()
        self._build_inputs(cfg, feature_dims, text_encoder)
        # hard sharing runs one stream for all tasks; every other architecture one stream per task
        self.stream_names = ["shared"] if cfg.architecture == "hard_sharing" else self.tasks
        d = cfg.d_model
        n_streams = len(self.stream_names)
        unitse_keys = ["shared"] if cfg.share_unitse else self.modalities
        self.unitse = nn.ModuleDict({k: UniTSE(cfg, n_streams) for k in unitse_keys})
        self.fusion = nn.ModuleDict(
            {
                s: TaskFusion(d, self.modalities, cfg.fusion_heads, cfg.fusion, cfg.dropout)
                for s in self.stream_names
            }
        )
        self.heads = self._build_heads()

    def stream_of(self, task: str) -> str:
        return task if task in self.stream_names else "shared"

    def forward(self, batch: Batch) -> ModelOutput:
        inputs, masks = self.encode_inputs(batch)
        per_stream, gates, balance = run_unitse(self.unitse, self.stream_names, inputs, masks)
        fused, weights = {}, {}
        for name in self.stream_names:
            fused[name], w = self.fusion[name](per_stream[name], masks)
            if w is not None:
                weights[name] = w
        raw = self.run_heads(self.heads, {t: fused[self.stream_of(t)] for t in self.tasks})
        return ModelOutput(*self.split_outputs(raw), balance, gates, weights)


def run_unitse(
    unitse: nn.ModuleDict,
    stream_names: list[str],
    inputs: dict[str, torch.Tensor],
    masks: dict[str, torch.Tensor],
) -> tuple[dict[str, dict[str, torch.Tensor]], dict[str, torch.Tensor], torch.Tensor]:
    """Each modality through its UniTSE (or the one ``"shared"`` UniTSE).

    Returns ``{stream: {modality: [B, T, d]}}``, the gates ``{"modality/blockJ/stream": [B, N]}`` and the
    mean load-balancing loss over modalities and blocks.
    """
    per_stream: dict[str, dict[str, torch.Tensor]] = {s: {} for s in stream_names}
    gates: dict[str, torch.Tensor] = {}
    balances = []
    for m, x in inputs.items():
        streams, history = unitse["shared" if "shared" in unitse else m](x, masks[m])
        for name, stream in zip(stream_names, streams):
            per_stream[name][m] = stream
        for b, block in enumerate(history):
            balances.append(block.balance)
            for name, g in zip(stream_names, block.gates):
                if g is not None:
                    gates[f"{m}/block{b + 1}/{name}"] = g
    return per_stream, gates, torch.stack(balances).mean()
