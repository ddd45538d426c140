"""Length-grouped training batches: every sample once per epoch, similar lengths together, reproducible."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mmolre.data.dataset import MultimodalDataset, length_grouped_batches, make_loader, sequence_lengths


def padded_tokens(batches, lengths):
    return sum(len(b) * max(lengths[i] for i in b) for b in batches)


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 64), min_size=1, max_size=300),
    batch_size=st.integers(1, 16),
    pool_batches=st.integers(1, 8),
    seed=st.integers(0, 2**31 - 1),
)
def test_every_sample_once_and_batches_sorted_within_pools(lengths, batch_size, pool_batches, seed):
    batches = length_grouped_batches(lengths, batch_size, torch.Generator().manual_seed(seed), pool_batches)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(lengths)))
    assert all(1 <= len(b) <= batch_size for b in batches)
    # at most one short batch per pool
    n_pools = -(-len(lengths) // (batch_size * pool_batches))
    assert sum(len(b) < batch_size for b in batches) <= n_pools


def test_grouping_removes_most_padding_and_is_reproducible():
    rng = np.random.default_rng(0)
    lengths = rng.integers(3, 64, size=4000).tolist()
    grouped = length_grouped_batches(lengths, 32, torch.Generator().manual_seed(1))
    again = length_grouped_batches(lengths, 32, torch.Generator().manual_seed(1))
    other = length_grouped_batches(lengths, 32, torch.Generator().manual_seed(2))
    assert grouped == again and grouped != other
    order = torch.randperm(4000, generator=torch.Generator().manual_seed(1)).tolist()
    plain = [order[i : i + 32] for i in range(0, 4000, 32)]
    real = sum(lengths)
    # uniform lengths in [3, 64): random batches of 32 pad to ~62, i.e. ~1.9x the real tokens
    assert padded_tokens(plain, lengths) > 1.7 * real
    assert padded_tokens(grouped, lengths) < 1.05 * real


def test_loader_groups_by_the_longest_modality():
    lengths = {"text": [5, 1, 9, 2, 7, 3], "audio": [1, 8, 1, 1, 1, 1]}
    data = MultimodalDataset(
        ids=[str(i) for i in range(6)],
        features={m: [np.zeros((n, 2), np.float32) for n in ls] for m, ls in lengths.items()},
        sentiment=np.zeros(6),
        emotions=np.full((6, 6), np.nan),
    )
    assert sequence_lengths(data) == [5, 8, 9, 2, 7, 3]
    loader = make_loader(data, 2, shuffle=True, seed=0, group_by_length=True)
    batches = [sorted(b.ids) for b in loader]
    # one pool of all six, sorted by length 9, 8, 7, 5, 3, 2 and cut in twos
    assert sorted(batches) == [["0", "4"], ["1", "2"], ["3", "5"]]
