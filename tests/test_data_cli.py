"""`mmolre data inspect / validate / convert`: real label files, one-line errors, conversions."""

from __future__ import annotations

import csv
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from mmolre.cli.main import main
from mmolre.constants import EMOTIONS
from mmolre.data.csd import write_csd
from mmolre.data.formats import detect_format, read_path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not present")

GOOD = """video_id,clip_id,text,label,annotation,mode
vidA,1,hello there,1.5,Positive,train
vidA,2,,-0.4,Negative,train
vidB,1,meh,0.0,Neutral,valid
vidC,3,bad,-3.0,Negative,test
"""


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(["data", *args])
    out, err = capsys.readouterr()
    return rc, out, err


def independent_prevalence(path: Path) -> tuple[dict[str, int], dict[str, float]]:
    """Split counts and emotion presence (> 0) straight from the CSV, without mmolre's reader."""
    counts: dict[str, int] = {}
    present = dict.fromkeys(EMOTIONS, 0)
    total = 0
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            counts[row["mode"]] = counts.get(row["mode"], 0) + 1
            if row.get("happy", "") != "":
                total += 1
                for e in EMOTIONS:
                    present[e] += float(row[e]) > 0
    return counts, {e: present[e] / total for e in EMOTIONS} if total else {}


@needs_shared
def test_inspect_real_mosei_label_table(capsys):
    path = SHARED / "mosei" / "label.csv"
    rc, out, _ = run_cli(capsys, "inspect", str(path))
    assert rc == 0
    assert "clips: 16326/1871/4659 (train/valid/test), 22856 in all" in out
    counts, prevalence = independent_prevalence(path)
    assert counts == {"train": 16326, "valid": 1871, "test": 4659}  # SOURCES.md
    all_row = next(line for line in out.splitlines() if line.strip().startswith("all "))
    printed = [float(x) for x in all_row.split()[1:]]
    assert printed == pytest.approx([prevalence[e] for e in EMOTIONS], abs=5e-4)
    assert all(e in out for e in EMOTIONS)
    rc, out, _ = run_cli(capsys, "inspect", str(path), "--json")
    summary = json.loads(out)
    assert summary["format"] == "table" and summary["emotion_labelled"] == 22856
    assert summary["emotion_prevalence"] == pytest.approx(prevalence, abs=1e-9)
    assert (
        summary["splits"]["train"]["sentiment"]["min"] == -3
        and summary["splits"]["test"]["sentiment"]["max"] == 3
    )


@needs_shared
def test_inspect_real_mosi_label_table_and_csd(capsys):
    rc, out, _ = run_cli(capsys, "inspect", str(SHARED / "mosi" / "label.csv"))
    assert rc == 0 and "clips: 1284/229/686 (train/valid/test), 2199 in all" in out
    assert "emotions: none" in out
    rc, out, _ = run_cli(capsys, "inspect", str(SHARED / "mosi" / "CMU_MOSI_Opinion_Labels.csd"))
    assert rc == 0 and "format csd" in out and "clips: 1284/229/686" in out


@needs_shared
def test_validate_real_files(capsys):
    for path in (SHARED / "mosi" / "label.csv", SHARED / "mosei" / "label.csv"):
        rc, out, _ = run_cli(capsys, "validate", str(path))
        assert rc == 0 and out.strip().endswith("ok (table)")


def _broken(tmp_path: Path, kind: str) -> tuple[Path, str]:
    path = tmp_path / f"{kind}.csv"
    if kind == "missing_column":
        path.write_text(GOOD.replace(",label,", ",score,"))
        return path, "missing column 'label'"
    if kind == "out_of_range":
        path.write_text(GOOD.replace("1.5", "3.5"))
        return path, "label outside [-3, 3]"
    if kind == "nan_label":
        path.write_text(GOOD.replace("1.5", "nan"))
        return path, "label is NaN"
    if kind == "empty_split":
        path.write_text(GOOD.replace(",valid", ",train"))
        return path, "split 'valid' has zero rows"
    if kind == "truncated_hdf5":
        path = tmp_path / "labels.csd"
        write_csd(path, {"v": (np.zeros((2, 1), np.float32), np.array([[0, 1], [1, 2]]))}, root="L")
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        return path, "truncated"
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind", ["missing_column", "out_of_range", "nan_label", "empty_split", "truncated_hdf5"]
)
def test_bad_input_is_one_line_error_without_traceback(tmp_path, capsys, kind):
    path, expected = _broken(tmp_path, kind)
    rc, out, err = run_cli(capsys, "inspect", str(path))
    assert rc == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"mmolre: error: {path}")
    assert expected in lines[0] and "Traceback" not in err
    rc, _, err = run_cli(capsys, "validate", str(path))
    assert rc == 1 and expected in err and str(path) in err


def test_validate_lists_every_problem(tmp_path, capsys):
    path = tmp_path / "label.csv"
    path.write_text(GOOD.replace("1.5", "9").replace("-0.4", "").replace(",valid", ",train"))
    rc, _, err = run_cli(capsys, "validate", str(path))
    assert rc == 1
    assert "3 problems" in err
    assert "label outside [-3, 3]" in err and "label is NaN" in err and "split 'valid' has zero rows" in err


