"""The embedded synthetic benchmark: MOSI-size, generated from a seed, with its own noise floor.

Generative model (one "world" per seed, shared by the three splits; speakers are disjoint across
splits, as in MOSI's speaker-independent split):

* **Latents** per utterance: valence ``v`` and arousal ``a`` (standard normal, correlated a little,
  valence partly shared by a speaker's utterances as opinions are within a video), six emotion-specific
  cues ``u`` (standard normal; they raise one emotion without touching sentiment), and a speaker whose
  style (timbre, pitch and energy baselines, expressiveness, face, word habits) moves the features but
  never the labels.
* **Labels** come from ``n_annotators`` simulated annotators, each rounding a noisy reading of a latent
  score to an integer scale: sentiment ``s* = S * tanh(k v) * m(a)`` on [-3, 3], where the arousal factor
  ``m(a)`` makes aroused speech more extreme; emotion ``e`` scores ``z_e(v, a, u_e)`` on [0, 3] (happy:
  positive valence; sad: negative valence x low arousal; anger and fear: negative valence x high arousal,
  fear rarer; surprise: high arousal; disgust: negative valence). Labels are annotator means, so they lie
  on 1/n steps; an emotion is present when its mean intensity is > 0, i.e. when any annotator saw it.
* **Text** (8..40 steps): filler words; "sentiment words" along a valence direction, expressing the
  utterance's *wording* valence (``v`` plus an utterance-level deviation: understatement, irony) with
  word-level spread, a little arousal and an intensity direction; "emotion words" along six cue
  directions that are partly aligned with the valence direction. **Audio** (20..100 frames): voiced
  frames carry arousal as energy (in the mean) and pitch variability (in the spread), scaled by the
  speaker's expressiveness and offset by the speaker's baselines; a weak tone of voice ``v * m(a)``; the
  prosodic cues of anger, surprise and fear; and a per-utterance voice variation. Unvoiced frames carry
  only timbre. **Vision** (optional, 10..50 frames): a face, a per-utterance expression variation and
  weak valence and arousal.

Why fusion helps: the words give valence up to the wording deviation, the voice gives it independently
(and the arousal that scales it), so text and audio are complementary for both tasks.

Why the two tasks conflict: SA needs valence (text) times an arousal factor (audio) and must ignore the
emotion words, which look partly like sentiment words; ER needs arousal (audio), the sign of valence and
their products (sad vs anger vs fear), and the emotion cues that SA must ignore. A representation shared
by both tasks has to carry both sets, and what one task reads is noise to the other.

The oracle sees the latents (not the annotators' noise) and returns the exact expected sentiment and the
exact probability that each emotion is present, both in closed form; scored like a model it is the noise
floor of the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, ndtr

from mmolre.config import SyntheticConfig
from mmolre.constants import EMOTIONS, SPLITS
from mmolre.data.dataset import MultimodalDataset

__all__ = [
    "SyntheticBenchmark",
    "SyntheticLatents",
    "arousal_factor",
    "emotion_presence_probability",
    "emotion_scores",
    "expected_sentiment",
    "generate_synthetic",
    "sentiment_score",
]

N_EMOTIONS = len(EMOTIONS)
_E = {name: i for i, name in enumerate(EMOTIONS)}

# ---- latent structure -------------------------------------------------------------------------------
VA_CORRELATION = 0.15  # valence and arousal are nearly independent in affect ratings, not quite
SPEAKER_VALENCE_SHARE = 0.3  # fraction of valence variance shared by one speaker's utterances

# ---- labels -----------------------------------------------------------------------------------------
SENTIMENT_SCALE = 3.2
SENTIMENT_SLOPE = 0.75
SENTIMENT_ANNOTATOR_NOISE = 0.7  # std of one annotator's reading before rounding, in label units
EMOTION_ANNOTATOR_NOISE = 0.45
EMOTION_CUE_WEIGHT = 0.8  # how much the emotion-specific cue moves an emotion's score
# Offsets set each emotion's prevalence (presence = any annotator rates >= 1), solved numerically for
# about 45, 28, 22, 16, 22 and 11 %: MOSEI's order, happy most frequent and fear rarest.
EMOTION_OFFSETS = {
    "happy": -0.73,
    "sad": -1.12,
    "anger": -1.24,
    "surprise": -1.38,
    "disgust": -1.39,
    "fear": -1.67,
}

# ---- features ---------------------------------------------------------------------------------------
TEXT_LENGTH = (8, 40)
AUDIO_LENGTH = (20, 100)
VISION_LENGTH = (10, 50)
TEXT_STEP_TYPES = (0.6, 0.25, 0.15)  # filler, sentiment word, emotion word
TEXT_VOCAB = 400
VOICED_FRACTION = 0.65
# Emotions with a prosodic signature in audio; the other three are only lexical.
PROSODIC = ("anger", "surprise", "fear")
# Sign of each emotion-word direction along the valence direction (the distractor for SA).
CUE_VALENCE_SIGN = {"happy": 1.0, "sad": -1.0, "anger": -1.0, "surprise": 1.0, "disgust": -1.0, "fear": -1.0}
CUE_VALENCE_ALIGNMENT = 0.5
# Signal strengths, per step or frame that carries them. Pooling averages frame noise away, so what
# limits a probe is the per-utterance and per-speaker nuisance, which these are set against.
TEXT_SENTIMENT_WORD = 2.5
TEXT_WORD_SPREAD = 0.4  # std of a sentiment word's valence around the utterance's wording
# The wording of an utterance expresses its valence only up to this much utterance-level deviation
# (understatement, irony); the tone of voice reads valence independently, so fusion helps SA.
TEXT_LEXICAL_DEVIATION = 0.4
TEXT_EMOTION_WORD = 1.8
AUDIO_VALENCE = 0.3
AUDIO_PROSODY = 0.8
AUDIO_UTTERANCE_STYLE = 0.4  # per-utterance voice variation (all directions), constant over frames
VISION_SIGNAL = 0.3
VISION_UTTERANCE_STYLE = 0.6  # per-utterance facial variation unrelated to the labels


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def arousal_factor(arousal: np.ndarray) -> np.ndarray:
    """How strongly valence shows, from 0.35 (calm) to 1.25 (aroused); about 0.8 on average."""
    return 0.35 + 0.9 * expit(2.0 * arousal)


def sentiment_score(valence: np.ndarray, arousal: np.ndarray) -> np.ndarray:
    """Noise-free sentiment ``s*`` in about (-3.2, 3.2): valence, made more extreme by arousal."""
    return SENTIMENT_SCALE * np.tanh(SENTIMENT_SLOPE * valence) * arousal_factor(arousal)


def emotion_scores(valence: np.ndarray, arousal: np.ndarray, cues: np.ndarray) -> np.ndarray:
    """Noise-free emotion intensities ``z`` ``[N, 6]``; annotators round ``z + noise`` to 0..3."""
    pos = 0.5 * _softplus(2.0 * valence)  # smooth max(v, 0)
    neg = 0.5 * _softplus(-2.0 * valence)
    high = expit(2.0 * arousal)
    low = 1.0 - high
    z = np.empty((len(valence), N_EMOTIONS))
    z[:, _E["happy"]] = 1.5 * pos + 0.3 * arousal
    z[:, _E["sad"]] = 2.4 * neg * low
    z[:, _E["anger"]] = 2.4 * neg * high
    z[:, _E["surprise"]] = 0.9 * arousal + 0.3 * np.abs(valence)
    z[:, _E["disgust"]] = 1.3 * neg
    z[:, _E["fear"]] = 2.0 * neg * high
    z += EMOTION_CUE_WEIGHT * cues + np.array([EMOTION_OFFSETS[e] for e in EMOTIONS])
    return z


def expected_sentiment(valence: np.ndarray, arousal: np.ndarray, annotator_noise: float) -> np.ndarray:
    """``E[label | v, a]``: each annotator gives ``clip(round(s* + noise), -3, 3)``.

    For an integer rating r on -3..3, ``E[r] = -3 + sum_{k=-3}^{2} P(r > k)`` and
    ``P(r > k) = P(s* + noise > k + 1/2)``; the mean of annotators has the same expectation.
    """
    s = sentiment_score(valence, arousal)[:, None]
    thresholds = np.arange(-3, 3) + 0.5
    if annotator_noise == 0:
        return -3.0 + (s > thresholds).sum(axis=1).astype(np.float64)
    return -3.0 + ndtr((s - thresholds) / annotator_noise).sum(axis=1)


def emotion_presence_probability(
    valence: np.ndarray, arousal: np.ndarray, cues: np.ndarray, annotator_noise: float, n_annotators: int
) -> np.ndarray:
    """``P(emotion present | latents)`` ``[N, 6]``: one minus the chance that every annotator rates 0."""
    z = emotion_scores(valence, arousal, cues)
    if annotator_noise == 0:
        return (z >= 0.5).astype(np.float64)
    p_zero = ndtr((0.5 - z) / annotator_noise)
    return 1.0 - p_zero**n_annotators


def _annotate(
    score: np.ndarray, low: int, high: int, noise: float, n: int, rng: np.random.Generator
) -> np.ndarray:
    """Mean of ``n`` integer ratings ``clip(round(score + noise), low, high)``; multiples of 1/n."""
    readings = score[..., None] + noise * rng.standard_normal((*score.shape, n))
    return np.clip(np.round(readings), low, high).mean(axis=-1)


@dataclass
class SyntheticLatents:
    """What generated one split: the labels depend on valence, arousal and cues; features also on speaker.

    Attributes:
        valence: ``[N]`` latent valence.
        arousal: ``[N]`` latent arousal.
        cues: ``[N, 6]`` emotion-specific cues in ``EMOTIONS`` order (no effect on sentiment).
        speaker: ``[N]`` speaker index; the splits have disjoint speakers.
    """

    valence: np.ndarray
    arousal: np.ndarray
    cues: np.ndarray
    speaker: np.ndarray


@dataclass
class _World:
    """Everything fixed per seed and shared by the splits: feature directions and the word vocabulary."""

    vocab: np.ndarray  # [V, Dt] filler word embeddings
    text_valence: np.ndarray  # [Dt]
    text_arousal: np.ndarray
    text_intensity: np.ndarray
    text_cues: np.ndarray  # [6, Dt]
    audio_energy: np.ndarray  # [Da]
    audio_pitch: np.ndarray
    audio_valence: np.ndarray
    audio_cues: np.ndarray  # [3, Da], PROSODIC order
    vision_valence: np.ndarray  # [Dv]
    vision_arousal: np.ndarray


def _directions(rng: np.random.Generator, dim: int, k: int) -> np.ndarray:
    """``k`` unit vectors in R^dim, orthonormal when ``k <= dim`` (so signals do not leak into each other)."""
    g = rng.standard_normal((dim, k))
    if k <= dim:
        q, _ = np.linalg.qr(g)
        return q.T.copy()
    return (g / np.linalg.norm(g, axis=0)).T.copy()


def _make_world(cfg: SyntheticConfig, rng: np.random.Generator) -> _World:
    t = _directions(rng, cfg.text_dim, 3 + N_EMOTIONS)
    valence_dir, rest = t[0], t[3:]
    signs = np.array([CUE_VALENCE_SIGN[e] for e in EMOTIONS])[:, None]
    cues = CUE_VALENCE_ALIGNMENT * signs * valence_dir + np.sqrt(1 - CUE_VALENCE_ALIGNMENT**2) * rest
    cues /= np.linalg.norm(cues, axis=1, keepdims=True)
    a = _directions(rng, cfg.audio_dim, 3 + len(PROSODIC))
    v = _directions(rng, cfg.vision_dim, 2)
    return _World(
        vocab=rng.standard_normal((TEXT_VOCAB, cfg.text_dim)) * 0.7,
        text_valence=valence_dir,
        text_arousal=t[1],
        text_intensity=t[2],
        text_cues=cues,
        audio_energy=a[0],
        audio_pitch=a[1],
        audio_valence=a[2],
        audio_cues=a[3:],
        vision_valence=v[0],
        vision_arousal=v[1],
    )


def _lengths(rng: np.random.Generator, n: int, bounds: tuple[int, int]) -> np.ndarray:
    return rng.integers(bounds[0], bounds[1] + 1, size=n)


def _split_rows(x: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    return [np.ascontiguousarray(s, dtype=np.float32) for s in np.split(x, np.cumsum(lengths)[:-1])]


def _generate_split(
    cfg: SyntheticConfig, world: _World, name: str, n: int, first_speaker: int, rng: np.random.Generator
) -> tuple[MultimodalDataset, SyntheticLatents]:
    per = cfg.utterances_per_speaker
    n_spk = -(-n // per)
    # Every speaker has at least one utterance; sorted so a speaker's clips are adjacent, as in a video.
    spk_local = np.sort(np.concatenate([np.arange(n_spk), rng.integers(0, n_spk, size=n - n_spk)]))

    # Latents. Speaker-level valence makes a speaker's utterances correlated, as opinions are per video.
    spk_valence = rng.standard_normal(n_spk)
    z = rng.standard_normal((n, 2))
    v_utt = z[:, 0]
    a = VA_CORRELATION * v_utt + np.sqrt(1 - VA_CORRELATION**2) * z[:, 1]
    v = np.sqrt(SPEAKER_VALENCE_SHARE) * spk_valence[spk_local] + np.sqrt(1 - SPEAKER_VALENCE_SHARE) * v_utt
    cues = rng.standard_normal((n, N_EMOTIONS))

    # Labels: annotator means on 1/n steps.
    sentiment = _annotate(
        sentiment_score(v, a), -3, 3, cfg.annotator_noise * SENTIMENT_ANNOTATOR_NOISE, cfg.n_annotators, rng
    )
    emotions = _annotate(
        emotion_scores(v, a, cues), 0, 3, cfg.annotator_noise * EMOTION_ANNOTATOR_NOISE, cfg.n_annotators, rng
    )

    # Speaker style: nuisances that move features but not labels.
    dt, da, dv = cfg.text_dim, cfg.audio_dim, cfg.vision_dim
    spk_text = 0.1 * rng.standard_normal((n_spk, dt))
    # Timbre lives off the signal directions (as formants do); the speaker's energy and pitch baselines
    # are the nuisance along them, set explicitly.
    spk_timbre = 0.8 * rng.standard_normal((n_spk, da))
    signal = np.stack([world.audio_energy, world.audio_pitch, world.audio_valence, *world.audio_cues])
    if len(signal) < da:
        basis, _ = np.linalg.qr(signal.T)
        spk_timbre -= spk_timbre @ basis @ basis.T
    spk_energy = 0.4 * rng.standard_normal(n_spk)
    spk_pitch = 0.4 * rng.standard_normal(n_spk)
    spk_gain = np.exp(0.3 * rng.standard_normal(n_spk))  # expressiveness: how much arousal shows
    spk_face = rng.standard_normal((n_spk, dv))
    spk_face -= np.outer(spk_face @ world.vision_valence, world.vision_valence)  # faces differ off the
    spk_face -= np.outer(spk_face @ world.vision_arousal, world.vision_arousal)  # expression directions

    # Text: every step is a filler word; some also carry sentiment or emotion content.
    lt = _lengths(rng, n, TEXT_LENGTH)
    own = np.repeat(np.arange(n), lt)
    kind = rng.choice(3, size=own.size, p=TEXT_STEP_TYPES)
    kind[np.cumsum(lt) - lt + rng.integers(0, lt)] = 1  # at least one sentiment word per utterance
    x = world.vocab[rng.integers(0, TEXT_VOCAB, size=own.size)] + spk_text[spk_local[own]]
    x += cfg.noise * 0.5 * rng.standard_normal(x.shape)
    sw = kind == 1
    lexical_valence = v + TEXT_LEXICAL_DEVIATION * rng.standard_normal(n)
    word_valence = lexical_valence[own[sw]] + TEXT_WORD_SPREAD * rng.standard_normal(int(sw.sum()))
    x[sw] += (
        TEXT_SENTIMENT_WORD * word_valence[:, None] * world.text_valence
        + 0.3 * a[own[sw], None] * world.text_arousal
        + 0.6 * np.abs(word_valence)[:, None] * world.text_intensity
    )
    ew = kind == 2
    x[ew] += TEXT_EMOTION_WORD * cues[own[ew]] @ world.text_cues
    text = _split_rows(x, lt)

    # Audio: voiced frames carry arousal as energy (mean) and pitch variability (spread).
    la = _lengths(rng, n, AUDIO_LENGTH)
    own = np.repeat(np.arange(n), la)
    spk = spk_local[own]
    voiced = rng.random(own.size) < VOICED_FRACTION
    gain = spk_gain[spk]
    energy = np.where(
        voiced, spk_energy[spk] + gain * a[own] + 0.3 * cfg.noise * rng.standard_normal(own.size), -1.5
    )
    pitch_spread = 0.6 * np.exp(0.35 * gain * a[own])
    pitch = np.where(
        voiced, spk_pitch[spk] + 0.5 * gain * a[own] + pitch_spread * rng.standard_normal(own.size), 0.0
    )
    utt_style = cfg.noise * AUDIO_UTTERANCE_STYLE * rng.standard_normal((n, da))
    # The tone of voice shows valence as the ratings do, more in aroused speech: the audio reads the
    # product that the words cannot, so the two modalities are complementary for SA.
    tone = AUDIO_VALENCE * v * arousal_factor(a) / 0.8
    prosody = cues[:, [_E[e] for e in PROSODIC]] @ world.audio_cues  # [n, Da]
    x = (
        np.where(voiced[:, None], 1.0, 0.3) * spk_timbre[spk]
        + energy[:, None] * world.audio_energy
        + pitch[:, None] * world.audio_pitch
        + voiced[:, None] * (tone[own, None] * world.audio_valence + AUDIO_PROSODY * prosody[own])
        + voiced[:, None] * utt_style[own]
        + cfg.noise * 0.5 * rng.standard_normal((own.size, da))
    )
    features = {"text": text, "audio": _split_rows(x, la)}

    if cfg.with_vision:
        lv = _lengths(rng, n, VISION_LENGTH)
        own = np.repeat(np.arange(n), lv)
        expression = cfg.noise * VISION_UTTERANCE_STYLE * rng.standard_normal((n, dv))
        x = (
            spk_face[spk_local[own]]
            + expression[own]
            + VISION_SIGNAL * v[own, None] * world.vision_valence
            + VISION_SIGNAL * a[own, None] * world.vision_arousal
            + cfg.noise * 0.6 * rng.standard_normal((own.size, dv))
        )
        features["vision"] = _split_rows(x, lv)

    dataset = MultimodalDataset(
        ids=[f"syn_{name}_{i:05d}" for i in range(n)],
        features=features,
        sentiment=sentiment.astype(np.float32),
        emotions=emotions.astype(np.float32),
        sources=["synthetic"] * n,
    )
    latents = SyntheticLatents(valence=v, arousal=a, cues=cues, speaker=spk_local + first_speaker)
    return dataset, latents


@dataclass
class SyntheticBenchmark:
    """A generated benchmark: the splits, what generated them, and the oracle that reads the latents."""

    config: SyntheticConfig
    splits: dict[str, MultimodalDataset]
    latents: dict[str, SyntheticLatents]

    def oracle_predictions(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """Best predictions from the latents: ``(E[sentiment] [N], P(emotion present) [N, 6])``, float32.

        The expectation minimises squared error, not MAE; for MAE the median of the annotator mean would
        be optimal, but the two differ little here and the expectation is the natural regression target.
        """
        lat = self.latents[split]
        cfg = self.config
        sentiment = expected_sentiment(
            lat.valence, lat.arousal, cfg.annotator_noise * SENTIMENT_ANNOTATOR_NOISE
        )
        probs = emotion_presence_probability(
            lat.valence,
            lat.arousal,
            lat.cues,
            cfg.annotator_noise * EMOTION_ANNOTATOR_NOISE,
            cfg.n_annotators,
        )
        return sentiment.astype(np.float32), probs.astype(np.float32)

    def describe(self) -> str:
        """A few lines: sizes, modalities and dims, label statistics per split."""
        cfg = self.config
        first = self.splits["train"]
        dims = ", ".join(f"{m} {first.feature_dim(m)}" for m in first.modalities)
        lines = [
            f"synthetic benchmark (seed {cfg.seed}, noise {cfg.noise}, {cfg.n_annotators} annotators, "
            f"annotator noise x{cfg.annotator_noise}); modalities: {dims}"
        ]
        for name, ds in self.splits.items():
            prevalence = (ds.emotions > 0).mean(axis=0)
            prev = " ".join(f"{e}={p:.0%}" for e, p in zip(EMOTIONS, prevalence))
            n_spk = len(np.unique(self.latents[name].speaker))
            sent = ds.sentiment
            lines.append(
                f"  {name}: {len(ds)} utterances, {n_spk} speakers; sentiment mean {sent.mean():+.2f} "
                f"std {sent.std():.2f}, {np.mean(sent > 0):.0%} positive; emotions present: {prev}"
            )
        return "\n".join(lines)


def generate_synthetic(cfg: SyntheticConfig | None = None) -> SyntheticBenchmark:
    """Generate the benchmark; fully determined by ``cfg`` (same seed, same arrays, bit for bit)."""
    cfg = cfg or SyntheticConfig()
    # Independent streams for the world and each split, so changing one split's size leaves the others.
    seq = np.random.SeedSequence([cfg.seed, 0x5E17])
    world_seq, *split_seqs = seq.spawn(1 + len(SPLITS))
    world = _make_world(cfg, np.random.default_rng(world_seq))
    sizes = {"train": cfg.n_train, "valid": cfg.n_valid, "test": cfg.n_test}
    splits: dict[str, MultimodalDataset] = {}
    latents: dict[str, SyntheticLatents] = {}
    first_speaker = 0
    for name, split_seq in zip(SPLITS, split_seqs):
        splits[name], latents[name] = _generate_split(
            cfg, world, name, sizes[name], first_speaker, np.random.default_rng(split_seq)
        )
        first_speaker = int(latents[name].speaker.max()) + 1
    return SyntheticBenchmark(config=cfg, splits=splits, latents=latents)
