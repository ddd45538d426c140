"""An exponential moving average (EMA) of a model's trainable weights, for validation and checkpoints.

Averaging the weights of the last few hundred steps smooths out the noise of small-batch fine-tuning,
so the checkpoint picked on validation depends less on where inside an epoch training happened to stop.
Only parameters that train are averaged: a frozen text-encoder bottom never changes, and
`torch.optim.swa_utils.AveragedModel` would deep-copy the whole model, including the text encoder's
memo of frozen-bottom outputs (gigabytes on MOSEI), which is why this small class exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn


class WeightAverage:
    """EMA of ``model``'s trainable parameters: ``avg <- d * avg + (1 - d) * weight`` after each step.

    The effective decay ``d = min(decay, (1 + n) / (10 + n))`` after ``n`` updates follows TensorFlow's
    ``tf.train.ExponentialMovingAverage(num_updates=...)``: early on the average follows the weights
    closely instead of staying near the random initialisation.
    """

    def __init__(self, model: nn.Module, decay: float) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"ema decay must lie in (0, 1), got {decay}")
        self.decay = decay
        self.updates = 0
        self.average = {name: p.detach().clone() for name, p in model.named_parameters() if p.requires_grad}

    def current_decay(self) -> float:
        return min(self.decay, (1 + self.updates) / (10 + self.updates))

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.updates += 1
        weight = 1.0 - self.current_decay()
        for name, p in model.named_parameters():
            if name in self.average:
                self.average[name].lerp_(p.detach(), weight)

    @contextmanager
    def applied(self, model: nn.Module) -> Iterator[nn.Module]:
        """Within the block ``model`` holds the averaged weights; its own come back afterwards."""
        params = dict(model.named_parameters())
        own = {name: params[name].detach().clone() for name in self.average}
        with torch.no_grad():
            for name, value in self.average.items():
                params[name].copy_(value)
        try:
            yield model
        finally:
            with torch.no_grad():
                for name, value in own.items():
                    params[name].copy_(value)

    def state_dict(self) -> dict:
        return {"decay": self.decay, "updates": self.updates, "average": dict(self.average)}

    def load_state_dict(self, state: dict) -> None:
        differing = set(self.average) ^ set(state["average"])
        if differing:
            raise ValueError(f"EMA state does not fit the model; parameters differ: {sorted(differing)[:5]}")
        self.decay, self.updates = float(state["decay"]), int(state["updates"])
        for name, value in state["average"].items():
            self.average[name].copy_(value)
