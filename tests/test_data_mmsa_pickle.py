"""MMSA pickles: restricted unpickling, padding and lengths, -inf handling, writer round trip."""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from mmolre.constants import EMOTIONS
from mmolre.data.dataset import DataError
from mmolre.data.mmsa_pickle import load_mmsa_pickle, safe_load, write_mmsa_pickle


def mmsa_split(n: int, rng: np.random.Generator, prefix: str, pad: int = 6, aligned: bool = False) -> dict:
    """An MMSA-layout split built by hand: zero-padded arrays, *_lengths only when unaligned."""
    lengths = {"audio": rng.integers(1, pad + 1, n), "vision": rng.integers(1, pad + 1, n)}
    part = {
        "id": np.array([f"{prefix}{i // 2}$_${i % 2 + 1}" for i in range(n)], dtype=object),
        "raw_text": np.array([f" words of clip {i} " for i in range(n)], dtype=object),
        "text": np.zeros((n, 5, 4), np.float32),
        "text_bert": np.zeros((n, 3, 5), np.float32),
        "audio": np.zeros((n, pad, 3), np.float32),
        "vision": np.zeros((n, pad, 2), np.float32),
        "regression_labels": rng.uniform(-3, 3, n).astype(np.float32),
        "classification_labels": np.zeros(n, np.float32),
    }
    for i in range(n):
        k = 2 + i % 3  # words
        part["text"][i, :k] = rng.normal(size=(k, 4)) + 5  # +5: never an all-zero row
        part["text_bert"][i, 0, :k] = rng.integers(100, 200, k)
        part["text_bert"][i, 1, :k] = 1
        for m in ("audio", "vision"):
            t = k if aligned else lengths[m][i]
            part[m][i, :t] = rng.normal(size=(t, part[m].shape[2])) + 5
    if not aligned:
        part["audio_lengths"] = lengths["audio"]
        part["vision_lengths"] = lengths["vision"]
    return part


def mmsa_pickle(path: Path, aligned: bool = False, seed: int = 0, protocol: int = 4) -> dict:
    rng = np.random.default_rng(seed)
    data = {
        s: mmsa_split(n, rng, f"{s}_vid", aligned=aligned)
        for s, n in (("train", 8), ("valid", 4), ("test", 4))
    }
    with open(path, "wb") as f:
        pickle.dump(data, f, protocol=protocol)
    return data


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_unaligned_pickle_cut_by_lengths(tmp_path, protocol):
    path = tmp_path / "mosi" / "unaligned_50.pkl"
    path.parent.mkdir()
    data = mmsa_pickle(path, protocol=protocol)
    splits = load_mmsa_pickle(path)
    assert [len(splits[s]) for s in ("train", "valid", "test")] == [8, 4, 4]
    ds = splits["train"]
    assert ds.sources == ["mosi"] * 8  # from the folder name
    assert ds.ids[:3] == ["train_vid0$_$1", "train_vid0$_$2", "train_vid1$_$1"]
    for i in range(8):
        t = int(data["train"]["audio_lengths"][i])
        np.testing.assert_array_equal(ds.features["audio"][i], data["train"]["audio"][i, :t])
        assert len(ds.features["vision"][i]) == data["train"]["vision_lengths"][i]
        # text has no lengths in MMSA files: the text_bert mask gives them
        assert len(ds.features["text"][i]) == 2 + i % 3
    np.testing.assert_allclose(ds.sentiment, data["train"]["regression_labels"])
    assert np.isnan(ds.emotions).all()
    assert ds.texts[0] == "words of clip 0"


def test_aligned_pickle_trims_zero_padding_and_text_bert_option(tmp_path):
    path = tmp_path / "aligned_50.pkl"
    data = mmsa_pickle(path, aligned=True)
    for part in data.values():
        part["text"][part["text"] == 0] = 0.5  # BERT-like features: padding rows are not zero
    path.write_bytes(pickle.dumps(data))
    plain = load_mmsa_pickle(path)["test"]
    # without text_lengths the text_bert attention mask gives the text length
    assert [len(t) for t in plain.features["text"]] == [2 + i % 3 for i in range(4)]
    splits = load_mmsa_pickle(path, source="toy", text_field="text_bert")
    ds = splits["valid"]
    assert ds.sources == ["toy"] * 4
    for i in range(4):
        k = 2 + i % 3
        assert len(ds.features["audio"][i]) == k
        # text_bert [3, L] becomes [L, 3] (ids, mask, segment) cut at the mask's length
        assert ds.features["text"][i].shape == (k, 3)
        np.testing.assert_array_equal(ds.features["text"][i][:, 0], data["valid"]["text_bert"][i, 0, :k])


def test_non_finite_values_are_zeroed_and_counted(tmp_path, caplog):
    path = tmp_path / "mosi.pkl"
    rng = np.random.default_rng(1)
    data = {s: mmsa_split(4, rng, s) for s in ("train", "valid", "test")}
    data["train"]["audio"][0, 0, :] = -np.inf  # as in MOSI's COVAREP features
    data["train"]["audio"][1, 0, 0] = np.nan
    data["train"]["audio_lengths"][:2] = np.maximum(data["train"]["audio_lengths"][:2], 1)
    with open(path, "wb") as f:
        pickle.dump(data, f)
    with caplog.at_level(logging.WARNING):
        splits = load_mmsa_pickle(path)
    assert "4 non-finite values" in caplog.text and "train/audio" in caplog.text
    assert all(np.isfinite(a).all() for a in splits["train"].features["audio"])
    assert (splits["train"].features["audio"][0][0] == 0).all()


