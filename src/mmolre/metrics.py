"""Shortcut: ``from mmolre.metrics import msa_metrics, mer_metrics``.

The implementation lives in :mod:`mmolre.evaluation.metrics`; this module only re-exports its public names.
"""

from mmolre.evaluation.metrics import *  # noqa: F403 - a deliberate re-export of the public API
from mmolre.evaluation.metrics import __all__  # noqa: F401
