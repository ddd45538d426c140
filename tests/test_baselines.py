"""Baselines (MMoE, PLE/CGC, late fusion) against hand-computed mixtures; parameters and FLOPs by hand."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmolre.config import load_config
from mmolre.data.dataset import MultimodalDataset, collate
from mmolre.evaluation.complexity import COMPONENTS, count_parameters, measure
from mmolre.models import ARCHITECTURES, build_model
from mmolre.models.baselines import PLE, TASK_EXPERTS, ExtractionLevel, LateFusion, MMoE
from mmolre.models.experts import LowRankExperts
from tests.test_training import tiny_dataset

TINY = [
    "model.d_model=8",
    "model.n_experts=3",
    "model.rank_min=2",
    "model.rank_max=4",
    "model.task_rank=2",
    "model.fusion_heads=2",
    "model.dropout=0.0",
]
DIMS = {"text": 5, "audio": 4}


def dataset(n=4):
    return tiny_dataset(n=n, emotions_for=(0, 2))


def model_for(*overrides, dtype=torch.float64):
    cfg = load_config(overrides=[*TINY, *overrides])
    torch.manual_seed(0)
    return build_model(cfg, DIMS).to(dtype).eval(), cfg


def batch_of(ds, dtype=torch.float64):
    batch = collate([ds[i] for i in range(len(ds))])
    batch.features = {m: x.to(dtype) for m, x in batch.features.items()}
    return batch


def expert_outputs(experts: LowRankExperts, x: torch.Tensor) -> list[torch.Tensor]:
    """Each expert applied on its own (``[B, T, d]`` in and out), from independent Conv1d copies."""
    return [e.to(x.dtype)(x.transpose(1, 2)).transpose(1, 2) for e in experts.expert_modules()]


def hand_gate(router, x, mask):
    pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
    return torch.softmax(pooled @ router.linear.weight.T + router.linear.bias, dim=-1)


@pytest.mark.parametrize("architecture", list(ARCHITECTURES))
@pytest.mark.parametrize(
    "extra", [[], ["model.tasks=[SA]"], ["model.modalities=[audio]", "model.n_blocks=1"]]
)
def test_every_architecture_trains_and_ignores_padding(architecture, extra):
    ds = dataset()
    model, _ = model_for(f"model.architecture={architecture}", *extra, dtype=torch.float32)
    model.fit_normalizer(ds)
    assert torch.all(model.std_audio > 0) and not torch.allclose(model.mean_audio, torch.zeros(4))
    alone, together = model(collate([ds[0]])), model(collate([ds[0], ds[1]]))
    assert torch.allclose(alone.sentiment[0], together.sentiment[0], atol=1e-5)
    model.train()
    out = model(collate([ds[i] for i in range(len(ds))]))
    loss = out.sentiment.sum() + out.balance
    if out.emotion_logits is not None:
        assert out.emotion_logits.shape == (4, 6)
        loss = loss + out.emotion_logits.sum()
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
    for g in out.gates.values():
        assert torch.allclose(g.sum(dim=1), torch.ones(4), atol=1e-6)


def test_build_model_dispatches_and_baselines_use_full_rank_experts():
    for name, cls in [("mmoe", MMoE), ("ple", PLE), ("late_fusion", LateFusion)]:
        model, cfg = model_for(f"model.architecture={name}")
        assert type(model) is cls
    mmoe, _ = model_for("model.architecture=mmoe", "model.task_expert=true")
    block = mmoe.unitse["text"].blocks[0]
    assert block.task_experts is None and block.shared.ranks == [8, 8, 8]  # full rank d_model, no task expert
    ple, _ = model_for("model.architecture=ple")
    level = ple.levels["text"][0]
    assert level.shared.ranks == [8, 8, 8] and level.task_experts["SA"].ranks == [8] * TASK_EXPERTS
    assert ple.levels["text"][1].shared_router is None  # the last level has no shared stream


def test_mmoe_gates_sum_to_one_and_block_output_is_the_hand_mixture():
    model, _ = model_for("model.architecture=mmoe", "model.modalities=[text]", "model.n_blocks=1")
    block = model.unitse["text"].blocks[0]
    seen = {}
    block.register_forward_hook(lambda mod, args, out: seen.update(x=args[0][0], mask=args[1], out=out))
    batch = batch_of(dataset())
    out = model(batch)
    x, mask = seen["x"], seen["mask"].double()
    experts = expert_outputs(block.shared, x)
    for i, task in enumerate(["SA", "ER"]):
        g = out.gates[f"text/block1/{task}"]
        assert torch.allclose(g.sum(dim=1), torch.ones(len(batch), dtype=g.dtype))
        assert torch.allclose(g, hand_gate(block.routers[i], x, mask))  # Ma et al. eq. 8: softmax(W x)
        mixture = sum(g[:, n, None, None] * experts[n] for n in range(3))  # eq. 7
        expected = (
            F.layer_norm(x + mixture, (8,), block.norms[i].weight, block.norms[i].bias) * mask[..., None]
        )
        assert torch.allclose(seen["out"].streams[i], expected, atol=1e-10)


def test_ple_level_is_cgc_with_a_shared_stream():
    cfg = load_config(overrides=TINY).model
    torch.manual_seed(1)
    level = ExtractionLevel(cfg, ["SA", "ER"], shared_gate=True).double().eval()
    x = {s: torch.randn(2, 5, 8, dtype=torch.float64) for s in ("SA", "ER", "shared")}
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.bool)
    for s in x:
        x[s] = x[s] * mask[..., None]
    out, gates, _ = level(x, mask)
    m = mask.double()
    shared = expert_outputs(level.shared, x["shared"])
    own = {t: expert_outputs(level.task_experts[t], x[t]) for t in ("SA", "ER")}
    for t in ("SA", "ER"):
        g = hand_gate(level.routers[t], x[t], m)  # a softmax over [own expert, shared experts]
        assert torch.allclose(gates[t], g) and torch.allclose(g.sum(1), torch.ones(2, dtype=g.dtype))
        mixture = g[:, 0, None, None] * own[t][0] + sum(g[:, 1 + n, None, None] * shared[n] for n in range(3))
        norm = level.norms[t]
        expected = F.layer_norm(x[t] + mixture, (8,), norm.weight, norm.bias) * m[..., None]
        assert torch.allclose(out[t], expected, atol=1e-10)
    g = hand_gate(level.shared_router, x["shared"], m)  # shared gate: [shared experts, SA's, ER's]
    mixture = sum(g[:, n, None, None] * shared[n] for n in range(3))
    mixture = mixture + g[:, 3, None, None] * own["SA"][0] + g[:, 4, None, None] * own["ER"][0]
    norm = level.norms["shared"]
    expected = F.layer_norm(x["shared"] + mixture, (8,), norm.weight, norm.bias) * m[..., None]
    assert torch.allclose(out["shared"], expected, atol=1e-10)


def test_late_fusion_is_a_convex_mix_of_unimodal_predictions():
    model, _ = model_for("model.architecture=late_fusion")
    batch = batch_of(dataset())
    with torch.no_grad():
        model.fusion.logits["SA"].copy_(torch.tensor([30.0, -30.0]))  # all weight on text
        text_only = model(batch).sentiment
        model.fusion.logits["SA"].copy_(torch.tensor([-30.0, 30.0]))  # all weight on audio
        audio_only = model(batch).sentiment
        model.fusion.logits["SA"].copy_(torch.log(torch.tensor([0.25, 0.75])))
        out = model(batch)
    assert torch.allclose(out.sentiment, 0.25 * text_only + 0.75 * audio_only, atol=1e-10)
    assert torch.allclose(out.modality_weights["SA"], torch.tensor([[0.25, 0.75]] * 4, dtype=torch.float64))
    # no cross-modal path: the text-only prediction does not move when audio changes
    batch.features["audio"] = batch.features["audio"] + 1.0
    with torch.no_grad():
        model.fusion.logits["SA"].copy_(torch.tensor([30.0, -30.0]))
        assert torch.allclose(model(batch).sentiment, text_only, atol=1e-10)


def test_parameter_and_flop_counts_match_a_hand_count():
    d, din, t, ranks, task_rank = 8, 5, 6, [2, 4], 3
    cfg_over = [
        "model.modalities=[text]",
        "model.n_blocks=1",
        "model.n_experts=2",
        "model.expert_ranks=[2, 4]",
    ]
    model, _ = model_for(
        *cfg_over, f"model.task_rank={task_rank}", "model.fusion=concat", dtype=torch.float32
    )
    ds = MultimodalDataset(
        ids=["a", "b"],
        features={"text": [np.ones((t, din), np.float32)] * 2, "audio": [np.ones((3, 4), np.float32)] * 2},
        sentiment=np.zeros(2),
        emotions=np.zeros((2, 6), np.float32),
    )
    r, n, s = sum(ranks), len(ranks), 2  # total shared rank, experts, streams (SA, ER)
    # experts: shared Conv1d(d, R, 3) + bias, Conv1d(R, d, 1) weights, one bias row per expert;
    # per stream a task expert of rank task_rank with both biases
    expert_params = d * r * 3 + r + d * r + n * d + s * (d * task_rank * 3 + task_rank + task_rank * d + d)
    params = count_parameters(model)
    assert params["experts"] == expert_params
    assert params["routers"] == s * (d * n + n)
    assert params["input"] == din * d + d
    assert params["total"] == sum(p.numel() for p in model.parameters()) == sum(params[c] for c in COMPONENTS)

    cost = measure(model, ds)
    # 2 FLOPs per multiply-accumulate: the shared projection once for both streams (block 1 copies the
    # input), the fused second conv on both streams, the bias g @ B, and each task expert (gate 1)
    shared = 2 * d * r * 3 * t + s * 2 * r * d * t + s * 2 * n * d
    task = s * (2 * d * task_rank * 3 * t + 2 * task_rank * d * t + 2 * 1 * d)
    assert cost.flops["experts"] == shared + task
    assert cost.flops["routers"] == s * 2 * d * n
    assert cost.flops["input"] == 2 * din * d * t
    # concat fusion of one modality: Linear(d, d); heads: Linear(d, d) + Linear(d, out) per task
    assert cost.flops["fusion"] == s * 2 * d * d
    assert cost.flops["heads"] == (2 * d * d + 2 * d * 1) + (2 * d * d + 2 * d * 6)
    assert cost.flops["total"] == sum(cost.flops[c] for c in COMPONENTS)


def test_low_rank_experts_cost_less_than_full_rank_ones():
    low = measure(model_for(dtype=torch.float32)[0], dataset())
    full = measure(model_for("model.full_rank_experts=true", dtype=torch.float32)[0], dataset())
    mmoe = measure(model_for("model.architecture=mmoe", dtype=torch.float32)[0], dataset())
    assert low.params["experts"] < full.params["experts"] and low.flops["experts"] < full.flops["experts"]
    assert low.params["fusion"] == full.params["fusion"] == mmoe.params["fusion"]  # only experts differ
