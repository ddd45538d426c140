"""Metrics for multimodal sentiment analysis (MSA) and multi-label emotion recognition (MER).

MSA metrics follow MMSA exactly (thuiar/MMSA, ``src/MMSA/utils/metricsTop.py``,
``MetricsTop.__eval_mosei_regression``): same clipping, ``np.round`` (half to even), the same ``>= 0`` /
``> 0`` binarisations and the same sklearn weighted F1 with the true labels first. The one deliberate
difference is that values are returned at full precision; MMSA rounds them to four decimals.

MER metrics (DESIGN.md section 3) are computed per emotion in the order of
:data:`mmolre.constants.EMOTIONS`. A sample is predicted positive for emotion ``e`` when
``probs[:, e] >= threshold[e]`` (greater *or equal*), both in :func:`mer_metrics` and in
:func:`choose_thresholds`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score

from mmolre.constants import EMOTIONS

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

MSA_KEYS: tuple[str, ...] = (
    "Has0_acc_2",
    "Has0_F1_score",
    "Non0_acc_2",
    "Non0_F1_score",
    "Mult_acc_5",
    "Mult_acc_7",
    "MAE",
    "Corr",
)
MER_KEYS: tuple[str, ...] = (
    *(f"{e}_{m}" for e in EMOTIONS for m in ("WA", "F1", "AUC")),
    "mean_WA",
    "mean_F1",
    "mean_AUC",
    "micro_F1",
)
# Every other metric here is "higher is better"; model selection needs to know the exceptions.
LOWER_IS_BETTER: frozenset[str] = frozenset({"MAE"})

DEFAULT_THRESHOLD: float = 0.5
# Rounded so that 0.5 and the other grid points are the exact decimal values; read-only (shared).
DEFAULT_THRESHOLD_GRID: np.ndarray = np.round(np.linspace(0.05, 0.95, 19), 10)
DEFAULT_THRESHOLD_GRID.flags.writeable = False


class MetricWarning(UserWarning):
    """A metric is undefined on this data and a documented fallback value was returned."""


def _to_numpy(x: Any) -> np.ndarray:
    # Accept torch tensors without importing torch (they may require grad or live on a GPU).
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _as_finite_float(x: Any, name: str) -> np.ndarray:
    arr = _to_numpy(x)
    try:
        arr = arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}") from exc
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains {int(np.isnan(arr).sum())} NaN value(s)")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains infinite value(s)")
    return arr


def _weighted_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    # zero_division=0 is sklearn's default value; passing it only silences the warning.
    return float(f1_score(y_true, y_pred, average="weighted", zero_division=0))


def _pearson(p: np.ndarray, y: np.ndarray) -> float:
    # Exact-constancy test: a float std of identical values can come out as a tiny non-zero number.
    if np.ptp(p) == 0 or np.ptp(y) == 0:
        which = "predictions" if np.ptp(p) == 0 else "labels"
        warnings.warn(
            f"Corr is undefined because the {which} are constant; reporting Corr = 0.0",
            MetricWarning,
            stacklevel=3,
        )
        return 0.0
    pc = p - p.mean()
    yc = y - y.mean()
    denom = np.sqrt(np.dot(pc, pc) * np.dot(yc, yc))
    if not (np.isfinite(denom) and denom > 0):  # spread lost to underflow (e.g. subnormal values)
        warnings.warn(
            "Corr is numerically undefined (no usable spread); reporting Corr = 0.0",
            MetricWarning,
            stacklevel=3,
        )
        return 0.0
    # Clip: rounding can push |r| a hair above 1.
    return float(np.clip(np.dot(pc, yc) / denom, -1.0, 1.0))


def _multiclass_acc(p: np.ndarray, y: np.ndarray, bound: float) -> float:
    # MMSA: clip both to [-bound, bound], then np.round (half to even) and compare.
    pc = np.round(np.clip(p, -bound, bound))
    yc = np.round(np.clip(y, -bound, bound))
    return float(np.mean(pc == yc))


def msa_metrics(preds: Any, labels: Any) -> dict[str, float]:
    """Sentiment regression metrics, identical to MMSA's ``__eval_mosei_regression``.

    Args:
        preds: predicted sentiment, any shape (flattened), array-like or tensor.
        labels: true sentiment in [-3, 3], same number of elements as ``preds``.

    Returns:
        ``{Has0_acc_2, Has0_F1_score, Non0_acc_2, Non0_F1_score, Mult_acc_5, Mult_acc_7, MAE, Corr}``
        as full-precision Python floats. ``Has0``: all samples, ``y >= 0`` vs ``p >= 0``. ``Non0``:
        samples with ``y != 0`` only, ``y > 0`` vs ``p > 0``. ``Mult_acc_k``: accuracy after clipping
        to [-3, 3] (k = 7) or [-2, 2] (k = 5) and rounding half to even. MAE and Corr (Pearson) are
        computed on unclipped values.

    A constant prediction or label vector gives ``Corr = 0.0`` and a :class:`MetricWarning`. If every
    label is exactly 0, the Non0 metrics are undefined: they are NaN and a :class:`MetricWarning` is
    raised.

    Raises:
        ValueError: on empty input, mismatched lengths, or NaN/inf values.
    """
    p = _as_finite_float(preds, "preds").reshape(-1)
    y = _as_finite_float(labels, "labels").reshape(-1)
    if p.size != y.size:
        raise ValueError(f"preds and labels have different lengths: {p.size} vs {y.size}")
    if p.size == 0:
        raise ValueError("msa_metrics got empty preds and labels")

    has0_true, has0_pred = y >= 0, p >= 0
    non0 = y != 0
    if non0.any():
        non0_true, non0_pred = y[non0] > 0, p[non0] > 0
        non0_acc = float(np.mean(non0_true == non0_pred))
        non0_f1 = _weighted_f1(non0_true, non0_pred)
    else:
        warnings.warn(
            "every label is exactly 0, so Non0_acc_2 and Non0_F1_score are undefined (NaN)",
            MetricWarning,
            stacklevel=2,
        )
        non0_acc = non0_f1 = float("nan")

    return {
        "Has0_acc_2": float(np.mean(has0_true == has0_pred)),
        "Has0_F1_score": _weighted_f1(has0_true, has0_pred),
        "Non0_acc_2": non0_acc,
        "Non0_F1_score": non0_f1,
        "Mult_acc_5": _multiclass_acc(p, y, 2.0),
        "Mult_acc_7": _multiclass_acc(p, y, 3.0),
        "MAE": float(np.mean(np.abs(p - y))),
        "Corr": _pearson(p, y),
    }


def _check_mer_inputs(probs: Any, presence: Any) -> tuple[np.ndarray, np.ndarray]:
    k = len(EMOTIONS)
    pr = _as_finite_float(probs, "probs")
    if pr.ndim != 2 or pr.shape[1] != k:
        raise ValueError(f"probs must have shape [N, {k}] (emotions {EMOTIONS}), got {pr.shape}")
    if pr.shape[0] == 0:
        raise ValueError("probs and presence are empty (N = 0)")
    if pr.min() < 0.0 or pr.max() > 1.0:
        raise ValueError(
            f"probs must be probabilities in [0, 1], got range [{pr.min():.4g}, {pr.max():.4g}]; "
            "apply a sigmoid to logits first"
        )
    raw = _to_numpy(presence)
    if raw.shape != pr.shape:
        raise ValueError(f"presence shape {raw.shape} does not match probs shape {pr.shape}")
    ps = _as_finite_float(raw, "presence")
    if not np.isin(ps, (0.0, 1.0)).all():
        bad = np.unique(ps[~np.isin(ps, (0.0, 1.0))])[:5]
        raise ValueError(f"presence must be binary (0/1 or bool), found values such as {bad.tolist()}")
    return pr, ps.astype(bool)


def _check_thresholds(thresholds: Any) -> np.ndarray:
    k = len(EMOTIONS)
    if thresholds is None:
        return np.full(k, DEFAULT_THRESHOLD)
    t = _as_finite_float(thresholds, "thresholds")
    if t.ndim == 0:
        t = np.full(k, float(t))
    if t.shape != (k,):
        raise ValueError(f"thresholds must be None, a scalar or an array of {k}, got shape {t.shape}")
    if t.min() < 0.0 or t.max() > 1.0:
        raise ValueError(f"thresholds must lie in [0, 1], got {t.tolist()}")
    return t


def _weighted_accuracy(y: np.ndarray, d: np.ndarray) -> float:
    """WA = (TP * N / P + TN) / (2 N) = mean of the two class recalls; one-class fallback."""
    n_pos = int(y.sum())
    n_neg = int(y.size - n_pos)
    tp = int(np.sum(y & d))
    tn = int(np.sum(~y & ~d))
    if n_pos == 0:
        return tn / n_neg
    if n_neg == 0:
        return tp / n_pos
    return (tp * n_neg / n_pos + tn) / (2 * n_neg)


def mer_metrics(probs: Any, presence: Any, thresholds: Any = None) -> dict[str, float]:
    """Multi-label emotion metrics over the six emotions of :data:`mmolre.constants.EMOTIONS`.

    Args:
        probs: ``[N, 6]`` predicted presence probabilities in [0, 1].
        presence: ``[N, 6]`` true presence, 0/1 or bool.
        thresholds: ``None`` (0.5 for every emotion), a scalar, or an array of 6. A sample counts as
            positive for emotion ``e`` when ``probs[:, e] >= thresholds[e]``. Thresholds other than 0.5
            must come from :func:`choose_thresholds` on *validation* data, never on the split
            being evaluated.

    Returns:
        For each emotion ``e``: ``e_WA`` (weighted accuracy ``(TP*N/P + TN) / (2N)``), ``e_F1``
        (sklearn weighted F1, true labels first) and ``e_AUC`` (ROC AUC of the probabilities); then
        ``mean_WA``, ``mean_F1``, ``mean_AUC`` (means over the six) and ``micro_F1`` (micro F1 over the
        whole ``N x 6`` decision matrix, 0.0 when there are neither true nor predicted positives).

    An emotion whose split has only one class does not crash: WA is the accuracy on the class present
    (``TN/N`` or ``TP/P``), AUC is 0.5, F1 is sklearn's with ``zero_division=0``, and a
    :class:`MetricWarning` names the emotion.

    Raises:
        ValueError: on wrong shapes, empty input, NaN/inf, probabilities outside [0, 1], non-binary
            presence, or malformed thresholds.
    """
    pr, y = _check_mer_inputs(probs, presence)
    t = _check_thresholds(thresholds)
    d = pr >= t[None, :]

    out: dict[str, float] = {}
    for j, emo in enumerate(EMOTIONS):
        yj, dj = y[:, j], d[:, j]
        n_pos = int(yj.sum())
        one_class = n_pos == 0 or n_pos == yj.size
        if one_class:
            missing = "positives" if n_pos == 0 else "negatives"
            warnings.warn(
                f"emotion '{emo}' has no {missing} in this split ({yj.size} samples): WA is the accuracy "
                "on the class present and AUC is set to 0.5",
                MetricWarning,
                stacklevel=2,
            )
        out[f"{emo}_WA"] = float(_weighted_accuracy(yj, dj))
        out[f"{emo}_F1"] = _weighted_f1(yj, dj)
        out[f"{emo}_AUC"] = 0.5 if one_class else float(roc_auc_score(yj, pr[:, j]))

    for m in ("WA", "F1", "AUC"):
        out[f"mean_{m}"] = float(np.mean([out[f"{e}_{m}"] for e in EMOTIONS]))
    out["micro_F1"] = float(f1_score(y, d, average="micro", zero_division=0))
    return out


def choose_thresholds(
    probs: Any, presence: Any, grid: Sequence[float] | np.ndarray | None = None
) -> np.ndarray:
    """Per-emotion decision thresholds that maximise weighted accuracy (WA).

    **Feed this validation data only.** Choosing thresholds on the test split leaks the test labels
    into the reported numbers; pass the returned array to :func:`mer_metrics` on test.

    Args:
        probs: ``[N, 6]`` validation probabilities in [0, 1].
        presence: ``[N, 6]`` validation presence, 0/1 or bool.
        grid: candidate thresholds in [0, 1]; default ``np.linspace(0.05, 0.95, 19)`` (step 0.05,
            contains 0.5). The decision rule is ``prob >= threshold``, as in :func:`mer_metrics`.

    Returns:
        ``np.ndarray`` of shape ``[6]``. Among thresholds with the best WA, the one closest to 0.5 wins
        (the lower one if two are equally close). An emotion with no positives (or no negatives) in the
        data gets 0.5 and a :class:`MetricWarning`.
    """
    pr, y = _check_mer_inputs(probs, presence)
    g = DEFAULT_THRESHOLD_GRID if grid is None else _as_finite_float(grid, "grid").reshape(-1)
    if g.size == 0:
        raise ValueError("grid is empty")
    if g.min() < 0.0 or g.max() > 1.0:
        raise ValueError("grid values must lie in [0, 1]")
    g = np.unique(g)  # sorted ascending, so argmin below prefers the lower of two equidistant values

    out = np.full(len(EMOTIONS), DEFAULT_THRESHOLD)
    for j, emo in enumerate(EMOTIONS):
        yj = y[:, j]
        n_pos = int(yj.sum())
        n_neg = yj.size - n_pos
        if n_pos == 0 or n_neg == 0:
            warnings.warn(
                f"emotion '{emo}' has only one class in the threshold-selection data; using 0.5",
                MetricWarning,
                stacklevel=2,
            )
            continue
        dec = pr[:, j][:, None] >= g[None, :]  # [N, G]
        tp = (dec & yj[:, None]).sum(axis=0)
        tn = (~dec & ~yj[:, None]).sum(axis=0)
        wa = 0.5 * (tp / n_pos + tn / n_neg)
        # Tolerance: equal WAs reached through different counts may differ in the last bit.
        best = np.flatnonzero(wa >= wa.max() - 1e-12)
        dist = np.round(np.abs(g[best] - DEFAULT_THRESHOLD), 9)
        out[j] = float(g[best[np.argmin(dist)]])
    return out
