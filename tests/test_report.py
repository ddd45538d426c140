"""`mmolre report`: PNG plots that open, routing weights of both tasks, a Markdown file embedding them."""

import json
import re

import matplotlib.image
import numpy as np
import pytest
from PIL import Image

from mmolre.cli.main import main
from mmolre.config import load_config
from mmolre.experiments.report import collect_routing, write_report
from mmolre.experiments.runner import run_experiment
from mmolre.experiments.spec import ExperimentSpec, variants
from mmolre.training.run import run

BASE = {
    "data": {"synthetic": {"n_train": 32, "n_valid": 16, "n_test": 24}},
    "model": {"d_model": 8, "rank_max": 4, "task_rank": 2, "fusion_heads": 2},
    "train": {"max_epochs": 2, "batch_size": 16, "progress": False, "tensorboard": False, "num_threads": 1},
}


def check_pngs_and_links(folder, report):
    text = report.read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", text)
    assert images and len(set(images)) == len(images)
    for image in images:
        path = folder / image
        assert path.is_file() and path.stat().st_size > 0
        with Image.open(path) as im:
            im.verify()  # a complete, valid PNG
        pixels = matplotlib.image.imread(path)
        assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100
        assert pixels[..., :3].std() > 0.01  # something is drawn
    return images


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("experiment")
    spec = ExperimentSpec.model_validate(
        {
            "name": "rep",
            "description": "report test",
            "base": BASE,
            "seeds": [1, 2],
            "variants": {
                "mmolre": {},
                "ple": {"model.architecture": "ple"},
                "no_shared": {"model.shared_experts": False},
                "sa_only": {"model.tasks": ["SA"]},
            },
            "sweeps": {"N": {"key": "model.n_experts", "values": [2], "include": ["mmolre"]}},
            "report": {"routing": ["mmolre", "ple", "no_shared"]},
        }
    )
    run_experiment(spec, variants(spec), folder)
    write_report(folder)
    return folder


def test_experiment_report_embeds_every_plot(experiment):
    report = experiment / "report.md"
    images = check_pngs_and_links(experiment, report)
    expected = {"learning_curves", "routing_mmolre", "routing_ple", "params_vs_accuracy", "sentiment_scatter"}
    assert expected | {"emotion_wa"} == {re.sub(r"^plots/|\.png$", "", i) for i in images}
    text = report.read_text()
    assert "| mmolre |" in text and "oracle (noise floor)" in text  # the results table is in the report
    assert "### no_shared" in text and "No routers" in text  # named, not plotted
    assert "Fusion weights over modalities" in text


def test_routing_weights_of_both_tasks_per_block(experiment):
    routing = json.loads((experiment / "routing.json").read_text())
    gates = routing["mmolre"]["gates"]
    expected = {f"{m}/block{b}/{t}" for m in ("text", "audio") for b in (1, 2) for t in ("SA", "ER")}
    assert set(gates) == expected
    for entry in gates.values():
        assert len(entry["labels"]) == len(entry["mean"]) == 4 and entry["labels"][0].startswith(
            "shared 1 (r="
        )
        assert np.isclose(sum(entry["mean"]), 1.0)  # a mean of distributions is a distribution
    ple = routing["ple"]["gates"]
    assert ple["text/block1/SA"]["labels"][0] == "SA expert" and "text/block1/shared" in ple
    assert "text/block2/shared" not in ple  # PLE's last level has no shared gate
    # recomputed from the checkpoint, the same numbers
    again = collect_routing(experiment / "variants" / "mmolre" / "seed_1")
    assert np.allclose(again["gates"]["audio/block2/ER"]["mean"], gates["audio/block2/ER"]["mean"])


def test_report_of_a_single_run_folder_via_cli(tmp_path, capsys):
    cfg = load_config(
        overrides=[
            "data.synthetic.n_train=32",
            "data.synthetic.n_valid=16",
            "data.synthetic.n_test=24",
            "model.d_model=8",
            "model.rank_max=4",
            "model.task_rank=2",
            "model.fusion_heads=2",
            "train.max_epochs=2",
            "train.progress=false",
            "train.tensorboard=false",
        ]
    )
    cfg.train.seeds = [3]
    run(cfg, tmp_path / "run")
    assert main(["report", str(tmp_path / "run")]) == 0
    report = tmp_path / "run" / "report.md"
    assert str(report) in capsys.readouterr().out
    images = check_pngs_and_links(tmp_path / "run", report)
    assert "plots/routing_run.png" in images and "plots/learning_curves.png" in images


def test_report_of_a_folder_that_is_no_run_is_a_clear_error(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "neither an experiment folder" in capsys.readouterr().err
