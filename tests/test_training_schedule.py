"""Learning-rate schedules and the weight average (EMA): hand-computed values, checkpoints and resuming."""

import math

import pytest
import torch
from safetensors.torch import load_file
from torch import nn

from mmolre.config import ConfigError, load_config
from mmolre.training import trainer as trainer_module
from mmolre.training.averaging import WeightAverage
from mmolre.training.run import run
from mmolre.training.trainer import make_scheduler
from tests.test_training import TINY


def test_weight_average_matches_the_hand_computed_recursion():
    layer = nn.Linear(2, 1, bias=True)
    layer.bias.requires_grad_(False)  # frozen parameters are not averaged
    average = WeightAverage(layer, decay=0.9)
    assert set(average.average) == {"weight"}
    expected = layer.weight.detach().clone().tolist()[0]
    for step, value in enumerate([1.0, -2.0, 0.5, 3.0, 3.0, 0.0, 7.0], start=1):
        with torch.no_grad():
            layer.weight.fill_(value)
        average.update(layer)
        decay = min(0.9, (1 + step) / (10 + step))  # 0.182, 0.25, ..., then capped at 0.9
        expected = [decay * e + (1 - decay) * value for e in expected]
    assert average.average["weight"].tolist()[0] == pytest.approx(expected, rel=1e-6)


def test_applied_swaps_the_average_in_and_restores_the_weights():
    layer = nn.Linear(3, 2)
    average = WeightAverage(layer, decay=0.5)
    own = layer.weight.detach().clone()
    average.average["weight"].fill_(4.0)
    with average.applied(layer):
        assert torch.all(layer.weight == 4.0)
        assert torch.equal(layer(torch.ones(1, 3)), 12.0 + layer.bias.detach().unsqueeze(0))
    assert torch.equal(layer.weight, own)


def test_weight_average_state_round_trip_and_mismatch():
    layer = nn.Linear(2, 2)
    average = WeightAverage(layer, decay=0.99)
    for _ in range(3):
        average.update(layer)
    other = WeightAverage(nn.Linear(2, 2), decay=0.5)
    other.load_state_dict(average.state_dict())
    assert other.updates == 3 and other.decay == 0.99
    assert torch.equal(other.average["weight"], average.average["weight"])
    with pytest.raises(ValueError, match="parameters differ"):
        WeightAverage(nn.Linear(2, 2, bias=False), 0.5).load_state_dict(average.state_dict())


def lr_trace(schedule: str, warmup_ratio: float, steps_per_epoch: int, epochs: int) -> list[list[float]]:
    cfg = load_config(
        overrides=[
            f"train.lr_schedule={schedule}",
            f"train.warmup_ratio={warmup_ratio}",
            f"train.max_epochs={epochs}",
            "train.lr=0.01",
        ]
    )
    a, b = nn.Parameter(torch.zeros(1)), nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.AdamW([{"params": [a], "lr": 0.01}, {"params": [b], "lr": 0.001}])
    scheduler = make_scheduler(optimizer, cfg, steps_per_epoch)
    trace = []
    for _ in range(steps_per_epoch * epochs):
        trace.append([group["lr"] for group in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
    return trace


def test_linear_schedule_warms_up_then_decays_to_zero_in_every_group():
    trace = lr_trace("linear", warmup_ratio=0.2, steps_per_epoch=5, epochs=2)  # 10 steps, 2 of warmup
    factors = [0 / 2, 1 / 2] + [(10 - step) / 8 for step in range(2, 10)]
    assert [lr for lr, _ in trace] == pytest.approx([0.01 * f for f in factors])
    assert [lr for _, lr in trace] == pytest.approx([0.001 * f for f in factors])


def test_cosine_schedule_follows_half_a_cosine_after_warmup():
    trace = lr_trace("cosine", warmup_ratio=0.0, steps_per_epoch=4, epochs=2)
    expected = [0.01 * 0.5 * (1 + math.cos(math.pi * step / 8)) for step in range(8)]
    assert [lr for lr, _ in trace] == pytest.approx(expected)


def test_constant_without_warmup_has_no_scheduler():
    cfg = load_config(overrides=[])
    optimizer = torch.optim.AdamW([nn.Parameter(torch.zeros(1))])
    assert make_scheduler(optimizer, cfg, 10) is None


SCHEDULED = [*TINY, "train.lr_schedule=linear", "train.warmup_ratio=0.25", "train.ema_decay=0.9"]


def test_checkpoint_holds_the_averaged_weights_and_last_state_the_trained_ones(tmp_path):
    cfg = load_config(overrides=[*SCHEDULED, "train.max_epochs=1"])
    cfg.train.seeds = [2]
    run(cfg, tmp_path)
    seed = tmp_path / "seed_2"
    best = load_file(str(seed / "model.safetensors"))
    live = load_file(str(seed / "last" / "model.safetensors"))
    state = torch.load(seed / "last" / "trainer_state.pt", weights_only=True)
    averaged = state["components"]["ema"]["average"]
    assert state["components"]["ema"]["updates"] == 3  # 48 samples in batches of 16
    assert averaged, "no parameter was averaged"
    for name, value in averaged.items():
        assert torch.equal(best[name], value), name
    assert any(not torch.equal(live[name], value) for name, value in averaged.items())


def test_resume_with_schedule_and_average_continues_to_the_same_result(tmp_path, monkeypatch):
    cfg = load_config(overrides=[*SCHEDULED, "train.max_epochs=3", "train.patience=10"])
    cfg.train.seeds = [5]
    full = run(cfg, tmp_path / "full")

    real = trainer_module.validation_loss
    calls = {"n": 0}

    def killed_in_epoch_two(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(trainer_module, "validation_loss", killed_in_epoch_two)
    with pytest.raises(KeyboardInterrupt):
        run(cfg, tmp_path / "cut")
    monkeypatch.setattr(trainer_module, "validation_loss", real)
    resumed = run(cfg, tmp_path / "cut", resume=True)
    assert resumed.seeds[0].test == full.seeds[0].test

    # a saved state without the scheduler (written under another config) is not silently resumed
    folder = tmp_path / "cut" / "seed_5"
    (folder / "metrics.json").unlink()
    state = torch.load(folder / "last" / "trainer_state.pt", weights_only=True)
    del state["components"]["scheduler"]
    torch.save(state, folder / "last" / "trainer_state.pt")
    with pytest.raises(ConfigError, match="no 'scheduler'"):
        run(cfg, tmp_path / "cut", resume=True)
