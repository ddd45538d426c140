"""Loss masking, determinism, checkpoints and re-evaluation on a tiny synthetic benchmark."""

import json

import numpy as np
import pytest
import torch

from mmolre.cli.main import main
from mmolre.config import load_config
from mmolre.data.dataset import MultimodalDataset, collate
from mmolre.models import build_model
from mmolre.training.evaluate import reevaluate
from mmolre.training.losses import joint_loss
from mmolre.training.run import run

TINY = [
    "data.synthetic.n_train=48",
    "data.synthetic.n_valid=24",
    "data.synthetic.n_test=32",
    "model.d_model=16",
    "model.rank_max=8",
    "model.task_rank=4",
    "model.fusion_heads=2",
    "train.max_epochs=2",
    "train.batch_size=16",
    "train.progress=false",
    "train.tensorboard=false",
]


def tiny_dataset(n=6, seed=0, emotions_for=(0, 2, 4)):
    rng = np.random.default_rng(seed)
    emotions = np.full((n, 6), np.nan, dtype=np.float32)
    for i in emotions_for:
        emotions[i] = rng.integers(0, 4, size=6) / 3 * (rng.random(6) < 0.5)
    return MultimodalDataset(
        ids=[f"c{i}" for i in range(n)],
        features={
            "text": [rng.normal(size=(rng.integers(2, 7), 5)).astype(np.float32) for _ in range(n)],
            "audio": [rng.normal(size=(rng.integers(3, 9), 4)).astype(np.float32) for _ in range(n)],
        },
        sentiment=rng.uniform(-3, 3, size=n),
        emotions=emotions,
    )


def small_model(**model):
    cfg = load_config(overrides=[*TINY, *[f"model.{k}={v}" for k, v in model.items()]])
    torch.manual_seed(0)
    return build_model(cfg, {"text": 5, "audio": 4}).eval()


def test_loss_masks_samples_without_emotion_labels():
    ds = tiny_dataset()
    model = small_model(dropout=0.0)
    batch = collate([ds[i] for i in range(len(ds))])
    out = model(batch)
    parts = joint_loss(out, batch, lambda_er=0.7, lambda_bal=0.0)

    # independent value: L1 over all six, BCE over the three labelled samples only
    sa = (out.sentiment - torch.tensor(ds.sentiment)).abs().mean()
    labelled = [0, 2, 4]
    presence = torch.tensor(ds.emotions[labelled] > 0, dtype=torch.float32)
    logits = out.emotion_logits[labelled]
    bce = -(
        presence * torch.log(torch.sigmoid(logits)) + (1 - presence) * torch.log(1 - torch.sigmoid(logits))
    )
    assert parts.n_er == 3 and parts.n_sa == 6
    assert parts.sa.item() == pytest.approx(sa.item(), rel=1e-5)
    assert parts.er.item() == pytest.approx(bce.mean().item(), rel=1e-5)
    assert parts.total.item() == pytest.approx(sa.item() + 0.7 * bce.mean().item(), rel=1e-5)

    # an unlabelled sample's emotion logits get no gradient from the ER loss
    logits_grad = torch.autograd.grad(parts.er, out.emotion_logits, retain_graph=True)[0]
    assert torch.all(logits_grad[[1, 3, 5]] == 0) and torch.any(logits_grad[labelled] != 0)


def test_batch_without_any_emotion_label_gives_zero_er_loss_and_finite_gradients():
    ds = tiny_dataset(emotions_for=())
    model = small_model()
    batch = collate([ds[i] for i in range(len(ds))])
    parts = joint_loss(model(batch), batch, 1.0, 0.01)
    assert parts.er.item() == 0.0 and parts.n_er == 0
    parts.total.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


def test_padding_does_not_change_predictions():
    ds = tiny_dataset(n=2, emotions_for=(0,))
    model = small_model(dropout=0.0)
    alone = model(collate([ds[0]]))
    # batched with a longer sequence, sample 0 gets padded: its outputs must not move
    together = model(collate([ds[0], ds[1]]))
    assert torch.allclose(alone.sentiment[0], together.sentiment[0], atol=1e-5)
    assert torch.allclose(alone.emotion_logits[0], together.emotion_logits[0], atol=1e-5)


def test_same_seed_same_metrics_and_eval_reproduces(tmp_path):
    cfg = load_config(overrides=TINY)
    cfg.train.seeds = [7]
    first = run(cfg, tmp_path / "a")
    second = run(cfg, tmp_path / "b")
    assert first.seeds[0].test == second.seeds[0].test
    assert (tmp_path / "a" / "seed_7" / "model.safetensors").is_file()
    meta = json.loads((tmp_path / "a" / "seed_7" / "checkpoint.json").read_text())
    assert meta["config"]["model"]["d_model"] == 16 and meta["seed"] == 7
    for name in ("results.json", "results.csv", "results.md"):
        assert (tmp_path / "a" / name).is_file()

    again = reevaluate(tmp_path / "a" / "seed_7")
    assert again.test == first.seeds[0].test
    assert again.mismatches() == {}


def test_resume_skips_finished_seeds(tmp_path):
    cfg = load_config(overrides=TINY)
    cfg.train.seeds = [3]
    first = run(cfg, tmp_path)
    stamp = (tmp_path / "seed_3" / "model.safetensors").stat().st_mtime_ns
    again = run(cfg, tmp_path, resume=True)
    assert again.seeds[0].test == first.seeds[0].test
    assert (tmp_path / "seed_3" / "model.safetensors").stat().st_mtime_ns == stamp


def test_resume_continues_an_interrupted_seed_to_the_same_result(tmp_path):
    cfg = load_config(overrides=[*TINY, "train.max_epochs=3", "train.patience=10"])
    cfg.train.seeds = [5]
    full = run(cfg, tmp_path / "full")
    short = cfg.model_copy(deep=True)
    short.train.max_epochs = 1
    run(short, tmp_path / "cut")  # as if killed after epoch 1
    (tmp_path / "cut" / "seed_5" / "metrics.json").unlink()
    resumed = run(cfg, tmp_path / "cut", resume=True)
    assert resumed.seeds[0].test == full.seeds[0].test


def test_cli_unknown_key_is_one_line_exit_2(capsys):
    assert main(["train", "--set", "model.no_such_knob=1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no_such_knob" in err[0] and "Traceback" not in err[0]


def test_cli_bad_value_and_bad_file(tmp_path, capsys):
    assert main(["train", "--set", "model.n_experts=many"]) == 2
    assert "model.n_experts" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("model:\n  gating: sometimes\n")
    assert main(["train", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "model.gating" in err and str(bad) in err


def test_cli_train_and_eval_round_trip(tmp_path, capsys):
    args = ["train", *sum([["--set", o] for o in TINY], []), "--seeds", "11,12", "--out", str(tmp_path)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert (
        "mean ± std" in printed and "oracle" in printed and "Non0_acc_2" in printed and "mean_WA" in printed
    )
    assert main(["eval", str(tmp_path)]) == 0
    assert printed.count("seed 11") >= 1
    assert "reproduces the saved test metrics" in capsys.readouterr().out
