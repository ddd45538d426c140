"""Multi-task baselines in the same framework as MMoLRE: MMoE, PLE/CGC and decision-level late fusion.

All of them share MMoLRE's inputs (standardisation, projection), heads and `ModelOutput`, and are trained
by the same trainer on the same data, so a comparison measures only the middle of the model:

* ``mmoe``: Multi-gate Mixture-of-Experts (Ma et al., "Modeling Task Relationships in Multi-task Learning
  with Multi-gate Mixture-of-Experts", KDD 2018): N experts shared by all tasks and one softmax gate per
  task over them, ``f^k(x) = sum_i g^k(x)_i f_i(x)``; no task-specific experts. Experts are **full-rank**
  (rank ``d_model``: ``Conv1d(d, d, 3)`` then ``Conv1d(d, d, 1)``), the capacity MMoLRE's low-rank experts
  are claimed to save. Each of ``model.n_blocks`` levels is one MMoE layer with residual and LayerNorm;
  level 1 reads the modality features for every task, level 2 each task's level-1 output, as in UniTSE.
  With one block this is exactly the MMoE layer of the paper, followed by task fusion and task towers.
* ``ple``: Progressive Layered Extraction (Tang et al., "Progressive Layered Extraction (PLE): A Novel
  Multi-Task Learning (MTL) Model for Personalized Recommendations", RecSys 2020). Each level is a
  Customized Gate Control (CGC) layer: N shared and one task-specific full-rank expert per task; task k's
  gate is a softmax over its own expert **and** the shared ones (MMoLRE instead adds its task expert with
  weight one and gates only the shared experts). Below the last level a shared stream has its own gate
  over all experts and feeds the next level's shared experts, while task k's experts read task k's
  stream (the paper's progressive separation). With one block this is CGC.
* ``late_fusion``: each modality through its own UniTSE and its own task heads, with no cross-modal
  interaction; each task's prediction is a learned convex combination (softmax weights) of the
  modalities' predictions (ER: of their logits). It isolates MMoLRE's task-adaptive fusion.

MMoE and PLE ignore ``shared_experts``, ``task_expert``, ``full_rank_experts`` and ``expert_ranks``: their
expert layout is the definition of the baseline.
"""

from __future__ import annotations

import torch
from torch import nn

from mmolre.config import ModelConfig
from mmolre.data.dataset import Batch
from mmolre.models.base import ModelOutput, MultimodalModel
from mmolre.models.experts import LowRankExperts
from mmolre.models.fusion import TaskFusion
from mmolre.models.mmolre import MMoLRE, run_unitse
from mmolre.models.router import Router, balance_loss, masked_mean
from mmolre.models.unitse import UniTSE

__all__ = ["MMoE", "PLE", "ExtractionLevel", "LateFusion", "TASK_EXPERTS"]

TASK_EXPERTS = 1  # task-specific experts per task and level in PLE/CGC, as MMoLRE's one task expert


def full_rank(cfg: ModelConfig, **update) -> ModelConfig:
    """``cfg`` with every expert at rank ``d_model`` (so labels and counts read the real ranks)."""
    return cfg.model_copy(update={"full_rank_experts": True, "expert_ranks": None, **update})


class MMoE(MMoLRE):
    """MMoE with full-rank experts: UniTSE without task-specific experts, one gate per task and level."""

    def __init__(
        self, cfg: ModelConfig, feature_dims: dict[str, int], text_encoder: nn.Module | None = None
    ) -> None:
        super().__init__(full_rank(cfg, shared_experts=True, task_expert=False), feature_dims, text_encoder)


class ExtractionLevel(nn.Module):
    """One PLE level: CGC gates per task, and (below the last level) a shared stream with its own gate.

    Inputs and outputs are streams ``{task: [B, T, d], ..., "shared": [B, T, d]}``. Experts see the
    stream they belong to: shared experts the shared stream, task k's experts task k's stream; each
    gate reads the stream it writes (Tang et al. 2020, eq. 4-5).
    """

    def __init__(self, cfg: ModelConfig, tasks: list[str], shared_gate: bool) -> None:
        super().__init__()
        d, n = cfg.d_model, cfg.n_experts
        self.tasks, self.n_shared = list(tasks), n

        def gate(width: int) -> Router:
            return Router(d, width, cfg.gating, min(cfg.top_k, width), cfg.gate_noise)

        self.shared = LowRankExperts(d, [d] * n, cfg.expert_activation)
        self.task_experts = nn.ModuleDict(
            {t: LowRankExperts(d, [d] * TASK_EXPERTS, cfg.expert_activation) for t in tasks}
        )
        # task gate columns: [own experts, shared experts]; shared gate: [shared, task 1's, task 2's, ...]
        self.routers = nn.ModuleDict({t: gate(TASK_EXPERTS + n) for t in tasks})
        self.shared_router = gate(n + TASK_EXPERTS * len(tasks)) if shared_gate else None
        outputs = [*tasks, "shared"] if shared_gate else list(tasks)
        self.norms = nn.ModuleDict({s: nn.LayerNorm(d) for s in outputs}) if cfg.layer_norm else None
        self.residual = cfg.residual
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(
        self, streams: dict[str, torch.Tensor], mask: torch.Tensor
    ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor], torch.Tensor]:
        """-> output streams, gates ``{stream: [B, width]}`` and the mean load-balancing loss."""
        k = TASK_EXPERTS
        hidden_shared = self.shared.project(streams["shared"].transpose(1, 2))
        hidden = {t: self.task_experts[t].project(streams[t].transpose(1, 2)) for t in self.tasks}
        gates, updates = {}, {}
        for t in self.tasks:
            g = gates[t] = self.routers[t](streams[t], mask)
            updates[t] = self.task_experts[t].combine(hidden[t], g[:, :k]) + self.shared.combine(
                hidden_shared, g[:, k:]
            )
        if self.shared_router is not None:
            g = gates["shared"] = self.shared_router(streams["shared"], mask)
            update = self.shared.combine(hidden_shared, g[:, : self.n_shared])
            for i, t in enumerate(self.tasks):
                start = self.n_shared + i * k
                update = update + self.task_experts[t].combine(hidden[t], g[:, start : start + k])
            updates["shared"] = update
        keep = mask.unsqueeze(-1).to(hidden_shared.dtype)
        out = {}
        for name, update in updates.items():
            y = self.dropout(update.transpose(1, 2))
            y = streams[name] + y if self.residual else y
            y = self.norms[name](y) if self.norms is not None else y
            out[name] = y * keep  # padding stays zero for the next level's kernel-3 convs
        balance = torch.stack([balance_loss(g) for g in gates.values()]).mean()
        return out, gates, balance


