"""MOSI + MOSEI in one run: readers concatenate per split, sources are kept, ER is MOSEI's alone."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmolre.cli.main import main
from mmolre.config import DataConfig
from mmolre.data.dataset import DataError, MultimodalDataset, collate
from mmolre.data.label_table import frame_from_dataset, write_label_table
from mmolre.data.loaders import load_splits
from mmolre.data.store import save_store
from mmolre.evaluation.metrics import msa_metrics

SIZES = {"train": 24, "valid": 12, "test": 12}


def toy_split(prefix: str, split: str, n: int, seed: int, with_emotions: bool) -> MultimodalDataset:
    """Clips whose sentiment is readable from the features, so one epoch can learn something."""
    rng = np.random.default_rng(seed)
    sentiment = rng.uniform(-3, 3, n).astype(np.float32)
    text = [
        np.tile(sentiment[i], (2 + i % 3, 4)).astype(np.float32)
        + rng.normal(0, 0.1, (2 + i % 3, 4)).astype(np.float32)
        for i in range(n)
    ]
    audio = [rng.normal(size=(3 + i % 4, 3)).astype(np.float32) for i in range(n)]
    emotions = (
        (rng.integers(0, 4, (n, 6)) / 3 * (rng.random((n, 6)) < 0.5)).astype(np.float32)
        if with_emotions
        else np.full((n, 6), np.nan, np.float32)
    )
    emotions[:2] = (
        [[1, 0, 0, 0, 0, 0], [0, 1, 1, 1, 1, 1]] if with_emotions else np.nan
    )  # every emotion occurs
    return MultimodalDataset(
        ids=[f"{prefix}{split}{i // 3}$_${i % 3 + 1}" for i in range(n)],
        features={"text": text, "audio": audio},
        sentiment=sentiment,
        emotions=emotions,
        sources=[prefix] * n,
        texts=[f"{prefix} clip {i}" for i in range(n)],
    )


def toy_dataset(name: str, seed: int) -> dict[str, MultimodalDataset]:
    with_emotions = name == "mosei"
    return {s: toy_split(name, s, n, seed + k, with_emotions) for k, (s, n) in enumerate(SIZES.items())}


def test_table_and_stores_for_mosi_and_mosei(tmp_path):
    """Two label tables, feature stores named per dataset through {name}; joined by id."""
    for k, name in enumerate(("mosi", "mosei")):
        splits = toy_dataset(name, 10 * k)
        frame = pd.concat([frame_from_dataset(ds, s) for s, ds in splits.items()])
        write_label_table(tmp_path / name / "label.csv", frame.iloc[::-1])  # row order must not matter
        save_store(tmp_path / "stores" / name, splits)
    cfg = DataConfig(
        kind="table",
        paths=[str(tmp_path / "mosi" / "label.csv"), str(tmp_path / "mosei" / "label.csv")],
        names=["mosi", "mosei"],
        feature_dirs={
            "text": str(tmp_path / "stores" / "{name}"),
            "audio": str(tmp_path / "stores" / "{name}"),
        },
    )
    splits = load_splits(cfg)
    train = splits["train"]
    assert len(train) == 2 * SIZES["train"]
    assert train.sources.count("mosi") == SIZES["train"] and train.sources.count("mosei") == SIZES["train"]
    mosi = np.array([s == "mosi" for s in train.sources])
    assert not train.has_emotions[mosi].any() and train.has_emotions[~mosi].all()
    # features came with their own clip, although the table was written in reverse order
    original = toy_dataset("mosei", 10)["train"]
    i = train.ids.index(original.ids[5])
    np.testing.assert_array_equal(train.features["audio"][i], original.features["audio"][5])
    batch = collate([train[j] for j in range(len(train))])
    assert batch.emotion_mask.tolist() == (~mosi).tolist() and batch.sentiment_mask.all()


def test_mixing_datasets_with_different_dims_is_a_clear_error(tmp_path):
    a, b = toy_dataset("mosi", 0), toy_dataset("mosei", 1)
    for ds in b.values():
        ds.features["audio"] = [np.zeros((2, 5), np.float32)] * len(ds)
    save_store(tmp_path / "a", a)
    save_store(tmp_path / "b", b)
    with pytest.raises(DataError, match="'audio' has dim 5 in one dataset and 3 in another"):
        load_splits(DataConfig(kind="store", paths=[str(tmp_path / "a"), str(tmp_path / "b")]))


def _write_mmsa(path: Path, splits: dict[str, MultimodalDataset]) -> None:
    """An MMSA pickle built by hand (padded arrays + lengths), without emotions."""
    data = {}
    for s, ds in splits.items():
        part = {"id": np.array(ds.ids, dtype=object), "raw_text": np.array(ds.texts, dtype=object)}
        for m in ds.modalities:
            t_max = max(len(x) for x in ds.features[m])
            arr = np.zeros((len(ds), t_max, ds.feature_dim(m)), np.float32)
            for i, x in enumerate(ds.features[m]):
                arr[i, : len(x)] = x
            part[m] = arr
            part[f"{m}_lengths"] = np.array([len(x) for x in ds.features[m]])
        part["regression_labels"] = ds.sentiment
        data[s] = part
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(data, protocol=4))


def test_train_one_epoch_on_mosi_plus_mosei_reports_per_dataset(tmp_path, capsys):
    mosi, mosei = toy_dataset("mosi", 0), toy_dataset("mosei", 100)
    _write_mmsa(tmp_path / "MOSI" / "unaligned_50.pkl", mosi)
    _write_mmsa(tmp_path / "MOSEI" / "unaligned_50.pkl", mosei)
    # MMSA pickles carry no emotions: MOSEI's come from a label table, joined by clip id
    frame = pd.concat([frame_from_dataset(ds, s) for s, ds in mosei.items()])
    write_label_table(tmp_path / "MOSEI" / "label.csv", frame.sample(frac=1.0, random_state=0))
    out = tmp_path / "run"
    mosi_pkl, mosei_pkl = tmp_path / "MOSI" / "unaligned_50.pkl", tmp_path / "MOSEI" / "unaligned_50.pkl"
    args = [
        "train",
        "--out", str(out),
        "--set", "data.kind=mmsa",
        "--set", f"data.paths=[{mosi_pkl}, {mosei_pkl}]",
        "--set", "data.names=[mosi, mosei]",
        "--set", f"data.emotion_labels=['', {tmp_path / 'MOSEI' / 'label.csv'}]",
        "--set", "model.d_model=16",
        "--set", "model.rank_max=8",
        "--set", "model.task_rank=4",
        "--set", "model.fusion_heads=2",
        "--set", "train.max_epochs=1",
        "--set", "train.batch_size=16",
        "--set", "train.seeds=[1]",
        "--set", "train.progress=false",
        "--set", "train.tensorboard=false",
    ]  # fmt: skip
    assert main(args) == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    results = json.loads((out / "results.json").read_text())
    metrics = results["per_seed"]["1"]
    for source in ("mosi", "mosei"):
        for key in ("MAE", "Corr", "Has0_acc_2", "Non0_acc_2", "Mult_acc_7"):
            assert f"{source}/{key}" in metrics, (source, key)
            assert f"{source}/{key}" in printed
    # MSA for both datasets, MER for MOSEI only: MOSI's keys are exactly the MSA metric names
    msa_keys = set(msa_metrics(np.array([0.5, -1.0, 2.0, 0.1]), np.array([1.0, -2.0, 2.0, -0.4])))
    mosi_keys = {k.split("/", 1)[1] for k in metrics if k.startswith("mosi/")}
    mosei_keys = {k.split("/", 1)[1] for k in metrics if k.startswith("mosei/")}
    assert mosi_keys == msa_keys
    assert msa_keys < mosei_keys and {"mean_WA", "mean_F1"} <= mosei_keys
    assert "mosei/mean_WA" in printed and "mosi/mean_WA" not in printed
