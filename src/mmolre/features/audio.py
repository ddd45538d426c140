"""Audio: reading clips as 16 kHz mono, long-clip policy, and the audio encoders.

Encoders:

- ``egemaps`` (the offline default): openSMILE eGeMAPSv02 low-level descriptors, 25 per 10 ms frame,
  through the ``opensmile`` package (its binary ships in the wheel, so nothing is downloaded).
- any other name: a Hugging Face speech encoder (Data2Vec-audio, wav2vec 2.0, HuBERT, ...) from a local
  folder or a hub id; its last hidden state (about 50 frames per second) is the feature sequence.

Clips longer than ``audio_max_seconds`` are either truncated or cut into consecutive windows of that
length, encoded one by one and concatenated in time (``audio_long_clips``); windows bound the memory a
transformer encoder needs, whose attention is quadratic in length.
"""

from __future__ import annotations

import logging
import math
import warnings
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

from mmolre.config import ConfigError, FeaturesConfig
from mmolre.features import ClipError

log = logging.getLogger(__name__)

# Containers that libsndfile (through soundfile) reads; others (mp4, mkv) need converting first.
AUDIO_EXTENSIONS: tuple[str, ...] = (".wav", ".flac", ".ogg", ".mp3")
EGEMAPS_NAMES = frozenset({"egemaps", "egemapsv02", "egemaps-lld"})


class AudioError(ClipError):
    """A clip's audio is missing, unreadable or too short; the message says which and why."""


def find_clip_file(folder: Path, video_id: str, clip_id: str, extensions: tuple[str, ...]) -> Path | None:
    """The file of one clip: ``folder/<video_id>/<clip_id>.<ext>`` (MMSA's Raw layout) or a flat
    ``folder/<video_id>_<clip_id>.<ext>``; the first extension that exists wins."""
    folder = Path(folder)
    for stem in (folder / video_id / clip_id, folder / f"{video_id}_{clip_id}"):
        for ext in extensions:
            path = stem.with_name(stem.name + ext)
            if path.is_file():
                return path
    return None


def _describe_absence(folder: Path, video_id: str, clip_id: str) -> str:
    """Why no audio was found, with a hint when a video container sits where a sound file should."""
    for stem in (folder / video_id / clip_id, folder / f"{video_id}_{clip_id}"):
        others = sorted(p.name for p in stem.parent.glob(stem.name + ".*")) if stem.parent.is_dir() else []
        if others:
            return (
                f"found {others} in {stem.parent} but only {list(AUDIO_EXTENSIONS)} are read; convert it, "
                "e.g. ffmpeg -i IN -ac 1 -ar 16000 OUT.wav"
            )
    return f"no audio file {video_id}/{clip_id}.wav (or .flac/.ogg/.mp3) in {folder}"


