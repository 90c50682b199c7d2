"""rp.Generator, PyTorch's torch.Generator: the same calls as torch 2.13 (manual_seed returns
the generator, initial_seed, get/set_state, device), and it is a numpy Generator, so every
generator= of retroprop takes it with reproducible draws."""

import numpy as np
import pytest
import torch

import retroprop as rp
from retroprop.data import DataLoader, TensorDataset, random_split


def test_api_as_torch():
    ours, ref = rp.Generator(), torch.Generator()
    assert ours.initial_seed() == ref.initial_seed() == 67280421310721
    assert ours.manual_seed(42) is ours and ref.manual_seed(42) is ref
    assert ours.initial_seed() == ref.initial_seed() == 42
    assert str(ours.device) == str(ref.device) == "cpu"
    assert isinstance(ours, np.random.Generator)
    s = ours.seed()
    assert ours.initial_seed() == s


def test_draws_follow_the_seed_and_the_state():
    g = rp.Generator().manual_seed(7)
    np.testing.assert_array_equal(g.random(3), np.random.default_rng(7).random(3))
    state = g.get_state()
    a = rp.randn(4, generator=g).numpy()
    assert g.set_state(state) is g
    np.testing.assert_array_equal(rp.randn(4, generator=g).numpy(), a)
    np.testing.assert_array_equal(
        rp.rand(3, generator=rp.Generator().manual_seed(1)).numpy(),
        rp.rand(3, generator=rp.Generator().manual_seed(1)).numpy(),
    )
    assert not np.array_equal(
        rp.rand(3, generator=rp.Generator().manual_seed(1)).numpy(),
        rp.rand(3, generator=rp.Generator().manual_seed(2)).numpy(),
    )


def test_tutorial_idioms_random_split_and_dataloader():
    ds = TensorDataset(rp.arange(20))
    split = lambda s: random_split(ds, [0.75, 0.25], generator=rp.Generator().manual_seed(s))  # noqa: E731
    a, b = split(42)
    assert (len(a), len(b)) == (15, 5)
    assert list(split(42)[0].indices) == list(a.indices)
    assert list(split(43)[0].indices) != list(a.indices)
    order = lambda s: [  # noqa: E731
        x.numpy().tolist()
        for (x,) in DataLoader(
            ds, batch_size=10, shuffle=True, generator=rp.Generator().manual_seed(s)
        )
    ]
    assert order(0) == order(0) != order(1)
    assert sorted(sum(order(0), [])) == list(range(20))


def test_other_devices_refused():
    with pytest.raises(RuntimeError, match="CPU only"):
        rp.Generator(device="cuda")
    with pytest.raises(ValueError, match="manual_seed: seed must be a non-negative integer"):
        rp.Generator().manual_seed(-1)
