"""Python API: load a trained checkpoint and predict sentiment and emotions for new utterances.

    from mmolre.api import Predictor
    predictor = Predictor.from_checkpoint("runs/mmolre-cpu/20261129-101500/seed_1111")
    predictor.predict(texts=["I loved every minute of it"], audio=["clip.wav"])

Raw inputs are encoded with the encoders named in the checkpoint's ``features`` config (the ones its
training features were made with); precomputed feature sequences go to `Predictor.predict_features`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from mmolre.config import ConfigError, RunConfig
from mmolre.constants import EMOTIONS
from mmolre.data.dataset import MultimodalDataset, make_loader
from mmolre.models import build_model
from mmolre.training.checkpoint import WEIGHTS, load_weights, read_checkpoint_meta


@dataclass
class Prediction:
    sentiment: float | None
    emotion_probs: dict[str, float] = field(default_factory=dict)
    emotions_present: dict[str, bool] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "sentiment": self.sentiment,
            "emotion_probs": self.emotion_probs,
            "emotions_present": self.emotions_present,
        }


class Predictor:
    """A trained model with its config, feature dims and validation-chosen ER thresholds."""

    def __init__(self, model: torch.nn.Module, cfg: RunConfig, thresholds: np.ndarray, dims: dict[str, int]):
        self.model, self.cfg, self.thresholds, self.feature_dims = model.eval(), cfg, thresholds, dims
        self._encoders: dict[str, object] = {}
        if getattr(model, "text_encoder", None) is not None:
            model.text_encoder.memoize = False  # a predictor's texts are unbounded: keep no memo

    @classmethod
    def from_checkpoint(cls, folder: str | Path, device: str = "cpu") -> Predictor:
        cfg, meta = read_checkpoint_meta(Path(folder))
        cfg.train.device = device
        model = build_model(cfg, meta["feature_dims"]).to(device)
        load_weights(Path(folder) / WEIGHTS, model)
        thresholds = np.asarray(meta.get("thresholds") or [0.5] * len(EMOTIONS), dtype=float)
        return cls(model, cfg, thresholds, meta["feature_dims"])

    @property
    def modalities(self) -> list[str]:
        return list(self.cfg.model.modalities)

    @torch.no_grad()
    def predict_features(
        self, features: dict[str, Sequence[np.ndarray]], texts: Sequence[str] | None = None
    ) -> list[Prediction]:
        """Predict from per-utterance feature sequences ``[T, D]``, one list per modality."""
        missing = [m for m in self.modalities if m not in features]
        if missing:
            raise ConfigError(f"inputs: the model needs modalities {missing} as well")
        n = len(features[self.modalities[0]])
        for m in self.modalities:
            if len(features[m]) != n:
                raise ConfigError(f"inputs: {len(features[m])} {m} sequences for {n} utterances")
            for seq in features[m]:
                if seq.ndim != 2 or seq.shape[1] != self.feature_dims[m]:
                    raise ConfigError(
                        f"inputs: {m} features of shape {seq.shape}, expected [T, {self.feature_dims[m]}]"
                    )
        dataset = MultimodalDataset(
            ids=[str(i) for i in range(n)],
            features={m: [np.asarray(s, np.float32) for s in features[m]] for m in self.modalities},
            sentiment=np.full(n, np.nan),
            emotions=np.full((n, len(EMOTIONS)), np.nan),
            texts=list(texts) if texts is not None else None,
        )
        results = []
        for batch in make_loader(dataset, batch_size=self.cfg.train.eval_batch_size, shuffle=False):
            out = self.model(batch.to(self.cfg.train.device))
            sentiment = out.sentiment.cpu().numpy() if out.sentiment is not None else None
            probs = (
                torch.sigmoid(out.emotion_logits).cpu().numpy() if out.emotion_logits is not None else None
            )
            for i in range(len(batch)):
                pred = Prediction(sentiment=None if sentiment is None else float(sentiment[i]))
                if probs is not None:
                    pred.emotion_probs = {e: float(p) for e, p in zip(EMOTIONS, probs[i])}
                    pred.emotions_present = {
                        e: bool(p >= t) for e, p, t in zip(EMOTIONS, probs[i], self.thresholds)
                    }
                results.append(pred)
        return results

    def _encoder(self, modality: str):
        if modality not in self._encoders:
            if modality == "text":
                from mmolre.features.text import build_text_encoder

                self._encoders[modality] = build_text_encoder(self.cfg.features)
            elif modality == "audio":
                from mmolre.features.audio import build_audio_encoder

                self._encoders[modality] = build_audio_encoder(self.cfg.features)
            else:
                raise ConfigError(f"inputs: raw {modality} cannot be encoded here; pass features instead")
        return self._encoders[modality]

    def predict(
        self, texts: Sequence[str] | None = None, audio: Sequence[str | Path | np.ndarray] | None = None
    ) -> list[Prediction]:
        """Predict from transcripts and audio (file paths, or 16 kHz mono waveforms)."""
        features: dict[str, list[np.ndarray]] = {}
        if "text" in self.modalities:
            if texts is None:
                raise ConfigError("inputs: this model reads text; pass texts=[...]")
            if self.model.text_encoder is None:
                features["text"] = self._encoder("text").encode(list(texts))
            else:  # the fine-tuned encoder inside the model reads the raw texts
                features["text"] = [np.zeros((1, self.feature_dims.get("text", 1)), np.float32)] * len(texts)
        if "audio" in self.modalities:
            if audio is None:
                raise ConfigError("inputs: this model reads audio; pass audio=[...]")
            from mmolre.features.audio import load_audio

            encoder = self._encoder("audio")
            rate = self.cfg.features.audio_sample_rate
            waves = [a if isinstance(a, np.ndarray) else load_audio(Path(a), rate) for a in audio]
            features["audio"] = [encoder.encode(w) for w in waves]
        return self.predict_features(features, texts=texts)