def resample(wave: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Band-limited polyphase resampling (scipy ``resample_poly``) by the reduced ratio of the rates."""
    if orig_sr == target_sr:
        return wave.astype(np.float32, copy=False)
    from scipy.signal import resample_poly

    g = math.gcd(int(orig_sr), int(target_sr))
    return resample_poly(wave, int(target_sr) // g, int(orig_sr) // g).astype(np.float32)


def load_audio(path: Path, sample_rate: int = 16000) -> np.ndarray:
    """Read a sound file as float32 mono at ``sample_rate``: channels are averaged, then resampled."""
    import soundfile as sf

    try:
        wave, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as exc:
        raise AudioError(f"unreadable audio file {path} ({exc})") from exc
    mono = wave.mean(axis=1) if wave.shape[1] > 1 else wave[:, 0]
    return resample(mono, int(sr), sample_rate)


def split_long(wave: np.ndarray, max_samples: int, policy: str, min_samples: int = 1) -> list[np.ndarray]:
    """Windows to encode for one clip under the long-clip policy.

    ``truncate`` keeps the first ``max_samples``; ``chunk`` cuts consecutive windows of ``max_samples``,
    and a tail shorter than ``min_samples`` (too short for the encoder) is joined to the window before
    it instead of being dropped, so every sample is encoded.
    """
    if len(wave) <= max_samples:
        return [wave]
    if policy == "truncate":
        return [wave[:max_samples]]
    if policy != "chunk":
        raise ConfigError(f"features.audio_long_clips: unknown policy {policy!r}")
    starts = list(range(0, len(wave), max_samples))
    if len(starts) > 1 and len(wave) - starts[-1] < min_samples:
        starts.pop()
    ends = starts[1:] + [len(wave)]
    return [wave[s:e] for s, e in zip(starts, ends)]


class AudioEncoder(ABC):
    """Turns a 16 kHz mono waveform into a ``[T, dim]`` float32 sequence, applying the long-clip policy."""

    name: str
    dim: int
    frame_rate: float  # frames per second of the output, for the manifest
    min_samples: int  # shortest window the encoder can turn into at least one valid frame

    def __init__(
        self, sample_rate: int = 16000, max_seconds: float = 30.0, long_clips: str = "chunk"
    ) -> None:
        self.sample_rate = int(sample_rate)
        self.max_seconds = float(max_seconds)
        self.long_clips = long_clips
        if long_clips not in ("truncate", "chunk"):
            raise ConfigError(f"features.audio_long_clips: unknown policy {long_clips!r}")

    @abstractmethod
    def encode_window(self, wave: np.ndarray) -> np.ndarray:
        """Features ``[T, dim]`` of one window no longer than ``max_seconds``."""

    def encode(self, wave: np.ndarray) -> np.ndarray:
        """Features of a whole clip; raises `AudioError` when it is too short to give a frame."""
        if len(wave) < self.min_samples:
            raise AudioError(
                f"audio too short ({len(wave)} samples, {len(wave) / self.sample_rate:.3f} s; "
                f"{self.name} needs {self.min_samples})"
            )
        max_samples = max(int(round(self.max_seconds * self.sample_rate)), self.min_samples)
        windows = split_long(wave, max_samples, self.long_clips, self.min_samples)
        feats = np.concatenate([self.encode_window(w) for w in windows], axis=0).astype(np.float32)
        if feats.shape[0] == 0:
            raise AudioError(f"{self.name} produced no frames for a clip of {len(wave)} samples")
        return feats

    def describe(self) -> dict:
        return {
            "encoder": self.name,
            "dim": self.dim,
            "sample_rate": self.sample_rate,
            "frame_rate": self.frame_rate,
            "max_seconds": self.max_seconds,
            "long_clips": self.long_clips,
            "level": "frame",
        }


class EGeMAPSEncoder(AudioEncoder):
    """openSMILE eGeMAPSv02 low-level descriptors: 25 values per 10 ms frame."""

    name = "egemaps"
    frame_rate = 100.0
    # openSMILE's longest LLD window (F0, 60 ms) needs about 1000 samples at 16 kHz for one valid frame.
    min_samples_seconds = 0.0625

    def __init__(
        self, sample_rate: int = 16000, max_seconds: float = 30.0, long_clips: str = "chunk"
    ) -> None:
        super().__init__(sample_rate, max_seconds, long_clips)
        import opensmile

        self.smile = opensmile.Smile(
            feature_set=opensmile.FeatureSet.eGeMAPSv02,
            feature_level=opensmile.FeatureLevel.LowLevelDescriptors,
        )
        self.feature_names = list(self.smile.feature_names)
        self.dim = len(self.feature_names)
        self.min_samples = int(math.ceil(self.min_samples_seconds * self.sample_rate))

    def encode_window(self, wave: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings():
            # "Segment too short, filling with NaN": handled below, as a clip with no valid frame.
            warnings.simplefilter("ignore", UserWarning)
            values = self.smile.process_signal(
                np.ascontiguousarray(wave, np.float32), self.sample_rate
            ).values
        values = values.astype(np.float32)
        finite = np.isfinite(values).all(axis=1)
        if not finite.any():
            raise AudioError(f"openSMILE gave no valid frame for a window of {len(wave)} samples")
        # A stray non-finite LLD would poison every model downstream; zero is the "unvoiced" value that
        # eGeMAPS already uses for its *_sma3nz descriptors.
        return np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)

    def describe(self) -> dict:
        return {**super().describe(), "feature_set": "eGeMAPSv02", "feature_level": "lld"}


class HFAudioEncoder(AudioEncoder):
    """A Hugging Face speech encoder (Data2Vec-audio, wav2vec 2.0, HuBERT, ...): last hidden state.

    Clips are encoded one at a time and never padded: wav2vec 2.0 style models with group-norm feature
    extractors change their output under padding, so a batch of one is the only exact form for all.
    """

    def __init__(
        self,
        name: str,
        sample_rate: int = 16000,
        max_seconds: float = 30.0,
        long_clips: str = "chunk",
        device: str = "cpu",
    ) -> None:
        super().__init__(sample_rate, max_seconds, long_clips)
        from transformers import AutoFeatureExtractor, AutoModel

        from mmolre.features.text import _load_pretrained

        self.name = name
        path = Path(name).expanduser()
        self.source = str(path.resolve()) if path.is_dir() else name
        if not path.is_dir() and (path.suffix or name.startswith((".", "/", "~"))):
            raise ConfigError(f"features.audio_encoder: folder {name!r} does not exist")
        self.model = _load_pretrained(AutoModel, self.source, "audio encoder", "features.audio_encoder")
        self.model.eval().to(device)
        self.device = device
        try:
            self.extractor = AutoFeatureExtractor.from_pretrained(self.source)
        except (OSError, ValueError):
            # A checkpoint saved without preprocessor_config.json: the wav2vec 2.0 default (zero mean,
            # unit variance per clip) is what all these encoders were trained with.
            from transformers import Wav2Vec2FeatureExtractor

            log.warning(
                "%s: no feature extractor config; normalising each window to zero mean, unit variance", name
            )
            self.extractor = Wav2Vec2FeatureExtractor(
                feature_size=1, sampling_rate=sample_rate, do_normalize=True
            )
        expected = getattr(self.extractor, "sampling_rate", sample_rate)
        if expected != sample_rate:
            raise ConfigError(
                f"features.audio_sample_rate: {sample_rate} Hz, but {name!r} expects {expected} Hz audio"
            )
        self.dim = int(self.model.config.hidden_size)
        strides = getattr(self.model.config, "conv_stride", None) or [320]
        self.frame_rate = sample_rate / float(np.prod(strides))
        self.min_samples = self._receptive_field()

    def _receptive_field(self) -> int:
        """Samples needed for one output frame of the convolutional front end (400 for the base models)."""
        kernels = getattr(self.model.config, "conv_kernel", None)
        strides = getattr(self.model.config, "conv_stride", None)
        if not kernels or not strides:
            return 400
        field, jump = 1, 1
        for k, s in zip(kernels, strides):
            field += (k - 1) * jump
            jump *= s
        return int(field)

    def encode_window(self, wave: np.ndarray) -> np.ndarray:
        import torch

        inputs = self.extractor(wave, sampling_rate=self.sample_rate, return_tensors="pt")
        inputs = {k: v.to(self.device) for k, v in inputs.items() if k in ("input_values", "attention_mask")}
        with torch.inference_mode():
            hidden = self.model(**inputs).last_hidden_state
        return hidden[0].float().cpu().numpy()

    def describe(self) -> dict:
        return {**super().describe(), "source": self.source, "model_type": str(self.model.config.model_type)}


def build_audio_encoder(cfg: FeaturesConfig, device: str = "cpu") -> AudioEncoder:
    """The audio encoder named by ``cfg.audio_encoder`` with the config's rate and long-clip policy."""
    common = dict(
        sample_rate=cfg.audio_sample_rate, max_seconds=cfg.audio_max_seconds, long_clips=cfg.audio_long_clips
    )
    if cfg.audio_encoder.strip().lower() in EGEMAPS_NAMES:
        return EGeMAPSEncoder(**common)
    return HFAudioEncoder(cfg.audio_encoder, device=device, **common)
