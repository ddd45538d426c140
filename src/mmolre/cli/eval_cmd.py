"""`mmolre eval CHECKPOINT_DIR`: re-evaluate a saved run and check it reproduces its test metrics."""

from __future__ import annotations

import argparse

from mmolre.training.evaluate import checkpoint_folders, reevaluate


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("eval", help="re-evaluate a checkpoint or run folder on its test split")
    parser.add_argument("path", help="a seed folder (with checkpoint.json) or a run folder of seed_* folders")
    parser.add_argument("--tolerance", type=float, default=0.0, help="allowed |difference| (default exact)")
    parser.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> int:
    status = 0
    for folder in checkpoint_folders(args.path):
        result = reevaluate(folder)
        print(f"{folder}:")
        for key, value in result.test.items():
            saved = result.saved.get(key) if result.saved else None
            mark = (
                ""
                if saved is None
                else ("  (= saved)" if abs(saved - value) <= args.tolerance else f"  (saved {saved:.6f})")
            )
            print(f"  {key:<24} {value:.6f}{mark}")
        bad = result.mismatches(args.tolerance)
        if result.saved is None:
            print("  no saved metrics.json to compare with")
        elif bad:
            print(f"  {len(bad)} metrics differ from the saved ones")
            status = 1
        else:
            print("  reproduces the saved test metrics")
    return status
