"""Tiny random Hugging Face checkpoints saved to a folder, loaded by the same code as real ones."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch


def make_tiny_roberta(folder: Path, corpus: Sequence[str]) -> str:
    """A randomly initialised RoBERTa with a byte-level BPE tokenizer trained on ``corpus``."""
    import tokenizers
    from transformers import RobertaConfig, RobertaModel, RobertaTokenizer

    bpe = tokenizers.ByteLevelBPETokenizer()
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe.train_from_iterator(list(corpus), vocab_size=300, min_frequency=1, special_tokens=specials)
    bpe.save_model(str(folder))
    tok = RobertaTokenizer(vocab=str(folder / "vocab.json"), merges=str(folder / "merges.txt"))
    config = RobertaConfig(
        vocab_size=len(tok),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=40,
        pad_token_id=tok.pad_token_id,
    )
    torch.manual_seed(0)
    out = folder / "tiny-roberta"
    RobertaModel(config).save_pretrained(out)
    tok.save_pretrained(out)
    return str(out)
