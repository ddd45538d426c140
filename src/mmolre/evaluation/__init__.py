"""Evaluation: MSA/MER metrics (MMSA-exact) and multi-seed result reporting."""

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
from mmolre.evaluation.reporting import format_mean_std, markdown_table, summarize, write_results

__all__ = [
    "DEFAULT_THRESHOLD",
    "DEFAULT_THRESHOLD_GRID",
    "LOWER_IS_BETTER",
    "MER_KEYS",
    "MSA_KEYS",
    "MetricWarning",
    "choose_thresholds",
    "format_mean_std",
    "markdown_table",
    "mer_metrics",
    "msa_metrics",
    "summarize",
    "write_results",
]
