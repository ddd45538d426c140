"""The fused low-rank experts must equal the plain loop over independent experts, values and gradients."""

import pytest
import torch
from torch import nn

from mmolre.config import ModelConfig
from mmolre.models.experts import LowRankExperts, reference_mixture
from mmolre.models.router import Router, balance_loss
from mmolre.models.unitse import UniTSEBlock

TOL = 1e-5


def independent_experts(fused: LowRankExperts) -> list[nn.Module]:
    """Per-expert Conv1d pairs built from scratch (not via the module under test) with its weights."""
    experts = []
    for n, r in enumerate(fused.ranks):
        start = sum(fused.ranks[:n])
        down = nn.Conv1d(fused.d_model, r, 3, padding=1)
        up = nn.Conv1d(r, fused.d_model, 1)
        with torch.no_grad():
            down.weight.copy_(fused.down.weight[start : start + r])
            down.bias.copy_(fused.down.bias[start : start + r])
            up.weight.copy_(fused.up_weight[:, start : start + r])
            up.bias.copy_(fused.up_bias[n])
        experts.append(nn.Sequential(down, type(fused.activation)(), up).to(fused.down.weight.dtype))
    return experts


def loop_mixture(experts, x, gates):
    total = 0
    for n, expert in enumerate(experts):
        total = total + gates[:, n].view(-1, 1, 1) * expert(x)
    return total


@pytest.mark.parametrize("activation", ["none", "gelu"])
@pytest.mark.parametrize("gating", ["dense", "topk"])
def test_fused_equals_loop_outputs_and_gradients(activation, gating):
    torch.manual_seed(0)
    d, ranks = 12, [2, 3, 5, 8]
    fused = LowRankExperts(d, ranks, activation).double()
    experts = independent_experts(fused)
    x = torch.randn(5, d, 7, dtype=torch.double)
    router = Router(d, len(ranks), mode=gating, top_k=2).double()
    gates = router(x.transpose(1, 2), torch.ones(5, 7, dtype=torch.bool))
    if gating == "topk":
        assert int((gates > 0).sum(dim=1).max()) == 2  # really sparse

    x_fused = x.clone().requires_grad_(True)
    x_loop = x.clone().requires_grad_(True)
    g_fused = gates.detach().clone().requires_grad_(True)
    g_loop = gates.detach().clone().requires_grad_(True)
    y_fused = fused(x_fused, g_fused)
    y_loop = loop_mixture(experts, x_loop, g_loop)
    assert torch.allclose(y_fused, y_loop, atol=TOL)

    weight = torch.randn_like(y_fused)
    (y_fused * weight).sum().backward()
    (y_loop * weight).sum().backward()
    assert torch.allclose(x_fused.grad, x_loop.grad, atol=TOL)
    assert torch.allclose(g_fused.grad, g_loop.grad, atol=TOL)
    for n, (expert, r) in enumerate(zip(experts, ranks)):
        start = sum(ranks[:n])
        down, up = expert[0], expert[2]
        assert torch.allclose(fused.down.weight.grad[start : start + r], down.weight.grad, atol=TOL)
        assert torch.allclose(fused.down.bias.grad[start : start + r], down.bias.grad, atol=TOL)
        assert torch.allclose(fused.up_weight.grad[:, start : start + r], up.weight.grad, atol=TOL)
        assert torch.allclose(fused.up_bias.grad[n], up.bias.grad, atol=TOL)


def test_reference_mixture_helper_matches_independent_loop():
    torch.manual_seed(1)
    fused = LowRankExperts(8, [1, 4], "relu")
    x, gates = torch.randn(3, 8, 5), torch.softmax(torch.randn(3, 2), -1)
    expected = loop_mixture(independent_experts(fused), x, gates)
    assert torch.allclose(reference_mixture(fused.expert_modules(), x, gates), expected, atol=TOL)


def test_fused_differs_from_loop_when_a_slice_is_wrong():
    """Guard that the comparison can fail: perturb one expert's slice and the outputs must differ."""
    torch.manual_seed(2)
    fused = LowRankExperts(6, [2, 2], "none")
    experts = independent_experts(fused)
    with torch.no_grad():
        fused.up_weight[:, 2:4] += 0.1
    x, gates = torch.randn(2, 6, 4), torch.full((2, 2), 0.5)
    assert not torch.allclose(fused(x, gates), loop_mixture(experts, x, gates), atol=TOL)


