"""Pseudo emotion labels the UniMSE way, and how good they are where real labels exist.

UniMSE (Hu et al., "UniMSE: Towards Unified Multimodal Sentiment Analysis and Emotion Recognition",
EMNLP 2022, arXiv 2211.11256) gives every MSA utterance (MOSI, MOSEI) the emotion of its
most similar ERC utterance (MELD, IEMOCAP) **of the same sentiment polarity**, similarity being that of
the two transcripts' sentence embeddings. This module does that with MELD as the reference and mean-pooled,
L2-normalised MiniLM embeddings (all-MiniLM-L6-v2's own sentence-embedding recipe; the packaged offline
weights), cosine similarity, and polarity = sign of the sentiment (positive > 0, neutral = 0,
negative < 0) against MELD's ``Sentiment`` column.

MELD has seven classes; MOSEI six emotions. The mapping (`MELD_TO_MOSEI`) is the obvious one UniMSE's
universal labels imply: joy -> happy, sadness -> sad, anger, surprise, disgust and fear to themselves,
neutral -> no emotion. A pseudo label therefore says "emotion e is present" for one e, or "none".

`evaluate_pseudo_labels` scores pseudo labels against real MOSEI emotion presence (intensity > 0):
per-emotion weighted accuracy and weighted F1 (the project's MER metrics at a fixed 0.5 threshold on
the 0/1 pseudo presence), how often the pseudo emotion is among the present ones, is the dominant one,
and how often "none" is right, beside two baselines that use no similarity at all: the reference's
commonest class of the utterance's polarity, and a class drawn at random with the reference's
frequencies within that polarity.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from mmolre.constants import EMOTIONS
from mmolre.data.dataset import DataError

log = logging.getLogger(__name__)

MELD_EMOTIONS: tuple[str, ...] = ("neutral", "joy", "surprise", "anger", "sadness", "disgust", "fear")
MELD_TO_MOSEI: dict[str, str | None] = {
    "neutral": None,
    "joy": "happy",
    "sadness": "sad",
    "anger": "anger",
    "surprise": "surprise",
    "disgust": "disgust",
    "fear": "fear",
}
POLARITIES: tuple[str, ...] = ("negative", "neutral", "positive")


def polarity(sentiment: np.ndarray | Sequence[float]) -> np.ndarray:
    """``"negative"``, ``"neutral"`` or ``"positive"`` by the sign of each sentiment value."""
    s = np.asarray(sentiment, dtype=np.float64)
    return np.select([s > 0, s < 0], ["positive", "negative"], default="neutral").astype(object)


def read_reference(paths: Sequence[str | Path]) -> pd.DataFrame:
    """ERC utterances with ``text``, ``emotion`` (MELD class) and ``polarity``, from MELD CSV files.

    Reads MELD's ``*_sent_emo.csv`` (columns ``Utterance``, ``Emotion``, ``Sentiment``) or any CSV with
    ``text``, ``emotion`` and ``sentiment`` columns (sentiment as positive/neutral/negative).
    """
    frames = []
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise DataError(f"{path}: reference (ERC) table not found")
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        cols = {c.lower().strip(): c for c in raw.columns}
        text = cols.get("utterance", cols.get("text"))
        emotion, sentiment = cols.get("emotion"), cols.get("sentiment")
        if not (text and emotion and sentiment):
            raise DataError(
                f"{path}: expected MELD columns Utterance, Emotion, Sentiment (or text, emotion, sentiment); "
                f"has {list(raw.columns)}"
            )
        df = pd.DataFrame(
            {
                "text": raw[text].str.strip(),
                "emotion": raw[emotion].str.strip().str.lower(),
                "polarity": raw[sentiment].str.strip().str.lower(),
            }
        )
        bad = sorted(set(df["emotion"]) - set(MELD_TO_MOSEI))
        if bad:
            raise DataError(f"{path}: unknown emotion classes {bad}; expected {list(MELD_EMOTIONS)}")
        bad = sorted(set(df["polarity"]) - set(POLARITIES))
        if bad:
            raise DataError(f"{path}: unknown sentiment values {bad}; expected {list(POLARITIES)}")
        frames.append(df)
    if not frames:
        raise DataError("pseudo-label: at least one reference table is needed")
    out = pd.concat(frames, ignore_index=True)
    return out[out["text"] != ""].reset_index(drop=True)


def normalize_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def mean_pool(sequences: Sequence[np.ndarray]) -> np.ndarray:
    """``[N, H]`` L2-normalised means of per-token features (the sentence-transformers recipe)."""
    return normalize_rows(np.stack([np.asarray(s, np.float32).mean(axis=0) for s in sequences]))


def embed_texts(texts: Sequence[str], encoder, batch_size: int = 64) -> np.ndarray:
    """Sentence embeddings of ``texts`` with a `mmolre.features.text.TextEncoder`."""
    return mean_pool(encoder.encode(list(texts), batch_size=batch_size))


def nearest_same_polarity(
    query: np.ndarray, query_polarity: Sequence[str], ref: np.ndarray, ref_polarity: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """For each query row, the index of the most cosine-similar reference row of the same polarity.

    Embeddings must be L2-normalised. Returns ``(index, similarity)``; index -1 (similarity NaN) where
    the reference has no row of that polarity. Ties go to the lowest reference index.
    """
    query_polarity, ref_polarity = np.asarray(query_polarity), np.asarray(ref_polarity)
    index = np.full(len(query), -1, dtype=np.int64)
    sim = np.full(len(query), np.nan, dtype=np.float64)
    for pol in np.unique(query_polarity):
        q = np.flatnonzero(query_polarity == pol)
        r = np.flatnonzero(ref_polarity == pol)
        if not len(r):
            log.warning("reference has no %s utterance; %d queries get no pseudo label", pol, len(q))
            continue
        for start in range(0, len(q), 4096):
            rows = q[start : start + 4096]
            scores = query[rows] @ ref[r].T
            best = scores.argmax(axis=1)
            index[rows] = r[best]
            sim[rows] = scores[np.arange(len(rows)), best]
    return index, sim


def pseudo_label(
    ids: Sequence[str],
    texts: Sequence[str],
    sentiment: np.ndarray,
    query_emb: np.ndarray,
    reference: pd.DataFrame,
    ref_emb: np.ndarray,
) -> pd.DataFrame:
    """One row per utterance: ``id``, ``polarity``, ``pseudo_emotion`` (the MELD class),
    ``mosei_emotion`` (mapped; ``""`` for neutral), ``similarity``, ``reference_text``."""
    pol = polarity(sentiment)
    index, sim = nearest_same_polarity(query_emb, pol, ref_emb, reference["polarity"].to_numpy())
    found = index >= 0
    meld = np.where(found, reference["emotion"].to_numpy()[np.maximum(index, 0)], "")
    ref_text = np.where(found, reference["text"].to_numpy()[np.maximum(index, 0)], "")
    return pd.DataFrame(
        {
            "id": list(ids),
            "text": list(texts),
            "sentiment": np.asarray(sentiment, dtype=np.float64),
            "polarity": pol,
            "pseudo_emotion": meld,
            "mosei_emotion": [MELD_TO_MOSEI.get(m) or "" for m in meld],
            "similarity": sim,
            "reference_text": ref_text,
        }
    )


def pseudo_presence(mosei_emotion: Sequence[str]) -> np.ndarray:
    """``[N, 6]`` 0/1 presence in `EMOTIONS` order implied by single-class pseudo labels."""
    out = np.zeros((len(mosei_emotion), len(EMOTIONS)), dtype=np.float64)
    for i, e in enumerate(mosei_emotion):
        if e:
            out[i, EMOTIONS.index(e)] = 1.0
    return out


def polarity_baseline(pol: Sequence[str], reference: pd.DataFrame) -> list[str]:
    """The most frequent MOSEI-mapped emotion of the reference per polarity, ignoring the text."""
    best = {}
    for p in POLARITIES:
        counts = reference.loc[reference["polarity"] == p, "emotion"].value_counts()
        best[p] = (MELD_TO_MOSEI.get(counts.index[0]) or "") if len(counts) else ""
    return [best[p] for p in pol]


def polarity_random(pol: Sequence[str], reference: pd.DataFrame, seed: int = 0) -> list[str]:
    """A MOSEI-mapped emotion drawn at random from the reference's classes of the same polarity, with
    the reference's frequencies: what nearest-neighbour labelling gives when similarity carries nothing."""
    rng = np.random.default_rng(seed)
    pol = np.asarray(pol, dtype=object)
    out = np.full(len(pol), "", dtype=object)
    for p in POLARITIES:
        rows = np.flatnonzero(pol == p)
        classes = reference.loc[reference["polarity"] == p, "emotion"].to_numpy()
        if len(rows) and len(classes):
            out[rows] = [MELD_TO_MOSEI.get(c) or "" for c in rng.choice(classes, size=len(rows))]
    return list(out)


