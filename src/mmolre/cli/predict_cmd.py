"""`mmolre predict CHECKPOINT --text ... --audio ...`: sentiment and emotions for new utterances."""

from __future__ import annotations

import argparse
import json

from mmolre.config import ConfigError
from mmolre.training.evaluate import checkpoint_folders


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("predict", help="predict sentiment and emotions with a trained checkpoint")
    parser.add_argument("checkpoint", help="a seed folder, or a run folder (its first seed is used)")
    parser.add_argument("--text", action="append", default=[], help="a transcript (repeatable)")
    parser.add_argument("--audio", action="append", default=[], help="an audio file (repeatable, same order)")
    parser.set_defaults(run=run_command)


def run_command(args: argparse.Namespace) -> int:
    from mmolre.api import Predictor

    if args.audio and args.text and len(args.audio) != len(args.text):
        raise ConfigError(f"--audio: {len(args.audio)} files for {len(args.text)} --text utterances")
    predictor = Predictor.from_checkpoint(checkpoint_folders(args.checkpoint)[0])
    predictions = predictor.predict(texts=args.text or None, audio=args.audio or None)
    print(json.dumps([p.to_dict() for p in predictions], indent=2))
    return 0
