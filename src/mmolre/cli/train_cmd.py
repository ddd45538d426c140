"""`mmolre train`: train on the configured data (the synthetic benchmark by default) and print metrics."""

from __future__ import annotations

import argparse
from pathlib import Path

from mmolre.cli.common import add_config_options, config_from_args, parse_seeds
from mmolre.evaluation.metrics import MSA_KEYS
from mmolre.evaluation.reporting import format_mean_std
from mmolre.training.run import RunSummary, default_run_folder, run

# every MSA metric, then the MER summaries (per-emotion figures are in results.md)
PRINTED = (*MSA_KEYS, "mean_WA", "mean_F1", "micro_F1", "mean_AUC")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("train", help="train MMoLRE (default: the embedded synthetic benchmark)")
    add_config_options(parser)
    parser.add_argument("--seeds", help="comma-separated seeds, e.g. 1111,1112,1113 (overrides train.seeds)")
    parser.add_argument("--out", help="run folder (default: <output_dir>/<name>/<timestamp>)")
    parser.add_argument("--resume", action="store_true", help="skip finished seeds, continue unfinished ones")
    parser.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    if args.seeds:
        cfg.train.seeds = parse_seeds(args.seeds)
    folder = Path(args.out) if args.out else default_run_folder(cfg)
    summary = run(cfg, folder, resume=args.resume)
    print(format_summary(summary))
    return 0


def format_summary(result: RunSummary) -> str:
    """Test metrics per seed, mean ± sample std, and the oracle beside them when there is one."""
    seeds = result.seeds
    keys = [k for k in PRINTED if k in result.summary]
    keys += sorted(k for k in result.summary if "/" in k and k.split("/", 1)[1] in PRINTED)
    header = ["metric"] + [f"seed {r.seed}" for r in seeds] + ["mean ± std"]
    if result.reference is not None:
        header.append("oracle")
    rows = []
    for key in keys:
        row = [key] + [f"{r.test[key]:.4f}" if key in r.test else "-" for r in seeds]
        row.append(format_mean_std(result.summary[key]["mean"], result.summary[key]["std"]))
        if result.reference is not None:
            row.append(f"{result.reference[key]:.4f}" if key in result.reference else "-")
        rows.append(row)
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    lines = [f"test metrics ({len(seeds)} seed{'s' if len(seeds) > 1 else ''}), run folder {result.folder}"]
    for row in [header, *rows]:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
    return "\n".join(lines)
