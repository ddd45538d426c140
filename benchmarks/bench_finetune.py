"""Text fine-tuning cost per training step: whole MiniLM vs a trainable top over a memoized frozen bottom,
with random or length-grouped batches.

    python benchmarks/bench_finetune.py [--threads 1] [--clips 640] [--batch-size 32] [--json out.json]

Real MOSEI training transcripts (``../shared/data/mosei/label.csv``, a fixed random sample) go through the
packaged all-MiniLM-L6-v2 as in training: tokenise, forward, backward of a scalar loss, AdamW step over
the trainable parameters (``features.text_lr``). Every mode sees the same transcripts; the memo of the
frozen bottom is filled before timing, as it is after the first epoch of a run, and its one-time cost is
reported separately. All figures come from one run of this script, so the ratios compare like with like.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pandas as pd
import torch

from mmolre.data.dataset import length_grouped_batches
from mmolre.features.text import TextEncoder, normalize_text

DEFAULT_TABLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "mosei" / "label.csv"
MODES = [  # name, trainable top layers (None = all), length-grouped batches
    ("whole model, random batches", None, False),
    ("whole model, length-grouped", None, True),
    ("top 3 of 6 + memo, random batches", 3, False),
    ("top 3 of 6 + memo, length-grouped", 3, True),
    ("top 2 of 6 + memo, length-grouped", 2, True),
]


def batches_for(texts: list[str], encoder: TextEncoder, batch_size: int, grouped: bool) -> list[list[int]]:
    generator = torch.Generator().manual_seed(0)
    if grouped:
        lengths = [len(encoder.tokenizer(t, truncation=True, max_length=64)["input_ids"]) for t in texts]
        return length_grouped_batches(lengths, batch_size, generator)
    order = torch.randperm(len(texts), generator=generator).tolist()
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def time_mode(texts: list[str], trainable: int | None, grouped: bool, batch_size: int) -> dict:
    torch.manual_seed(0)
    encoder = TextEncoder("all-MiniLM-L6-v2", max_length=64, trainable_layers=trainable)
    params = [p for p in encoder.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=5e-5)
    memo_seconds = 0.0
    if encoder.trainable_layers is not None:
        start = time.perf_counter()
        encoder._memoize_frozen(list(dict.fromkeys(normalize_text(t) for t in texts)))
        memo_seconds = time.perf_counter() - start
    batches = batches_for(texts, encoder, batch_size, grouped)
    encoder.train()
    step([texts[i] for i in batches[0]], encoder, optimizer)  # warm-up allocations
    start = time.perf_counter()
    for batch in batches:
        step([texts[i] for i in batch], encoder, optimizer)
    seconds = time.perf_counter() - start
    memo_mb = sum(t.numel() * t.element_size() for t in encoder._frozen_memo.values()) / 2**20
    return {
        "seconds": seconds,
        "ms_per_clip": 1000 * seconds / len(texts),
        "memo_fill_seconds": memo_seconds,
        "memo_mb": memo_mb,
        "trainable_parameters": sum(p.numel() for p in params),
    }


def step(batch: list[str], encoder: TextEncoder, optimizer: torch.optim.Optimizer) -> None:
    feats, mask = encoder(batch)
    loss = (feats * mask.unsqueeze(-1)).mean()
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", type=Path, default=DEFAULT_TABLE)
    parser.add_argument("--clips", type=int, default=640)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    table = pd.read_csv(args.table)
    train = table[table["mode"] == "train"]
    rows = train.sample(n=min(args.clips, len(train)), random_state=0)
    texts = [normalize_text(t) for t in rows["text"]]
    results = {name: time_mode(texts, k, grouped, args.batch_size) for name, k, grouped in MODES}
    base = results[MODES[0][0]]["seconds"]
    print(
        f"{len(texts)} MOSEI training transcripts, batch {args.batch_size}, {args.threads} thread(s), "
        f"{platform.processor() or platform.machine()}, torch {torch.__version__}\n"
    )
    print("| mode | trainable params | ms per clip | speed-up | memo fill (one-time) s | memo MB |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['trainable_parameters']:,} | {r['ms_per_clip']:.1f} | "
            f"{base / r['seconds']:.2f}x | {r['memo_fill_seconds']:.1f} | {r['memo_mb']:.1f} |"
        )
    print(f"\nmean tokens per clip: {np.mean([len(t.split()) for t in texts]):.1f} words")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
