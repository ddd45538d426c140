"""Experiment files: expansion into variants, resumable runs (only unfinished work is redone), the table."""

import csv
import json

import pytest
import yaml

from mmolre.cli.main import main
from mmolre.config import ConfigError
from mmolre.experiments.runner import run_experiment, variant_folder
from mmolre.experiments.spec import ExperimentSpec, expand_dotted, variants

BASE = {
    "data": {"synthetic": {"n_train": 32, "n_valid": 16, "n_test": 16}},
    "model": {"d_model": 8, "rank_max": 4, "task_rank": 2, "fusion_heads": 2, "n_blocks": 1},
    "train": {"max_epochs": 1, "batch_size": 16, "progress": False, "tensorboard": False, "num_threads": 1},
}


def spec(**extra) -> ExperimentSpec:
    raw = {
        "name": "t",
        "base": BASE,
        "seeds": [1],
        "variants": {"a": {}, "b": {"model.architecture": "mmoe"}},
    }
    raw.update(extra)
    return ExperimentSpec.model_validate(raw)


def test_variants_expand_overrides_sweeps_and_seeds():
    s = spec(
        variants={"sa": {"model.tasks": ["SA"]}, "nested": {"model": {"gating": "topk"}}},
        sweeps={
            "N": {"key": "model.n_experts", "values": [2, 8], "include": ["sa"]},
            "rank": {"values": {"low": {"model.expert_ranks": [2, 2, 2, 2]}}, "set": {"model.task_rank": 3}},
        },
        seeds=[5, 6],
    )
    grid = variants(s, ["train.lr=0.01"])
    assert [v.name for v in grid] == ["sa", "nested", "N=2", "N=8", "rank=low"]
    by = {v.name: v.config for v in grid}
    assert by["sa"].model.tasks == ["SA"] and by["nested"].model.gating == "topk"
    assert by["N=8"].model.n_experts == 8 and by["N=8"].model.d_model == 8  # base kept under the sweep
    assert by["rank=low"].model.expert_ranks == [2, 2, 2, 2] and by["rank=low"].model.task_rank == 3
    assert all(c.train.seeds == [5, 6] and c.train.lr == 0.01 for c in by.values())
    assert grid[2].group == "N" and grid[0].group == "variants"
    assert expand_dotted({"a.b.c": 1, "a": {"d": 2}}) == {"a": {"b": {"c": 1}, "d": 2}}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"variants": {"bad": {"model.no_such_knob": 1}}}, "variant bad: model.no_such_knob: unknown key"),
        ({"variants": {"x y": {}}}, "variant name 'x y'"),
        ({"report": {"routing": ["nope"]}}, "report.routing: unknown variants ['nope']"),
        (
            {"sweeps": {"N": {"key": "model.n_experts", "values": [2]}}, "variants": {"N=2": {}}},
            "defined twice",
        ),
    ],
)
def test_bad_variants_fail_before_training_naming_the_variant(extra, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        variants(spec(**extra))


def test_resume_runs_only_unfinished_variants_and_seeds(tmp_path):
    first = spec()
    # an experiment killed after its first variant, and before the second seed was added
    out = run_experiment(first, variants(first), tmp_path, only=["a"])
    assert out.trained == ["a"] and out.pending == ["b"]
    done = variant_folder(tmp_path, "a") / "seed_1" / "metrics.json"
    stamp = done.stat().st_mtime_ns

    # a seed killed mid-way: its folder has training state but no metrics.json
    second = spec(seeds=[1, 2])
    out = run_experiment(second, variants(second), tmp_path)
    assert out.trained == ["a", "b"] and out.skipped == []
    assert done.stat().st_mtime_ns == stamp  # the finished seed of a was not trained again
    assert (variant_folder(tmp_path, "a") / "seed_2" / "metrics.json").is_file()

    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.glob("variants/*/seed_*/model.safetensors")}
    out = run_experiment(second, variants(second), tmp_path)
    assert out.trained == [] and out.skipped == ["a", "b"]
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    table = json.loads((tmp_path / "results.json").read_text())
    assert [v["name"] for v in table["variants"]] == ["a", "b"] and table["variants"][0]["seeds"] == [1, 2]


def test_changed_config_of_a_finished_variant_is_an_error(tmp_path):
    s = spec(variants={"a": {}})
    run_experiment(s, variants(s), tmp_path)
    changed = spec(variants={"a": {"model.n_experts": 2}})
    with pytest.raises(ConfigError, match="variant a: .* another config .*model.n_experts: 4 -> 2"):
        run_experiment(changed, variants(changed), tmp_path)


def test_cli_writes_one_table_with_every_variant(tmp_path, capsys):
    file = tmp_path / "exp.yaml"
    raw = {
        "name": "cli",
        "base": BASE,
        "seeds": [1, 2],
        "variants": {"mmolre": {}, "sa_only": {"model.tasks": ["SA"]}, "ple": {"model.architecture": "ple"}},
        "sweeps": {"N": {"key": "model.n_experts", "values": [2], "include": ["mmolre"]}},
    }
    file.write_text(yaml.safe_dump(raw, sort_keys=False))
    out = tmp_path / "out"
    assert main(["experiment", str(file), "--out", str(out), "--no-report"]) == 0
    names = ["mmolre", "sa_only", "ple", "N=2"]
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert [r["variant"] for r in rows] == names
    assert all(float(r["params_total"]) > 0 and float(r["flops_total"]) > 0 for r in rows)
    assert rows[1]["mean_WA_mean"] == "" and float(rows[0]["mean_WA_std"]) >= 0  # SA-only has no ER metrics
    md = (out / "results.md").read_text()
    for name in [*names, "oracle (noise floor)", "params", "FLOPs/utt", "train s/seed", "± "]:
        assert name in md
    assert "params experts" in md  # the per-component table
    capsys.readouterr()
    assert main(["experiment", str(file), "--out", str(out), "--list"]) == 0
    assert "2/2 seeds done" in capsys.readouterr().out
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({**raw, "variants": {"x": {"model.gating": "nope"}}}))
    assert main(["experiment", str(tmp_path / "bad.yaml"), "--out", str(out)]) == 2
    assert "variant x: model.gating" in capsys.readouterr().err
