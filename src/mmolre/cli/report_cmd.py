"""`mmolre report RUN_DIR`: a Markdown report with PNG plots of an experiment or run folder."""

from __future__ import annotations

import argparse

from mmolre.experiments.report import write_report


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "report",
        help="write report.md with plots (learning curves, routing, params vs accuracy, ...) for a run",
    )
    parser.add_argument(
        "run_dir", help="an experiment folder (mmolre experiment) or a run folder (mmolre train)"
    )
    parser.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> int:
    print(write_report(args.run_dir))
    return 0
