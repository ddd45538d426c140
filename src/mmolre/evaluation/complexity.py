"""Parameter and FLOP counts of a model, in total and per component (experts, routers, fusion, heads...).

FLOPs come from PyTorch's own counter, `torch.utils.flop_counter.FlopCounterMode`, which counts matrix
multiplications, convolutions and attention as 2 x multiply-accumulates (a ``Conv1d(c_in, c_out, k)`` on
``T`` steps is ``2 * c_in * c_out * k * T``; bias adds, norms, activations and softmax are not counted). A
forward pass of one utterance at a time (no padding) in eval mode, averaged over utterances, gives FLOPs
per utterance.

Components, decided per parameter and per module in which an operation runs:

* ``experts``: anything inside a `LowRankExperts` (shared and task-specific experts, full-rank ones too);
* ``routers``: anything inside a `Router` (the gates over experts);
* ``input``: the per-modality projections (``project``) and a fine-tuned ``text_encoder``;
* ``fusion``: the task fusion (``fusion``: cross-modal attention and modality gates, or late-fusion
  weights);
* ``heads``: the task heads (``heads``);
* ``other``: the rest (LayerNorms in the expert blocks, ...).

UniTSE and PLE blocks call their experts' fused second convolution through ``LowRankExperts.combine``,
not through the module's ``forward``, so the FLOP counter's module hooks see that operation in the block
itself; operations that a block runs directly are therefore counted as ``experts`` when the block holds
experts (a block's own code does nothing else that the counter counts).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from mmolre.data.dataset import MultimodalDataset, collate
from mmolre.models.experts import LowRankExperts
from mmolre.models.router import Router

__all__ = ["COMPONENTS", "Complexity", "component_of", "count_flops", "count_parameters", "measure"]

COMPONENTS = ("input", "experts", "routers", "fusion", "heads", "other")
TOP_LEVEL = {"project": "input", "text_encoder": "input", "fusion": "fusion", "heads": "heads"}


def component_of(modules: dict[str, nn.Module], path: str) -> str:
    """Component of the module at dotted ``path`` (``""``: the model) in ``dict(model.named_modules())``."""
    parts = path.split(".") if path else []
    for depth in range(len(parts), 0, -1):
        module = modules.get(".".join(parts[:depth]))
        if isinstance(module, LowRankExperts):
            return "experts"
        if isinstance(module, Router):
            return "routers"
    if parts and parts[0] in TOP_LEVEL:
        return TOP_LEVEL[parts[0]]
    module = modules.get(path)
    if module is not None and any(isinstance(c, LowRankExperts) for c in module.children()):
        return "experts"  # a block's own operations are its experts' fused combine (module docstring)
    return "other"


def _with_total(counts: dict[str, float]) -> dict[str, float]:
    out = {c: counts.get(c, 0) for c in COMPONENTS}
    out["total"] = sum(out.values())
    return out


def count_parameters(model: nn.Module) -> dict[str, int]:
    """Number of parameters (trainable or not) per component and ``"total"``."""
    modules = dict(model.named_modules())
    counts: dict[str, int] = {}
    for name, param in model.named_parameters():
        owner = name.rsplit(".", 1)[0] if "." in name else ""
        component = component_of(modules, owner)
        counts[component] = counts.get(component, 0) + param.numel()
    return {k: int(v) for k, v in _with_total(counts).items()}


def _exclusive(totals: dict[str, float]) -> dict[str, float]:
    """Per module path, its inclusive count minus that of its nearest counted descendants."""
    exclusive = dict(totals)
    for path in totals:
        if not path:
            continue
        # the nearest counted ancestor (the model itself, "", at worst) contains `path`'s count once
        ancestors = [a for a in totals if a == "" or (a != path and path.startswith(f"{a}."))]
        if ancestors:
            exclusive[max(ancestors, key=len)] -= totals[path]
    return exclusive


@torch.no_grad()
def count_flops(model: nn.Module, batches: Iterable) -> tuple[dict[str, float], int]:
    """FLOPs per component and ``"total"``, summed over ``batches``; and the number of samples."""
    was_training = model.training
    model.eval()
    n_samples = 0
    counter = FlopCounterMode(display=False, depth=None)
    try:
        with counter:
            for batch in batches:
                model(batch)
                n_samples += len(batch)
    finally:
        model.train(was_training)
    totals: dict[str, float] = {}
    for name, ops in counter.get_flop_counts().items():
        if name == "Global":
            continue
        # names are "<RootClass>.child.grandchild"; the root's class name is not a module path
        path = name.split(".", 1)[1] if "." in name else ""
        totals[path] = totals.get(path, 0) + float(sum(ops.values()))
    modules = dict(model.named_modules())
    counts: dict[str, float] = {}
    for path, flops in _exclusive(totals).items():
        component = component_of(modules, path)
        counts[component] = counts.get(component, 0.0) + flops
    total = float(counter.get_total_flops())
    out = _with_total(counts)
    # every counted operation runs inside the model, so the components add up to the counter's total
    assert abs(out["total"] - total) <= 1e-6 * max(total, 1.0), (out["total"], total)
    return out, n_samples


@dataclass
class Complexity:
    """Parameters per component and FLOPs per utterance per component (both with ``"total"``)."""

    params: dict[str, int]
    flops: dict[str, float]
    n_utterances: int

    def to_dict(self) -> dict:
        return {"params": self.params, "flops_per_utterance": self.flops, "n_utterances": self.n_utterances}

    @classmethod
    def from_dict(cls, data: dict) -> Complexity:
        return cls(data["params"], data["flops_per_utterance"], data["n_utterances"])


def measure(
    model: nn.Module, dataset: MultimodalDataset, n_utterances: int = 32, device: str = "cpu"
) -> Complexity:
    """Parameters, and FLOPs per utterance averaged over the first ``n_utterances`` of ``dataset``."""
    n = min(n_utterances, len(dataset))
    if n == 0:
        raise ValueError("measure: the dataset is empty")
    batches = (collate([dataset[i]]).to(device) for i in range(n))
    flops, counted = count_flops(model, batches)
    return Complexity(count_parameters(model), {k: v / counted for k, v in flops.items()}, counted)
