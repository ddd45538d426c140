"""Per-utterance routers over shared experts, and the load-balancing loss."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over time of ``[B, T, d]`` where ``mask`` ``[B, T]`` is True; zero for an empty sequence."""
    weights = mask.to(x.dtype).unsqueeze(-1)
    return (x * weights).sum(dim=1) / weights.sum(dim=1).clamp_min(1.0)


class Router(nn.Module):
    """``g = softmax(W mean_t(x))``, optionally noisy top-k (Shazeer et al. 2017, "Outrageously Large
    Neural Networks", eq. 3-5: Gaussian noise scaled by ``softplus(W_noise x)`` at train time, then keep
    the k largest logits), or uniform ``1/N`` (an ablation)."""

    def __init__(self, d_model: int, n_experts: int, mode: str = "dense", top_k: int = 2, noise: bool = True):
        super().__init__()
        if mode not in ("dense", "topk", "uniform"):
            raise ValueError(f"unknown gating mode {mode!r}")
        self.mode, self.n_experts, self.top_k = mode, n_experts, min(top_k, n_experts)
        self.linear = nn.Linear(d_model, n_experts) if mode != "uniform" else None
        self.noise = nn.Linear(d_model, n_experts) if mode == "topk" and noise else None

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``x`` ``[B, T, d]``, ``mask`` ``[B, T]`` -> gates ``[B, N]`` summing to one."""
        if self.linear is None:
            return x.new_full((x.shape[0], self.n_experts), 1.0 / self.n_experts)
        pooled = masked_mean(x, mask)
        logits = self.linear(pooled)
        if self.mode == "dense":
            return logits.softmax(dim=-1)
        if self.noise is not None and self.training:
            logits = logits + torch.randn_like(logits) * F.softplus(self.noise(pooled))
        top_values, top_index = logits.topk(self.top_k, dim=-1)
        masked = torch.full_like(logits, float("-inf")).scatter(-1, top_index, top_values)
        return masked.softmax(dim=-1)


def balance_loss(gates: torch.Tensor) -> torch.Tensor:
    """Squared coefficient of variation of each expert's mean gate mass over the batch.

    Zero when every expert gets the same mass; it grows as routing collapses onto few experts
    (Shazeer et al. 2017, importance loss). Population variance, so a batch of one is defined.
    """
    importance = gates.mean(dim=0)
    return importance.var(unbiased=False) / importance.mean().pow(2).clamp_min(1e-10)
