"""Datasets and the DataLoader: batching, the batched-indexing fast path, default collate
dtypes, shuffling determinism, resumable state, random_split (lengths as torch), errors."""

import json

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import retroprop as rp
from retroprop.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)


def _dataset(n=10, dtype=np.float32):
    X = np.arange(n * 3, dtype=dtype).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    return TensorDataset(rp.from_numpy(X), rp.from_numpy(y))


def _labels(loader):
    """The label batches of one epoch (labels are the sample indices in _dataset)."""
    return [yb.numpy().tolist() for _, yb in loader]


class _Samples(Dataset):
    """A dataset that builds each sample in Python (no ``arrays``): the slow path."""

    def __init__(self, n=10):
        self.n = n

    def __getitem__(self, i):
        return np.full(3, float(i)), i

    def __len__(self):
        return self.n


def test_utils_data_is_the_data_package():
    import retroprop.utils.data
    from retroprop.utils.data import DataLoader as Loader

    assert retroprop.utils.data is rp.data and rp.utils.data is rp.data
    assert Loader is DataLoader


def test_tensor_dataset_indexes_rows_of_every_tensor():
    ds = _dataset(5)
    x, y = ds[2]
    assert len(ds) == 5
    np.testing.assert_array_equal(x.numpy(), [6, 7, 8])
    assert y.item() == 2 and y.dtype == np.int64


