"""Experiment files: a grid of named variants (baselines, ablations, sweeps) times seeds, as YAML.

An experiment file looks like this (every key but ``name`` and one of ``variants``/``sweeps`` optional)::

    name: paper_comparison
    description: MMoLRE against baselines and ablations on the synthetic benchmark
    preset: cpu                      # base preset, as `mmolre train --preset`
    base:                            # a config, as in a config file, applied to every variant
      data: {synthetic: {n_train: 512}}
      train: {max_epochs: 8}
    seeds: [1111, 1112, 1113]        # replaces train.seeds of every variant
    output_dir: runs/experiments/paper_comparison
    variants:                        # name -> overrides (dotted keys or nested mappings)
      mmolre: {}
      sa_only: {model.tasks: [SA]}
      mmoe: {model: {architecture: mmoe}}
    sweeps:
      N:                             # variants N=2 and N=8
        key: model.n_experts
        values: [2, 8]
        include: [mmolre]            # drawn on this sweep's line in the report, not run again
      rank:                          # variants rank=4 and rank=16
        values:
          "4": {model.expert_ranks: [4, 4, 4, 4], model.task_rank: 4}
          "16": {model.expert_ranks: [16, 16, 16, 16], model.task_rank: 16}
        set: {}                      # overrides shared by every point of the sweep
    metrics: [Non0_acc_2, MAE, mean_WA]   # columns of the Markdown table
    report:
      reference: mmolre              # the variant of single-model plots (default: the first)
      routing: [mmolre, ple]         # variants whose routing weights are plotted
      compare: [mmolre, mmoe]        # variants in the per-emotion bars (default: all but sweeps)

Every variant's config is built and validated before anything is trained, so a typo in the last variant
fails at once, naming the variant and the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mmolre.config import (
    PRESETS,
    ConfigError,
    RunConfig,
    _format_error,
    apply_overrides,
    deep_merge,
    preset_dict,
    read_yaml,
    validate,
)

__all__ = ["DEFAULT_METRICS", "ExperimentSpec", "Variant", "expand_dotted", "load_experiment", "variants"]

DEFAULT_METRICS = ("Non0_acc_2", "Non0_F1_score", "MAE", "Corr", "Mult_acc_7", "mean_WA", "mean_F1")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.=+-]*$")  # a variant name is also a folder name


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SweepSpec(_Strict):
    """One axis: either ``key`` and a list of ``values``, or ``values`` as ``{label: overrides}``."""

    key: str | None = Field(None, description="dotted config key the values go to")
    values: list[Any] | dict[str, dict[str, Any]]
    set: dict[str, Any] = Field(default_factory=dict, description="overrides shared by the sweep's points")
    include: list[str] = Field(default_factory=list, description="other variants drawn on this sweep's line")

    @model_validator(mode="after")
    def _check(self) -> SweepSpec:
        if isinstance(self.values, list) and not self.key:
            raise ValueError("a list of values needs a key (e.g. key: model.n_experts)")
        if isinstance(self.values, dict) and self.key:
            raise ValueError("values given as {label: overrides} take no key")
        if not self.values:
            raise ValueError("values: empty")
        return self

    def points(self) -> list[tuple[str, dict[str, Any]]]:
        """``(label, overrides)`` per point."""
        if isinstance(self.values, dict):
            return [(str(label), dict(over)) for label, over in self.values.items()]
        return [(_label(v), {self.key: v}) for v in self.values]


class ReportSpec(_Strict):
    reference: str | None = None
    routing: list[str] | None = None
    compare: list[str] | None = None


class ExperimentSpec(_Strict):
    name: str
    description: str = ""
    preset: str = "cpu"
    base: dict[str, Any] = Field(default_factory=dict)
    seeds: list[int] | None = None
    output_dir: str | None = None
    variants: dict[str, dict[str, Any] | None] = Field(default_factory=dict)
    sweeps: dict[str, SweepSpec] = Field(default_factory=dict)
    metrics: list[str] = Field(default_factory=lambda: list(DEFAULT_METRICS))
    report: ReportSpec = Field(default_factory=ReportSpec)

    @model_validator(mode="after")
    def _check(self) -> ExperimentSpec:
        if self.preset not in PRESETS:
            raise ValueError(f"preset: {self.preset!r} does not exist; choose from {list(PRESETS)}")
        if not self.variants and not self.sweeps:
            raise ValueError("variants: an experiment needs at least one variant or sweep")
        if self.seeds is not None and not self.seeds:
            raise ValueError("seeds: empty")
        return self

    def folder(self) -> Path:
        return Path(self.output_dir) if self.output_dir else Path("runs") / "experiments" / self.name


@dataclass
class Variant:
    """One row of the experiment: its name, the overrides that define it and its validated config."""

    name: str
    group: str  # "variants" or the sweep's name
    overrides: dict[str, Any]  # nested, as merged over the base
    config: RunConfig


def _label(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "-".join(_label(v) for v in value)
    return str(value)


def expand_dotted(overrides: dict[str, Any] | None) -> dict[str, Any]:
    """``{"model.n_experts": 8, "train": {"lr": 0.1}}`` -> ``{"model": {"n_experts": 8}, "train": {...}}``."""
    out: dict[str, Any] = {}
    for key, value in (overrides or {}).items():
        parts = str(key).split(".")
        if any(not p for p in parts):
            raise ConfigError(f"override key {key!r}: empty part")
        nested: Any = expand_dotted(value) if isinstance(value, dict) else value
        for part in reversed(parts[1:]):
            nested = {part: nested}
        out = deep_merge(out, {parts[0]: nested})
    return out


def load_experiment(path: str | Path) -> ExperimentSpec:
    """Read and check an experiment file; errors are one line naming the file and the key."""
    raw = read_yaml(path)
    try:
        return ExperimentSpec.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc, str(path))) from None


def variants(
    spec: ExperimentSpec, overrides: list[str] | None = None, origin: str = "experiment"
) -> list[Variant]:
    """Every variant of ``spec`` with its validated config, in file order (variants, then sweeps).

    ``overrides`` (``KEY=VALUE`` strings, as ``--set``) apply to every variant, after its own.
    """
    defined: list[tuple[str, str, dict[str, Any]]] = [
        (name, "variants", expand_dotted(over)) for name, over in spec.variants.items()
    ]
    for sweep_name, sweep in spec.sweeps.items():
        shared = expand_dotted(sweep.set)
        for label, over in sweep.points():
            defined.append((f"{sweep_name}={label}", sweep_name, deep_merge(shared, expand_dotted(over))))
    base = deep_merge(preset_dict(spec.preset), expand_dotted(spec.base))
    out: list[Variant] = []
    seen: set[str] = set()
    for name, group, over in defined:
        if not _NAME.match(name):
            raise ConfigError(f"{origin}: variant name {name!r}: use letters, digits and _ . = + - only")
        if name in seen:
            raise ConfigError(f"{origin}: variant {name!r} is defined twice")
        seen.add(name)
        raw = deep_merge(base, over)
        raw["name"] = f"{spec.name}/{name}"
        if spec.seeds is not None:
            raw = deep_merge(raw, {"train": {"seeds": list(spec.seeds)}})
        raw = apply_overrides(raw, overrides or [])
        out.append(Variant(name, group, over, validate(raw, origin=f"{origin}: variant {name}")))
    names = [v.name for v in out]
    report = spec.report
    for field, listed in (
        ("report.reference", [report.reference] if report.reference else []),
        ("report.routing", report.routing or []),
        ("report.compare", report.compare or []),
        *((f"sweeps.{s}.include", sw.include) for s, sw in spec.sweeps.items()),
    ):
        unknown = [n for n in listed if n not in names]
        if unknown:
            raise ConfigError(f"{origin}: {field}: unknown variants {unknown}")
    return out
