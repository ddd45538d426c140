"""The joint loss L_SA + lambda_ER L_ER + lambda_bal L_bal, masked per task and per sample."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from mmolre.data.dataset import Batch
from mmolre.models.mmolre import ModelOutput


@dataclass
class LossParts:
    total: torch.Tensor
    sa: torch.Tensor  # mean L1 over samples with a sentiment label (0 if none)
    er: torch.Tensor  # mean BCE over samples with emotion labels and the six emotions (0 if none)
    balance: torch.Tensor
    n_sa: int
    n_er: int


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` over rows where ``mask``; an exact zero that keeps the graph if none."""
    if values.dim() > 1:
        values = values.mean(dim=tuple(range(1, values.dim())))
    if not bool(mask.any()):
        return values.sum() * 0.0
    return values[mask].mean()


def joint_loss(out: ModelOutput, batch: Batch, lambda_er: float, lambda_bal: float) -> LossParts:
    """SA: L1 on sentiment, as MMSA. ER: BCE on presence (intensity > 0), plus L1 on intensities when the
    model regresses them. Samples without a task's label contribute nothing to that task's loss."""
    zero = out.balance.new_zeros(())
    sa = er = zero
    if out.sentiment is not None:
        sa = _masked_mean(F.l1_loss(out.sentiment, batch.sentiment, reduction="none"), batch.sentiment_mask)
    if out.emotion_logits is not None:
        presence = (batch.emotions > 0).to(out.emotion_logits.dtype)
        bce = F.binary_cross_entropy_with_logits(out.emotion_logits, presence, reduction="none")
        er = _masked_mean(bce, batch.emotion_mask)
        if out.emotion_intensity is not None:
            l1 = F.l1_loss(out.emotion_intensity, batch.emotions, reduction="none")
            er = er + _masked_mean(l1, batch.emotion_mask)
    total = sa + lambda_er * er + lambda_bal * out.balance
    return LossParts(
        total=total,
        sa=sa,
        er=er,
        balance=out.balance,
        n_sa=int(batch.sentiment_mask.sum()),
        n_er=int(batch.emotion_mask.sum()),
    )