def test_tensor_dataset_errors_name_the_sizes():
    with pytest.raises(ValueError, match=r"first dimensions are \[3, 4\]"):
        TensorDataset(rp.zeros(3, 2), rp.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(TypeError, match="argument 1 must be a Tensor"):
        TensorDataset(rp.zeros(3), [1, 2, 3])
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(rp.tensor(1.0))


def test_dataset_subclass_must_define_getitem_and_len():
    class NoLen(Dataset):
        def __getitem__(self, i):
            return i

    with pytest.raises(TypeError, match="__len__"):
        NoLen()


@pytest.mark.parametrize("drop_last", [False, True])
def test_unshuffled_batches_are_consecutive_slices(drop_last):
    loader = DataLoader(_dataset(10), batch_size=4, drop_last=drop_last)
    expected = [[0, 1, 2, 3], [4, 5, 6, 7]] + ([] if drop_last else [[8, 9]])
    assert _labels(loader) == expected
    assert len(loader) == len(expected)


@given(n=st.integers(0, 30), batch_size=st.integers(1, 12), drop_last=st.booleans())
def test_number_of_batches_matches_torch(n, batch_size, drop_last):
    ours = DataLoader(_dataset(n), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(range(n), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs) == len(list(ours))


def test_fast_path_batches_without_calling_getitem(monkeypatch):
    def no_getitem(self, i):
        raise AssertionError("the fast path must not fetch samples one by one")

    monkeypatch.setattr(TensorDataset, "__getitem__", no_getitem)
    X = np.random.default_rng(0).standard_normal((7, 2, 3)).astype(np.float64)
    ds = TensorDataset(rp.from_numpy(X), rp.from_numpy(np.arange(7)))
    xb, yb = next(iter(DataLoader(ds, batch_size=5, shuffle=True, seed=3)))
    assert xb.shape == (5, 2, 3) and xb.dtype == np.float64 and yb.dtype == np.int64
    np.testing.assert_array_equal(xb.numpy(), X[yb.numpy()])


def test_any_dataset_defining_arrays_takes_the_fast_path():
    class Rows(Dataset):
        arrays = (np.arange(8).reshape(4, 2), np.arange(4) * 10)

        def __getitem__(self, i):
            raise AssertionError("the fast path must not fetch samples one by one")

        def __len__(self):
            return 4

    xb, yb = next(iter(DataLoader(Rows(), batch_size=3)))
    assert xb.numpy().tolist() == [[0, 1], [2, 3], [4, 5]] and yb.numpy().tolist() == [0, 10, 20]


def test_subclass_overriding_getitem_is_batched_sample_by_sample():
    class Doubled(TensorDataset):
        def __getitem__(self, i):
            x, y = super().__getitem__(i)
            return x * 2, y

    (xb, yb) = next(iter(DataLoader(Doubled(rp.ones(4, 2), rp.arange(4)), batch_size=4)))
    assert xb.numpy().tolist() == [[2.0, 2.0]] * 4 and yb.numpy().tolist() == [0, 1, 2, 3]


def test_fast_path_and_per_sample_collate_give_the_same_batches():
    ds = _dataset(11)
    fast = DataLoader(ds, batch_size=3, shuffle=True, seed=5)
    slow = DataLoader(ds, batch_size=3, shuffle=True, seed=5, collate_fn=default_collate)
    for (xf, yf), (xs, ys) in zip(fast, slow, strict=True):
        assert xf.dtype == xs.dtype == np.float32 and yf.dtype == ys.dtype == np.int64
        np.testing.assert_array_equal(xf.numpy(), xs.numpy())
        np.testing.assert_array_equal(yf.numpy(), ys.numpy())


def test_fast_path_follows_nested_subsets():
    ds = _dataset(10)
    inner = Subset(ds, [9, 8, 7, 6, 5, 4])
    outer = Subset(inner, [5, 0, -1])
    assert _labels(DataLoader(outer, batch_size=2)) == [[4, 9], [4]]


def test_default_collate_dtypes_and_structure():
    (xb, yb) = next(iter(DataLoader(_Samples(), batch_size=4)))
    assert xb.dtype == np.float32 and xb.shape == (4, 3)  # float64 arrays -> float32
    assert yb.dtype == np.int64 and yb.numpy().tolist() == [0, 1, 2, 3]
    batch = default_collate(
        [{"x": rp.tensor([1.0], dtype=rp.float64), "name": "a", "ok": True, "w": 0.5}] * 2
    )
    assert batch["x"].dtype == np.float64 and batch["x"].shape == (2, 1)  # Tensors keep dtype
    assert batch["name"] == ["a", "a"]
    assert batch["ok"].dtype == np.bool_ and batch["w"].dtype == np.float32
    nested = default_collate([(1, (2.0, "s")), (3, (4.0, "t"))])
    assert nested[0].numpy().tolist() == [1, 3] and nested[1][0].numpy().tolist() == [2.0, 4.0]
    assert nested[1][1] == ["s", "t"]


def test_default_collate_structure_matches_torch():
    samples = [(np.ones(2, np.float32), 1), (np.zeros(2, np.float32), 0)]
    ours, theirs = default_collate(samples), torch.utils.data.default_collate(samples)
    assert type(ours) is type(theirs) is list
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert a.dtype == b.numpy().dtype


def test_default_collate_errors():
    with pytest.raises(ValueError, match="non-empty"):
        default_collate([])
    with pytest.raises(RuntimeError, match=r"sizes \[1, 2\]"):
        default_collate([(1,), (1, 2)])
    with pytest.raises(TypeError, match="mixes"):
        default_collate([rp.tensor(1.0), 2.0])
    with pytest.raises(TypeError, match="got object"):
        default_collate([object()])


def test_custom_collate_fn_receives_the_list_of_samples():
    loader = DataLoader(_Samples(5), batch_size=2, collate_fn=lambda s: [i for _, i in s])
    assert list(loader) == [[0, 1], [2, 3], [4]]


def test_shuffle_is_a_permutation_per_epoch_and_reproducible():
    a = DataLoader(_dataset(10), batch_size=3, shuffle=True, seed=7)
    b = DataLoader(_dataset(10), batch_size=3, shuffle=True, seed=7)
    epochs_a = [_labels(a) for _ in range(3)]
    assert epochs_a == [_labels(b) for _ in range(3)]
    for epoch in epochs_a:
        assert sorted(sum(epoch, [])) == list(range(10))
    assert epochs_a[0] != epochs_a[1]
    assert _labels(DataLoader(_dataset(10), batch_size=3, shuffle=True, seed=8)) != epochs_a[0]


def test_loader_without_seed_draws_it_from_the_global_generator():
    rp.manual_seed(3)
    first = _labels(DataLoader(_dataset(10), batch_size=10, shuffle=True))
    rp.manual_seed(3)
    assert _labels(DataLoader(_dataset(10), batch_size=10, shuffle=True)) == first
    rp.manual_seed(4)
    assert _labels(DataLoader(_dataset(10), batch_size=10, shuffle=True)) != first


def test_given_generator_is_used_and_advanced():
    gen = np.random.default_rng(1)
    loader = DataLoader(_dataset(6), batch_size=6, shuffle=True, generator=gen)
    assert _labels(loader) == [np.random.default_rng(1).permutation(6).tolist()]
    assert loader.generator is gen


def test_state_between_epochs_restores_future_permutations():
    loader = DataLoader(_dataset(10), batch_size=3, shuffle=True, seed=0)
    _labels(loader)
    state = json.loads(json.dumps(loader.state_dict()))  # JSON-friendly
    assert state["batches_yielded"] == 0
    future = [_labels(loader) for _ in range(2)]
    resumed = DataLoader(_dataset(10), batch_size=3, shuffle=True, seed=99)
    resumed.load_state_dict(state)
    assert [_labels(resumed) for _ in range(2)] == future


def test_state_mid_epoch_resumes_the_remaining_batches_then_next_epochs():
    loader = DataLoader(_dataset(10), batch_size=3, shuffle=True, seed=0)
    it = iter(loader)
    seen = [next(it)[1].numpy().tolist() for _ in range(2)]
    state = json.loads(json.dumps(loader.state_dict()))
    assert state["batches_yielded"] == 2
    rest = [yb.numpy().tolist() for _, yb in it]
    next_epoch = _labels(loader)
    assert sorted(sum(seen + rest, [])) == list(range(10))

    resumed = DataLoader(_dataset(10), batch_size=3, shuffle=True, seed=1)
    resumed.load_state_dict(state)
    assert resumed.state_dict() == state  # still pending before the resumed epoch starts
    assert _labels(resumed) == rest
    assert _labels(resumed) == next_epoch


def test_state_survives_rp_save_and_load(tmp_path):
    loader = DataLoader(_dataset(10), batch_size=4, shuffle=True, seed=0)
    it = iter(loader)
    next(it)
    rp.save({"loader": loader.state_dict()}, tmp_path / "ckpt.safetensors")
    rest = [yb.numpy().tolist() for _, yb in it]
    resumed = DataLoader(_dataset(10), batch_size=4, shuffle=True, seed=1)
    resumed.load_state_dict(rp.load(tmp_path / "ckpt.safetensors")["loader"])
    assert _labels(resumed) == rest


def test_state_of_unshuffled_loader_resumes_mid_epoch():
    loader = DataLoader(_Samples(7), batch_size=2)
    it = iter(loader)
    next(it)
    resumed = DataLoader(_Samples(7), batch_size=2)
    resumed.load_state_dict(loader.state_dict())
    assert [yb.numpy().tolist() for _, yb in resumed] == [[2, 3], [4, 5], [6]]


def test_state_after_last_batch_counts_as_between_epochs():
    loader = DataLoader(_dataset(4), batch_size=2, shuffle=True, seed=0)
    it = iter(loader)
    next(it), next(it)
    assert loader.state_dict()["batches_yielded"] == 0


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"batch_size": 0}, ValueError, "batch_size must be positive, got 0"),
        ({"batch_size": -2}, ValueError, "batch_size must be positive, got -2"),
        ({"batch_size": 1.5}, TypeError, "batch_size must be an integer, got float"),
        ({"batch_size": True}, TypeError, "batch_size must be an integer, got bool"),
        ({"seed": 1, "generator": np.random.default_rng()}, ValueError, "not both"),
        ({"generator": 3}, TypeError, "numpy.random.Generator, got int"),
        ({"collate_fn": "stack"}, TypeError, "collate_fn must be callable"),
    ],
)
def test_bad_loader_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        DataLoader(_dataset(4), **kwargs)


