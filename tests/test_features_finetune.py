"""End-to-end text fine-tuning (``features.finetune_text``): a store built by ``features extract`` carries
the transcripts, the model swaps cached text features for the encoder's output, and the encoder trains
with its own learning rate."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may be fetched from a hub in tests

import numpy as np
import pandas as pd
import pytest
import torch

from mmolre.config import ConfigError, load_config
from mmolre.data.dataset import make_loader
from mmolre.data.store import load_store
from mmolre.features.extract import extract_features
from mmolre.features.text import TextEncoder
from mmolre.models import build_model
from mmolre.training.losses import joint_loss
from mmolre.training.trainer import make_optimizer
from tests.hf_fixtures import make_tiny_roberta

WORDS = ["good", "bad", "movie", "really", "not", "great", "plot", "acting", "boring", "fun", "the", "was"]
TEXT_LR, MAIN_LR = 1e-5, 1e-2


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A label table of 40 clips, a tiny RoBERTa, and the store extracted from them with it."""
    folder = tmp_path_factory.mktemp("finetune")
    rng = np.random.default_rng(0)
    texts = [" ".join(rng.choice(WORDS, size=rng.integers(3, 10))) for _ in range(40)]
    table = pd.DataFrame(
        {
            "video_id": [f"v{i // 10}" for i in range(40)],
            "clip_id": [str(i % 10) for i in range(40)],
            "text": texts,
            "label": np.round(rng.uniform(-3, 3, 40), 3),
            "mode": ["train"] * 24 + ["valid"] * 8 + ["test"] * 8,
        }
    )
    (folder / "mosi").mkdir()
    table.to_csv(folder / "mosi" / "label.csv", index=False)
    encoder = make_tiny_roberta(folder, texts)
    overrides = [
        f"features.text_encoder={encoder}",
        "features.text_max_length=16",
        "features.finetune_text=true",
        f"features.text_lr={TEXT_LR}",
        f"train.lr={MAIN_LR}",
        "train.weight_decay=0",
        "train.batch_size=8",
        "model.modalities=[text]",
        "model.tasks=[SA]",
        "model.d_model=16",
        "model.rank_max=8",
        "model.rank_min=2",
        "model.task_rank=4",
        "train.max_epochs=1",
        "train.tensorboard=false",
        "train.progress=false",
        "train.seeds=[3]",
        "model.dropout=0.0",
    ]
    cfg = load_config(overrides=overrides)
    store = folder / "store"
    extract_features(folder / "mosi" / "label.csv", store, cfg.features, progress=False)
    return cfg, store


def test_store_from_extract_feeds_the_fine_tuned_model(setup):
    cfg, store = setup
    splits = load_store(store)
    assert splits["train"].texts is not None and len(splits["train"].texts) == 24
    model = build_model(cfg, {"text": splits["train"].feature_dim("text")})
    assert isinstance(model.text_encoder, TextEncoder)
    batch = next(iter(make_loader(splits["train"], 4, shuffle=False)))
    model.eval()
    feats, mask = model.text_encoder(batch.texts)
    # the cached features and the encoder's own output agree (same checkpoint, same tokenisation)
    for i, cached in enumerate(splits["train"].features["text"][:4]):
        assert int(mask[i].sum()) == cached.shape[0]
        np.testing.assert_allclose(feats[i, : cached.shape[0]].detach().numpy(), cached, atol=1e-5)


def test_one_step_trains_the_encoder_with_its_own_learning_rate(setup):
    cfg, store = setup
    splits = load_store(store)
    torch.manual_seed(0)
    model = build_model(cfg, {"text": 32})
    model.fit_normalizer(splits["train"])
    optimizer = make_optimizer(model, cfg)
    enc_params = list(model.text_encoder.parameters())
    enc_ids = {id(p) for p in enc_params}
    groups = {g["lr"]: g for g in optimizer.param_groups}
    assert set(groups) == {MAIN_LR, TEXT_LR}
    assert {id(p) for p in groups[TEXT_LR]["params"]} == enc_ids
    assert not enc_ids & {id(p) for p in groups[MAIN_LR]["params"]}

    enc_before = [p.detach().clone() for p in enc_params]
    main_params = [p for p in model.parameters() if id(p) not in enc_ids]
    main_before = [p.detach().clone() for p in main_params]
    model.train()
    batch = next(iter(make_loader(splits["train"], 8, shuffle=True, seed=1)))
    parts = joint_loss(model(batch), batch, cfg.train.lambda_er, cfg.train.lambda_bal)
    optimizer.zero_grad()
    parts.total.backward()
    optimizer.step()

    def max_step(before, after):
        return max(float((b - a.detach()).abs().max()) for b, a in zip(before, after))

    # Adam's first step moves each weight by at most lr (exactly lr where the gradient is non-zero)
    enc_step, main_step = max_step(enc_before, enc_params), max_step(main_before, main_params)
    assert 0.5 * TEXT_LR < enc_step <= 1.01 * TEXT_LR
    assert 0.5 * MAIN_LR < main_step <= 1.01 * MAIN_LR