class _Touch:
    """A pickle payload whose reduce would create a file when loaded with plain pickle."""

    def __init__(self, target: Path):
        self.target = str(target)

    def __reduce__(self):
        return (open, (self.target, "w"))


class _System:
    def __init__(self, target: Path):
        self.target = str(target)

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


@pytest.mark.parametrize("payload, forbidden", [(_Touch, "io.open"), (_System, "system")])
def test_malicious_pickle_is_refused_and_runs_nothing(tmp_path, payload, forbidden):
    target = tmp_path / "pwned.txt"
    path = tmp_path / "evil.pkl"
    data = {"train": {"id": np.array(["a$_$1"], dtype=object), "x": payload(target)}}
    path.write_bytes(pickle.dumps(data, protocol=4))
    with pytest.raises(DataError) as info:
        load_mmsa_pickle(path)
    assert str(path) in str(info.value) and forbidden in str(info.value)
    assert "nothing in it was run" in str(info.value)
    assert not target.exists()
    # the command line gives the same refusal as a one-line error
    from mmolre.cli.main import main

    assert main(["data", "inspect", str(path)]) == 2
    assert not target.exists()
    if payload is _Touch:
        # control: plain pickle does create the file, so this test can fail
        pickle.loads(path.read_bytes())
        assert target.exists()


def test_safe_load_keeps_numpy_and_builtins(tmp_path):
    obj = {
        "a": np.arange(6, dtype=np.float64).reshape(2, 3),
        "b": [1, 2.5, None, True, "s", b"bytes", (1, 2)],
        "c": np.float32(3.5),
        "d": np.array(["x", "yy"], dtype=object),
        "e": np.dtype("int16"),
    }
    for protocol in (0, 2, 3, 4, 5):
        path = tmp_path / f"ok{protocol}.pkl"
        path.write_bytes(pickle.dumps(obj, protocol=protocol))
        back = safe_load(path)
        np.testing.assert_array_equal(back["a"], obj["a"])
        assert back["b"] == obj["b"] and back["c"] == obj["c"] and list(back["d"]) == ["x", "yy"]
        assert back["e"] == np.dtype("int16")


@pytest.mark.parametrize(
    "edit, expected",
    [
        (
            lambda d: d["train"].update(audio=d["train"]["audio"][:-1]),
            "'audio' has 7 rows but there are 8 ids",
        ),
        (
            lambda d: d["valid"].update(audio_lengths=d["valid"]["audio_lengths"] + 10),
            "audio_lengths has values",
        ),
        (lambda d: d["test"]["regression_labels"].__setitem__(0, np.nan), "1 regression_labels are NaN"),
        (lambda d: d["test"]["regression_labels"].__setitem__(0, 3.5), "lie outside [-3, 3]"),
        (lambda d: d.pop("valid"), "split 'valid' is missing"),
        (
            lambda d: d.__setitem__("test", {k: v[:0] for k, v in d["test"].items()}),
            "split 'test' has zero rows",
        ),
        (lambda d: d["train"].pop("regression_labels"), "has no 'regression_labels'"),
    ],
)
def test_broken_pickles_name_file_and_problem(tmp_path, edit, expected):
    path = tmp_path / "broken.pkl"
    data = mmsa_pickle(path)
    edit(data)
    path.write_bytes(pickle.dumps(data))
    with pytest.raises(DataError) as info:
        load_mmsa_pickle(path)
    assert str(path) in str(info.value) and expected in str(info.value)


def test_truncated_pickle(tmp_path):
    path = tmp_path / "cut.pkl"
    mmsa_pickle(path)
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(DataError, match="truncated|not a readable pickle"):
        load_mmsa_pickle(path)


def test_writer_round_trip_with_emotions(tmp_path):
    src = tmp_path / "src.pkl"
    mmsa_pickle(src)
    splits = load_mmsa_pickle(src, source="mosei")
    splits["train"].emotions[:] = np.linspace(0, 3, 48, dtype=np.float32).reshape(8, 6)
    out = tmp_path / "out.pkl"
    write_mmsa_pickle(out, splits)
    back = load_mmsa_pickle(out, source="mosei")
    for s in splits:
        assert back[s].ids == splits[s].ids
        for m in splits[s].modalities:
            for a, b in zip(back[s].features[m], splits[s].features[m]):
                np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(back[s].sentiment, splits[s].sentiment)
    np.testing.assert_allclose(back["train"].emotions, splits["train"].emotions)
    assert np.isnan(back["valid"].emotions).all()


def test_emotions_joined_from_label_table_by_id(tmp_path):
    path = tmp_path / "p.pkl"
    mmsa_pickle(path)
    splits = load_mmsa_pickle(path)
    # a table listing the clips in reverse order, with one clip's emotions absent
    rows = []
    for s, ds in splits.items():
        for k, cid in enumerate(ds.ids):
            video, clip = cid.split("$_$")
            rows.append((video, clip, s, [(k + j) % 4 * 0.5 for j in range(6)]))
    table = tmp_path / "label.csv"
    lines = ["video_id,clip_id,text,label,annotation,mode," + ",".join(EMOTIONS)]
    for video, clip, s, emo in reversed(rows[1:]):
        lines.append(f"{video},{clip},t,0,Neutral,{s}," + ",".join(map(str, emo)))
    table.write_text("\n".join(lines) + "\n")
    joined = load_mmsa_pickle(path, emotions=table)
    assert np.isnan(joined["train"].emotions[0]).all()  # rows[0] left out of the table
    np.testing.assert_allclose(joined["train"].emotions[1], [(1 + j) % 4 * 0.5 for j in range(6)])
    np.testing.assert_allclose(joined["test"].emotions[3], [(3 + j) % 4 * 0.5 for j in range(6)])