def _agreement(mosei_emotion: Sequence[str], true_intensity: np.ndarray) -> dict[str, float]:
    presence = true_intensity > 0
    emo = np.asarray(mosei_emotion, dtype=object)
    labelled = emo != ""
    cols = np.array([EMOTIONS.index(e) if e else 0 for e in emo])
    hit = presence[np.arange(len(emo)), cols] & labelled
    dominant = true_intensity.argmax(axis=1)
    any_present = presence.any(axis=1)
    out = {
        "n": float(len(emo)),
        "share_with_emotion": float(labelled.mean()),
        # a pseudo emotion is right when the utterance really shows that emotion (intensity > 0)
        "emotion_present_rate": float(hit[labelled].mean()) if labelled.any() else float("nan"),
        # ... and is the utterance's strongest emotion
        "dominant_rate": float((labelled & any_present & (cols == dominant))[labelled].mean())
        if labelled.any()
        else float("nan"),
        # "none" is right when no emotion is present
        "none_correct_rate": float((~any_present[~labelled]).mean()) if (~labelled).any() else float("nan"),
    }
    return out


def evaluate_pseudo_labels(
    labels: pd.DataFrame, true_intensity: np.ndarray, reference: pd.DataFrame | None = None
) -> dict[str, dict[str, float]]:
    """Pseudo labels (from `pseudo_label`) against real emotion intensities ``[N, 6]``.

    Returns ``{"pseudo": metrics, "polarity_baseline": metrics, "polarity_random": metrics}`` (the two
    baselines only with ``reference``); metrics hold `mer_metrics` at threshold 0.5 on the 0/1 pseudo
    presence (per emotion WA and F1, their means, micro F1) and the agreement rates of `_agreement`.
    """
    import warnings

    from mmolre.evaluation.metrics import mer_metrics

    true_intensity = np.asarray(true_intensity, dtype=np.float64)
    keep = ~np.isnan(true_intensity).any(axis=1)
    if not keep.any():
        raise DataError("pseudo-label evaluation: no utterance has real emotion labels")
    presence = (true_intensity[keep] > 0).astype(int)
    candidates = {"pseudo": list(labels["mosei_emotion"].to_numpy()[keep])}
    if reference is not None:
        pol = labels["polarity"].to_numpy()[keep]
        candidates["polarity_baseline"] = polarity_baseline(pol, reference)
        candidates["polarity_random"] = polarity_random(pol, reference)
    out = {}
    for name, emo in candidates.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            metrics = mer_metrics(pseudo_presence(emo), presence, thresholds=0.5)
        metrics = {k: v for k, v in metrics.items() if not k.endswith("AUC")}
        out[name] = {**metrics, **_agreement(emo, true_intensity[keep])}
    return out
