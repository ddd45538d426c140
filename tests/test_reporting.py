"""Tests for mmolre.evaluation.reporting: multi-seed summary and the three result files."""

from __future__ import annotations

import json
import math
import os

import pandas as pd
import pytest

from mmolre import atomic
from mmolre.evaluation.reporting import format_mean_std, markdown_table, summarize, write_results


def _strict_json(text: str):
    def reject(name: str):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=reject)


def test_summarize_sample_std_by_hand():
    # mean 2.5; deviations -1.5 -.5 .5 1.5; squares sum 5; / (n - 1) = 5/3; sqrt -> 1.2910.
    s = summarize([{"a": 1.0}, {"a": 2.0}, {"a": 3.0}, {"a": 4.0}])
    assert s["a"]["mean"] == pytest.approx(2.5)
    assert s["a"]["std"] == pytest.approx(1.2910, abs=5e-5)
    assert s["a"]["n"] == 4


def test_summarize_single_run_and_partial_keys():
    s = summarize([{"a": 1.0, "b": 10.0}, {"a": 3.0}])
    # a: mean 2, std sqrt(((1-2)^2 + (3-2)^2) / 1) = sqrt(2).
    assert s["a"] == {"mean": 2.0, "std": pytest.approx(math.sqrt(2)), "n": 2}
    # b appears once: mean 10, std undefined.
    assert s["b"]["mean"] == 10.0 and s["b"]["n"] == 1 and math.isnan(s["b"]["std"])
    assert list(s) == ["a", "b"]


def test_summarize_rejects_bad_input():
    with pytest.raises(ValueError, match="at least one run"):
        summarize([])
    with pytest.raises(ValueError, match="'a' is not a number"):
        summarize([{"a": "0.5"}])


def test_format_mean_std():
    assert format_mean_std(0.81234, 0.01) == "0.8123 ± 0.0100"
    assert format_mean_std(0.81236, float("nan")) == "0.8124 ± n/a"
    assert format_mean_std(1.0, 0.123456, digits=2) == "1.00 ± 0.12"


def test_markdown_table_layout():
    rows = [{"name": "x|y", "v": 0.123456, "k": 3}, {"name": "z", "v": float("nan")}]
    text = markdown_table(rows, ["name", "v", "k"])
    assert text.splitlines() == [
        "| name | v | k |",
        "|---|---|---|",
        "| x\\|y | 0.1235 | 3 |",
        "| z | nan |  |",
    ]
    with pytest.raises(ValueError):
        markdown_table(rows, [])


PER_SEED = {
    0: {"MAE": 0.70, "Corr": 0.61, "Has0_acc_2": 0.80},
    1: {"MAE": 0.72, "Corr": 0.65, "Has0_acc_2": 0.82},
    2: {"MAE": 0.74, "Corr": 0.66},  # Has0_acc_2 missing in this seed
}


def test_write_results_files_parse_back(tmp_path):
    summary = summarize(PER_SEED.values())
    paths = write_results(tmp_path / "run", PER_SEED, summary, title="MOSI test")
    assert {p.name for p in paths.values()} == {"results.json", "results.csv", "results.md"}
    assert sorted(os.listdir(tmp_path / "run")) == ["results.csv", "results.json", "results.md"]  # no temps

    doc = _strict_json(paths["json"].read_text())
    assert doc["title"] == "MOSI test"
    assert doc["per_seed"]["1"]["Corr"] == 0.65
    assert doc["summary"]["MAE"]["mean"] == pytest.approx(0.72)
    assert doc["summary"]["MAE"]["std"] == pytest.approx(0.02)  # deviations -.02 0 .02 -> sqrt(.0008/2)
    assert doc["summary"]["Has0_acc_2"]["n"] == 2

    df = pd.read_csv(paths["csv"], index_col="seed")
    assert list(df.index.astype(str)) == ["0", "1", "2", "mean", "std"]
    assert list(df.columns) == ["MAE", "Corr", "Has0_acc_2"]
    assert df.loc["1", "Corr"] == 0.65  # full precision, exact round trip
    assert df.loc["mean", "Corr"] == summary["Corr"]["mean"]
    assert df.loc["std", "MAE"] == pytest.approx(0.02)
    assert math.isnan(df.loc["2", "Has0_acc_2"])

    md = paths["md"].read_text().splitlines()
    assert md[0] == "# MOSI test"
    table = [line for line in md if line.startswith("|")]
    assert table[0] == "| metric | seed 0 | seed 1 | seed 2 | mean ± std |"
    assert len(table) == 2 + 3  # header, separator, one row per metric
    assert table[2] == "| MAE | 0.7000 | 0.7200 | 0.7400 | 0.7200 ± 0.0200 |"
    assert table[4].startswith("| Has0_acc_2 | 0.8000 | 0.8200 |  | 0.8100 ± 0.0141 |")


def test_write_results_single_seed_writes_null_std_and_computes_summary(tmp_path):
    paths = write_results(tmp_path, {"seed_a": {"MAE": 0.5}})  # summary computed when omitted
    doc = _strict_json(paths["json"].read_text())
    assert doc["summary"]["MAE"] == {"mean": 0.5, "std": None, "n": 1}
    df = pd.read_csv(paths["csv"], index_col="seed")
    assert math.isnan(df.loc["std", "MAE"])
    assert "| MAE | 0.5000 | 0.5000 ± n/a |" in paths["md"].read_text()
    assert "| metric | seed_a | mean ± std |" in paths["md"].read_text()


def test_write_is_atomic_on_failure(tmp_path, monkeypatch):
    write_results(tmp_path, {0: {"MAE": 0.5}})
    before = (tmp_path / "results.json").read_text()

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_results(tmp_path, {0: {"MAE": 0.9}})
    # The old file is intact and the temp file was cleaned up.
    assert (tmp_path / "results.json").read_text() == before
    assert sorted(os.listdir(tmp_path)) == ["results.csv", "results.json", "results.md"]


def test_reference_is_shown_but_not_counted(tmp_path):
    per_seed = {1: {"MAE": 1.0}, 2: {"MAE": 3.0}}
    write_results(tmp_path, per_seed, reference={"MAE": 0.25})
    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc["summary"]["MAE"]["mean"] == 2.0 and doc["oracle"] == {"MAE": 0.25}
    md = (tmp_path / "results.md").read_text()
    assert "2 seeds" in md and "| oracle |" in md and "0.2500" in md
    assert (tmp_path / "results.csv").read_text().strip().splitlines()[-1] == "oracle,0.25"
