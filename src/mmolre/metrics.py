"""Shortcut: ``from mmolre.metrics import msa_metrics, mer_metrics``.

The implementation lives in :mod:`mmolre.evaluation.metrics`; this module only re-exports it.
"""

from mmolre.evaluation.metrics import (
    DEFAULT_THRESHOLD,
    DEFAULT_THRESHOLD_GRID,
    LOWER_IS_BETTER,
    MER_KEYS,
    MSA_KEYS,
    MetricWarning,
    choose_thresholds,
    mer_metrics,
    msa_metrics,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "DEFAULT_THRESHOLD_GRID",
    "LOWER_IS_BETTER",
    "MER_KEYS",
    "MSA_KEYS",
    "MetricWarning",
    "choose_thresholds",
    "mer_metrics",
    "msa_metrics",
]
