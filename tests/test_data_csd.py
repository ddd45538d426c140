"""CMU-SDK computational sequences: the real MOSI labels, MOSEI labels rebuilt as .csd, alignment."""

from __future__ import annotations

import logging
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from mmolre.constants import EMOTIONS
from mmolre.data.csd import (
    load_csd,
    read_csd,
    read_label_segments,
    splits_to_csd,
    standard_folds,
    write_csd,
)
from mmolre.data.dataset import DataError, MultimodalDataset
from mmolre.data.label_table import read_label_table

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not present")
FOLDS = {"train": ["v1", "v2"], "valid": ["v3"], "test": ["v4"]}


def toy_labels(path: Path, emotions: bool = False) -> dict:
    """Two or three labelled segments per video, at hand-picked times."""
    data = {}
    for k, video in enumerate(["v1", "v2", "v3", "v4"]):
        ivals = np.array([[0.0, 1.0], [1.0, 2.5], [3.0, 4.0]])[: 2 + k % 2]
        n = len(ivals)
        sent = np.linspace(-2, 2, n).reshape(n, 1) + 0.1 * k
        feats = np.concatenate([sent, np.full((n, 6), 1.0 / 3)], axis=1) if emotions else sent
        data[video] = (feats.astype(np.float32), ivals)
    write_csd(path, data, root="Labels", metadata={"dataset name": "toy"})
    return data


def toy_frames(path: Path, dim: int = 2, skip: dict | None = None) -> dict:
    """Frames every 0.25 s from 0 to 4 s; feature = [frame start, video number]."""
    data = {}
    for k, video in enumerate(["v1", "v2", "v3", "v4"]):
        starts = np.arange(0, 4, 0.25)
        if skip and video in skip:
            lo, hi = skip[video]
            starts = starts[(starts < lo) | (starts >= hi)]
        ivals = np.stack([starts, starts + 0.25], axis=1)
        feats = np.stack([starts, np.full_like(starts, k)] + [starts * 0] * (dim - 2), axis=1)
        data[video] = (feats.astype(np.float32), ivals)
    write_csd(path, data, root="COVAREP")
    return data


def test_alignment_takes_frames_inside_each_segment(tmp_path):
    toy_labels(tmp_path / "labels.csd")
    toy_frames(tmp_path / "audio.csd")
    splits = load_csd(tmp_path / "labels.csd", {"audio": tmp_path / "audio.csd"}, source="toy", folds=FOLDS)
    assert [len(splits[s]) for s in ("train", "valid", "test")] == [2 + 3, 2, 3]
    ds = splits["train"]
    assert ds.ids == ["v1$_$0", "v1$_$1", "v2$_$0", "v2$_$1", "v2$_$2"]
    # segment [1.0, 2.5] holds the frames starting 1.0, 1.25, ..., 2.25; touching frames do not count
    np.testing.assert_allclose(ds.features["audio"][1][:, 0], np.arange(1.0, 2.5, 0.25))
    np.testing.assert_allclose(ds.features["audio"][4][:, 0], [3.0, 3.25, 3.5, 3.75])
    assert (ds.features["audio"][4][:, 1] == 1).all()  # frames of v2, not another video
    np.testing.assert_allclose(splits["test"].sentiment, np.linspace(-2, 2, 3) + 0.3, rtol=1e-6)
    assert np.isnan(ds.emotions).all()


def test_non_finite_frames_are_zeroed_and_counted(tmp_path, caplog):
    toy_labels(tmp_path / "labels.csd")
    frames = toy_frames(tmp_path / "audio.csd")
    feats, ivals = frames["v1"]
    feats[0, 0], feats[5, 1] = -np.inf, np.nan  # frame 0 is in segment 0, frame 5 in segment 1
    write_csd(tmp_path / "audio.csd", {**frames, "v1": (feats, ivals)}, root="COVAREP")
    with caplog.at_level(logging.WARNING):
        splits = load_csd(tmp_path / "labels.csd", {"audio": tmp_path / "audio.csd"}, "toy", FOLDS)
    assert "2 non-finite values" in caplog.text
    first = splits["train"].features["audio"]
    assert first[0][0, 0] == 0 and first[1][1, 1] == 0 and all(np.isfinite(a).all() for a in first)