class PLE(MultimodalModel):
    """PLE (CGC with one block) with full-rank experts per modality, then MMoLRE's task fusion and heads."""

    def __init__(
        self, cfg: ModelConfig, feature_dims: dict[str, int], text_encoder: nn.Module | None = None
    ) -> None:
        super().__init__()
        self._build_inputs(full_rank(cfg), feature_dims, text_encoder)
        keys = ["shared"] if cfg.share_unitse else self.modalities
        self.levels = nn.ModuleDict(
            {
                key: nn.ModuleList(
                    ExtractionLevel(cfg, self.tasks, shared_gate=j < cfg.n_blocks - 1)
                    for j in range(cfg.n_blocks)
                )
                for key in keys
            }
        )
        self.fusion = nn.ModuleDict(
            {
                t: TaskFusion(cfg.d_model, self.modalities, cfg.fusion_heads, cfg.fusion, cfg.dropout)
                for t in self.tasks
            }
        )
        self.heads = self._build_heads()

    def forward(self, batch: Batch) -> ModelOutput:
        inputs, masks = self.encode_inputs(batch)
        per_task: dict[str, dict[str, torch.Tensor]] = {t: {} for t in self.tasks}
        gates: dict[str, torch.Tensor] = {}
        balances = []
        for m, x in inputs.items():
            streams = dict.fromkeys([*self.tasks, "shared"], x)  # level 1 reads the features everywhere
            for j, level in enumerate(self.levels["shared" if "shared" in self.levels else m]):
                streams, level_gates, balance = level(streams, masks[m])
                balances.append(balance)
                gates.update({f"{m}/block{j + 1}/{s}": g for s, g in level_gates.items()})
            for t in self.tasks:
                per_task[t][m] = streams[t]
        fused, weights = {}, {}
        for t in self.tasks:
            fused[t], w = self.fusion[t](per_task[t], masks)
            if w is not None:
                weights[t] = w
        raw = self.run_heads(self.heads, fused)
        return ModelOutput(*self.split_outputs(raw), torch.stack(balances).mean(), gates, weights)

    def expert_labels(self, gate_key: str, width: int) -> list[str]:
        stream = gate_key.rsplit("/", 1)[-1]
        shared = super().expert_labels(gate_key, self.cfg.n_experts)
        own = [f"{t} expert" for t in self.tasks]
        if stream == "shared":
            return [*shared, *own]
        return [f"{stream} expert", *shared]


class DecisionFusion(nn.Module):
    """Per task, softmax weights over modalities (learned, the same for every utterance)."""

    def __init__(self, tasks: list[str], modalities: list[str]) -> None:
        super().__init__()
        self.logits = nn.ParameterDict({t: nn.Parameter(torch.zeros(len(modalities))) for t in tasks})

    def forward(self, task: str, outputs: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """``outputs``: one ``[B, k]`` prediction per modality -> their weighted sum and the weights."""
        weights = self.logits[task].softmax(dim=0)
        return torch.einsum("m,mbk->bk", weights, torch.stack(outputs)), weights


class LateFusion(MultimodalModel):
    """Decision-level late fusion: UniTSE and heads per modality, predictions mixed by learned weights."""

    def __init__(
        self, cfg: ModelConfig, feature_dims: dict[str, int], text_encoder: nn.Module | None = None
    ) -> None:
        super().__init__()
        self._build_inputs(cfg, feature_dims, text_encoder)
        keys = ["shared"] if cfg.share_unitse else self.modalities
        self.unitse = nn.ModuleDict({k: UniTSE(cfg, len(self.tasks)) for k in keys})
        self.fusion = DecisionFusion(self.tasks, self.modalities)
        self.heads = nn.ModuleDict({m: self._build_heads() for m in self.modalities})

    def forward(self, batch: Batch) -> ModelOutput:
        inputs, masks = self.encode_inputs(batch)
        per_task, gates, balance = run_unitse(self.unitse, self.tasks, inputs, masks)
        per_modality = [
            self.run_heads(self.heads[m], {t: masked_mean(per_task[t][m], masks[m]) for t in self.tasks})
            for m in self.modalities
        ]
        raw, weights = {}, {}
        for t in self.tasks:
            raw[t], w = self.fusion(t, [outputs[t] for outputs in per_modality])
            weights[t] = w.expand(len(batch), -1)
        return ModelOutput(*self.split_outputs(raw), balance, gates, weights)
