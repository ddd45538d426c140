"""Text-only comparison on the real CMU-MOSI / CMU-MOSEI transcripts (RESULTS.md).

Runs a set of variants (MMoLRE, single-task models, hard sharing, MMoE, PLE/CGC) of one of the text
presets (``mosi-text``, ``mosei-text``, ``mosi+mosei-text`` and their fine-tuning ``-ft`` forms) over
several seeds, with the project's trainer and
protocol (model selection and ER thresholds on validation only), and writes one table: mean and sample std
over seeds of every test metric, one column per variant.

    python benchmarks/real_text.py mosei-text --variants mmolre,sa_only,er_only,hard_sharing,mmoe,ple \
        --seeds 1111,1112,1113,1114,1115 --out runs/real_text/mosei

Finished seeds are reused (``--resume`` semantics of `mmolre train`), so a partly run table can be
completed, and ``--table-only`` rebuilds the table from what is on disk. The feature stores must exist
(the preset files say how to build them). For each variant with routers, ``routing_<variant>.png`` shows
the mean gate weight of each shared expert per task on the test split (first seed).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

from mmolre.config import PRESETS, load_config
from mmolre.evaluation.metrics import MER_KEYS, MSA_KEYS
from mmolre.evaluation.reporting import summarize
from mmolre.training.run import prepare_data, run
from mmolre.training.trainer import load_seed_result

log = logging.getLogger("real_text")

# name -> overrides; the single-task models keep MMoLRE's blocks with one task stream
VARIANTS: dict[str, list[str]] = {
    "mmolre": [],
    "sa_only": ["model.tasks=[SA]"],
    "er_only": ["model.tasks=[ER]"],
    "hard_sharing": ["model.architecture=hard_sharing"],
    "mmoe": ["model.architecture=mmoe"],
    "ple": ["model.architecture=ple"],
}


def metric_rows(keys: set[str]) -> list[str]:
    """Every metric of DESIGN section 3 present, overall first, then per dataset (``mosi/...``)."""
    order = [*MSA_KEYS, *MER_KEYS]
    rows = [k for k in order if k in keys]
    for prefix in sorted({k.split("/")[0] for k in keys if "/" in k}):
        rows += [f"{prefix}/{k}" for k in order if f"{prefix}/{k}" in keys]
    return rows


def collect(folder: Path, seeds: list[int]) -> list[dict]:
    out = []
    for seed in seeds:
        result = load_seed_result(folder / f"seed_{seed}")
        if result is not None:
            out.append(
                {
                    **result.test,
                    "train_seconds": result.train_seconds,
                    "best_epoch": result.best_epoch,
                    "n_parameters": result.n_parameters,
                }
            )
    return out


def routing(seed_folder: Path, test) -> dict | None:
    """Mean gate weight per expert of each router on the test split, from a seed's checkpoint."""
    import torch

    from mmolre.api import Predictor
    from mmolre.data.dataset import make_loader

    predictor = Predictor.from_checkpoint(seed_folder)
    cfg, model = predictor.cfg, predictor.model
    gates: dict[str, list[np.ndarray]] = {}
    model.eval()
    with torch.no_grad():
        for batch in make_loader(test, batch_size=256, shuffle=False):
            for key, g in model(batch).gates.items():
                gates.setdefault(key, []).append(g.numpy())
    if not gates:
        return None
    ranks = cfg.model.shared_ranks()
    out = {}
    for key, parts in gates.items():
        g = np.concatenate(parts)
        labels = [f"e{i + 1} r{ranks[i]}" if i < len(ranks) else f"e{i + 1}" for i in range(g.shape[1])]
        if cfg.model.architecture in ("mmoe", "ple"):
            labels = [f"e{i + 1}" for i in range(g.shape[1])]
        out[key] = {"labels": labels, "mean": g.mean(0).tolist(), "std": g.std(0).tolist()}
    return out


def write_table(out: Path, preset: str, variants: list[str], seeds: list[int], command: str) -> str:
    per_variant = {v: collect(out / v, seeds) for v in variants}
    summaries = {v: summarize(r) for v, r in per_variant.items() if r}
    keys = set().union(*[set(s) for s in summaries.values()]) if summaries else set()
    rows = metric_rows(keys) + ["train_seconds", "best_epoch", "n_parameters"]
    shown = [v for v in variants if v in summaries]
    lines = [
        f"{preset}: test metrics, mean ± sample std over seeds (n per column in the last row)",
        "",
        "| metric | " + " | ".join(shown) + " |",
        "|---|" + "---|" * len(shown),
    ]
    for key in rows:
        cells = []
        for v in shown:
            s = summaries[v].get(key)
            if s is None:
                cells.append("-")
            elif key == "n_parameters":
                cells.append(f"{s['mean']:,.0f}")
            elif key in ("train_seconds", "best_epoch"):
                cells.append(f"{s['mean']:.1f}" + (f" ± {s['std']:.1f}" if s["n"] > 1 else ""))
            else:
                cells.append(f"{s['mean']:.4f}" + (f" ± {s['std']:.4f}" if s["n"] > 1 else ""))
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    lines.append("| seeds | " + " | ".join(str(len(per_variant[v])) for v in shown) + " |")
    lines += ["", f"Command: `{command}`"]
    table = "\n".join(lines) + "\n"
    (out / "table.md").write_text(table)
    payload = {v: {"per_seed": per_variant[v], "summary": summaries[v]} for v in shown}
    (out / "results.json").write_text(json.dumps(payload, indent=2, default=float))
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("preset", choices=[p for p in PRESETS if p.endswith(("-text", "-text-ft"))])
    parser.add_argument("--variants", default="mmolre", help=f"comma-separated, from {list(VARIANTS)}")
    parser.add_argument("--seeds", default="1111,1112,1113,1114,1115")
    parser.add_argument("--out", required=True, help="folder: one sub-folder per variant, table.md")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--table-only", action="store_true", help="only rebuild table.md from finished seeds")
    parser.add_argument("--no-routing", action="store_true", help="skip the routing plots")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {list(VARIANTS)}")
    seeds = [int(s) for s in args.seeds.split(",")]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    command = "python benchmarks/real_text.py " + " ".join(sys.argv[1:] if argv is None else argv)
    command = command.replace(" --table-only", "").replace(" --no-routing", "")
    configs = {
        v: load_config(preset=args.preset, overrides=[*VARIANTS[v], *args.overrides, "train.progress=false"])
        for v in variants
    }
    for cfg in configs.values():
        cfg.train.seeds = seeds
    if not args.table_only:
        data = prepare_data(next(iter(configs.values())))
        for v, cfg in configs.items():
            started = time.perf_counter()
            run(cfg, out / v, resume=True, data=data)
            log.info("%s: %d seeds in %.0f s", v, len(seeds), time.perf_counter() - started)
            if not args.no_routing:
                _plot_routing(out, v, seeds[0], data.splits["test"])
            print(write_table(out, args.preset, variants, seeds, command))
    print(write_table(out, args.preset, variants, seeds, command))
    return 0


def _plot_routing(out: Path, variant: str, seed: int, test) -> None:
    try:
        from mmolre.evaluation.plots import plot_routing
    except ImportError:  # plots need matplotlib
        return
    seed_folder = out / variant / f"seed_{seed}"
    if not (seed_folder / "metrics.json").is_file():
        return
    gates = routing(seed_folder, test)
    if gates:
        (out / f"routing_{variant}.json").write_text(json.dumps(gates, indent=2))
        plot_routing(gates, out / f"routing_{variant}.png", f"{variant}: mean gate weight per task (test)")


if __name__ == "__main__":
    raise SystemExit(main())
