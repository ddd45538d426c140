"""`mmolre data`: inspect, validate, convert and download CMU-MOSI / CMU-MOSEI data.

mmolre data inspect PATH        format, counts per split, modalities, label ranges, emotion prevalence
mmolre data validate PATH       exit 0, or print every problem found and exit 1
mmolre data convert SRC DST --to {store,mmsa,csd,table}
mmolre data download {mosi,mosei} --out DIR [--files labels,COVAREP] [--checksums SHA256SUMS]
mmolre data pseudo-label TABLE --reference MELD.csv --out OUT.csv   UniMSE-style pseudo emotions
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mmolre.config import ConfigError
from mmolre.data.formats import FORMATS

CONVERT_TARGETS = ("store", "mmsa", "csd", "table")


def _add_read_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", dest="fmt", default="auto", choices=("auto", *FORMATS), help="input format"
    )
    parser.add_argument("--name", default="", help="dataset name (mosi, mosei, ...); default from the file")
    parser.add_argument(
        "--features",
        action="append",
        default=[],
        metavar="MODALITY=PATH",
        help="csd: modality -> feature .csd; table: modality -> feature store folder (repeatable)",
    )
    parser.add_argument("--text-field", default="text", choices=("text", "text_bert"), help="MMSA pickles")
    parser.add_argument("--emotions", help="file of emotion labels to join by clip (label table or .csd)")
    parser.add_argument("--folds", help="csd: folds JSON {train: [videos], valid: [...], test: [...]}")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("data", help="inspect, validate, convert and download datasets")
    actions = parser.add_subparsers(dest="data_command", required=True)

    p = actions.add_parser("inspect", help="summarise a dataset file or folder")
    p.add_argument("path")
    _add_read_options(p)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(run=run_inspect)

    p = actions.add_parser("validate", help="check a dataset; exit 1 with the list of problems")
    p.add_argument("path")
    _add_read_options(p)
    p.set_defaults(run=run_validate)

    p = actions.add_parser("convert", help="convert between MMSA pickle, .csd, label table and feature store")
    p.add_argument("src")
    p.add_argument("dst", help="output file (mmsa) or folder (store, csd, table)")
    p.add_argument("--to", required=True, choices=CONVERT_TARGETS, help="output layout")
    _add_read_options(p)
    p.add_argument("--force", action="store_true", help="overwrite an existing output")
    p.set_defaults(run=run_convert)

    p = actions.add_parser("download", help="fetch the official CMU-MultimodalSDK files")
    p.add_argument("dataset", choices=("mosi", "mosei"))
    p.add_argument("--out", required=True, help="folder for the .csd files")
    p.add_argument(
        "--files", help="comma-separated names (default labels,glove_vectors,COVAREP,FACET_4.2; 'all')"
    )
    p.add_argument("--checksums", help="sha256 manifest (sha256sum format or JSON) to verify against")
    p.add_argument("--base-url", help="a mirror that replaces http://immortal.multicomp.cs.cmu.edu")
    p.add_argument("--force", action="store_true", help="download files that are already present")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per network operation")
    p.add_argument(
        "--list", action="store_true", help="print the known files and their addresses, fetch nothing"
    )
    p.set_defaults(run=run_download)

    from mmolre.cli import pseudo_label_cmd

    pseudo_label_cmd.add_parser(actions)


def _read_options(args: argparse.Namespace) -> dict:
    features = {}
    for item in args.features:
        if "=" not in item:
            raise ConfigError(f"--features {item!r}: expected MODALITY=PATH")
        modality, path = item.split("=", 1)
        features[modality.strip()] = path
    return {
        "name": args.name,
        "feature_paths": features,
        "text_field": args.text_field,
        "emotions": args.emotions,
        "folds": args.folds,
    }


def run_inspect(args: argparse.Namespace) -> int:
    from mmolre.data.formats import detect_format, read_path
    from mmolre.data.inspect import (
        format_sequence_summary,
        format_summary,
        is_feature_sequence,
        summarize,
        summarize_sequence,
    )

    fmt = detect_format(args.path) if args.fmt == "auto" else args.fmt
    if fmt == "csd" and Path(args.path).is_file() and is_feature_sequence(args.path):
        # a feature sequence on its own has no labels or splits: describe the sequence itself
        summary = summarize_sequence(args.path)
        print(json.dumps(summary, indent=2) if args.json else format_sequence_summary(summary))
        return 0
    fmt, splits = read_path(args.path, fmt, **_read_options(args))
    summary = summarize(splits, fmt, str(args.path))
    print(json.dumps(summary, indent=2) if args.json else format_summary(summary))
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from mmolre.data.inspect import find_problems

    fmt, problems = find_problems(args.path, args.fmt, **_read_options(args))
    if problems:
        print(
            f"{args.path}: {len(problems)} problem{'s' if len(problems) > 1 else ''} ({fmt}):",
            file=sys.stderr,
        )
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(f"{args.path}: ok ({fmt})")
    return 0


def run_convert(args: argparse.Namespace) -> int:
    from mmolre.data.convert import convert

    written = convert(args.src, args.dst, args.to, args.fmt, force=args.force, **_read_options(args))
    for role, path in written.items():
        print(f"{role}: {path}")
    return 0


def run_download(args: argparse.Namespace) -> int:
    from mmolre.data.download import DATASETS, SUMS_FILE, download

    if args.list:
        for name, url in DATASETS[args.dataset].items():
            print(f"{name:<24}{url}")
        return 0
    names = [n.strip() for n in args.files.split(",")] if args.files else None
    results = download(
        args.dataset,
        args.out,
        names=names,
        checksums=args.checksums,
        base_url=args.base_url,
        force=args.force,
        timeout=args.timeout,
    )
    for r in results:
        print(f"{r.status:<11}{r.size:>14,d}  {r.sha256}  {r.path}")
    print(f"checksums recorded in {Path(args.out) / SUMS_FILE}")
    return 0