def block_by_loop(block: UniTSEBlock, streams, mask):
    """A UniTSE block computed expert by expert, stream by stream."""
    shared = independent_experts(block.shared)
    outputs = []
    for s, x in enumerate(streams):
        xc = x.transpose(1, 2)
        gates = block.routers[s](x, mask)
        y = loop_mixture(shared, xc, gates)
        task = independent_experts(block.task_experts[s])[0]
        y = (y + task(xc)).transpose(1, 2)
        y = block.norms[s](x + y)
        outputs.append(y * mask.unsqueeze(-1))
    return outputs


@pytest.mark.parametrize("gating", ["dense", "topk"])
def test_unitse_block_equals_loop_and_projects_shared_input_once(gating):
    torch.manual_seed(3)
    cfg = ModelConfig(
        d_model=16, n_experts=3, expert_ranks=[2, 4, 8], task_rank=3, gating=gating, dropout=0.0
    )
    block = UniTSEBlock(cfg, n_streams=2).double().eval()
    calls = []
    block.shared.down.register_forward_hook(lambda mod, inp, out: calls.append(inp[0].shape[0]))
    x = torch.randn(4, 6, 16, dtype=torch.double)
    mask = torch.tensor([[1] * 6, [1] * 4 + [0] * 2, [1] * 2 + [0] * 4, [1] * 6], dtype=torch.bool)
    x = x * mask.unsqueeze(-1)

    out = block([x, x], mask, same_input=True)
    assert calls == [4]  # block 1: one projection of the batch serves both task streams
    for got, want in zip(out.streams, block_by_loop(block, [x, x], mask)):
        assert torch.allclose(got, want, atol=TOL)

    calls.clear()
    other = torch.randn_like(x) * mask.unsqueeze(-1)
    out2 = block([x, other], mask, same_input=False)
    assert calls == [8]  # block 2: both streams stacked into one call
    for got, want in zip(out2.streams, block_by_loop(block, [x, other], mask)):
        assert torch.allclose(got, want, atol=TOL)


def test_router_modes_and_masked_pooling():
    torch.manual_seed(4)
    x = torch.randn(2, 5, 8)
    mask = torch.tensor([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    dense = Router(8, 4, "dense")
    g = dense(x, mask)
    assert torch.allclose(g.sum(-1), torch.ones(2))
    # padded steps must not change the gate
    x_changed = x.clone()
    x_changed[0, 2:] = 100.0
    assert torch.allclose(dense(x_changed, mask), g)
    expected = torch.softmax(dense.linear(x[0, :2].mean(0)), -1)
    assert torch.allclose(g[0], expected, atol=1e-6)
    uniform = Router(8, 4, "uniform")(x, mask)
    assert torch.allclose(uniform, torch.full((2, 4), 0.25))
    topk = Router(8, 4, "topk", top_k=1).eval()(x, mask)
    assert torch.equal((topk > 0).sum(-1), torch.tensor([1, 1]))


def test_balance_loss_is_squared_cv_of_gate_mass():
    gates = torch.tensor([[0.7, 0.2, 0.1], [0.5, 0.4, 0.1]])
    mass = [0.6, 0.3, 0.1]  # column means
    mean = sum(mass) / 3
    var = sum((m - mean) ** 2 for m in mass) / 3
    assert balance_loss(gates).item() == pytest.approx(var / mean**2, rel=1e-6)
    assert balance_loss(torch.full((4, 3), 1 / 3)).item() == pytest.approx(0.0, abs=1e-12)


def test_rank_spread_and_full_rank():
    assert ModelConfig(d_model=768, n_experts=4, rank_min=16, rank_max=128).shared_ranks() == [
        16,
        32,
        64,
        128,
    ]
    assert ModelConfig(d_model=32, n_experts=2, full_rank_experts=True).shared_ranks() == [32, 32]
    fused = LowRankExperts(768, [16, 32, 64, 128])
    low_rank = sum(p.numel() for p in fused.parameters())
    # per expert: d*r*3 + r (first conv) + r*d + d (second conv)
    assert low_rank == sum(768 * r * 3 + r + r * 768 + 768 for r in (16, 32, 64, 128))
