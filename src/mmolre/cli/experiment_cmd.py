"""`mmolre experiment FILE.yaml`: run a grid of named variants times seeds, resumably, into one table."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from mmolre.cli.common import add_override_option
from mmolre.experiments.runner import describe, run_experiment
from mmolre.experiments.spec import load_experiment, variants


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "experiment",
        help="run an experiment file (variants x seeds) and write one results table",
        description="Train every variant of an experiment file, one after another, and write"
        " results.{json,csv,md} and a report. Finished variants and seeds are skipped, so running it again"
        " after an interruption trains only what is missing.",
    )
    parser.add_argument("file", help="experiment YAML (see mmolre.experiments.spec)")
    parser.add_argument(
        "--out", help="experiment folder (default: the file's output_dir or runs/experiments/NAME)"
    )
    parser.add_argument(
        "--only", help="comma-separated variants to train now (finished ones stay in the table)"
    )
    add_override_option(
        parser, "dotted override for every variant, e.g. --set train.device=cuda (repeatable)"
    )
    parser.add_argument(
        "--list", action="store_true", help="list the variants and their progress, train nothing"
    )
    parser.add_argument("--no-report", action="store_true", help="skip the Markdown report with plots")
    parser.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> int:
    spec = load_experiment(args.file)
    grid = variants(spec, args.overrides, origin=args.file)
    folder = Path(args.out) if args.out else spec.folder()
    if args.list:
        print(describe(grid, folder))
        return 0
    only = [s.strip() for s in args.only.split(",") if s.strip()] if args.only else None
    started = time.perf_counter()
    result = run_experiment(spec, grid, folder, only=only)
    if result.variants:
        print((folder / "results.md").read_text())
    if result.variants and not args.no_report:
        from mmolre.experiments.report import write_report

        print(f"report: {write_report(folder)}")
    print(
        f"{len(result.trained)} variants trained, {len(result.skipped)} finished earlier, "
        f"{len(result.pending)} left for later; {time.perf_counter() - started:.0f}s; folder {folder}"
    )
    return 0
