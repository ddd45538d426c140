"""``mmolre data pseudo-label``: UniMSE-style pseudo emotion labels for an MSA label table, scored
against the table's real emotion labels when it has them (see `mmolre.data.pseudo_label`)."""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def add_parser(actions: argparse._SubParsersAction) -> None:
    p = actions.add_parser(
        "pseudo-label",
        help="UniMSE-style pseudo emotion labels from the most similar MELD utterance of the same polarity",
        description=(
            "Give each utterance of an MMSA-layout label table the emotion of its most similar reference "
            "(ERC) utterance of the same sentiment polarity, by cosine similarity of mean-pooled sentence "
            "embeddings (Hu et al., UniMSE, EMNLP 2022). MELD's classes map to MOSEI's six emotions "
            "(joy->happy, sadness->sad, neutral->none). When the table has real emotion labels (MOSEI), "
            "the pseudo labels are scored against them."
        ),
    )
    p.add_argument("table", help="label table (MMSA label.csv layout)")
    p.add_argument(
        "--reference",
        action="append",
        required=True,
        metavar="CSV",
        help="ERC table(s) with Utterance, Emotion, Sentiment (MELD *_sent_emo.csv); repeatable",
    )
    p.add_argument("--out", "-o", required=True, help="CSV of pseudo labels to write")
    p.add_argument(
        "--report", help="JSON file for the evaluation against real labels (default: beside --out)"
    )
    p.add_argument(
        "--store",
        help="feature store of the table made with the same text encoder (mmolre features extract): "
        "its token features are mean-pooled instead of encoding the transcripts again",
    )
    p.add_argument("--text-from", metavar="TABLE", help="label table whose transcripts fill empty ones")
    p.add_argument("--split", default="all", choices=("all", "train", "valid", "test"), help="rows to label")
    p.add_argument("--text-encoder", default="all-MiniLM-L6-v2", help="sentence encoder (default MiniLM)")
    p.add_argument("--max-length", type=int, default=64, help="tokens per transcript (default 64)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--cache", help="folder to keep reference embeddings in (keyed by encoder and texts)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    p.set_defaults(run=run)


def _encoder(args: argparse.Namespace):
    from mmolre.features.text import TextEncoder

    return TextEncoder(args.text_encoder, max_length=args.max_length)


def _reference_embeddings(args: argparse.Namespace, texts: list[str], encoder_box: list) -> np.ndarray:
    from mmolre.data.pseudo_label import embed_texts

    key = hashlib.sha256(json.dumps([args.text_encoder, args.max_length, texts]).encode()).hexdigest()[:16]
    path = Path(args.cache) / f"reference-{key}.npy" if args.cache else None
    if path is not None and path.is_file():
        log.info("reference embeddings from %s", path)
        return np.load(path)
    if not encoder_box:
        encoder_box.append(_encoder(args))
    emb = embed_texts(texts, encoder_box[0], args.batch_size)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, emb)
    return emb


def run(args: argparse.Namespace) -> int:
    import torch

    from mmolre.constants import EMOTIONS
    from mmolre.data.dataset import DataError
    from mmolre.data.label_table import fill_text, read_label_table, read_store_modality
    from mmolre.data.pseudo_label import (
        embed_texts,
        evaluate_pseudo_labels,
        mean_pool,
        pseudo_label,
        read_reference,
    )

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    table = read_label_table(args.table, require_splits=())
    if args.text_from:
        table = fill_text(table, args.text_from)
    if args.split != "all":
        table = table[table["mode"] == args.split].reset_index(drop=True)
    reference = read_reference(args.reference)
    log.info("%d utterances to label; reference: %d utterances", len(table), len(reference))
    encoder_box: list = []
    ref_emb = _reference_embeddings(args, reference["text"].tolist(), encoder_box)
    if args.store:
        feats = read_store_modality(args.store, "text")
        absent = [i for i in table["id"] if feats.get(i) is None]
        if absent:
            raise DataError(f"{args.store}: no text features for {len(absent)} clips (e.g. {absent[0]})")
        query_emb = mean_pool([feats[i] for i in table["id"]])
    else:
        if not encoder_box:
            encoder_box.append(_encoder(args))
        query_emb = embed_texts(table["text"].tolist(), encoder_box[0], args.batch_size)
    labels = pseudo_label(
        table["id"].tolist(),
        table["text"].tolist(),
        table["label"].to_numpy(),
        query_emb,
        reference,
        ref_emb,
    )
    labels.insert(1, "mode", table["mode"].to_numpy())
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    labels.to_csv(out, index=False, float_format="%.6g")
    print(f"pseudo labels: {out} ({len(labels)} utterances)")
    counts = labels["pseudo_emotion"].value_counts()
    print("pseudo classes: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    true = table[list(EMOTIONS)].to_numpy(dtype=np.float64)
    if np.isnan(true).all():
        return 0
    report = evaluate_pseudo_labels(labels, true, reference)
    report_path = Path(args.report) if args.report else out.with_suffix(".eval.json")
    report_path.write_text(json.dumps(report, indent=2))
    print(format_report(report))
    print(f"evaluation: {report_path}")
    return 0


def format_report(report: dict[str, dict[str, float]]) -> str:
    """Markdown table: one row per emotion (WA, F1) and the agreement rates, pseudo vs baseline."""
    from mmolre.constants import EMOTIONS

    names = list(report)
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    keys = [f"{e}_{m}" for e in EMOTIONS for m in ("WA", "F1")]
    keys += ["mean_WA", "mean_F1", "micro_F1", "share_with_emotion", "emotion_present_rate"]
    keys += ["dominant_rate", "none_correct_rate"]
    for k in keys:
        lines.append(f"| {k} | " + " | ".join(f"{report[n].get(k, float('nan')):.4f}" for n in names) + " |")
    return "\n".join(lines)
