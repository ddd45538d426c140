"""The one in-memory dataset type and the one batch type that every reader and model share.

A reader (synthetic generator, MMSA pickle, CMU-SDK `.csd`, label table plus feature store) returns a
``dict[str, MultimodalDataset]`` keyed by split name; ``make_loader`` turns one split into ``Batch``es.
Missing labels are NaN: a sample whose sentiment is NaN is masked out of the SA loss and metrics, a
sample whose emotion row is NaN (every MOSI utterance) is masked out of the ER loss and metrics.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from mmolre.constants import EMOTIONS


class DataError(ValueError):
    """Bad input data; the message names the file, key or field at fault."""


@dataclass
class MultimodalDataset(Dataset):
    """One split of one or more datasets.

    Attributes:
        ids: one id per sample, e.g. ``"video$_$clip"``.
        features: modality name -> list of float32 arrays of shape ``[T_i, D_modality]``.
        sentiment: float32 ``[N]`` in [-3, 3]; NaN where a sample has no sentiment label.
        emotions: float32 ``[N, 6]`` intensities in [0, 3] in ``EMOTIONS`` order; a row of NaN where a
            sample has no emotion labels.
        sources: dataset name per sample (``"mosi"``, ``"mosei"``, ``"synthetic"``), for per-dataset metrics.
        texts: raw transcript per sample, when known; a model that fine-tunes its text encoder reads it.
    """

    ids: list[str]
    features: dict[str, list[np.ndarray]]
    sentiment: np.ndarray
    emotions: np.ndarray
    sources: list[str] = field(default_factory=list)
    texts: list[str] | None = None

    def __post_init__(self) -> None:
        n = len(self.ids)
        if not self.sources:
            self.sources = ["unknown"] * n
        self.sentiment = np.asarray(self.sentiment, dtype=np.float32).reshape(-1)
        self.emotions = np.asarray(self.emotions, dtype=np.float32).reshape(n, len(EMOTIONS))
        checks = {
            "sentiment": len(self.sentiment),
            "emotions": len(self.emotions),
            "sources": len(self.sources),
        }
        if self.texts is not None:
            checks["texts"] = len(self.texts)
        checks.update({f"features[{m}]": len(seqs) for m, seqs in self.features.items()})
        for name, length in checks.items():
            if length != n:
                raise DataError(f"{name} has {length} entries but there are {n} ids")

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int) -> dict:
        return {
            "id": self.ids[index],
            "source": self.sources[index],
            "features": {m: seqs[index] for m, seqs in self.features.items()},
            "sentiment": self.sentiment[index],
            "emotions": self.emotions[index],
            "text": None if self.texts is None else self.texts[index],
        }

    @property
    def modalities(self) -> list[str]:
        return list(self.features)

    def feature_dim(self, modality: str) -> int:
        return int(self.features[modality][0].shape[-1])

    @property
    def has_emotions(self) -> np.ndarray:
        """Boolean ``[N]``: which samples carry emotion labels."""
        return ~np.isnan(self.emotions).any(axis=1)

    @property
    def has_sentiment(self) -> np.ndarray:
        return ~np.isnan(self.sentiment)

    def subset(self, indices: Sequence[int] | np.ndarray) -> MultimodalDataset:
        idx = np.asarray(indices, dtype=np.int64)
        return MultimodalDataset(
            ids=[self.ids[i] for i in idx],
            features={m: [seqs[i] for i in idx] for m, seqs in self.features.items()},
            sentiment=self.sentiment[idx],
            emotions=self.emotions[idx],
            sources=[self.sources[i] for i in idx],
            texts=None if self.texts is None else [self.texts[i] for i in idx],
        )

    def select_modalities(self, modalities: Sequence[str]) -> MultimodalDataset:
        missing = [m for m in modalities if m not in self.features]
        if missing:
            raise DataError(f"modalities {missing} are not in this dataset (it has {self.modalities})")
        return MultimodalDataset(
            ids=self.ids,
            features={m: self.features[m] for m in modalities},
            sentiment=self.sentiment,
            emotions=self.emotions,
            sources=self.sources,
            texts=self.texts,
        )


def concat_datasets(parts: Sequence[MultimodalDataset]) -> MultimodalDataset:
    """Concatenate splits of several datasets (e.g. MOSI + MOSEI) that share modalities and dims."""
    if not parts:
        raise DataError("nothing to concatenate")
    modalities = parts[0].modalities
    for part in parts[1:]:
        if part.modalities != modalities:
            raise DataError(f"cannot mix datasets with modalities {modalities} and {part.modalities}")
        for m in modalities:
            if part.feature_dim(m) != parts[0].feature_dim(m):
                raise DataError(
                    f"modality {m!r} has dim {part.feature_dim(m)} in one dataset and "
                    f"{parts[0].feature_dim(m)} in another"
                )
    return MultimodalDataset(
        ids=[i for p in parts for i in p.ids],
        features={m: [s for p in parts for s in p.features[m]] for m in modalities},
        sentiment=np.concatenate([p.sentiment for p in parts]),
        emotions=np.concatenate([p.emotions for p in parts]),
        sources=[s for p in parts for s in p.sources],
        texts=None if any(p.texts is None for p in parts) else [t for p in parts for t in p.texts],
    )


@dataclass
class Batch:
    """A padded mini-batch. Masks are True on real time steps and on samples that carry a label."""

    ids: list[str]
    sources: list[str]
    features: dict[str, torch.Tensor]  # modality -> [B, T, D]
    masks: dict[str, torch.Tensor]  # modality -> [B, T] bool
    sentiment: torch.Tensor  # [B], 0 where missing
    sentiment_mask: torch.Tensor  # [B] bool
    emotions: torch.Tensor  # [B, 6] intensities, 0 where missing
    emotion_mask: torch.Tensor  # [B] bool
    texts: list[str] | None = None  # raw transcripts, for end-to-end text fine-tuning

    def __len__(self) -> int:
        return len(self.ids)

    def to(self, device: torch.device | str) -> Batch:
        return Batch(
            ids=self.ids,
            sources=self.sources,
            features={m: t.to(device) for m, t in self.features.items()},
            masks={m: t.to(device) for m, t in self.masks.items()},
            sentiment=self.sentiment.to(device),
            sentiment_mask=self.sentiment_mask.to(device),
            emotions=self.emotions.to(device),
            emotion_mask=self.emotion_mask.to(device),
            texts=self.texts,
        )


def pad_sequences(seqs: Sequence[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad ``[T_i, D]`` arrays to ``[B, T_max, D]`` with zeros; return (padded, mask)."""
    lengths = [max(int(s.shape[0]), 1) for s in seqs]
    dim = int(seqs[0].shape[-1])
    padded = torch.zeros(len(seqs), max(lengths), dim, dtype=torch.float32)
    mask = torch.zeros(len(seqs), max(lengths), dtype=torch.bool)
    for i, seq in enumerate(seqs):
        if seq.shape[0] == 0:
            continue  # an empty sequence keeps one all-zero step, masked out, so pooling stays defined
        padded[i, : seq.shape[0]] = torch.from_numpy(np.ascontiguousarray(seq, dtype=np.float32))
        mask[i, : seq.shape[0]] = True
    return padded, mask


