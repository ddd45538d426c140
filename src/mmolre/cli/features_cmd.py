"""``mmolre features``: build a cached feature store from a label table (``extract``) or describe one
(``info``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mmolre.cli.common import add_config_options, config_from_args


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("features", help="extract features into a cached feature store")
    actions = parser.add_subparsers(dest="features_command", required=True)

    ext = actions.add_parser(
        "extract",
        help="label table (+ audio/vision folders) -> feature store",
        description=(
            "Encode the clips of an MMSA-layout label table into a feature store (one HDF5 file per split "
            "and modality). Encoders come from the config's `features` section. Resumable: run the same "
            "command again after an interruption and finished chunks are reused."
        ),
    )
    ext.add_argument("table", help="label table in the MMSA label.csv layout")
    ext.add_argument("--out", "-o", required=True, help="feature store folder to write")
    ext.add_argument("--audio-dir", help="folder of audio files, <video_id>/<clip_id>.wav (or flac/ogg/mp3)")
    ext.add_argument("--vision-dir", help="folder of per-clip vision files, <video_id>/<clip_id>.npy or .csv")
    ext.add_argument("--vision-columns", help="regex of CSV columns to keep (e.g. 'AU\\d+_r'); default all")
    ext.add_argument("--no-text", action="store_true", help="do not extract text features")
    ext.add_argument("--text-encoder", help="shortcut for --set features.text_encoder=NAME")
    ext.add_argument("--audio-encoder", help="shortcut for --set features.audio_encoder=NAME")
    ext.add_argument("--source", help="dataset name stored per clip (default: inferred from the path)")
    ext.add_argument("--chunk-size", type=int, default=256, help="clips per resumable chunk (default 256)")
    ext.add_argument(
        "--empty-text",
        choices=("encode", "missing"),
        default="encode",
        help="clips with an empty transcript: encode the empty string (default) or record them missing",
    )
    ext.add_argument(
        "--text-from",
        metavar="TABLE",
        help="label table whose transcripts fill empty ones, joined by (video_id, clip_id)",
    )
    ext.add_argument("--device", default="cpu", help="torch device for the encoders (default cpu)")
    ext.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: leave torch's default)")
    ext.add_argument("--overwrite", action="store_true", help="rebuild a finished store at --out")
    ext.add_argument("--keep-work", action="store_true", help="keep the per-chunk shards after assembling")
    ext.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_config_options(ext)
    ext.set_defaults(run=run_extract)

    info = actions.add_parser("info", help="describe a feature store")
    info.add_argument("store", help="feature store folder")
    info.set_defaults(run=run_info)


def run(args: argparse.Namespace) -> int:
    return args.run(args)


def run_extract(args: argparse.Namespace) -> int:
    import torch

    from mmolre.features.extract import extract_features

    if args.text_encoder:
        args.overrides.append(f"features.text_encoder={args.text_encoder}")
    if args.audio_encoder:
        args.overrides.append(f"features.audio_encoder={args.audio_encoder}")
    cfg = config_from_args(args)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    result = extract_features(
        args.table,
        args.out,
        cfg.features,
        text=not args.no_text,
        audio_dir=args.audio_dir,
        vision_dir=args.vision_dir,
        vision_columns=args.vision_columns,
        source=args.source,
        chunk_size=args.chunk_size,
        empty_text=args.empty_text,
        text_from=args.text_from,
        device=args.device,
        overwrite=args.overwrite,
        keep_work=args.keep_work,
        progress=not args.no_progress,
    )
    print(f"feature store: {result.root} (source {result.source})")
    print("clips: " + ", ".join(f"{split} {n}" for split, n in result.clips.items()))
    for modality, per_split in result.missing.items():
        n_missing = sum(len(v) for v in per_split.values())
        rate = result.throughput(modality)
        speed = f", {rate:.1f} clips/s" if rate else ""
        print(f"{modality}: {n_missing} missing{speed}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    import h5py

    from mmolre.data.store import read_manifest

    root = Path(args.store)
    manifest = read_manifest(root)
    for split in sorted(p.name for p in root.iterdir() if (p / "labels.h5").is_file()):
        with h5py.File(root / split / "labels.h5", "r") as f:
            n, texts = len(f["ids"]), "texts" in f
        print(f"{split}: {n} clips{' (with transcripts)' if texts else ''}")
    print(json.dumps(manifest["modalities"], indent=2))
    return 0
