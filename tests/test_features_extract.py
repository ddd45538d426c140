"""``mmolre features extract``: label table + synthesised WAVs -> feature store, with the real MiniLM and
openSMILE encoders; missing audio recorded by id; an interrupted run restarted gives the same store."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may be fetched from a hub in tests

import csv
import json

import h5py
import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from mmolre.cli.main import main
from mmolre.config import FeaturesConfig
from mmolre.data.dataset import DataError
from mmolre.data.store import load_store
from mmolre.features.extract import WORK_DIR, extract_features

MISSING = "vidB$_$2"  # no audio file
UNREADABLE = "vidB$_$3"  # a .wav that is not audio
TOO_SHORT = "vidC$_$1"  # 20 ms
EMPTY_TEXT = "vidA$_$4"


def make_table(folder) -> tuple[str, str]:
    """A MOSI-like label table (14 clips) and an audio folder with one WAV per clip, some broken."""
    rng = np.random.default_rng(0)
    rows, audio = [], folder / "audio"
    words = ["good", "bad", "movie", "really", "not", "great", "plot", "acting", "boring", "fun"]
    modes = ["train"] * 8 + ["valid"] * 3 + ["test"] * 3
    for i, mode in enumerate(modes):
        video, clip = f"vid{'ABC'[i // 5]}", str(i % 5)
        text = " ".join(rng.choice(words, size=rng.integers(3, 12)))
        rows.append(
            {
                "video_id": video,
                "clip_id": clip,
                "text": text,
                "label": round(float(rng.uniform(-3, 3)), 3),
                "annotation": "Positive",
                "mode": mode,
            }
        )
        clip_id = f"{video}$_${clip}"
        (audio / video).mkdir(parents=True, exist_ok=True)
        path = audio / video / f"{clip}.wav"
        if clip_id == MISSING:
            continue
        if clip_id == UNREADABLE:
            path.write_bytes(b"RIFF\x00\x00garbage")
            continue
        seconds = 0.02 if clip_id == TOO_SHORT else float(rng.uniform(0.6, 1.6))
        sr = 44100 if i % 2 else 16000
        t = np.arange(int(seconds * sr)) / sr
        wave = 0.3 * np.sin(2 * np.pi * (120 + 15 * i) * t) + 0.1 * np.sin(2 * np.pi * 2 * (120 + 15 * i) * t)
        if sr == 44100:
            wave = np.stack([wave, 0.5 * wave], axis=1)  # stereo
        sf.write(path, wave.astype(np.float32), sr)
    rows[4]["text"] = ""  # vidA$_$4: an empty transcript, as MOSI has four
    table = folder / "mosi" / "label.csv"
    table.parent.mkdir()
    pd.DataFrame(rows).to_csv(table, index=False)
    return str(table), str(audio)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return make_table(tmp_path_factory.mktemp("table"))


@pytest.fixture(scope="module")
def reference_store(data, tmp_path_factory):
    """An uninterrupted run with text and audio."""
    table, audio = data
    out = tmp_path_factory.mktemp("ref") / "store"
    result = extract_features(table, out, FeaturesConfig(), audio_dir=audio, chunk_size=3, progress=False)
    return out, result


def read_all(root) -> dict:
    """Every dataset and attribute of every HDF5 file of a store, plus its manifest."""
    content = {"store.json": json.loads((root / "store.json").read_text())}
    for path in sorted(root.glob("*/*.h5")):
        with h5py.File(path, "r") as f:
            for key in f:
                content[f"{path.relative_to(root)}:{key}"] = f[key][()]
            content[f"{path.relative_to(root)}:attrs"] = {k: f.attrs[k] for k in f.attrs}
    return content


def test_store_holds_every_clip_with_missing_audio_recorded_by_id(reference_store, caplog):
    out, result = reference_store
    assert result.source == "mosi"  # inferred from the path
    assert result.clips == {"train": 8, "valid": 3, "test": 3}
    assert set(result.missing["audio"]["train"]) == {MISSING}
    assert set(result.missing["audio"]["valid"]) == {UNREADABLE}
    assert set(result.missing["audio"]["test"]) == {TOO_SHORT}
    assert "unreadable" in result.missing["audio"]["valid"][UNREADABLE]
    assert "too short" in result.missing["audio"]["test"][TOO_SHORT]
    assert result.missing["text"] == {"train": {}, "valid": {}, "test": {}}  # empty text is encoded
    with open(out / "missing.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["modality"], r["id"]) for r in rows} == {
        ("audio", MISSING),
        ("audio", UNREADABLE),
        ("audio", TOO_SHORT),
    }
    with h5py.File(out / "train" / "audio.h5", "r") as f:
        ids = [s.decode() for s in f["ids"][()]]
        missing = dict(zip(ids, f["missing"][()]))
        assert missing[MISSING] and not missing["vidA$_$0"] and sum(missing.values()) == 1
        assert f["lengths"][ids.index(MISSING)] == 0  # not filled in
    manifest = json.loads((out / "store.json").read_text())["modalities"]
    assert manifest["text"]["dim"] == 384 and manifest["text"]["encoder"] == "all-MiniLM-L6-v2"
    assert manifest["audio"]["dim"] == 25
    assert manifest["audio"]["missing"] == {"train": 1, "valid": 1, "test": 1}
    assert not (out / WORK_DIR).exists()


def test_store_loads_with_transcripts(reference_store, data):
    out, _ = reference_store
    text_only = load_store(out, modalities=["text"])
    assert [len(text_only[s]) for s in ("train", "valid", "test")] == [8, 3, 3]
    train = text_only["train"]
    table = pd.read_csv(data[0], keep_default_na=False)
    assert train.texts == [t.strip() for t in table["text"][:8]]
    assert train.features["text"][train.ids.index(EMPTY_TEXT)].shape == (2, 384)  # [CLS] [SEP]
    assert train.sources == ["mosi"] * 8
    np.testing.assert_allclose(train.sentiment, table["label"][:8], atol=1e-6)
    both = load_store(out)  # clips lacking audio are left out when both modalities are asked for
    assert len(both["train"]) == 7 and MISSING not in both["train"].ids
    frames = both["train"].features["audio"][0]
    assert frames.shape[1] == 25 and np.isfinite(frames).all()


class Interrupt(Exception):
    pass


def test_interrupted_run_restarted_gives_the_same_store(reference_store, data, tmp_path):
    table, audio = data
    out = tmp_path / "store"
    done = []

    def stop_in_audio(modality, split, chunk):
        done.append((modality, split, chunk))
        if modality == "audio" and len(done) > 6:  # text finished (5 chunks), audio half way
            raise Interrupt

    with pytest.raises(Interrupt):
        extract_features(
            table,
            out,
            FeaturesConfig(),
            audio_dir=audio,
            chunk_size=3,
            progress=False,
            on_chunk_done=stop_in_audio,
        )
    assert not (out / "store.json").exists() and (out / WORK_DIR).is_dir()
    result = extract_features(table, out, FeaturesConfig(), audio_dir=audio, chunk_size=3, progress=False)
    assert result.reused == {"text": 14, "audio": 6} and result.computed == {"text": 0, "audio": 8}
    want, got = read_all(reference_store[0]), read_all(out)
    assert want.keys() == got.keys()
    for key in want:
        if isinstance(want[key], np.ndarray):
            np.testing.assert_array_equal(got[key], want[key], err_msg=key)
        else:
            assert got[key] == want[key], key


def test_settings_change_discards_old_shards(data, tmp_path):
    table, _ = data
    out = tmp_path / "store"
    calls = []

    def stop(modality, split, chunk):
        calls.append(chunk)
        raise Interrupt

    with pytest.raises(Interrupt):
        extract_features(table, out, FeaturesConfig(), chunk_size=3, progress=False, on_chunk_done=stop)
    result = extract_features(table, out, FeaturesConfig(text_max_length=8), chunk_size=3, progress=False)
    assert result.reused == {"text": 0}
    assert max(x.shape[0] for x in load_store(out)["train"].features["text"]) == 8


def test_empty_text_can_be_recorded_missing(data, tmp_path):
    result = extract_features(
        data[0], tmp_path / "s", FeaturesConfig(text_max_length=8), empty_text="missing", progress=False
    )
    assert result.missing["text"]["train"] == {EMPTY_TEXT: "empty transcript"}


def test_cli_extract_text_only(data, tmp_path, capsys):
    out = tmp_path / "cli-store"
    args = [
        "features",
        "extract",
        data[0],
        "--out",
        str(out),
        "--source",
        "mymosi",
        "--no-progress",
        "--set",
        "features.text_max_length=16",
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "train 8, valid 3, test 3" in printed and "text: 0 missing" in printed
    splits = load_store(out)
    assert splits["test"].sources == ["mymosi"] * 3 and splits["test"].modalities == ["text"]
    assert json.loads((out / "store.json").read_text())["modalities"]["text"]["max_length"] == 16
    # a finished store is not silently rebuilt
    assert main(args) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main([*args, "--overwrite"]) == 0
    assert main(["features", "info", str(out)]) == 0
    assert "train: 8 clips (with transcripts)" in capsys.readouterr().out


def test_bad_inputs_are_one_line_errors(data, tmp_path, capsys):
    (tmp_path / "occupied").mkdir()
    (tmp_path / "occupied" / "notes.txt").write_text("mine")
    assert main(["features", "extract", data[0], "--out", str(tmp_path / "occupied")]) == 2
    assert "not a feature store" in capsys.readouterr().err
    assert main(["features", "extract", str(tmp_path / "none.csv"), "--out", str(tmp_path / "x")]) == 2
    with pytest.raises(DataError, match="audio-dir: .*folder not found"):
        extract_features(data[0], tmp_path / "y", audio_dir=tmp_path / "nope", text=False, progress=False)
