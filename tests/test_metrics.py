"""Tests for mmolre.evaluation.metrics: hand-computed golden cases plus an independent loop implementation."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmolre.constants import EMOTIONS
from mmolre.evaluation.metrics import (
    DEFAULT_THRESHOLD_GRID,
    MER_KEYS,
    MSA_KEYS,
    MetricWarning,
    choose_thresholds,
    mer_metrics,
    msa_metrics,
)

# --------------------------------------------------------------------------------------------------
# Independent reference implementation of DESIGN.md section 3, plain Python only (no numpy/sklearn).
# --------------------------------------------------------------------------------------------------


def ref_weighted_f1(true: list[bool], pred: list[bool]) -> float:
    """Support-weighted mean of per-class F1 over the classes seen in true or pred (0 when undefined)."""
    classes = sorted(set(true) | set(pred))
    total = 0.0
    for c in classes:
        tp = sum(1 for t, p in zip(true, pred) if t == c and p == c)
        fp = sum(1 for t, p in zip(true, pred) if t != c and p == c)
        fn = sum(1 for t, p in zip(true, pred) if t == c and p != c)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        support = sum(1 for t in true if t == c)
        total += f1 * support
    return total / len(true)


def ref_pearson(x: list[float], y: list[float]) -> float:
    n = len(x)
    mx = sum(x) / n
    my = sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if len(set(x)) == 1 or len(set(y)) == 1:
        return 0.0
    return sxy / math.sqrt(sxx * syy)


def ref_clip(v: float, bound: float) -> float:
    return min(max(v, -bound), bound)


def ref_msa(preds: list[float], labels: list[float]) -> dict[str, float]:
    n = len(preds)
    out: dict[str, float] = {}
    has_t = [y >= 0 for y in labels]
    has_p = [p >= 0 for p in preds]
    out["Has0_acc_2"] = sum(1 for t, p in zip(has_t, has_p) if t == p) / n
    out["Has0_F1_score"] = ref_weighted_f1(has_t, has_p)
    idx = [i for i in range(n) if labels[i] != 0]
    if idx:
        non_t = [labels[i] > 0 for i in idx]
        non_p = [preds[i] > 0 for i in idx]
        out["Non0_acc_2"] = sum(1 for t, p in zip(non_t, non_p) if t == p) / len(idx)
        out["Non0_F1_score"] = ref_weighted_f1(non_t, non_p)
    else:
        out["Non0_acc_2"] = out["Non0_F1_score"] = float("nan")
    # Python's built-in round() on floats rounds half to even, like np.round.
    for k, bound in ((5, 2.0), (7, 3.0)):
        hits = sum(1 for p, y in zip(preds, labels) if round(ref_clip(p, bound)) == round(ref_clip(y, bound)))
        out[f"Mult_acc_{k}"] = hits / n
    out["MAE"] = sum(abs(p - y) for p, y in zip(preds, labels)) / n
    out["Corr"] = ref_pearson(preds, labels)
    return out


def ref_auc(true: list[bool], score: list[float]) -> float:
    pos = [s for t, s in zip(true, score) if t]
    neg = [s for t, s in zip(true, score) if not t]
    if not pos or not neg:
        return 0.5
    wins = 0.0
    for a in pos:
        for b in neg:
            wins += 1.0 if a > b else 0.5 if a == b else 0.0
    return wins / (len(pos) * len(neg))


def ref_mer(probs: list[list[float]], presence: list[list[int]], thresholds: list[float]) -> dict[str, float]:
    out: dict[str, float] = {}
    all_tp = all_fp = all_fn = 0
    for j, emo in enumerate(EMOTIONS):
        true = [bool(row[j]) for row in presence]
        score = [row[j] for row in probs]
        dec = [s >= thresholds[j] for s in score]
        tp = sum(1 for t, d in zip(true, dec) if t and d)
        tn = sum(1 for t, d in zip(true, dec) if not t and not d)
        fp = sum(1 for t, d in zip(true, dec) if not t and d)
        fn = sum(1 for t, d in zip(true, dec) if t and not d)
        pos, neg = tp + fn, tn + fp
        if pos == 0:
            wa = tn / neg
        elif neg == 0:
            wa = tp / pos
        else:
            wa = (tp * neg / pos + tn) / (2 * neg)
        out[f"{emo}_WA"] = wa
        out[f"{emo}_F1"] = ref_weighted_f1(true, dec)
        out[f"{emo}_AUC"] = ref_auc(true, score)
        all_tp, all_fp, all_fn = all_tp + tp, all_fp + fp, all_fn + fn
    for m in ("WA", "F1", "AUC"):
        out[f"mean_{m}"] = sum(out[f"{e}_{m}"] for e in EMOTIONS) / len(EMOTIONS)
    denom = 2 * all_tp + all_fp + all_fn
    out["micro_F1"] = 2 * all_tp / denom if denom else 0.0
    return out


def assert_close_dicts(got: dict[str, float], want: dict[str, float], tol: float = 1e-4) -> None:
    assert list(got) == list(want) or set(got) == set(want)
    for k, w in want.items():
        g = got[k]
        if math.isnan(w):
            assert math.isnan(g), k
        else:
            assert abs(g - w) <= tol, (k, g, w)


# --------------------------------------------------------------------------------------------------
# MSA golden cases
# --------------------------------------------------------------------------------------------------


def test_msa_keys_and_types():
    res = msa_metrics([0.1, -1.0, 2.0], [0.5, -2.0, 1.0])
    assert tuple(res) == MSA_KEYS
    assert all(type(v) is float for v in res.values())


def test_msa_round_half_to_even():
    # np.round: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> -0 (== 0), -1.5 -> -2, -2.5 -> -2: all equal labels.
    # Half away from zero would give 1, 2, 3, -1, -2, -3: only 2 of 6 right.
    preds = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5]
    labels = [0.0, 2.0, 2.0, 0.0, -2.0, -2.0]
    res = msa_metrics(preds, labels)
    assert res["Mult_acc_7"] == 1.0
    # [-2, 2] clip: 2.5 -> 2, -2.5 -> -2, then the same rounding: still 6/6.
    assert res["Mult_acc_5"] == 1.0


def test_msa_clipping_and_unclipped_mae():
    preds = [3.7, -4.2, 2.6, -2.4, 10.0]
    labels = [3.0, -3.0, 2.0, -2.0, 1.0]
    res = msa_metrics(preds, labels)
    # Acc7: preds clipped to [-3,3] -> 3, -3, 2.6, -2.4, 3 -> rounded 3, -3, 3, -2, 3
    #       labels 3, -3, 2, -2, 1 -> hits at 0, 1, 3 -> 3/5 (no clipping would give 1/5).
    assert res["Mult_acc_7"] == pytest.approx(3 / 5)
    # Acc5: preds -> 2, -2, 2, -2, 2; labels -> 2, -2, 2, -2, 1 -> 4/5.
    assert res["Mult_acc_5"] == pytest.approx(4 / 5)
    # MAE unclipped: (0.7 + 1.2 + 0.6 + 0.4 + 9.0) / 5 = 11.9 / 5 = 2.38 (clipped would be 0.6).
    assert res["MAE"] == pytest.approx(2.38, abs=1e-12)


def test_msa_zero_predictions_and_zero_labels():
    preds = [0.0, -0.3, 1.0, -1.0, 0.0, 2.0]
    labels = [0.0, 0.0, 2.0, -2.0, 1.0, -1.0]
    res = msa_metrics(preds, labels)
    # Has0: y>=0 = T T T F T F; p>=0 = T F T F T T (p = 0 counts positive) -> hits 0,2,3,4 -> 4/6.
    assert res["Has0_acc_2"] == pytest.approx(4 / 6)
    # Has0 F1: class T (support 4): TP 3 (0,2,4), FP 1 (5), FN 1 (1) -> F1 0.75;
    #          class F (support 2): TP 1 (3), FP 1 (1), FN 1 (5) -> F1 0.5; weighted (4*.75 + 2*.5)/6 = 2/3.
    assert res["Has0_F1_score"] == pytest.approx(2 / 3)
    # Non0 drops samples 0 and 1 (y == 0). y>0 = T F T F; p>0 = T F F T (p = 0 now counts negative)
    # -> hits 2, 3 -> 2/4. F1: class T: TP 1, FP 1, FN 1 -> .5; class F: TP 1, FP 1, FN 1 -> .5 -> 0.5.
    assert res["Non0_acc_2"] == pytest.approx(0.5)
    assert res["Non0_F1_score"] == pytest.approx(0.5)


def test_msa_has0_differs_from_non0_f1_weighting():
    # Labels all non-negative so Has0 truth is all T; preds: 0.0 (T), -1 (F), 2 (T), 0.0 (T).
    preds = [0.0, -1.0, 2.0, 0.0]
    labels = [0.0, 1.0, 1.0, 2.0]
    res = msa_metrics(preds, labels)
    # Has0: truth T T T T, pred T F T T -> acc 3/4; F1: class T support 4: P 1, R 3/4 -> 6/7;
    # class F support 0 (weight 0) -> weighted 6/7.
    assert res["Has0_acc_2"] == pytest.approx(3 / 4)
    assert res["Has0_F1_score"] == pytest.approx(6 / 7)
    # Non0 keeps samples 1, 2, 3: truth T T T; pred (p > 0) F T F -> acc 1/3;
    # class T support 3: P 1, R 1/3 -> F1 = 2*(1/3)/(4/3) = 1/2 -> weighted 1/2.
    assert res["Non0_acc_2"] == pytest.approx(1 / 3)
    assert res["Non0_F1_score"] == pytest.approx(1 / 2)


def test_msa_mae_and_corr_by_hand():
    # p = 1,2,3; y = 1,3,2: means 2, 2; centred (-1,0,1), (-1,1,0);
    # sum xy = 1; sum xx = sum yy = 2 -> r = 1 / sqrt(2 * 2) = 1/2.
    res = msa_metrics([1.0, 2.0, 3.0], [1.0, 3.0, 2.0])
    assert res["Corr"] == pytest.approx(0.5, abs=1e-12)
    assert res["MAE"] == pytest.approx(2 / 3, abs=1e-12)  # (0 + 1 + 1) / 3, not rounded to 4 decimals


def test_msa_accepts_column_vectors_and_tensors():
    torch = pytest.importorskip("torch")
    p = torch.tensor([[0.2], [-1.0], [2.0]], requires_grad=True)
    y = torch.tensor([0.5, -2.0, 1.0])
    # Same float32 values as numpy arrays of another shape give the identical result.
    p32 = np.array([0.2, -1.0, 2.0], dtype=np.float32)
    y32 = np.array([[0.5], [-2.0], [1.0]], dtype=np.float32)
    assert msa_metrics(p, y) == msa_metrics(p32, y32)


def test_msa_constant_prediction_gives_zero_corr_and_warns():
    with pytest.warns(MetricWarning, match="constant"):
        res = msa_metrics([0.3, 0.3, 0.3, 0.3], [1.0, -1.0, 2.0, 0.0])
    assert res["Corr"] == 0.0
    assert not math.isnan(res["MAE"])


@pytest.mark.filterwarnings("ignore:Corr is undefined")
def test_msa_all_zero_labels_non0_undefined():
    with pytest.warns(MetricWarning, match="Non0"):
        res = msa_metrics([0.5, -0.5, 0.0], [0.0, 0.0, 0.0])
    assert math.isnan(res["Non0_acc_2"]) and math.isnan(res["Non0_F1_score"])
    assert res["Has0_acc_2"] == pytest.approx(2 / 3)  # y>=0 all T; p>=0 T F T


@pytest.mark.parametrize(
    ("preds", "labels", "match"),
    [
        ([0.1, 0.2], [0.1, 0.2, 0.3], "different lengths"),
        ([], [], "empty"),
        ([0.1, float("nan")], [0.1, 0.2], "preds contains 1 NaN"),
        ([0.1, 0.2], [float("nan"), 0.2], "labels contains 1 NaN"),
        ([0.1, float("inf")], [0.1, 0.2], "infinite"),
    ],
)
def test_msa_invalid_inputs(preds, labels, match):
    with pytest.raises(ValueError, match=match):
        msa_metrics(preds, labels)


# --------------------------------------------------------------------------------------------------
# MER golden cases
# --------------------------------------------------------------------------------------------------

# Columns in EMOTIONS order (happy, sad, anger, surprise, disgust, fear); four samples.
_HAPPY_Y, _HAPPY_P = [1, 0, 0, 0], [0.6, 0.7, 0.2, 0.1]
_BAL_Y, _BAL_P = [1, 1, 0, 0], [0.9, 0.4, 0.6, 0.1]
_NOPOS_Y, _NOPOS_P = [0, 0, 0, 0], [0.6, 0.2, 0.1, 0.3]


def _golden_mer() -> tuple[np.ndarray, np.ndarray]:
    cols_y = [_HAPPY_Y, _BAL_Y, _NOPOS_Y, _BAL_Y, _BAL_Y, _BAL_Y]
    cols_p = [_HAPPY_P, _BAL_P, _NOPOS_P, _BAL_P, _BAL_P, _BAL_P]
    return np.array(cols_p, dtype=float).T, np.array(cols_y).T


def test_mer_golden_values_and_no_positive_emotion():
    probs, presence = _golden_mer()
    with pytest.warns(MetricWarning, match="'anger' has no positives"):
        res = mer_metrics(probs, presence)
    assert tuple(res) == MER_KEYS
    # happy: y 1 0 0 0, p .6 .7 .2 .1 -> d 1 1 0 0: TP 1, P 1, TN 2, N 3 -> WA = (1*3/1 + 2)/(2*3) = 5/6.
    assert res["happy_WA"] == pytest.approx(5 / 6)
    # F1: class 1 (support 1): P 1/2, R 1 -> 2/3; class 0 (support 3): P 1, R 2/3 -> 0.8
    #     weighted (1*2/3 + 3*0.8)/4 = 23/30.
    assert res["happy_F1"] == pytest.approx(23 / 30)
    # AUC: positive .6 beats negatives .2, .1 but not .7 -> 2/3.
    assert res["happy_AUC"] == pytest.approx(2 / 3)
    # sad (balanced): d 1 0 1 0: TP 1, P 2, TN 1, N 2 -> WA (1*2/2 + 1)/4 = 0.5; both class F1 = 0.5.
    # AUC: pairs (.9>.6, .9>.1, .4<.6, .4>.1) -> 3/4.
    assert (res["sad_WA"], res["sad_F1"], res["sad_AUC"]) == pytest.approx((0.5, 0.5, 0.75))
    # anger (no positives): d 1 0 0 0 -> WA = TN/N = 3/4; AUC 0.5 by definition;
    # F1: class 0 support 4: P 1, R 3/4 -> 6/7; class 1 support 0 has weight 0 -> 6/7.
    assert (res["anger_WA"], res["anger_F1"], res["anger_AUC"]) == pytest.approx((0.75, 6 / 7, 0.5))
    assert res["mean_WA"] == pytest.approx((5 / 6 + 0.5 + 0.75 + 3 * 0.5) / 6)
    assert res["mean_F1"] == pytest.approx((23 / 30 + 0.5 + 6 / 7 + 3 * 0.5) / 6)
    assert res["mean_AUC"] == pytest.approx((2 / 3 + 0.75 + 0.5 + 3 * 0.75) / 6)
    # micro: TP = 1 + 1 + 0 + 3*1 = 5; FP = 1 + 1 + 1 + 3*1 = 6; FN = 0 + 1 + 0 + 3*1 = 4
    # -> 2*5 / (2*5 + 6 + 4) = 0.5.
    assert res["micro_F1"] == pytest.approx(0.5)


@pytest.mark.filterwarnings("ignore:emotion 'anger'")
def test_mer_no_negatives_warns_and_uses_recall():
    probs, presence = _golden_mer()
    presence[:, 5] = 1  # fear: all positive; p .9 .4 .6 .1 -> d 1 0 1 0 -> WA = TP/P = 2/4
    with pytest.warns(MetricWarning, match="'fear' has no negatives"):
        res = mer_metrics(probs, presence)
    assert res["fear_WA"] == pytest.approx(0.5)
    assert res["fear_AUC"] == 0.5


def test_mer_thresholds_change_decisions():
    probs, presence = _golden_mer()
    t = np.full(6, 0.5)
    t[0] = 0.65  # happy: d becomes 0 1 0 0 -> TP 0, TN 2 -> WA = (0 + 2)/6 = 1/3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricWarning)
        res = mer_metrics(probs, presence, thresholds=t)
        base = mer_metrics(probs, presence)
    assert res["happy_WA"] == pytest.approx(1 / 3)
    # F1: class 1: TP 0 -> 0; class 0 (support 3): TP 2, FP 1, FN 1 -> 2/3 -> weighted 3*(2/3)/4 = 0.5.
    assert res["happy_F1"] == pytest.approx(0.5)
    assert res["happy_AUC"] == base["happy_AUC"]  # AUC does not depend on the threshold
    assert res["sad_WA"] == base["sad_WA"]


def test_mer_threshold_is_inclusive():
    # prob exactly equal to the threshold is a positive decision (>=).
    probs = np.array([[0.5] * 6, [0.2] * 6])
    presence = np.array([[1] * 6, [0] * 6])
    res = mer_metrics(probs, presence)
    assert res["mean_WA"] == 1.0 and res["micro_F1"] == 1.0
    # A scalar threshold broadcasts to all six emotions: 0.6 makes every decision negative.
    res = mer_metrics(probs, presence, thresholds=0.6)
    assert res["mean_WA"] == 0.5 and res["micro_F1"] == 0.0


def test_mer_accepts_bool_presence():
    probs, presence = _golden_mer()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricWarning)
        assert mer_metrics(probs, presence.astype(bool)) == mer_metrics(probs, presence)


@pytest.mark.parametrize(
    ("probs", "presence", "thresholds", "match"),
    [
        (np.full((3, 5), 0.5), np.zeros((3, 5)), None, r"shape \[N, 6\]"),
        (np.full((3, 6), 0.5), np.zeros((4, 6)), None, "does not match"),
        (np.full((0, 6), 0.5), np.zeros((0, 6)), None, "empty"),
        (np.full((3, 6), 1.5), np.zeros((3, 6)), None, "sigmoid"),
        (np.full((3, 6), np.nan), np.zeros((3, 6)), None, "NaN"),
        (np.full((3, 6), 0.5), np.full((3, 6), 2), None, "binary"),
        (np.full((3, 6), 0.5), np.zeros((3, 6)), [0.5] * 5, "thresholds"),
        (np.full((3, 6), 0.5), np.zeros((3, 6)), [1.5] * 6, r"\[0, 1\]"),
    ],
)
def test_mer_invalid_inputs(probs, presence, thresholds, match):
    with pytest.raises(ValueError, match=match):
        mer_metrics(probs, presence, thresholds)


# --------------------------------------------------------------------------------------------------
# choose_thresholds
# --------------------------------------------------------------------------------------------------


def test_default_grid_contains_exact_half():
    assert 0.5 in DEFAULT_THRESHOLD_GRID.tolist()
    assert len(DEFAULT_THRESHOLD_GRID) == 19


def test_choose_thresholds_known_best():
    # Four samples per emotion; presence 1 1 0 0 for all.
    presence = np.array([[1] * 6, [1] * 6, [0] * 6, [0] * 6])
    cols = [
        # happy: positives .72, .8; negatives .68, .1 -> WA = 1 only for t in (.68, .72] -> grid 0.70.
        [0.72, 0.8, 0.68, 0.1],
        # sad: perfect for t in (.2, .9] -> tie over .25 .. .9 -> broken toward 0.5.
        [0.9, 0.95, 0.2, 0.1],
        # anger: perfect for t in (.6, .9] -> closest grid point to 0.5 is 0.65.
        [0.9, 0.91, 0.6, 0.55],
        # surprise: perfect for t in (.05, .15] -> 0.1 and 0.15 tie; 0.15 is closer to 0.5.
        [0.15, 0.2, 0.05, 0.01],
        # disgust: inverted scores: nothing beats WA 0.5 -> every t in the grid gives 0.5 -> 0.5.
        [0.01, 0.02, 0.98, 0.99],
        # fear: no grid point separates perfectly; several tie (worked out below).
        [0.36, 0.31, 0.305, 0.1],
    ]
    probs = np.array(cols, dtype=float).T
    t = choose_thresholds(probs, presence)
    assert t.shape == (6,)
    assert t[:5].tolist() == pytest.approx([0.70, 0.5, 0.65, 0.15, 0.5])
    # fear, positives .36 .31, negatives .305 .1, by hand over the grid:
    # t in {.15 .. .30}: d 1 1 1 0 -> TP 2, TN 1 -> WA (2/2 + 1/2)/2 = .75;
    # t = .35: d 1 0 0 0 -> TP 1, TN 2 -> WA (1/2 + 2/2)/2 = .75; t <= .1 or t >= .4 -> WA .5.
    # Tie over .15 .. .35 -> .35 is closest to 0.5.
    assert t[5] == pytest.approx(0.35)


def test_choose_thresholds_equidistant_tie_takes_lower_and_no_positives_gets_half():
    presence = np.array([[1] * 6, [1] * 6, [0] * 6, [0] * 6])
    presence[:, 2] = 0  # anger has no positives
    probs = np.tile(np.array([[0.8], [0.9], [0.1], [0.2]]), (1, 6))
    with pytest.warns(MetricWarning, match="anger"):
        t = choose_thresholds(probs, presence, grid=[0.7, 0.3])
    # 0.3 and 0.7 both separate perfectly and are 0.2 from 0.5: the lower one wins.
    assert t.tolist() == [0.3, 0.3, 0.5, 0.3, 0.3, 0.3]


def test_choose_thresholds_is_grid_optimal_on_random_data():
    rng = np.random.default_rng(7)
    presence = rng.random((200, 6)) < 0.3
    probs = np.clip(0.3 * presence + rng.random((200, 6)) * 0.7, 0, 1)
    t = choose_thresholds(probs, presence)
    best = mer_metrics(probs, presence, t)
    for g in DEFAULT_THRESHOLD_GRID:
        other = mer_metrics(probs, presence, np.full(6, g))
        for e in EMOTIONS:
            assert best[f"{e}_WA"] >= other[f"{e}_WA"] - 1e-12
    with pytest.raises(ValueError, match="grid"):
        choose_thresholds(probs, presence, grid=[1.2])


# --------------------------------------------------------------------------------------------------
# Module against the independent implementation
# --------------------------------------------------------------------------------------------------

_HALVES = [k / 2 for k in range(-8, 9)] + [k / 3 for k in range(-9, 10)]
_sentiment = st.one_of(
    st.sampled_from(_HALVES),
    st.floats(-4.0, 4.0, allow_nan=False).map(lambda x: round(x, 4)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_sentiment, _sentiment), min_size=1, max_size=40))
def test_msa_matches_reference_hypothesis(pairs):
    preds = [p for p, _ in pairs]
    labels = [y for _, y in pairs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricWarning)
        got = msa_metrics(preds, labels)
    assert_close_dicts(got, ref_msa(preds, labels))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_msa_matches_reference_seeded(seed):
    rng = np.random.default_rng(seed)
    # MOSI-like labels: averages of annotator scores, many exact zeros and halves.
    labels = np.round(rng.uniform(-3, 3, 600) * 3) / 3
    labels[:40] = 0.0
    labels[40:80] = rng.choice([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], 40)
    preds = np.clip(labels + rng.normal(0, 1.0, 600), -3.5, 3.5)
    preds[:10] = 0.0
    got = msa_metrics(preds, labels)
    assert_close_dicts(got, ref_msa(preds.tolist(), labels.tolist()))


@st.composite
def _mer_case(draw):
    n = draw(st.integers(1, 25))
    probs = draw(
        st.lists(
            st.lists(st.integers(0, 20).map(lambda k: k / 20), min_size=6, max_size=6), min_size=n, max_size=n
        )
    )
    presence = draw(st.lists(st.lists(st.integers(0, 1), min_size=6, max_size=6), min_size=n, max_size=n))
    thresholds = draw(
        st.one_of(
            st.none(), st.lists(st.sampled_from(DEFAULT_THRESHOLD_GRID.tolist()), min_size=6, max_size=6)
        )
    )
    return probs, presence, thresholds


@settings(max_examples=100, deadline=None)
@given(_mer_case())
def test_mer_matches_reference_hypothesis(case):
    probs, presence, thresholds = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricWarning)
        got = mer_metrics(np.array(probs), np.array(presence), thresholds)
    assert_close_dicts(got, ref_mer(probs, presence, thresholds or [0.5] * 6))


@pytest.mark.parametrize("seed", [0, 1])
def test_mer_matches_reference_seeded(seed):
    rng = np.random.default_rng(seed)
    presence = (rng.random((300, 6)) < [0.5, 0.25, 0.2, 0.1, 0.15, 0.08]).astype(int)
    probs = np.clip(0.35 * presence + rng.random((300, 6)) * 0.65, 0, 1)
    t = choose_thresholds(probs[:150], presence[:150])  # "validation" half
    got = mer_metrics(probs[150:], presence[150:], t)
    assert_close_dicts(got, ref_mer(probs[150:].tolist(), presence[150:].tolist(), t.tolist()))


def test_reexport_is_the_same_implementation():
    import mmolre.evaluation as ev
    from mmolre import metrics as short

    assert short.msa_metrics is ev.msa_metrics is msa_metrics
    assert short.mer_metrics is ev.mer_metrics is mer_metrics
