"""Audio: resampling to 16 kHz mono, the long-clip policy, openSMILE eGeMAPS on synthesised tones, and a
tiny random Data2Vec-audio saved to a temp folder and loaded like a real checkpoint."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may be fetched from a hub in tests

import numpy as np
import pytest
import soundfile as sf
import torch

from mmolre.config import ConfigError, FeaturesConfig
from mmolre.features.audio import (
    AUDIO_EXTENSIONS,
    AudioError,
    EGeMAPSEncoder,
    _describe_absence,
    build_audio_encoder,
    find_clip_file,
    load_audio,
    split_long,
)


def tone(freq: float, seconds: float, sr: int, amplitude: float = 0.3, harmonics: int = 1) -> np.ndarray:
    """A periodic tone; a few harmonics make it voice-like for a pitch tracker."""
    t = np.arange(int(round(seconds * sr))) / sr
    wave = sum(amplitude / k * np.sin(2 * np.pi * freq * k * t) for k in range(1, harmonics + 1))
    return np.asarray(wave, dtype=np.float32)


def make_tiny_data2vec(folder) -> str:
    from transformers import Data2VecAudioConfig, Data2VecAudioModel, Wav2Vec2FeatureExtractor

    config = Data2VecAudioConfig(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        conv_dim=(16,) * 7,
        num_conv_pos_embeddings=4,
        num_conv_pos_embedding_groups=4,
    )
    torch.manual_seed(0)
    out = folder / "tiny-data2vec"
    Data2VecAudioModel(config).save_pretrained(out)
    Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000, do_normalize=True).save_pretrained(out)
    return str(out)


@pytest.fixture(scope="module")
def tiny_data2vec(tmp_path_factory) -> str:
    return make_tiny_data2vec(tmp_path_factory.mktemp("data2vec"))


def test_44k1_stereo_is_read_as_16k_mono(tmp_path):
    sr, seconds, freq = 44100, 1.0, 440.0
    left, right = tone(freq, seconds, sr, 0.5), tone(freq, seconds, sr, 0.3)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, right], axis=1), sr, subtype="PCM_16")
    wave = load_audio(path, 16000)
    assert wave.dtype == np.float32 and wave.ndim == 1
    assert len(wave) == 16000
    # The mono mix of 0.5 and 0.3 sines is a 0.4 sine; compare away from the filter's edge effects.
    want = tone(freq, seconds, 16000, 0.4)
    np.testing.assert_allclose(wave[200:-200], want[200:-200], atol=2e-3)


def test_16k_mono_is_read_unchanged(tmp_path):
    wave = tone(200.0, 0.5, 16000)
    sf.write(tmp_path / "a.flac", wave, 16000)
    np.testing.assert_allclose(load_audio(tmp_path / "a.flac"), wave, atol=1e-4)  # 16-bit FLAC


def test_unreadable_audio_is_an_audio_error(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF not really a wave file")
    with pytest.raises(AudioError, match="unreadable"):
        load_audio(bad)


def test_split_long_chunks_truncates_and_keeps_short_tails():
    wave = np.arange(25, dtype=np.float32)
    assert [len(w) for w in split_long(wave, 10, "chunk")] == [10, 10, 5]
    assert [len(w) for w in split_long(wave, 10, "truncate")] == [10]
    # a 5-sample tail shorter than the encoder's minimum joins the window before it
    assert [len(w) for w in split_long(wave, 10, "chunk", min_samples=6)] == [10, 15]
    assert np.concatenate(split_long(wave, 10, "chunk", min_samples=6)).tolist() == wave.tolist()
    assert [len(w) for w in split_long(wave, 30, "chunk")] == [25]
    with pytest.raises(ConfigError):
        split_long(wave, 10, "squash")


def test_egemaps_f0_follows_a_synthesised_tone():
    enc = build_audio_encoder(FeaturesConfig())
    assert isinstance(enc, EGeMAPSEncoder) and enc.dim == 25
    for freq in (150.0, 220.0):
        feats = enc.encode(tone(freq, 1.5, 16000, harmonics=4))
        assert feats.shape[1] == 25 and abs(feats.shape[0] - 150) <= 6  # 10 ms frames
        f0_semitones = feats[:, enc.feature_names.index("F0semitoneFrom27.5Hz_sma3nz")]
        voiced = f0_semitones[f0_semitones > 0]
        assert len(voiced) > 0.8 * len(f0_semitones)
        f0_hz = 27.5 * 2 ** (np.median(voiced) / 12)
        assert abs(f0_hz - freq) / freq < 0.03, f0_hz


def test_egemaps_long_clip_chunked_or_truncated():
    wave = tone(200.0, 2.5, 16000)
    chunked = build_audio_encoder(FeaturesConfig(audio_max_seconds=1.0, audio_long_clips="chunk")).encode(
        wave
    )
    cut = build_audio_encoder(FeaturesConfig(audio_max_seconds=1.0, audio_long_clips="truncate")).encode(wave)
    whole = build_audio_encoder(FeaturesConfig(audio_max_seconds=30.0)).encode(wave)
    assert abs(cut.shape[0] - 100) <= 6  # 10 ms frames, less a few at the edges
    assert abs(chunked.shape[0] - whole.shape[0]) <= 9  # three windows lose at most a few edge frames
    assert chunked.shape[0] > 2 * cut.shape[0]
    assert np.isfinite(chunked).all()


def test_too_short_audio_is_an_audio_error():
    enc = build_audio_encoder(FeaturesConfig())
    with pytest.raises(AudioError, match="too short"):
        enc.encode(np.zeros(200, np.float32))


def test_tiny_data2vec_from_a_folder_matches_a_direct_call(tiny_data2vec):
    from transformers import AutoModel

    enc = build_audio_encoder(FeaturesConfig(audio_encoder=tiny_data2vec))
    assert enc.dim == 32 and enc.frame_rate == 50.0 and enc.min_samples == 400
    wave = tone(180.0, 1.0, 16000, harmonics=3) + 0.01 * np.random.default_rng(0).standard_normal(16000)
    feats = enc.encode(wave.astype(np.float32))
    assert feats.shape == (49, 32)
    model = AutoModel.from_pretrained(tiny_data2vec).eval()
    normalised = (wave - wave.mean()) / np.sqrt(wave.var() + 1e-7)
    with torch.no_grad():
        want = model(torch.from_numpy(normalised.astype(np.float32))[None]).last_hidden_state[0].numpy()
    np.testing.assert_allclose(feats, want, atol=1e-4)


def test_tiny_data2vec_chunks_are_encoded_one_by_one(tiny_data2vec):
    wave = tone(180.0, 2.3, 16000, harmonics=3)
    chunked = build_audio_encoder(
        FeaturesConfig(audio_encoder=tiny_data2vec, audio_max_seconds=1.0, audio_long_clips="chunk")
    )
    truncated = build_audio_encoder(
        FeaturesConfig(audio_encoder=tiny_data2vec, audio_max_seconds=1.0, audio_long_clips="truncate")
    )
    parts = [chunked.encode_window(w) for w in (wave[:16000], wave[16000:32000], wave[32000:])]
    np.testing.assert_array_equal(chunked.encode(wave), np.concatenate(parts))
    np.testing.assert_array_equal(truncated.encode(wave), parts[0])


def test_clip_files_are_found_in_either_layout(tmp_path):
    (tmp_path / "vid1").mkdir()
    sf.write(tmp_path / "vid1" / "3.wav", np.zeros(1600, np.float32), 16000)
    sf.write(tmp_path / "vid2_7.flac", np.zeros(1600, np.float32), 16000)
    (tmp_path / "vid1" / "4.mp4").write_bytes(b"\0")
    assert find_clip_file(tmp_path, "vid1", "3", AUDIO_EXTENSIONS) == tmp_path / "vid1" / "3.wav"
    assert find_clip_file(tmp_path, "vid2", "7", AUDIO_EXTENSIONS) == tmp_path / "vid2_7.flac"
    assert find_clip_file(tmp_path, "vid1", "4", AUDIO_EXTENSIONS) is None
    assert "ffmpeg" in _describe_absence(tmp_path, "vid1", "4")
    assert "no audio file" in _describe_absence(tmp_path, "vid3", "1")
