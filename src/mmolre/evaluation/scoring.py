"""From predictions on a split to the metric dict of DESIGN section 3, overall and per dataset."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mmolre.constants import EMOTIONS
from mmolre.evaluation.metrics import choose_thresholds, mer_metrics, msa_metrics


@dataclass
class Predictions:
    """Model outputs on one split beside its labels (NaN where a sample has no label)."""

    ids: list[str]
    sources: list[str]
    sentiment_true: np.ndarray  # [N]
    emotion_true: np.ndarray  # [N, 6] intensities
    sentiment_pred: np.ndarray | None = None  # [N]
    emotion_prob: np.ndarray | None = None  # [N, 6]

    def subset(self, mask: np.ndarray) -> Predictions:
        return Predictions(
            ids=[i for i, keep in zip(self.ids, mask) if keep],
            sources=[s for s, keep in zip(self.sources, mask) if keep],
            sentiment_true=self.sentiment_true[mask],
            emotion_true=self.emotion_true[mask],
            sentiment_pred=None if self.sentiment_pred is None else self.sentiment_pred[mask],
            emotion_prob=None if self.emotion_prob is None else self.emotion_prob[mask],
        )

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({"id": self.ids, "source": self.sources, "sentiment": self.sentiment_true})
        if self.sentiment_pred is not None:
            frame["sentiment_pred"] = self.sentiment_pred
        for j, emotion in enumerate(EMOTIONS):
            frame[emotion] = self.emotion_true[:, j]
            if self.emotion_prob is not None:
                frame[f"{emotion}_prob"] = self.emotion_prob[:, j]
        return frame

    def save_csv(self, path: Path) -> None:
        path = Path(path)
        tmp = path.with_name(f".{path.name}.partial")
        self.to_frame().to_csv(tmp, index=False, float_format="%.7g")
        os.replace(tmp, path)


def _score_one(preds: Predictions, thresholds: np.ndarray | None) -> dict[str, float]:
    out: dict[str, float] = {}
    has_sa = ~np.isnan(preds.sentiment_true)
    if preds.sentiment_pred is not None and has_sa.any():
        out.update(msa_metrics(preds.sentiment_pred[has_sa], preds.sentiment_true[has_sa]))
    has_er = ~np.isnan(preds.emotion_true).any(axis=1)
    if preds.emotion_prob is not None and has_er.any():
        presence = (preds.emotion_true[has_er] > 0).astype(int)
        out.update(mer_metrics(preds.emotion_prob[has_er], presence, thresholds=thresholds))
    return out


def score(preds: Predictions, thresholds: np.ndarray | None = None) -> dict[str, float]:
    """Metrics over all samples; with several datasets, also ``"<dataset>/<metric>"`` per dataset.

    SA metrics only count samples with a sentiment label, ER metrics only samples with emotion labels,
    so a MOSI + MOSEI split reports MSA for both and MER for MOSEI alone.
    """
    out = _score_one(preds, thresholds)
    sources = sorted(set(preds.sources))
    if len(sources) > 1:
        for source in sources:
            part = preds.subset(np.array([s == source for s in preds.sources]))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # per-dataset slices repeat the overall warnings
                out.update({f"{source}/{k}": v for k, v in _score_one(part, thresholds).items()})
    return out


def tune_thresholds(valid: Predictions) -> np.ndarray | None:
    """Per-emotion thresholds chosen on validation predictions (never on test)."""
    if valid.emotion_prob is None:
        return None
    has_er = ~np.isnan(valid.emotion_true).any(axis=1)
    if not has_er.any():
        return None
    presence = (valid.emotion_true[has_er] > 0).astype(int)
    return np.asarray(choose_thresholds(valid.emotion_prob[has_er], presence), dtype=float)
