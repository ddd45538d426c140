"""Low-rank experts, stored and computed fused.

A low-rank expert (DESIGN section 1) is ``f(x) = B(act(A(x)))`` with ``A = Conv1d(d, r, 3, padding=1)`` and
``B = Conv1d(r, d, 1)``, both with bias. A mixture ``sum_n g_n f_n(x)`` with a per-utterance gate ``g`` is
linear in each expert's second conv, so ``g_n B_n(h_n) = W_n (g_n h_n) + g_n b_n``: all first convs are one
``Conv1d(d, sum r_n)``, the gate scales each expert's rank slice, all second convs are one
``Conv1d(sum r_n, d)`` without bias, and the bias is ``g @ b``. ``reference_mixture`` is the plain loop over
experts that the fused form must equal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

ACTIVATIONS = {"none": nn.Identity, "relu": nn.ReLU, "gelu": nn.GELU}


class LowRankExperts(nn.Module):
    """``len(ranks)`` low-rank experts on ``[B, d, T]`` inputs, one rank slice each in fused weights."""

    def __init__(self, d_model: int, ranks: Sequence[int], activation: str = "none") -> None:
        super().__init__()
        if not ranks or min(ranks) < 1:
            raise ValueError(f"expert ranks must be positive, got {list(ranks)}")
        self.d_model = d_model
        self.ranks = [int(r) for r in ranks]
        total = sum(self.ranks)
        self.down = nn.Conv1d(d_model, total, kernel_size=3, padding=1)
        self.up_weight = nn.Parameter(torch.empty(d_model, total, 1))
        self.up_bias = nn.Parameter(torch.empty(len(self.ranks), d_model))
        self.activation = ACTIVATIONS[activation]()
        self.register_buffer("_slice_sizes", torch.tensor(self.ranks), persistent=False)
        self._init_up()

    def _init_up(self) -> None:
        # Same scale as an independent Conv1d(r_n, d, 1) per expert: uniform(+-1/sqrt(fan_in = r_n)).
        with torch.no_grad():
            for n, (start, stop) in enumerate(self.slices()):
                bound = 1.0 / math.sqrt(stop - start)
                self.up_weight[:, start:stop].uniform_(-bound, bound)
                self.up_bias[n].uniform_(-bound, bound)

    @property
    def n_experts(self) -> int:
        return len(self.ranks)

    def slices(self) -> list[tuple[int, int]]:
        """``(start, stop)`` of each expert's rank slice in the fused hidden dimension."""
        bounds = [0]
        for r in self.ranks:
            bounds.append(bounds[-1] + r)
        return list(zip(bounds[:-1], bounds[1:]))

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """All experts' first convs at once: ``[B, d, T] -> [B, sum r_n, T]``."""
        return self.activation(self.down(x))

    def combine(self, hidden: torch.Tensor, gates: torch.Tensor) -> torch.Tensor:
        """Gate-weighted sum of all experts' second convs: ``[B, R, T], [B, N] -> [B, d, T]``."""
        scale = torch.repeat_interleave(gates, self._slice_sizes, dim=1)
        out = F.conv1d(hidden * scale.unsqueeze(-1), self.up_weight)
        return out + (gates @ self.up_bias).unsqueeze(-1)

    def forward(self, x: torch.Tensor, gates: torch.Tensor) -> torch.Tensor:
        return self.combine(self.project(x), gates)

    def expert_modules(self) -> list[nn.Sequential]:
        """Independent ``Conv1d -> act -> Conv1d`` copies of each expert (for tests and benchmarks)."""
        experts = []
        for n, (start, stop) in enumerate(self.slices()):
            down = nn.Conv1d(self.d_model, stop - start, kernel_size=3, padding=1)
            up = nn.Conv1d(stop - start, self.d_model, kernel_size=1)
            with torch.no_grad():
                down.weight.copy_(self.down.weight[start:stop])
                down.bias.copy_(self.down.bias[start:stop])
                up.weight.copy_(self.up_weight[:, start:stop])
                up.bias.copy_(self.up_bias[n])
            experts.append(nn.Sequential(down, type(self.activation)(), up))
        return experts


def reference_mixture(experts: Sequence[nn.Module], x: torch.Tensor, gates: torch.Tensor) -> torch.Tensor:
    """The loop form ``sum_n g_n f_n(x)`` that ``LowRankExperts.forward`` must equal."""
    out = torch.zeros_like(x)
    for n, expert in enumerate(experts):
        out = out + gates[:, n, None, None] * expert(x)
    return out
