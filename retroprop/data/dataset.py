"""Map-style datasets: Dataset, TensorDataset, Subset, ConcatDataset and random_split; the
iterable-style base class IterableDataset and get_worker_info.

A dataset is anything with ``__len__`` and ``__getitem__(i)`` returning one sample. Datasets
whose samples are rows of arrays expose them as ``arrays`` (a tuple of NumPy arrays sharing
their first dimension, sample ``i`` being ``tuple(a[i] for a in arrays)``); the DataLoader then
builds a batch with one fancy-indexing per array instead of a Python loop over samples.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from retroprop import random as _random
from retroprop.tensor import Tensor


class Dataset(ABC):
    """An indexable collection of samples: subclasses define ``__getitem__`` and ``__len__``.

    ``a + b`` concatenates two datasets (a :class:`ConcatDataset`).
    """

    @abstractmethod
    def __getitem__(self, index: int) -> Any:
        """The sample at ``index`` (0 <= index < len(self))."""

    @abstractmethod
    def __len__(self) -> int:
        """The number of samples."""

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset:
    """A stream of samples: subclasses define ``__iter__`` (and ``__len__`` if the number of
    samples is known). The DataLoader cuts the stream into batches, in its own order; it
    cannot shuffle or sample it.
    """

    def __iter__(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


def get_worker_info() -> None:
    """None: the DataLoader loads every batch in the main process (PyTorch returns None
    there too), so an IterableDataset splitting its stream across workers yields it whole."""
    return None


class TensorDataset(Dataset):
    """Samples are the rows of tensors: ``dataset[i] == (t[i] for t in tensors)``.

    Args:
        *tensors: Tensors (or arrays, converted as ``rp.Tensor`` does) sharing their first
            dimension, e.g. inputs ``(N, ...)`` and labels ``(N,)``.
    """

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor, got none")
        converted = []
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor | np.ndarray):
                raise TypeError(
                    f"TensorDataset: argument {i} must be a Tensor or an ndarray, "
                    f"got {type(t).__name__}"
                )
            t = t if isinstance(t, Tensor) else Tensor(t)
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: argument {i} is a 0-d tensor; expected >= 1-d")
            converted.append(t)
        sizes = [t.shape[0] for t in converted]
        if len(set(sizes)) > 1:
            raise ValueError(
                f"TensorDataset: size mismatch between tensors: first dimensions are {sizes}"
            )
        self.tensors: tuple[Tensor, ...] = tuple(converted)

    @property
    def arrays(self) -> tuple[np.ndarray, ...]:
        """The tensors' arrays (shared memory), for the DataLoader's batched indexing."""
        return tuple(t._data for t in self.tensors)

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``: ``subset[i] == dataset[indices[i]]``."""

    def __init__(self, dataset: Dataset, indices: Sequence[int] | np.ndarray) -> None:
        idx = np.asarray(indices)
        if idx.size == 0:
            idx = idx.astype(np.int64)
        if idx.ndim != 1 or idx.dtype.kind not in "iu":
            raise TypeError(
                f"Subset: indices must be a 1-d sequence of integers, got dtype {idx.dtype} "
                f"and shape {idx.shape}"
            )
        n = len(dataset)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(
                f"Subset: indices must lie in [-{n}, {n}) for a dataset of {n} samples, got "
                f"values in [{idx.min()}, {idx.max()}]"
            )
        self.dataset = dataset
        self.indices: np.ndarray = np.where(idx < 0, idx + n, idx).astype(np.int64)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[index])]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of several datasets one after the other."""

    def __init__(self, datasets: Sequence[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: expected at least one dataset, got none")
        self.cumulative_sizes: list[int] = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"ConcatDataset: index {index} out of range for {n} samples")
        index = index + n if index < 0 else index
        which = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][index - start]

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]


def _split_lengths(n: int, lengths: Sequence[int | float]) -> list[int]:
    """Turn ``lengths`` (counts summing to ``n`` or fractions summing to 1) into counts."""
    if isinstance(lengths, str | bytes) or not isinstance(lengths, Sequence):
        raise TypeError(f"random_split: lengths must be a sequence, got {type(lengths).__name__}")
    if all(isinstance(x, int | np.integer) and not isinstance(x, bool) for x in lengths):
        counts = [int(x) for x in lengths]
        if any(c < 0 for c in counts):
            raise ValueError(f"random_split: lengths must be non-negative, got {counts}")
        if sum(counts) != n:
            raise ValueError(
                f"random_split: sum of lengths {sum(counts)} does not equal the length of "
                f"the dataset ({n})"
            )
        return counts
    fractions = [float(x) for x in lengths]
    if any(not 0.0 <= f <= 1.0 for f in fractions) or not math.isclose(sum(fractions), 1.0):
        raise ValueError(
            f"random_split: lengths must be integers summing to {n} or fractions in [0, 1] "
            f"summing to 1, got {list(lengths)}"
        )
    counts = [math.floor(n * f) for f in fractions]
    # as torch: the samples left by flooring go one each to the first splits
    for i in range(n - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


def random_split(
    dataset: Dataset,
    lengths: Sequence[int | float],
    generator: np.random.Generator | None = None,
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths.

    Args:
        dataset: the dataset to split.
        lengths: sample counts summing to ``len(dataset)``, or fractions summing to 1 (each
            split gets ``floor(n * fraction)`` samples, the remainder going one each to the
            first splits).
        generator: the NumPy generator drawing the permutation (default: retroprop's global
            generator, seeded by ``rp.manual_seed``).

    Example::

        train, val = random_split(dataset, [0.8, 0.2])
    """
    counts = _split_lengths(len(dataset), lengths)
    rng = _random.default_generator if generator is None else generator
    perm = rng.permutation(len(dataset))
    bounds = np.cumsum([0, *counts])
    return [Subset(dataset, perm[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
