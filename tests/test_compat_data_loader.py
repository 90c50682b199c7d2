"""DataLoader with PyTorch's arguments: sampler=, batch_sampler=, num_workers= (in-process,
one note), pin_memory=, collate_fn=, generator=, worker_init_fn=, drop_last=,
persistent_workers=, prefetch_factor=, batch_size=None; the batches of torch's DataLoader
where the order is deterministic, PyTorch's errors for exclusive options, and the resumable
state with a sampler."""

import json
import warnings

import numpy as np
import pytest
import torch

import retroprop as rp
import retroprop.data.dataloader as dl
from retroprop.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
)


def _xy(n=10):
    x = np.arange(2 * n, dtype=np.float32).reshape(n, 2)
    return x, np.arange(n)


def _ours(n=10):
    return TensorDataset(*_xy(n))


def _theirs(n=10):
    x, y = _xy(n)
    return torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y))


def _labels(loader):
    return [yb.numpy().tolist() for _, yb in loader]


class _Rows:
    """A map-style dataset without ``arrays``: batched through __getitem__ and collate."""

    def __init__(self, n):
        self.x, self.y = _xy(n)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], int(self.y[i])


@pytest.mark.parametrize("dataset", [_ours, _Rows])
def test_batch_sampler_gives_torch_batches(dataset):
    def make(ds):
        return BatchSampler(SequentialSampler(ds), 3, drop_last=True)

    ours = DataLoader(dataset(10), batch_sampler=make(range(10)))
    theirs = torch.utils.data.DataLoader(_theirs(), batch_sampler=make(range(10)))
    assert len(ours) == len(theirs) == 3
    for (rx, ry), (tx, ty) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(rx.numpy(), tx.numpy())
        np.testing.assert_array_equal(ry.numpy(), ty.numpy())
    assert ours.batch_size is None


def test_a_sampler_sets_the_order_and_the_length():
    idx = [7, 1, 4, 8, 2]
    loader = DataLoader(_ours(), batch_size=2, sampler=SubsetRandomSampler(idx))
    got = sum(_labels(loader), [])
    assert sorted(got) == sorted(idx) and len(loader) == 3
    seq = DataLoader(_ours(), batch_size=4, sampler=[9, 0, 5, 5, 3])
    assert _labels(seq) == [[9, 0, 5, 5], [3]]
    weighted = DataLoader(_ours(), batch_size=5, sampler=WeightedRandomSampler([0] * 9 + [1], 5))
    assert _labels(weighted) == [[9] * 5]


def test_shuffle_draws_a_random_sampler_from_the_loaders_generator():
    gen = np.random.default_rng(1)
    loader = DataLoader(_ours(6), batch_size=6, shuffle=True, generator=gen)
    assert isinstance(loader.sampler, RandomSampler) and loader.sampler.generator is gen
    assert isinstance(loader.batch_sampler, BatchSampler)
    assert _labels(loader) == [np.random.default_rng(1).permutation(6).tolist()]


def test_collate_fn_pin_memory_and_drop_last_are_honoured():
    loader = DataLoader(
        _Rows(7), batch_size=3, drop_last=True, pin_memory=True, collate_fn=lambda s: len(s)
    )
    assert list(loader) == [3, 3]


def test_batch_size_none_yields_single_samples_converted():
    ours = list(DataLoader(_Rows(3), batch_size=None))
    theirs = list(torch.utils.data.DataLoader(_Rows(3), batch_size=None))
    assert len(ours) == len(theirs) == 3
    for (rx, ry), (tx, ty) in zip(ours, theirs):
        assert isinstance(rx, rp.Tensor) and rx.dtype == np.float32
        np.testing.assert_array_equal(rx.numpy(), tx.numpy())
        assert ry == ty


