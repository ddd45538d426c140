"""Seconds per training epoch of the CPU preset on the default synthetic benchmark, by torch thread count.

python benchmarks/bench_epoch_threads.py [--threads 1,2]
"""

from __future__ import annotations

import argparse
import time

import torch

from mmolre.config import load_config
from mmolre.data.dataset import make_loader
from mmolre.models import build_model
from mmolre.training.losses import joint_loss
from mmolre.training.run import prepare_data
from mmolre.training.trainer import feature_dims, make_optimizer


def epoch_seconds(threads: int) -> float:
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    cfg = load_config()
    train = prepare_data(cfg).splits["train"]
    model = build_model(cfg, feature_dims(train))
    model.fit_normalizer(train)
    optimizer = make_optimizer(model, cfg)
    start = time.perf_counter()
    for batch in make_loader(train, cfg.train.batch_size, shuffle=True):
        loss = joint_loss(model(batch), batch, cfg.train.lambda_er, cfg.train.lambda_bal).total
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args()
    print("| torch threads | seconds per epoch (1284 utterances) |\n| --- | --- |")
    for threads in (int(t) for t in args.threads.split(",")):
        print(f"| {threads} | {epoch_seconds(threads):.1f} |")


if __name__ == "__main__":
    main()