def test_loader_refuses_a_dataset_without_len():
    with pytest.raises(TypeError, match="__len__ and __getitem__, got generator"):
        DataLoader(i for i in range(3))


@pytest.mark.parametrize(
    "state, match",
    [
        ({"generator": None}, "keys 'generator' and 'batches_yielded'"),
        ({"generator": {"bit_generator": "PCG64"}, "batches_yielded": 0}, "invalid generator"),
        ({"generator": None, "batches_yielded": 9}, r"in \[0, 2\], got 9"),
    ],
)
def test_bad_loader_state(state, match):
    loader = DataLoader(_dataset(4), batch_size=2)
    with pytest.raises(ValueError, match=match):
        loader.load_state_dict(state)


def test_random_split_with_counts_is_a_disjoint_cover_and_reproducible():
    ds = _dataset(10)
    parts = random_split(ds, [3, 7], generator=np.random.default_rng(0))
    assert [len(p) for p in parts] == [3, 7]
    labels = [sorted(_labels(DataLoader(p, batch_size=10))[0]) for p in parts]
    assert sorted(labels[0] + labels[1]) == list(range(10))
    again = random_split(ds, [3, 7], generator=np.random.default_rng(0))
    assert [p.indices.tolist() for p in again] == [p.indices.tolist() for p in parts]


