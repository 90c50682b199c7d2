"""Samplers (retroprop.data.sampler, PyTorch's torch.utils.data.sampler): the deterministic
ones give torch's exact indices; the random ones give what their distribution must (a
permutation, the subset, the weights' frequencies), reproducibly from a seeded generator."""

import numpy as np
import pytest
import torch

import retroprop as rp
from retroprop.data.sampler import (
    BatchSampler,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)


def test_sequential_sampler_matches_torch():
    data = list(range(7))
    assert list(SequentialSampler(data)) == list(torch.utils.data.SequentialSampler(data))
    assert len(SequentialSampler(data)) == 7


@pytest.mark.parametrize(
    "n,batch,drop", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False)]
)
def test_batch_sampler_matches_torch(n, batch, drop):
    ours = BatchSampler(SequentialSampler(range(n)), batch, drop)
    theirs = torch.utils.data.BatchSampler(
        torch.utils.data.SequentialSampler(range(n)), batch, drop
    )
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)


def test_random_sampler_is_a_new_permutation_each_pass_and_reproducible():
    s = RandomSampler(range(20), generator=np.random.default_rng(0))
    first, second = list(s), list(s)
    assert sorted(first) == list(range(20)) and sorted(second) == list(range(20))
    assert first != second
    again = RandomSampler(range(20), generator=np.random.default_rng(0))
    assert list(again) == first


def test_random_sampler_without_generator_follows_manual_seed():
    rp.manual_seed(3)
    a = list(RandomSampler(range(10)))
    rp.manual_seed(3)
    assert list(RandomSampler(range(10))) == a


def test_random_sampler_num_samples_and_replacement():
    g = np.random.default_rng(1)
    long = list(RandomSampler(range(4), num_samples=10, generator=g))
    assert (
        len(long) == 10 and sorted(long[:4]) == [0, 1, 2, 3] and sorted(long[4:8]) == [0, 1, 2, 3]
    )
    drawn = np.array(list(RandomSampler(range(3), replacement=True, num_samples=3000, generator=g)))
    assert len(RandomSampler(range(3), replacement=True, num_samples=3000)) == 3000
    np.testing.assert_allclose(np.bincount(drawn) / 3000, [1 / 3] * 3, atol=0.04)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        RandomSampler(range(3), generator=torch.Generator())


def test_subset_random_sampler_visits_exactly_the_subset():
    idx = [5, 2, 9, 11]
    s = SubsetRandomSampler(idx, generator=np.random.default_rng(2))
    out = list(s)
    assert sorted(out) == sorted(idx) and len(s) == 4
    assert all(isinstance(i, int) for i in out)


def test_weighted_random_sampler_frequencies_follow_the_weights():
    w = [0.1, 0.0, 0.6, 0.3]
    s = WeightedRandomSampler(w, 20000, generator=np.random.default_rng(3))
    counts = np.bincount(list(s), minlength=4) / 20000
    np.testing.assert_allclose(counts, w, atol=0.015)
    assert counts[1] == 0
    no_rep = list(WeightedRandomSampler(rp.tensor(w), 3, replacement=False))
    assert sorted(no_rep) == [0, 2, 3]


def test_weighted_random_sampler_refuses_bad_weights():
    with pytest.raises(ValueError, match="non-negative"):
        WeightedRandomSampler([1.0, -1.0], 2)
    with pytest.raises(ValueError, match="1-d"):
        WeightedRandomSampler([[1.0, 1.0]], 2)
    with pytest.raises(RuntimeError, match="without replacement from 1 non-zero"):
        WeightedRandomSampler([1.0, 0.0], 2, replacement=False)
    with pytest.raises(ValueError, match="num_samples"):
        WeightedRandomSampler([1.0], 0)


def test_batch_sampler_refuses_bad_arguments():
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(range(3), 2, 0)