def test_segments_without_frames_are_reported(tmp_path, caplog):
    toy_labels(tmp_path / "labels.csd")
    toy_frames(tmp_path / "audio.csd", skip={"v2": (0.9, 2.6)})  # v2's second segment loses all frames
    args = (tmp_path / "labels.csd", {"audio": tmp_path / "audio.csd"}, "toy", FOLDS)
    with caplog.at_level(logging.WARNING):
        dropped = load_csd(*args, empty="drop")
    assert "1 of 10 segments have no audio frames (v2$_$1)" in caplog.text
    assert "v2$_$1" not in dropped["train"].ids and len(dropped["train"]) == 4
    kept = load_csd(*args, empty="keep")
    assert kept["train"].features["audio"][kept["train"].ids.index("v2$_$1")].shape == (0, 2)
    with pytest.raises(DataError, match=r"audio.csd: 1 of 10 segments have no audio frames \(v2\$_\$1\)"):
        load_csd(*args, empty="error")


def test_emotion_labels_and_own_splits_round_trip(tmp_path):
    rng = np.random.default_rng(0)

    def part(split: str, n: int, with_emotions: bool) -> MultimodalDataset:
        return MultimodalDataset(
            ids=[f"{split}vid{i // 3}$_${10 + i % 3}" for i in range(n)],
            features={"audio": [rng.normal(size=(1 + i % 4, 3)).astype(np.float32) for i in range(n)]},
            sentiment=rng.uniform(-3, 3, n),
            emotions=rng.uniform(0, 3, (n, 6)) if with_emotions else np.full((n, 6), np.nan),
            sources=["mosei"] * n,
        )

    splits = {
        "train": part("train", 7, True),
        "valid": part("valid", 3, False),
        "test": part("test", 4, True),
    }
    paths = splits_to_csd(tmp_path / "csd", splits, name="mosei")
    assert read_csd(paths["labels"]).dim == 7
    back = load_csd(paths["labels"], {"audio": paths["audio"]}, source="mosei")
    for s, ds in splits.items():
        assert back[s].ids == ds.ids
        for a, b in zip(back[s].features["audio"], ds.features["audio"]):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(back[s].sentiment, ds.sentiment, rtol=1e-6)
        np.testing.assert_allclose(back[s].emotions, ds.emotions, rtol=1e-6)


def test_truncated_hdf5_is_one_clear_error(tmp_path):
    toy_labels(tmp_path / "labels.csd")
    data = (tmp_path / "labels.csd").read_bytes()
    cut = tmp_path / "cut.csd"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError) as info:
        load_csd(cut, folds=FOLDS)
    assert str(cut) in str(info.value) and "truncated" in str(info.value)


def test_malformed_sequences(tmp_path):
    path = tmp_path / "bad.csd"
    with h5py.File(path, "w") as f:
        f.create_dataset("root/data/v1/features", data=np.zeros((3, 1)))
        f.create_dataset("root/data/v1/intervals", data=np.zeros((2, 2)))
    with pytest.raises(DataError, match="'v1' has 3 feature rows but 2 intervals"):
        read_csd(path)
    toy_labels(tmp_path / "l.csd")
    with pytest.raises(DataError, match="no standard folds for dataset 'toy'"):
        load_csd(tmp_path / "l.csd")
    with pytest.raises(DataError, match="split 'valid' has zero segments"):
        load_csd(tmp_path / "l.csd", folds={"train": ["v1", "v2", "v3"], "valid": [], "test": ["v4"]})


def test_standard_folds_are_package_data():
    mosi, mosei = standard_folds("mosi"), standard_folds("mosei")
    # SOURCES.md: MOSI 52/10/31 videos, MOSEI 2249/300/678
    assert [len(mosi[s]) for s in ("train", "valid", "test")] == [52, 10, 31]
    assert [len(mosei[s]) for s in ("train", "valid", "test")] == [2249, 300, 678]


@needs_shared
def test_real_mosi_opinion_labels():
    path = SHARED / "mosi" / "CMU_MOSI_Opinion_Labels.csd"
    seq = read_csd(path)
    assert seq.root == "Opinion Segment Labels" and seq.dataset_name() == "mosi"
    assert len(seq.data) == 93 and seq.n_rows == 2199
    splits = load_csd(path)
    assert [len(splits[s]) for s in ("train", "valid", "test")] == [1284, 229, 686]
    # the ids (1-based, as MMSA), labels and splits agree with the MMSA-layout label.csv, clip by clip
    table = read_label_table(SHARED / "mosi" / "label.csv").set_index("id")
    for split, ds in splits.items():
        rows = table.loc[ds.ids]
        assert (rows["mode"] == split).all()
        np.testing.assert_allclose(ds.sentiment, rows["label"], atol=1e-6)
        assert ds.sources[0] == "mosi" and np.isnan(ds.emotions).all()


