"""Datasets: every reader yields a `MultimodalDataset` per split, batched into the same `Batch`."""

from mmolre.data.dataset import Batch, MultimodalDataset, collate, concat_datasets, make_loader

__all__ = ["Batch", "MultimodalDataset", "collate", "concat_datasets", "make_loader"]