def collate(items: Sequence[dict]) -> Batch:
    """Collate ``MultimodalDataset`` items into a ``Batch``."""
    features, masks = {}, {}
    for m in items[0]["features"]:
        features[m], masks[m] = pad_sequences([it["features"][m] for it in items])
    sentiment = torch.tensor(np.array([it["sentiment"] for it in items], dtype=np.float32))
    emotions = torch.tensor(np.stack([it["emotions"] for it in items]).astype(np.float32))
    sentiment_mask = ~torch.isnan(sentiment)
    emotion_mask = ~torch.isnan(emotions).any(dim=1)
    return Batch(
        ids=[it["id"] for it in items],
        sources=[it["source"] for it in items],
        features=features,
        masks=masks,
        sentiment=torch.nan_to_num(sentiment, nan=0.0),
        sentiment_mask=sentiment_mask,
        emotions=torch.nan_to_num(emotions, nan=0.0),
        emotion_mask=emotion_mask,
        texts=None if any(it["text"] is None for it in items) else [it["text"] for it in items],
    )


def make_loader(
    dataset: MultimodalDataset,
    batch_size: int,
    shuffle: bool,
    seed: int = 0,
    group_by_length: bool = False,
) -> DataLoader:
    """A single-process loader; shuffling draws from its own generator so runs are reproducible.

    With ``group_by_length`` (shuffled loaders only) each batch holds samples of similar length, so
    little padding is computed; see `length_grouped_batches`.
    """
    generator = torch.Generator().manual_seed(seed) if shuffle else None
    if shuffle and group_by_length:
        batches = length_grouped_batches(sequence_lengths(dataset), batch_size, generator)
        return DataLoader(dataset, batch_sampler=batches, collate_fn=collate)
    return DataLoader(
        dataset, batch_size=batch_size, shuffle=shuffle, collate_fn=collate, generator=generator
    )


def sequence_lengths(dataset: MultimodalDataset) -> list[int]:
    """Per sample, its longest feature sequence (frames or tokens) over all modalities."""
    lengths = [0] * len(dataset)
    for seqs in dataset.features.values():
        lengths = [max(n, len(s)) for n, s in zip(lengths, seqs)]
    return lengths


def length_grouped_batches(
    lengths: Sequence[int], batch_size: int, generator: torch.Generator, pool_batches: int = 50
) -> list[list[int]]:
    """Shuffled batches of similar length.

    The samples are shuffled, cut into pools of ``pool_batches`` batches, sorted by length within a
    pool and cut into batches, and the batches are shuffled: every sample appears once, batches stay
    random across epochs, and padding is nearly gone (the idea of Hugging Face Trainer's
    ``group_by_length``).
    """
    order = torch.randperm(len(lengths), generator=generator).tolist()
    pool = batch_size * pool_batches
    batches: list[list[int]] = []
    for start in range(0, len(order), pool):
        ranked = sorted(order[start : start + pool], key=lambda i: lengths[i], reverse=True)
        batches.extend(ranked[j : j + batch_size] for j in range(0, len(ranked), batch_size))
    return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]


def iterate_batches(dataset: MultimodalDataset, batch_size: int) -> Iterator[Batch]:
    """Ordered batches, for evaluation."""
    yield from make_loader(dataset, batch_size=batch_size, shuffle=False)
