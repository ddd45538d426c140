"""Real-transcript presets (mosi-text, mosei-text, mosi+mosei-text), filling empty transcripts from a
second table, and UniMSE-style pseudo emotion labels on constructed cases with a known nearest
neighbour."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may be fetched from a hub in tests

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmolre.cli.main import main
from mmolre.config import PRESETS, load_config
from mmolre.constants import EMOTIONS
from mmolre.data.dataset import DataError
from mmolre.data.label_table import fill_text, load_table, read_label_table
from mmolre.data.loaders import load_splits
from mmolre.data.pseudo_label import (
    MELD_TO_MOSEI,
    evaluate_pseudo_labels,
    nearest_same_polarity,
    normalize_rows,
    polarity,
    pseudo_label,
    pseudo_presence,
)
from mmolre.data.store import write_modality

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not present")
# every dataset choice, frozen and fine-tuned: each must be registered in PRESETS
TEXT_PRESETS = [f"{data}-text{ft}" for data in ("mosi", "mosei", "mosi+mosei") for ft in ("", "-ft")]


# ---------------------------------------------------------------------------------------------------
# presets


@pytest.mark.parametrize("name", TEXT_PRESETS)
def test_text_presets_validate(name):
    assert name in PRESETS
    cfg = load_config(preset=name)
    assert cfg.model.modalities == ["text"]
    assert cfg.data.kind == "table" and cfg.data.feature_dirs["text"].startswith("cache/")
    assert len(cfg.data.names) == len(cfg.data.paths)
    assert cfg.features.text_encoder == "all-MiniLM-L6-v2"
    if "mosei" in name:
        assert cfg.model.tasks == ["SA", "ER"]
    assert cfg.features.finetune_text == name.endswith("-ft")


def test_missing_store_error_names_the_build_command(tmp_path):
    table = tmp_path / "mosi" / "label.csv"
    table.parent.mkdir()
    table.write_text("video_id,clip_id,text,label,mode\nv,1,a,1,train\nv,2,b,-1,valid\nv,3,c,0,test\n")
    cfg = load_config(
        preset="mosi-text",
        overrides=[
            f"data.paths=[{table}]",
            "data.text_from=['']",
            f"data.feature_dirs.text={tmp_path}/no_store",
        ],
    )
    with pytest.raises(
        DataError, match=r"has not been built yet; build it with `mmolre features extract .*--out"
    ):
        load_splits(cfg.data)


# ---------------------------------------------------------------------------------------------------
# filling empty transcripts


def _tables(tmp_path: Path) -> tuple[Path, Path]:
    main_table = tmp_path / "label.csv"
    main_table.write_text(
        "video_id,clip_id,text,label,mode\nv,1,hello,1,train\nv,2,,-1,valid\nv,3,,0,test\nv,4,bye,0.5,test\n"
    )
    other = tmp_path / "other.csv"
    other.write_text(
        "video_id,clip_id,text,label,mode\n"
        "v,1,HELLO AGAIN,1,train\nv,2,FILLED TWO,-1,valid\nv,4,BYE,0.5,test\n"
    )
    return main_table, other


def test_fill_text_fills_only_empty_transcripts(tmp_path, caplog):
    main_table, other = _tables(tmp_path)
    df = fill_text(read_label_table(main_table), other)
    # non-empty text is kept, v$_$2 is filled, v$_$3 has no source and stays empty (with a warning)
    assert df["text"].tolist() == ["hello", "FILLED TWO", "", "bye"]
    assert "still have no transcript" in caplog.text


def test_load_table_with_text_from(tmp_path):
    main_table, other = _tables(tmp_path)
    store = tmp_path / "store"
    ids = ["v$_$1", "v$_$2", "v$_$3", "v$_$4"]
    write_modality(store / "train" / "text.h5", ids, [np.ones((2, 3), np.float32)] * 4, 3)
    splits = load_table(main_table, {"text": str(store)}, "mosi", text_from=other)
    assert splits["valid"].texts == ["FILLED TWO"]


@needs_shared
def test_mosi_empty_transcripts_are_filled_from_unimse():
    df = read_label_table(SHARED / "mosi" / "label.csv")
    assert (df["text"].str.strip() == "").sum() == 4
    filled = fill_text(df, SHARED / "mosi" / "unimse_MOSI-label.csv")
    assert (filled["text"].str.strip() == "").sum() == 0
    assert (filled["text"] == df["text"])[df["text"] != ""].all()


# ---------------------------------------------------------------------------------------------------
# pseudo labels


def test_polarity_by_sign():
    assert polarity([1.2, 0.0, -0.3]).tolist() == ["positive", "neutral", "negative"]


def test_nearest_neighbour_respects_polarity():
    ref = normalize_rows(np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [-1.0, 0.2]]))
    ref_pol = ["negative", "positive", "positive", "neutral"]
    query = normalize_rows(np.array([[1.0, 0.0], [1.0, 0.0], [0.1, 1.0], [-1.0, 0.0]]))
    # query 0 (negative): the identical ref 0; query 1 (positive): ref 0 is closer but negative, so ref 1;
    # query 2 (positive): ref 2; query 3 (neutral): the only neutral ref, 3
    index, sim = nearest_same_polarity(query, ["negative", "positive", "positive", "neutral"], ref, ref_pol)
    assert index.tolist() == [0, 1, 2, 3]
    assert sim[0] == pytest.approx(1.0)
    index, sim = nearest_same_polarity(query[:1], ["neutral"], ref[:3], ref_pol[:3])
    assert index.tolist() == [-1] and np.isnan(sim[0])


def test_pseudo_labels_map_meld_to_mosei_and_are_scored():
    reference = pd.DataFrame(
        {
            "text": ["yay", "grr", "hmm", "boo"],
            "emotion": ["joy", "anger", "neutral", "sadness"],
            "polarity": ["positive", "negative", "neutral", "negative"],
        }
    )
    ref_emb = normalize_rows(np.eye(4))
    query_emb = normalize_rows(
        np.array([[1, 0.1, 0, 0], [0, 0.2, 0, 1], [0, 1, 0, 0.1], [0, 0, 1, 0]], float)
    )
    labels = pseudo_label(
        ["a", "b", "c", "d"], ["t"] * 4, np.array([2.0, -1.0, -2.0, 0.0]), query_emb, reference, ref_emb
    )
    assert labels["pseudo_emotion"].tolist() == ["joy", "sadness", "anger", "neutral"]
    assert labels["mosei_emotion"].tolist() == ["happy", "sad", "anger", ""]
    assert MELD_TO_MOSEI["neutral"] is None
    assert pseudo_presence(labels["mosei_emotion"]).sum(axis=1).tolist() == [1, 1, 1, 0]
    # real intensities in EMOTIONS order (happy, sad, anger, surprise, disgust, fear)
    true = np.array(
        [
            [1.0, 0, 0, 0, 0, 0],  # happy: pseudo happy is right and dominant
            [0, 0, 2.0, 0, 0, 0],  # anger only: pseudo sad is wrong
            [0, 0.3, 1.0, 0, 0, 0],  # pseudo anger present and dominant
            [0, 0, 0, 0, 0, 0],  # no emotion: "none" is right
        ]
    )
    report = evaluate_pseudo_labels(labels, true, reference)
    pseudo = report["pseudo"]
    assert pseudo["emotion_present_rate"] == pytest.approx(2 / 3)
    assert pseudo["dominant_rate"] == pytest.approx(2 / 3)
    assert pseudo["none_correct_rate"] == pytest.approx(1.0)
    # happy: P=1 (a), N=3, TP=1, TN=3 -> WA 1.0; sad: P=1 (c), TP=0, predicted b (a false positive),
    # TN=2 of N=3 -> WA (0 + 2) / (2 * 3) = 1/3
    assert pseudo["happy_WA"] == pytest.approx(1.0)
    assert pseudo["sad_WA"] == pytest.approx(1 / 3)
    # the polarity baseline labels every negative utterance with the commonest negative MELD class
    assert "polarity_baseline" in report and "polarity_random" in report


def test_pseudo_label_cli_with_minilm(tmp_path, capsys):
    meld = tmp_path / "meld.csv"
    pd.DataFrame(
        {
            "Utterance": [
                "I am so happy for you, this is wonderful news!",
                "Wow, I did not expect that at all!",
                "Get out of my apartment right now, I am furious.",
                "I miss her so much, I just want to cry.",
                "Okay, the meeting is at three.",
            ],
            "Emotion": ["joy", "surprise", "anger", "sadness", "neutral"],
            "Sentiment": ["positive", "positive", "negative", "negative", "neutral"],
        }
    ).to_csv(meld, index=False)
    table = tmp_path / "label.csv"
    rows = [
        ("v", 1, "I am so happy for you, this is wonderful news!", 2.0, "train", 1, 0, 0),
        ("v", 2, "I miss her so much and I want to cry", -2.0, "valid", 0, 1, 0),
        ("v", 3, "I am furious, get out of my apartment", -1.5, "test", 0, 0, 1),
        ("v", 4, "the meeting is at three", 0.0, "test", 0, 0, 0),
    ]
    lines = ["video_id,clip_id,text,label,mode,happy,sad,anger,surprise,disgust,fear"]
    lines += [f'{v},{c},"{t}",{y},{m},{h},{s},{a},0,0,0' for v, c, t, y, m, h, s, a in rows]
    table.write_text("\n".join(lines) + "\n")
    out = tmp_path / "pseudo.csv"
    assert (
        main(
            [
                "data",
                "pseudo-label",
                str(table),
                "--reference",
                str(meld),
                "--out",
                str(out),
                "--cache",
                str(tmp_path / "c"),
            ]
        )
        == 0
    )
    labels = pd.read_csv(out, keep_default_na=False)
    assert labels["pseudo_emotion"].tolist() == ["joy", "sadness", "anger", "neutral"]
    assert labels["similarity"].iloc[0] == pytest.approx(1.0, abs=1e-5)  # the identical utterance
    report = json.loads(out.with_suffix(".eval.json").read_text())
    assert report["pseudo"]["emotion_present_rate"] == pytest.approx(1.0)
    assert report["pseudo"]["mean_WA"] == pytest.approx(1.0)  # emotions without positives: TN/N = 1
    assert "| mean_WA |" in capsys.readouterr().out
    assert list((tmp_path / "c").glob("reference-*.npy"))  # reference embeddings cached


@needs_shared
def test_meld_reference_reads():
    from mmolre.data.pseudo_label import read_reference

    ref = read_reference([SHARED / "meld" / "dev_sent_emo.csv"])
    assert len(ref) == 1109 and set(ref["emotion"]) == set(MELD_TO_MOSEI)
    assert set(EMOTIONS) >= {v for v in MELD_TO_MOSEI.values() if v}
