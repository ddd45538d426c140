"""Options shared by subcommands: config file, preset, dotted overrides."""

from __future__ import annotations

import argparse

from mmolre.config import PRESETS, ConfigError, RunConfig, load_config


def add_config_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", "-c", help="YAML config file (checked against the schema)")
    parser.add_argument("--preset", default="cpu", choices=PRESETS, help="base preset (default: cpu)")
    add_override_option(parser)


def add_override_option(
    parser: argparse.ArgumentParser, help: str = "dotted override, e.g. --set model.n_experts=8 (repeatable)"
) -> None:
    """``--set KEY=VALUE`` (repeatable), collected in ``args.overrides``."""
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help=help
    )


def config_from_args(args: argparse.Namespace) -> RunConfig:
    return load_config(args.config, args.overrides, preset=args.preset)


def parse_seeds(text: str) -> list[int]:
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise ConfigError(f"--seeds: expected comma-separated integers, got {text!r}") from None
    if not seeds:
        raise ConfigError("--seeds: no seed given")
    return seeds
