"""The synthetic benchmark: determinism, layout, label scales, the oracle, and that it is not trivial.

The probe tests check the design before any neural model exists: on mean+std pooled features a constant
predictor loses to single-modality linear probes, which lose to the fused probe, which loses to the oracle
that reads the latents; and one shared hidden layer serves the two tasks worse than two task-specific ones.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from mmolre.config import DataConfig, SyntheticConfig
from mmolre.constants import EMOTIONS, SPLITS
from mmolre.data.dataset import MultimodalDataset
from mmolre.data.loaders import load_splits
from mmolre.data.synthetic import (
    AUDIO_LENGTH,
    TEXT_LENGTH,
    VISION_LENGTH,
    SyntheticBenchmark,
    generate_synthetic,
)

SMALL = dict(n_train=60, n_valid=20, n_test=30)
# Probe sizes: large enough that the gaps asserted below are several standard errors wide.
PROBE = dict(n_train=1500, n_valid=300, n_test=1200)


def _arrays(bench: SyntheticBenchmark) -> dict[str, np.ndarray]:
    out = {}
    for split, ds in bench.splits.items():
        out[f"{split}/sentiment"] = ds.sentiment
        out[f"{split}/emotions"] = ds.emotions
        for m, seqs in ds.features.items():
            out[f"{split}/{m}"] = np.concatenate(seqs)
            out[f"{split}/{m}/lengths"] = np.array([len(s) for s in seqs])
        lat = bench.latents[split]
        for name in ("valence", "arousal", "cues", "speaker"):
            out[f"{split}/{name}"] = getattr(lat, name)
    return out


# ---- determinism --------------------------------------------------------------------------------------


def test_same_seed_gives_bit_identical_data() -> None:
    a = _arrays(generate_synthetic(SyntheticConfig(seed=7, with_vision=True, **SMALL)))
    b = _arrays(generate_synthetic(SyntheticConfig(seed=7, with_vision=True, **SMALL)))
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].dtype == b[key].dtype and np.array_equal(a[key], b[key]), key


def test_different_seeds_give_different_data() -> None:
    a = _arrays(generate_synthetic(SyntheticConfig(seed=1, **SMALL)))
    b = _arrays(generate_synthetic(SyntheticConfig(seed=2, **SMALL)))
    assert not np.array_equal(a["train/text"][:10], b["train/text"][:10])
    assert not np.array_equal(a["test/sentiment"], b["test/sentiment"])


def test_vision_and_other_split_sizes_leave_the_rest_unchanged() -> None:
    # Each split draws from its own stream and vision is drawn last, so toggling vision or resizing one
    # split does not reshuffle the other data: a comparison across those settings is paired.
    base = _arrays(generate_synthetic(SyntheticConfig(seed=3, **SMALL)))
    vis = _arrays(generate_synthetic(SyntheticConfig(seed=3, with_vision=True, **SMALL)))
    resized = _arrays(generate_synthetic(SyntheticConfig(seed=3, **{**SMALL, "n_test": 45})))
    for key in base:
        assert np.array_equal(base[key], vis[key]), key
        if key.startswith(("train/", "valid/")):
            assert np.array_equal(base[key], resized[key]), key


# ---- layout -------------------------------------------------------------------------------------------


def test_default_is_mosi_size_with_ids_and_sources() -> None:
    bench = generate_synthetic(SyntheticConfig())
    assert list(bench.splits) == list(SPLITS)
    assert {s: len(ds) for s, ds in bench.splits.items()} == {"train": 1284, "valid": 229, "test": 686}
    train = bench.splits["train"]
    assert isinstance(train, MultimodalDataset)
    assert train.ids[12] == "syn_train_00012" and bench.splits["test"].ids[0] == "syn_test_00000"
    assert len(set(train.ids)) == len(train)
    assert set(train.sources) == {"synthetic"}
    assert train.texts is None
    assert train.modalities == ["text", "audio"]


def test_loader_entry_point_reads_the_synthetic_config() -> None:
    splits = load_splits(DataConfig(kind="synthetic", synthetic=SyntheticConfig(seed=5, **SMALL)))
    assert {s: len(ds) for s, ds in splits.items()} == {"train": 60, "valid": 20, "test": 30}


def test_config_rejects_unknown_keys() -> None:
    with pytest.raises(ValueError):
        SyntheticConfig(n_annotator=3)  # type: ignore[call-arg]


@pytest.mark.parametrize("with_vision", [False, True])
def test_feature_shapes_dtypes_and_lengths(with_vision: bool) -> None:
    cfg = SyntheticConfig(seed=4, text_dim=12, audio_dim=10, vision_dim=6, with_vision=with_vision, **SMALL)
    bench = generate_synthetic(cfg)
    bounds = {"text": (TEXT_LENGTH, 12), "audio": (AUDIO_LENGTH, 10), "vision": (VISION_LENGTH, 6)}
    expected = ["text", "audio", "vision"] if with_vision else ["text", "audio"]
    for ds in bench.splits.values():
        assert ds.modalities == expected
        for m in expected:
            (lo, hi), dim = bounds[m]
            for seq in ds.features[m]:
                assert seq.dtype == np.float32 and seq.ndim == 2 and seq.shape[1] == dim
                assert lo <= seq.shape[0] <= hi
                assert np.isfinite(seq).all()


def test_tiny_dims_and_one_utterance_splits_work() -> None:
    # Fewer dimensions than signal directions: the directions are no longer orthogonal, but it runs.
    cfg = SyntheticConfig(
        n_train=1, n_valid=1, n_test=1, text_dim=4, audio_dim=4, vision_dim=4, with_vision=True
    )
    bench = generate_synthetic(cfg)
    assert all(len(ds) == 1 for ds in bench.splits.values())


def test_speakers_are_disjoint_across_splits() -> None:
    bench = generate_synthetic(SyntheticConfig(seed=2, utterances_per_speaker=10, **SMALL))
    speakers = {s: set(bench.latents[s].speaker.tolist()) for s in SPLITS}
    assert not speakers["train"] & speakers["valid"]
    assert not speakers["train"] & speakers["test"]
    assert not speakers["valid"] & speakers["test"]
    assert len(speakers["train"]) == 6


# ---- labels -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_annotators", [3, 4])
def test_labels_are_annotator_means_in_range(n_annotators: int) -> None:
    bench = generate_synthetic(SyntheticConfig(seed=0, n_annotators=n_annotators, n_train=500))
    for ds in bench.splits.values():
        s, e = ds.sentiment, ds.emotions
        assert s.dtype == np.float32 and e.dtype == np.float32 and e.shape == (len(ds), len(EMOTIONS))
        assert np.isfinite(s).all() and np.isfinite(e).all()
        assert s.min() >= -3 and s.max() <= 3 and e.min() >= 0 and e.max() <= 3
        # multiples of 1/n (float32 rounding aside)
        np.testing.assert_allclose(s * n_annotators, np.round(s * n_annotators), atol=1e-4)
        np.testing.assert_allclose(e * n_annotators, np.round(e * n_annotators), atol=1e-4)
    train = bench.splits["train"]
    assert len(np.unique(train.sentiment)) > 3 * 6  # uses the fine scale, not only integers
    assert train.sentiment.std() > 1.0  # spread like MOSI's (std about 1.5)


def test_emotion_prevalences_are_mosei_like() -> None:
    bench = generate_synthetic(SyntheticConfig(seed=0, n_train=4000))
    prevalence = dict(zip(EMOTIONS, (bench.splits["train"].emotions > 0).mean(axis=0)))
    for emotion, p in prevalence.items():
        assert 0.08 <= p <= 0.55, (emotion, p)
    assert max(prevalence, key=prevalence.get) == "happy"
    assert min(prevalence, key=prevalence.get) == "fear"


def test_describe_summarises_the_splits() -> None:
    text = generate_synthetic(SyntheticConfig(seed=0, **SMALL)).describe()
    assert "seed 0" in text and "train: 60 utterances" in text and "fear=" in text


# ---- oracle -------------------------------------------------------------------------------------------


def test_oracle_shapes_and_ranges() -> None:
    bench = generate_synthetic(SyntheticConfig(seed=0, **SMALL))
    for split, ds in bench.splits.items():
        sent, probs = bench.oracle_predictions(split)
        assert sent.shape == (len(ds),) and probs.shape == (len(ds), len(EMOTIONS))
        assert sent.dtype == np.float32 and probs.dtype == np.float32
        assert sent.min() >= -3 and sent.max() <= 3 and probs.min() >= 0 and probs.max() <= 1


def test_oracle_is_exact_when_annotators_are_noiseless() -> None:
    bench = generate_synthetic(SyntheticConfig(seed=1, annotator_noise=0.0, n_train=300))
    sent, probs = bench.oracle_predictions("train")
    ds = bench.splits["train"]
    np.testing.assert_array_equal(sent, ds.sentiment)
    np.testing.assert_array_equal(probs, (ds.emotions > 0).astype(np.float32))


def test_oracle_is_calibrated() -> None:
    # The closed forms must agree with the sampled annotators: residuals average to zero overall and
    # within bins of the prediction.
    bench = generate_synthetic(SyntheticConfig(seed=2, n_train=6000))
    sent, probs = bench.oracle_predictions("train")
    ds = bench.splits["train"]
    resid = ds.sentiment - sent
    assert abs(resid.mean()) < 4 * resid.std() / np.sqrt(len(resid))
    for lo, hi in [(-3, -1), (-1, 1), (1, 3)]:
        sel = (sent >= lo) & (sent < hi)
        assert abs(resid[sel].mean()) < 4 * resid[sel].std() / np.sqrt(sel.sum()) + 1e-3
    present = (ds.emotions > 0).astype(np.float64)
    for k in range(len(EMOTIONS)):
        for lo, hi in [(0.0, 0.3), (0.3, 0.7), (0.7, 1.0)]:
            sel = (probs[:, k] >= lo) & (probs[:, k] <= hi)
            if sel.sum() < 100:
                continue
            p = probs[sel, k].mean()
            tolerance = 4 * np.sqrt(p * (1 - p) / sel.sum()) + 1e-3
            assert abs(present[sel, k].mean() - p) < tolerance, (EMOTIONS[k], lo, hi)


# ---- probes: the benchmark is not trivial -------------------------------------------------------------


def _pool(ds: MultimodalDataset, modalities: list[str]) -> np.ndarray:
    return np.concatenate(
        [np.stack([np.concatenate([x.mean(0), x.std(0)]) for x in ds.features[m]]) for m in modalities],
        axis=1,
    )


def _pearson(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.corrcoef(p, y)[0, 1])


def _mean_auc(probs: np.ndarray, presence: np.ndarray) -> float:
    return float(np.mean([roc_auc_score(presence[:, k], probs[:, k]) for k in range(presence.shape[1])]))


def _scores(sent: np.ndarray, probs: np.ndarray, ds: MultimodalDataset) -> dict[str, float]:
    y = ds.sentiment
    nonzero = y != 0
    return {
        "MAE": float(np.abs(sent - y).mean()),
        "Corr": _pearson(sent, y),
        "Non0": float(np.mean((sent[nonzero] > 0) == (y[nonzero] > 0))),
        "AUC": _mean_auc(probs, ds.emotions > 0),
    }


def _linear_probe(bench: SyntheticBenchmark, modalities: list[str]) -> dict[str, float]:
    """Ridge for sentiment and one logistic regression per emotion, on standardised pooled features."""
    train, test = bench.splits["train"], bench.splits["test"]
    scaler = StandardScaler().fit(_pool(train, modalities))
    x_train, x_test = scaler.transform(_pool(train, modalities)), scaler.transform(_pool(test, modalities))
    sent = Ridge(alpha=100.0).fit(x_train, train.sentiment).predict(x_test)
    probs = np.stack(
        [
            LogisticRegression(C=0.1, max_iter=300)
            .fit(x_train, train.emotions[:, k] > 0)
            .predict_proba(x_test)[:, 1]
            for k in range(len(EMOTIONS))
        ],
        axis=1,
    )
    return _scores(sent, probs, test)


@pytest.fixture(scope="module", params=[0, 1], ids=lambda s: f"seed{s}")
def probe_results(request: pytest.FixtureRequest) -> dict[str, dict[str, float]]:
    bench = generate_synthetic(SyntheticConfig(seed=request.param, **PROBE))
    test = bench.splits["test"]
    train = bench.splits["train"]
    constant_sent = np.full(len(test), np.median(train.sentiment))
    constant_probs = np.tile((train.emotions > 0).mean(axis=0), (len(test), 1))
    results = {
        # a constant has no correlation or ranking; score it by definition rather than divide by zero
        "constant": {
            "MAE": float(np.abs(constant_sent - test.sentiment).mean()),
            "Corr": 0.0,
            "Non0": float(np.mean(test.sentiment[test.sentiment != 0] > 0)),
            "AUC": _mean_auc(constant_probs, test.emotions > 0),  # ties everywhere: 0.5
        },
        "text": _linear_probe(bench, ["text"]),
        "audio": _linear_probe(bench, ["audio"]),
        "fused": _linear_probe(bench, ["text", "audio"]),
        "oracle": _scores(*bench.oracle_predictions("test"), test),
    }
    return results


def test_single_modalities_beat_a_constant(probe_results: dict[str, dict[str, float]]) -> None:
    const = probe_results["constant"]
    for modality in ("text", "audio"):
        r = probe_results[modality]
        assert r["MAE"] < const["MAE"] - 0.1, modality
        assert r["Corr"] > 0.3 and r["AUC"] > 0.7, modality
        assert r["Non0"] > max(const["Non0"], 1 - const["Non0"]) + 0.05, modality


def test_text_carries_sentiment_and_audio_carries_arousal(probe_results: dict[str, dict[str, float]]) -> None:
    assert probe_results["text"]["Corr"] > probe_results["audio"]["Corr"] + 0.1


def test_fusion_clearly_beats_each_modality(probe_results: dict[str, dict[str, float]]) -> None:
    fused = probe_results["fused"]
    for modality in ("text", "audio"):
        r = probe_results[modality]
        assert fused["MAE"] < r["MAE"] - 0.015, modality
        assert fused["Corr"] > r["Corr"] + 0.015, modality
        assert fused["AUC"] > r["AUC"] + 0.03, modality


def test_oracle_is_far_above_the_fused_probe(probe_results: dict[str, dict[str, float]]) -> None:
    fused, oracle = probe_results["fused"], probe_results["oracle"]
    assert oracle["MAE"] < fused["MAE"] - 0.2
    assert oracle["Corr"] > fused["Corr"] + 0.1
    assert oracle["Non0"] > fused["Non0"] + 0.05
    assert oracle["AUC"] > fused["AUC"] + 0.05
    assert oracle["AUC"] < 0.995 and oracle["Corr"] < 0.99  # annotators leave a real noise floor


# ---- probe: the two tasks conflict --------------------------------------------------------------------


class _TwoTaskMLP(torch.nn.Module):
    """One ReLU layer of ``hidden`` units shared by both heads, or two task-specific layers of half as many
    (the same hidden units and parameters in total)."""

    def __init__(self, dim: int, hidden: int, shared: bool) -> None:
        super().__init__()
        self.shared = shared
        width = hidden if shared else hidden // 2
        self.sa_body = torch.nn.Sequential(torch.nn.Linear(dim, width), torch.nn.ReLU())
        self.er_body = None if shared else torch.nn.Sequential(torch.nn.Linear(dim, width), torch.nn.ReLU())
        self.sa_head = torch.nn.Linear(width, 1)
        self.er_head = torch.nn.Linear(width, len(EMOTIONS))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h_sa = self.sa_body(x)
        h_er = h_sa if self.er_body is None else self.er_body(x)
        return self.sa_head(h_sa)[:, 0], self.er_head(h_er)


def _mlp_probe(bench: SyntheticBenchmark, shared: bool, init_seed: int) -> dict[str, float]:
    """Joint L1 + BCE training, full batch, early stopping on the validation loss; scores on test."""
    torch.manual_seed(init_seed)
    modalities = ["text", "audio"]
    scaler = StandardScaler().fit(_pool(bench.splits["train"], modalities))
    data = {}
    for split in SPLITS:
        ds = bench.splits[split]
        x = torch.tensor(scaler.transform(_pool(ds, modalities)), dtype=torch.float32)
        data[split] = (
            x,
            torch.from_numpy(ds.sentiment),
            torch.from_numpy((ds.emotions > 0).astype(np.float32)),
        )
    model = _TwoTaskMLP(data["train"][0].shape[1], hidden=32, shared=shared)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)

    def loss(split: str) -> torch.Tensor:
        x, y_sa, y_er = data[split]
        p_sa, p_er = model(x)
        return (p_sa - y_sa).abs().mean() + torch.nn.functional.binary_cross_entropy_with_logits(p_er, y_er)

    best, best_step, best_state = float("inf"), 0, None
    for step in range(600):
        opt.zero_grad()
        loss("train").backward()
        opt.step()
        if step % 10 == 0:
            with torch.no_grad():
                valid = loss("valid").item()
            if valid < best:
                best, best_step, best_state = (
                    valid,
                    step,
                    {k: v.clone() for k, v in model.state_dict().items()},
                )
            elif step - best_step >= 100:
                break
    model.load_state_dict(best_state)
    with torch.no_grad():
        p_sa, p_er = model(data["test"][0])
    return _scores(p_sa.numpy(), torch.sigmoid(p_er).numpy(), bench.splits["test"])


def _shared_minus_separate(bench: SyntheticBenchmark) -> dict[str, float]:
    """Mean test score of the shared MLP minus that of the separate ones, over three initialisations."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: one thread is faster and leaves the other core alone
    try:
        runs = {shared: [_mlp_probe(bench, shared, s) for s in range(3)] for shared in (True, False)}
    finally:
        torch.set_num_threads(threads)
    mean = {shared: {k: np.mean([r[k] for r in rs]) for k in rs[0]} for shared, rs in runs.items()}
    return {k: float(mean[True][k] - mean[False][k]) for k in mean[True]}


def test_a_shared_layer_serves_the_tasks_worse_and_the_emotion_cues_are_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Same hidden units in total: one layer shared by SA and ER loses ER ranking to two task-specific
    # layers. With the ER-specific information switched off (no emotion cues in labels, words or voice)
    # the gap closes: the conflict comes from what one task needs and the other must ignore.
    import mmolre.data.synthetic as synthetic

    gap = _shared_minus_separate(generate_synthetic(SyntheticConfig(seed=0)))
    assert gap["AUC"] < -0.01
    assert gap["MAE"] > -0.01  # and sharing buys nothing on SA
    for name in ("EMOTION_CUE_WEIGHT", "TEXT_EMOTION_WORD", "AUDIO_PROSODY"):
        monkeypatch.setattr(synthetic, name, 0.0)
    control = _shared_minus_separate(generate_synthetic(SyntheticConfig(seed=0)))
    assert control["AUC"] > gap["AUC"] + 0.01