def _mmsa(path: Path) -> None:
    rng = np.random.default_rng(0)

    def split(prefix: str, n: int) -> dict:
        lengths = rng.integers(1, 5, n)
        audio = np.zeros((n, 5, 3), np.float32)
        for i, t in enumerate(lengths):
            audio[i, :t] = rng.normal(size=(t, 3))
        audio[0, 0, 0] = -np.inf
        return {
            "id": np.array([f"{prefix}{i // 2}$_${i % 2}" for i in range(n)], dtype=object),
            "raw_text": np.array([f"clip {i}" for i in range(n)], dtype=object),
            "text": rng.normal(size=(n, 4, 2)).astype(np.float32),
            "audio": audio,
            "audio_lengths": lengths,
            "regression_labels": rng.uniform(-3, 3, n).astype(np.float32),
        }

    data = {"train": split("tr", 6), "valid": split("va", 2), "test": split("te", 4)}
    path.write_bytes(pickle.dumps(data))


def test_inspect_pickle_shows_modalities(tmp_path, capsys):
    path = tmp_path / "mosi" / "aligned_50.pkl"
    path.parent.mkdir()
    _mmsa(path)
    rc, out, err = run_cli(capsys, "inspect", str(path), "--json")
    summary = json.loads(out)
    assert summary["format"] == "mmsa"
    assert {k: v["clips"] for k, v in summary["splits"].items()} == {"train": 6, "valid": 2, "test": 4}
    assert summary["modalities"]["audio"]["dim"] == 3 and summary["modalities"]["text"]["dim"] == 2
    assert summary["modalities"]["text"]["lengths"]["train"] == {"min": 4, "median": 4.0, "max": 4}
    assert summary["splits"]["train"]["sources"] == {"mosi": 6}


def test_convert_between_all_layouts(tmp_path, capsys):
    src = tmp_path / "src.pkl"
    _mmsa(src)
    _, original = read_path(src)
    chain = [("store", "store"), ("table", "table"), ("csd", "csd"), ("mmsa", "back.pkl")]
    current = src
    for to, name in chain:
        dst = tmp_path / name
        rc, out, err = run_cli(capsys, "convert", str(current), str(dst), "--to", to, "--name", "mosi")
        assert rc == 0, err
        assert detect_format(dst) == ("mmsa" if to == "mmsa" else to)
        fmt, splits = read_path(dst, name="mosi")
        for s, ds in original.items():
            assert splits[s].ids == ds.ids, (to, s)
            np.testing.assert_allclose(splits[s].sentiment, ds.sentiment, rtol=1e-6)
            for m in ds.modalities:
                for a, b in zip(splits[s].features[m], ds.features[m]):
                    np.testing.assert_allclose(a, b, rtol=1e-6)
        current = dst
    rc, _, err = run_cli(capsys, "convert", str(src), str(tmp_path / "store"), "--to", "store")
    assert rc == 2 and "already exists" in err


def test_inspect_feature_sequence_and_labels_with_features(tmp_path, capsys):
    ivals = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]])
    feats = np.array([[1.0, 2.0], [-np.inf, 0.0], [3.0, 4.0]], np.float32)
    write_csd(tmp_path / "audio.csd", {"v1": (feats, ivals), "v2": (feats[:2], ivals[:2])}, root="COVAREP")
    rc, out, _ = run_cli(capsys, "inspect", str(tmp_path / "audio.csd"), "--json")
    summary = json.loads(out)
    assert rc == 0 and summary["videos"] == 2 and summary["rows"] == 5 and summary["dim"] == 2
    assert summary["non_finite"] == 2
    labels = {
        v: (np.array([[0.5], [-1.0]], np.float32), np.array([[0.0, 1.5], [1.5, 3.0]])) for v in ("v1", "v2")
    }
    write_csd(tmp_path / "labels.csd", labels, root="Labels")
    folds = tmp_path / "folds.json"
    folds.write_text(json.dumps({"train": ["v1"], "valid": ["v2"], "test": ["v1"]}))
    # v1 lies in two folds here; the last one wins, so train is empty: a clear error
    rc, _, err = run_cli(capsys, "inspect", str(tmp_path / "labels.csd"), "--folds", str(folds))
    assert rc == 2 and "split 'train' has zero segments" in err
    folds.write_text(json.dumps({"train": ["v1"], "valid": ["v2"], "test": ["v2"]}))
    rc, _, err = run_cli(capsys, "inspect", str(tmp_path / "labels.csd"), "--folds", str(folds))
    assert rc == 2 and "split 'valid' has zero segments" in err
    folds.write_text(json.dumps({"train": ["v1"], "valid": [], "test": ["v2"]}))
    rc, _, err = run_cli(capsys, "validate", str(tmp_path / "labels.csd"), "--folds", str(folds))
    assert rc == 1 and "split 'valid' has zero segments" in err