def test_training_run_with_fine_tuning(setup, tmp_path):
    from mmolre.training.run import run

    cfg, store = setup
    cfg = cfg.model_copy(deep=True)
    cfg.data.kind, cfg.data.paths = "store", [str(store)]
    summary = run(cfg, tmp_path / "run")
    assert len(summary.seeds) == 1 and np.isfinite(summary.seeds[0].test["MAE"])


@pytest.fixture(scope="module")
def tiny_encoder_path(setup):
    cfg, _ = setup
    return cfg.features.text_encoder


TEXTS = ["good movie", "really not great acting", "the plot was boring", "fun", ""]


def test_frozen_bottom_plus_trainable_top_equals_the_whole_model(tiny_encoder_path):
    whole = TextEncoder(tiny_encoder_path, max_length=16).eval()
    split = TextEncoder(tiny_encoder_path, max_length=16, trainable_layers=1)
    assert split.trainable_layers == 1
    # fill the memo in train mode: the frozen bottom must still run without dropout
    split.train()
    split(TEXTS[:3])
    assert len(split._frozen_memo) == 3
    split.eval()
    with torch.no_grad():
        expected, expected_mask = whole(TEXTS)
        # other batch order and composition: memo hits for three texts, misses for two
        got, got_mask = split(TEXTS[::-1])
    got, got_mask = got.flip(0), got_mask.flip(0)
    width = int(expected_mask.sum(dim=1).max())
    assert torch.equal(got_mask[:, :width], expected_mask[:, :width])
    torch.testing.assert_close(
        got[:, :width][got_mask[:, :width]], expected[expected_mask], atol=1e-5, rtol=0
    )


def test_only_the_top_layers_train(tiny_encoder_path):
    split = TextEncoder(tiny_encoder_path, max_length=16, trainable_layers=1).train()
    feats, mask = split(TEXTS)
    (feats * mask.unsqueeze(-1)).sum().backward()
    top, bottom = split.model.encoder.layer[1], split.model.encoder.layer[0]
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in top.parameters() if p.ndim == 2)
    assert all(p.grad is None and not p.requires_grad for p in bottom.parameters())
    assert all(p.grad is None for p in split.model.embeddings.parameters())


def test_loading_weights_refreshes_the_memo(tiny_encoder_path):
    split = TextEncoder(tiny_encoder_path, max_length=16, trainable_layers=1).eval()
    with torch.no_grad():
        before, _ = split(TEXTS)
        state = {k: v.clone() for k, v in split.state_dict().items()}
        key = next(k for k in state if "encoder.layer.0." in k and k.endswith("dense.weight"))
        state[key] += 0.5  # change the frozen bottom
        split.load_state_dict(state)
        after, mask = split(TEXTS)
        whole = TextEncoder(tiny_encoder_path, max_length=16).eval()
        whole.load_state_dict(state)
        expected, _ = whole(TEXTS)
    assert not torch.allclose(before, after)
    torch.testing.assert_close(after[mask], expected[mask], atol=1e-5, rtol=0)


def test_trainable_layers_at_or_above_the_depth_trains_everything(tiny_encoder_path):
    encoder = TextEncoder(tiny_encoder_path, max_length=16, trainable_layers=5)
    assert encoder.trainable_layers is None
    assert all(p.requires_grad for p in encoder.parameters())


def test_the_optimizer_gets_only_the_trainable_top(setup):
    cfg, _ = setup
    cfg = cfg.model_copy(deep=True)
    cfg.features.text_trainable_layers = 1
    model = build_model(cfg, {"text": 32})
    groups = {g["lr"]: g for g in make_optimizer(model, cfg).param_groups}
    expected = {id(p) for p in model.text_encoder.model.encoder.layer[1].parameters()}
    assert {id(p) for p in groups[TEXT_LR]["params"]} == expected


def test_an_encoder_that_cannot_be_split_names_the_field(tmp_path, tiny_encoder_path):
    from transformers import AutoTokenizer, DistilBertConfig, DistilBertModel

    # DistilBERT keeps its layers under transformer.layer, not encoder.layer
    folder = tmp_path / "tiny-distilbert"
    config = DistilBertConfig(vocab_size=400, dim=32, n_layers=2, n_heads=4, hidden_dim=64)
    DistilBertModel(config).save_pretrained(folder)
    AutoTokenizer.from_pretrained(tiny_encoder_path).save_pretrained(folder)
    assert TextEncoder(str(folder), max_length=16).trainable_layers is None
    with pytest.raises(ConfigError, match="features.text_trainable_layers"):
        TextEncoder(str(folder), max_length=16, trainable_layers=1)


def test_inference_without_memo_gives_the_same_features_and_keeps_nothing(tiny_encoder_path):
    split = TextEncoder(tiny_encoder_path, max_length=16, trainable_layers=1).eval()
    with torch.no_grad():
        memoized, mask = split(TEXTS)
        split._frozen_memo.clear()
        split.memoize = False
        plain, plain_mask = split(TEXTS)
    assert not split._frozen_memo and torch.equal(mask, plain_mask)
    torch.testing.assert_close(plain[mask], memoized[mask], atol=1e-5, rtol=0)
