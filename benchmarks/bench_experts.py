"""Fused low-rank experts vs the per-expert loop, and low-rank vs full-rank experts, measured in one run.

    python benchmarks/bench_experts.py [--d-model 768] [--threads 2]

Prints a Markdown table of ratios (forward + backward step time, parameters, FLOPs) and the achieved
FLOP/s of the fused experts against this machine's measured float32 matmul rate.
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from mmolre.models.experts import LowRankExperts, reference_mixture


def step_time(fn, repeats: int) -> float:
    """Median seconds of ``fn()`` (forward and backward) after two warm-up calls."""
    for _ in range(2):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def flops(fn) -> int:
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


def matmul_peak(threads: int, size: int = 1024, repeats: int = 10) -> float:
    a, b = torch.randn(size, size), torch.randn(size, size)
    seconds = step_time(lambda: a @ b, repeats)
    return 2 * size**3 / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--d-model", type=int, default=768)
    parser.add_argument("--ranks", default="16,32,64,128")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--length", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    d, ranks = args.d_model, [int(r) for r in args.ranks.split(",")]
    x = torch.randn(args.batch, d, args.length)
    gates = torch.softmax(torch.randn(args.batch, len(ranks)), dim=-1)

    fused = LowRankExperts(d, ranks)
    loop = fused.expert_modules()
    full = LowRankExperts(d, [d] * len(ranks))

    def run_fused():
        fused(x, gates).sum().backward()

    def run_loop():
        reference_mixture(loop, x, gates).sum().backward()

    def run_full():
        full(x, gates).sum().backward()

    t_fused, t_loop, t_full = (step_time(f, args.repeats) for f in (run_fused, run_loop, run_full))
    f_fused, f_full = flops(run_fused), flops(run_full)
    p_fused = sum(p.numel() for p in fused.parameters())
    p_full = sum(p.numel() for p in full.parameters())
    peak = matmul_peak(args.threads)

    print(f"d_model {d}, ranks {ranks}, batch {args.batch} x {args.length} steps, {args.threads} threads\n")
    rows = [
        (
            "fused vs loop, fwd+bwd step time (loop / fused)",
            f"{t_loop / t_fused:.2f}x ({t_loop * 1e3:.1f} ms vs {t_fused * 1e3:.1f} ms)",
        ),
        (
            "full-rank vs low-rank parameters (full / low)",
            f"{p_full / p_fused:.2f}x ({p_full:,} vs {p_fused:,})",
        ),
        ("full-rank vs low-rank FLOPs, fwd+bwd (full / low)", f"{f_full / f_fused:.2f}x"),
        ("full-rank vs low-rank step time (full / low)", f"{t_full / t_fused:.2f}x ({t_full * 1e3:.1f} ms)"),
        ("fused experts achieved GFLOP/s", f"{f_fused / t_fused / 1e9:.1f}"),
        ("float32 1024^3 matmul GFLOP/s (measured peak)", f"{peak / 1e9:.1f}"),
        ("fused achieved / matmul peak", f"{f_fused / t_fused / peak:.2f}"),
    ]
    print("| comparison | value |")
    print("| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