def test_num_workers_runs_in_process_with_a_single_note(monkeypatch):
    monkeypatch.setattr(dl, "_noted_workers", False)
    calls = []
    with pytest.warns(UserWarning, match="num_workers=2 loads the batches in the main process"):
        loader = DataLoader(
            _ours(), batch_size=4, shuffle=True, seed=0, num_workers=2, worker_init_fn=calls.append,
            prefetch_factor=2,
        )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = DataLoader(_ours(), batch_size=4, shuffle=True, seed=0, num_workers=4)
    assert _labels(loader) == _labels(DataLoader(_ours(), batch_size=4, shuffle=True, seed=0))
    _labels(loader)
    assert calls == [0, 0]
    persistent = []
    p = DataLoader(
        _ours(), num_workers=1, persistent_workers=True, worker_init_fn=persistent.append
    )
    _labels(p)
    _labels(p)
    assert persistent == [0]
    assert len(again) == 3


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"sampler": [0, 1], "shuffle": True}, "sampler option is mutually exclusive with shuffle"),
        ({"batch_sampler": [[0, 1]], "batch_size": 2}, "batch_sampler option is mutually"),
        ({"batch_sampler": [[0, 1]], "drop_last": True}, "batch_sampler option is mutually"),
        ({"num_workers": -1}, "num_workers option should be non-negative"),
        ({"prefetch_factor": 2}, "prefetch_factor option could only be specified"),
        ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
        ({"batch_size": None, "drop_last": True}, "mutually exclusive with drop_last"),
        ({"timeout": -1}, "timeout option should be non-negative"),
    ],
)
def test_exclusive_options_raise_as_pytorch(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DataLoader(_ours(), **kwargs)


def test_state_with_a_seeded_random_sampler_resumes_mid_epoch():
    def make():
        sampler = RandomSampler(range(10), generator=np.random.default_rng(5))
        return DataLoader(_ours(), batch_size=3, sampler=sampler)

    loader = make()
    _labels(loader)
    it = iter(loader)
    next(it), next(it)
    state = json.loads(json.dumps(loader.state_dict()))
    assert state["batches_yielded"] == 2
    rest = [yb.numpy().tolist() for _, yb in it]
    following = _labels(loader)
    resumed = make()
    resumed.load_state_dict(state)
    assert _labels(resumed) == rest
    assert _labels(resumed) == following


def test_positional_arguments_follow_torchs_order():
    loader = DataLoader(_ours(), 4, False, None, None, 0, lambda s: len(s), False, True)
    assert list(loader) == [4, 4]


class _Stream:
    """Samples (x, label) from a stream; shared by our IterableDataset and torch's."""

    def __init__(self, n, sized=True):
        self.n, self.sized = n, sized

    def __iter__(self):
        x, y = _xy(self.n)
        return iter(zip(x, y.tolist()))


class _OurStream(_Stream, rp.data.IterableDataset):
    pass


class _OurSizedStream(_OurStream):
    def __len__(self):
        return self.n


class _TheirStream(_Stream, torch.utils.data.IterableDataset):
    pass


@pytest.mark.parametrize("batch_size,drop_last", [(3, False), (3, True), (None, False)])
def test_iterable_dataset_batches_match_torch(batch_size, drop_last):
    ours = list(DataLoader(_OurStream(7), batch_size=batch_size, drop_last=drop_last))
    theirs = list(
        torch.utils.data.DataLoader(_TheirStream(7), batch_size=batch_size, drop_last=drop_last)
    )
    assert len(ours) == len(theirs)
    for (rx, ry), (tx, ty) in zip(ours, theirs):
        np.testing.assert_array_equal(
            np.asarray(rx.numpy() if hasattr(rx, "numpy") else rx), tx.numpy()
        )
        np.testing.assert_array_equal(
            np.asarray(ry.numpy() if hasattr(ry, "numpy") else ry), np.asarray(ty)
        )
    assert rp.data.get_worker_info() is None and torch.utils.data.get_worker_info() is None


def test_iterable_dataset_len_resume_and_refused_options():
    loader = DataLoader(_OurSizedStream(7), batch_size=3)
    assert len(loader) == 3
    with pytest.raises(TypeError):
        len(DataLoader(_OurStream(7), batch_size=3))
    it = iter(loader)
    next(it)
    state = loader.state_dict()
    assert state["batches_yielded"] == 1
    resumed = DataLoader(_OurSizedStream(7), batch_size=3)
    resumed.load_state_dict(state)
    assert [yb.numpy().tolist() for _, yb in resumed] == [[3, 4, 5], [6]]
    unsized = DataLoader(_OurStream(4), batch_size=2)
    list(unsized)
    assert unsized.state_dict()["batches_yielded"] == 0
    for kwargs in ({"shuffle": True}, {"sampler": [0, 1]}, {"batch_sampler": [[0]]}):
        with pytest.raises(
            ValueError, match="DataLoader with IterableDataset: expected unspecified"
        ):
            DataLoader(_OurStream(4), **kwargs)