@pytest.mark.parametrize(
    "n, fractions",
    [(10, [0.3, 0.3, 0.4]), (7, [0.5, 0.5]), (11, [0.25, 0.25, 0.25, 0.25]), (3, [0.1, 0.9])],
)
def test_random_split_fractions_give_torch_lengths(n, fractions):
    ours = random_split(_dataset(n), fractions)
    theirs = torch.utils.data.random_split(range(n), fractions)
    assert [len(p) for p in ours] == [len(p) for p in theirs]


def test_random_split_uses_the_global_generator_by_default():
    rp.manual_seed(0)
    a = random_split(_dataset(8), [4, 4])
    rp.manual_seed(0)
    b = random_split(_dataset(8), [4, 4])
    assert a[0].indices.tolist() == b[0].indices.tolist()


@pytest.mark.parametrize(
    "lengths, error, match",
    [
        ([3, 3], ValueError, r"sum of lengths 6 does not equal the length of the dataset \(10\)"),
        ([0.5, 0.4], ValueError, "summing to 1"),
        ([1.5, -0.5], ValueError, "fractions in"),
        ([-1, 11], ValueError, "non-negative"),
        (5, TypeError, "must be a sequence, got int"),
    ],
)
def test_random_split_bad_lengths(lengths, error, match):
    with pytest.raises(error, match=match):
        random_split(_dataset(10), lengths)


def test_subset_errors():
    with pytest.raises(IndexError, match=r"\[-3, 3\)"):
        Subset(_dataset(3), [0, 3])
    with pytest.raises(TypeError, match="1-d sequence of integers"):
        Subset(_dataset(3), [0.5])


def test_concat_dataset_indexes_across_parts():
    both = _Samples(2) + _Samples(3)
    assert isinstance(both, ConcatDataset) and len(both) == 5
    assert both[1][1] == 1 and both[2][1] == 0 and both[-1][1] == 2
    with pytest.raises(IndexError, match="index 5 out of range for 5"):
        both[5]
    with pytest.raises(ValueError, match="at least one"):
        ConcatDataset([])
    assert [yb.numpy().tolist() for _, yb in DataLoader(both, batch_size=5)] == [[0, 1, 0, 1, 2]]
