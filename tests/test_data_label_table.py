"""Label tables: the real MOSI/MOSEI label files, hand-made broken tables, and the emotion join."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmolre.constants import EMOTIONS
from mmolre.data.dataset import DataError
from mmolre.data.label_table import (
    attach_emotions,
    load_table,
    make_id,
    read_label_table,
    write_label_table,
)
from mmolre.data.store import write_modality

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not present")

GOOD = """video_id,clip_id,text,label,annotation,mode
vidA,1,hello there,1.5,Positive,train
vidA,2,,-0.4,Negative,train
vidB,1,meh,0.0,Neutral,dev
vidC,3,bad,-3.0,Negative,test
"""


def _write(tmp_path: Path, text: str, name: str = "label.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_small_table_is_normalised(tmp_path):
    df = read_label_table(_write(tmp_path, GOOD))
    assert df["id"].tolist() == ["vidA$_$1", "vidA$_$2", "vidB$_$1", "vidC$_$3"]
    assert df["mode"].tolist() == ["train", "train", "valid", "test"]  # "dev" -> valid
    assert df["text"].tolist()[1] == ""
    assert df["label"].dtype == np.float64 and df["label"].tolist() == [1.5, -0.4, 0.0, -3.0]
    assert df[list(EMOTIONS)].isna().all().all()
    assert df.attrs["has_emotions"] is False


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda t: t.replace("label,annotation", "score,annotation"), "missing column 'label'"),
        (lambda t: t.replace(",mode\n", ",split\n"), "missing column 'mode'"),
        (lambda t: t.replace("1.5", "3.5"), "label outside [-3, 3]"),
        (lambda t: t.replace("1.5", ""), "label is NaN"),
        (lambda t: t.replace("1.5", "nan"), "label is NaN"),
        (lambda t: t.replace("1.5", "abc"), "non-numeric"),
        (lambda t: t.replace(",dev", ",train"), "split 'valid' has zero rows"),
        (lambda t: t.replace(",dev", ",holdout"), "unknown values ['holdout']"),
        (lambda t: t.replace("vidB,1", "vidA,1"), "share an id"),
    ],
)
def test_broken_tables_name_file_and_problem(tmp_path, edit, expected):
    path = _write(tmp_path, edit(GOOD))
    with pytest.raises(DataError) as info:
        read_label_table(path)
    assert str(path) in str(info.value)
    assert expected in str(info.value)


def test_emotion_columns_checked(tmp_path):
    header = "video_id,clip_id,text,label,annotation,mode," + ",".join(EMOTIONS)
    rows = [
        "a,1,x,1,Positive,train,1,0,0,0,0,0",
        "a,2,x,1,Positive,valid,0,0,0,0,0,0",
        "a,3,x,1,Positive,test,0,0,0,0,0,0.333",
    ]
    df = read_label_table(_write(tmp_path, "\n".join([header, *rows]) + "\n"))
    assert df.attrs["has_emotions"] is True
    assert df.loc[2, "fear"] == pytest.approx(0.333)
    bad = rows[:2] + ["a,3,x,1,Positive,test,0,0,0,0,4,0"]
    with pytest.raises(DataError, match="emotion intensities outside"):
        read_label_table(_write(tmp_path, "\n".join([header, *bad]) + "\n", "bad.csv"))
    partial = rows[:2] + ["a,3,x,1,Positive,test,0,,0,0,0,0"]
    with pytest.raises(DataError, match="only partly given"):
        read_label_table(_write(tmp_path, "\n".join([header, *partial]) + "\n", "partial.csv"))
    only_happy = "video_id,clip_id,text,label,annotation,mode,happy\n" + "".join(
        line + ",0\n" for line in GOOD.splitlines()[1:]
    )
    with pytest.raises(DataError, match="are missing"):
        read_label_table(_write(tmp_path, only_happy, "happy.csv"))


def test_write_then_read_roundtrip(tmp_path):
    df = read_label_table(_write(tmp_path, GOOD))
    df.loc[:, list(EMOTIONS)] = np.linspace(0, 3, 24).reshape(4, 6)
    out = tmp_path / "out" / "label.csv"
    write_label_table(out, df)
    back = read_label_table(out)
    assert back["id"].tolist() == df["id"].tolist()
    np.testing.assert_allclose(back[list(EMOTIONS)].to_numpy(), df[list(EMOTIONS)].to_numpy(), rtol=1e-6)
    assert back["text"].tolist() == df["text"].tolist()


def test_table_joins_feature_store_by_id(tmp_path):
    label = _write(tmp_path, GOOD)
    rng = np.random.default_rng(0)
    feats = {
        cid: rng.normal(size=(k + 2, 3)).astype(np.float32)
        for k, cid in enumerate(["vidA$_$1", "vidA$_$2", "vidB$_$1", "vidC$_$3"])
    }
    # stored in a different order and split layout than the table: the join must go by id
    write_modality(
        tmp_path / "audio_store" / "all" / "audio.h5",
        list(feats)[::-1],
        [feats[c] for c in list(feats)[::-1]],
        dim=3,
    )
    splits = load_table(label, {"audio": "audio_store"}, source="toy")
    assert [len(splits[s]) for s in ("train", "valid", "test")] == [2, 1, 1]
    ds = splits["train"]
    assert ds.ids == ["vidA$_$1", "vidA$_$2"] and ds.sources == ["toy", "toy"]
    np.testing.assert_array_equal(ds.features["audio"][1], feats["vidA$_$2"])
    assert ds.texts == ["hello there", ""]


@needs_shared
def test_real_mosi_label_table():
    df = read_label_table(SHARED / "mosi" / "label.csv")
    assert df["mode"].value_counts().to_dict() == {"train": 1284, "valid": 229, "test": 686}
    assert df["label"].min() == pytest.approx(-3) and df["label"].max() == pytest.approx(3)
    assert not df.attrs["has_emotions"]
    # SOURCES.md: exactly these four clips have empty text
    assert sorted(df.loc[df["text"] == "", "id"]) == sorted(
        make_id(v, c)
        for v, c in [("2WGyTLYerpo", 44), ("5W7Z1C_fDaE", 24), ("BioHAh1qJAQ", 30), ("lXPQBPVc5Cw", 30)]
    )


@needs_shared
def test_real_mosei_label_table_and_emotion_join():
    df = read_label_table(SHARED / "mosei" / "label.csv")
    assert df["mode"].value_counts().to_dict() == {"train": 16326, "valid": 1871, "test": 4659}
    assert df.attrs["has_emotions"]
    emo = df[list(EMOTIONS)].to_numpy()
    assert emo.min() >= 0 and emo.max() <= 3
    # Join the SDK-derived emotion table onto the text table by SDK index and by interval, from a
    # shuffled copy so row order cannot help; both must give the emotions of label.csv.
    source = pd.read_csv(SHARED / "mosei" / "mosei_labels.csv", dtype={"video_id": str})
    source = source.sample(frac=1.0, random_state=0).reset_index(drop=True)
    blank = df.assign(**{e: np.nan for e in EMOTIONS})
    for on in ("index", "interval"):
        joined = attach_emotions(blank, source.rename(columns={"clip_id": "sdk_clip_id"}), on=on)
        np.testing.assert_allclose(joined[list(EMOTIONS)].to_numpy(), emo, atol=1e-6)


@needs_shared
def test_mosei_rows_outside_folds_are_dropped():
    df = read_label_table(SHARED / "mosei" / "mosei_labels.csv")
    # SOURCES.md: SDK folds give 16327/1871/4662 plus 399 rows marked none
    assert df["mode"].value_counts().to_dict() == {"train": 16327, "valid": 1871, "test": 4662}
    assert df.attrs["dropped"] == 399


def test_emotions_from_mmsa_table_join_by_id_not_by_clip_number(tmp_path):
    """An MMSA-layout source joins by video$_$clip; its clip_id is never taken for the SDK index."""
    header = "video_id,clip_id,text,label,annotation,mode"
    target = _write(
        tmp_path, f"{header},sdk_clip_id\nv,7,a,1,P,train,0\nv,3,b,1,P,valid,1\nw,1,c,0,N,test,0\n"
    )
    emo_rows = ["v,3,x,1,P,valid,0,0,0,0,0,3", "v,7,x,1,P,train,1,0,0,0,0,0", "v,0,x,1,P,train,0,2,0,0,0,0"]
    source = _write(tmp_path, "\n".join([header + "," + ",".join(EMOTIONS), *emo_rows]) + "\n", "emo.csv")
    df = attach_emotions(read_label_table(target), source)
    np.testing.assert_array_equal(df.loc[0, list(EMOTIONS)].to_numpy(float), [1, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(df.loc[1, list(EMOTIONS)].to_numpy(float), [0, 0, 0, 0, 0, 3])
    assert df.loc[2, list(EMOTIONS)].isna().all()  # w$_$1 has no emotion row
