"""Experiments: grids of named variants (baselines, ablations, sweeps) times seeds, run and tabulated."""

from mmolre.experiments.runner import ExperimentResult, VariantResult, run_experiment
from mmolre.experiments.spec import ExperimentSpec, Variant, load_experiment, variants

__all__ = [
    "ExperimentResult",
    "ExperimentSpec",
    "Variant",
    "VariantResult",
    "load_experiment",
    "run_experiment",
    "variants",
]
