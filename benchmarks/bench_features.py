"""Feature extraction throughput: MiniLM text features and eGeMAPS audio features, in clips per second.

    python benchmarks/bench_features.py [--threads 2] [--table ../shared/data/mosi/label.csv]
                                        [--text-clips 2199] [--audio-clips 200] [--json out.json]

Text: the real transcripts of the label table through the packaged all-MiniLM-L6-v2, in the chunks and
batches that ``mmolre features extract`` uses (model loading excluded). Audio: no real audio exists in
the repository's data, so WAV files are synthesised with the durations of the table's clips (its
start/end columns; a voiced tone with vibrato plus noise, 44.1 kHz stereo as extracted audio usually
is) and run end to end: file reading, resampling to 16 kHz mono and openSMILE eGeMAPS LLDs. Prints a
Markdown table; the time also appears as audio seconds per wall second (the real-time factor).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import soundfile as sf
import torch

from mmolre.config import FeaturesConfig
from mmolre.data.label_table import read_label_table
from mmolre.features.extract import AudioExtractor, TextExtractor

DEFAULT_TABLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "mosi" / "label.csv"


def bench_text(table, n_clips: int, batch_size: int, chunk_size: int) -> dict:
    rows = table.iloc[:n_clips]
    extractor = TextExtractor(FeaturesConfig(batch_size=batch_size))
    extractor.extract(rows.iloc[:batch_size])  # warm-up: first-call allocations
    start = time.perf_counter()
    tokens = 0
    for k in range(0, len(rows), chunk_size):
        tokens += sum(f.shape[0] for f, _ in extractor.extract(rows.iloc[k : k + chunk_size]))
    seconds = time.perf_counter() - start
    return {
        "clips": len(rows),
        "seconds": seconds,
        "clips_per_s": len(rows) / seconds,
        "tokens_per_clip": tokens / len(rows),
        "encoder": "all-MiniLM-L6-v2",
        "batch_size": batch_size,
    }


def synthesise_audio(folder: Path, rows, sr: int = 44100, seed: int = 0) -> float:
    """One stereo WAV per clip with the clip's duration; returns the total seconds of audio."""
    rng = np.random.default_rng(seed)
    total = 0.0
    for video, clip, start, end in zip(rows["video_id"], rows["clip_id"], rows["start"], rows["end"]):
        seconds = float(end - start) if np.isfinite(end - start) and end > start else 4.0
        t = np.arange(int(seconds * sr)) / sr
        f0 = rng.uniform(90, 250) * (1 + 0.05 * np.sin(2 * np.pi * 4 * t))  # vibrato, so F0 moves
        phase = 2 * np.pi * np.cumsum(f0) / sr
        wave = sum(0.2 / k * np.sin(k * phase) for k in range(1, 6)) + 0.01 * rng.standard_normal(len(t))
        (folder / video).mkdir(exist_ok=True)
        sf.write(folder / video / f"{clip}.wav", np.stack([wave, 0.8 * wave], 1).astype(np.float32), sr)
        total += seconds
    return total


def bench_audio(table, n_clips: int) -> dict:
    rows = table.iloc[:n_clips]
    with tempfile.TemporaryDirectory() as tmp:
        audio_seconds = synthesise_audio(Path(tmp), rows)
        extractor = AudioExtractor(FeaturesConfig(), Path(tmp))
        extractor.extract(rows.iloc[:2])  # warm-up
        start = time.perf_counter()
        results = extractor.extract(rows)
        seconds = time.perf_counter() - start
    missing = sum(f is None for f, _ in results)
    return {
        "clips": len(rows),
        "seconds": seconds,
        "clips_per_s": len(rows) / seconds,
        "audio_seconds": audio_seconds,
        "realtime_factor": audio_seconds / seconds,
        "missing": missing,
        "encoder": "egemaps (eGeMAPSv02 LLD)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default=str(DEFAULT_TABLE))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--text-clips", type=int, default=2199)
    parser.add_argument("--audio-clips", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--chunk-size", type=int, default=256)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    table = read_label_table(args.table)
    text = bench_text(table, args.text_clips, args.batch_size, args.chunk_size)
    audio = bench_audio(table, args.audio_clips)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"torch {torch.__version__}, {args.threads} threads, {platform.processor() or platform.machine()}, "
        f"load average {load:.1f}"
    )
    print("| modality | encoder | clips | clips/s | other |")
    print("|---|---|---|---|---|")
    print(
        f"| text | {text['encoder']} (batch {text['batch_size']}) | {text['clips']} | "
        f"{text['clips_per_s']:.1f} | {text['tokens_per_clip']:.1f} tokens/clip |"
    )
    print(
        f"| audio | {audio['encoder']} | {audio['clips']} | {audio['clips_per_s']:.1f} | "
        f"{audio['audio_seconds'] / audio['clips']:.1f} s/clip, {audio['realtime_factor']:.0f}x real time |"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps({"threads": args.threads, "load": load, "text": text, "audio": audio}, indent=2)
        )


if __name__ == "__main__":
    main()
