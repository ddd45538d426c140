"""The `mmolre` command. Each subcommand lives in its own module with ``add_parser`` and ``run``."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from mmolre.config import ConfigError
from mmolre.data.dataset import DataError

# subcommand -> module under mmolre.cli defining add_parser(subparsers) and run(args) -> int
SUBCOMMANDS = {
    "train": "mmolre.cli.train_cmd",
    "eval": "mmolre.cli.eval_cmd",
    "predict": "mmolre.cli.predict_cmd",
    "features": "mmolre.cli.features_cmd",
    "data": "mmolre.cli.data_cmd",
    "experiment": "mmolre.cli.experiment_cmd",
    "report": "mmolre.cli.report_cmd",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mmolre", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    for module_name in SUBCOMMANDS.values():
        importlib.import_module(module_name).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.run(args) or 0)
    except (ConfigError, DataError) as exc:
        # One line, no traceback: bad input is the user's to fix, and the message names the key or file.
        print(f"mmolre: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mmolre: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