@needs_shared
def test_real_mosei_labels_written_as_csd(tmp_path):
    """CMU_MOSEI_Labels.csd rebuilt from its CSV copy: the standard folds give SOURCES.md's counts."""
    raw = pd.read_csv(SHARED / "mosei" / "mosei_labels_emotions.csv", dtype={"id": str})
    data = {}
    for video, g in raw.sort_values(["id", "segment_id"]).groupby("id"):
        cols = ["sentiment", *EMOTIONS]
        data[video] = (g[cols].to_numpy(np.float32), g[["start", "end"]].to_numpy(np.float64))
    path = tmp_path / "CMU_MOSEI_Labels.csd"
    write_csd(path, data, root="All Labels", metadata={"dataset name": "CMU-MOSEI"})
    segs = read_label_segments(path)
    assert len(segs) == 23259
    splits = load_csd(path)
    assert [len(splits[s]) for s in ("train", "valid", "test")] == [16327, 1871, 4662]
    emo = np.concatenate([ds.emotions for ds in splits.values()])
    assert not np.isnan(emo).any() and emo.min() >= 0 and emo.max() <= 3
    # ids carry the SDK segment index; check one clip against the independent SDK-derived table
    ref = pd.read_csv(SHARED / "mosei" / "mosei_labels.csv", dtype={"video_id": str})
    row = ref[(ref.video_id == "-3g5yACwYnA") & (ref.clip_id == 2)].iloc[0]
    ds = splits[row["mode"]]
    i = ds.ids.index("-3g5yACwYnA$_$2")
    np.testing.assert_allclose(ds.emotions[i], row[list(EMOTIONS)].to_numpy(float), atol=1e-6)


@needs_shared
def test_sdk_download_folder_with_real_mosi_labels(tmp_path, caplog):
    """A folder laid out as `mmolre data download mosi` leaves it: standard names, found by themselves."""
    import shutil

    from mmolre.config import DataConfig
    from mmolre.data.loaders import load_splits

    folder = tmp_path / "mosi"
    folder.mkdir()
    shutil.copy(SHARED / "mosi" / "CMU_MOSI_Opinion_Labels.csd", folder)
    labels = read_csd(folder / "CMU_MOSI_Opinion_Labels.csd")
    frames = {}
    for video, (_, ivals) in labels.data.items():
        if video == "03bSnISJMiM":
            continue  # one video without acoustic frames: its 13 segments are reported and left out
        starts = np.arange(0.0, float(ivals[:, 1].max()) + 1, 0.5)
        frames[video] = (
            np.stack([starts, starts + 0.5], 1).astype(np.float32),
            np.stack([starts, starts + 0.5], 1),
        )
    write_csd(folder / "CMU_MOSI_COVAREP.csd", frames, root="COVAREP", metadata={"dataset name": "CMU-MOSI"})
    with caplog.at_level(logging.WARNING):
        splits = load_splits(DataConfig(kind="csd", paths=[str(folder)]))
    # 13 segments of the video without frames, and 2WGyTLYerpo 44, whose CSD interval has zero length
    assert "14 of 2199 segments have no audio frames" in caplog.text
    assert "2WGyTLYerpo$_$44" not in [i for ds in splits.values() for i in ds.ids]
    assert sum(len(ds) for ds in splits.values()) == 2199 - 14
    assert splits["train"].modalities == ["audio"] and splits["train"].sources[0] == "mosi"
    ds = splits["test"]
    seg = read_label_segments(folder / "CMU_MOSI_Opinion_Labels.csd").set_index("id").loc[ds.ids[0]]
    frames_of_first = ds.features["audio"][0]
    # every frame overlaps the segment: its start before the segment's end, its end after the start
    assert (frames_of_first[:, 0] < seg["end"]).all() and (frames_of_first[:, 1] > seg["start"]).all()
    assert len(frames_of_first) >= int((seg["end"] - seg["start"]) / 0.5)
