"""Samplers: the order in which a DataLoader visits a dataset (PyTorch's
``torch.utils.data.sampler``; also ``retroprop.utils.data.sampler``).

A sampler is an iterable of dataset indices (``len`` is their number, when known); a batch
sampler is an iterable of lists of indices. The random ones draw from a NumPy generator:
``generator=`` (used as is, not copied), or, when None, a generator seeded afresh at each
``iter()`` from retroprop's global generator (``rp.manual_seed``), as PyTorch draws a seed
from its global generator.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any

import numpy as np

from retroprop import random as _random
from retroprop.tensor import Tensor


class Sampler:
    """Base class: subclasses define ``__iter__`` (indices) and usually ``__len__``.

    The samplers that draw a whole pass at once also define ``_order()``, the pass as one
    int64 array, which :class:`BatchSampler` slices instead of looping over indices.
    """

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError


def _check_generator(owner: str, generator: Any) -> np.random.Generator | None:
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"{owner}: generator must be a numpy.random.Generator or None, got "
            f"{type(generator).__name__}"
        )
    return generator


def _rng(generator: np.random.Generator | None) -> np.random.Generator:
    if generator is not None:
        return generator
    return np.random.default_rng(int(_random.default_generator.integers(2**63)))


def _count(owner: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise ValueError(f"{owner}: {name} should be a positive integer value, got {value!r}")
    return int(value)


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``, always in that order."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def _order(self) -> np.ndarray:
        return np.arange(len(self.data_source))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices of ``data_source``: a new permutation at each ``iter()`` or, with
    ``replacement``, ``num_samples`` independent uniform draws.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement. Default: False.
        num_samples: how many indices per pass (default ``len(data_source)``); without
            replacement, more than the length chains several permutations, as PyTorch does.
        generator: see the module docstring.
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(
                f"RandomSampler: replacement should be a boolean value, got {replacement!r}"
            )
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = _check_generator("RandomSampler", generator)
        _count("RandomSampler", "num_samples", self.num_samples)

    @property
    def num_samples(self) -> int:
        """The number of indices of one pass."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        return iter(self._order().tolist())

    def _order(self) -> np.ndarray:
        n, k, rng = len(self.data_source), self.num_samples, _rng(self.generator)
        if self.replacement:
            return rng.integers(n, size=k)
        if k == n:
            return rng.permutation(n)
        return np.concatenate([rng.permutation(n) for _ in range(-(-k // n))])[:k]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a new random order at each ``iter()``.

    Args:
        indices: the dataset indices to visit (e.g. a validation split's).
        generator: see the module docstring.
    """

    def __init__(
        self, indices: Sequence[int], generator: np.random.Generator | None = None
    ) -> None:
        self.indices = indices
        self.generator = _check_generator("SubsetRandomSampler", generator)

    def __iter__(self) -> Iterator[int]:
        order = _rng(self.generator).permutation(len(self.indices))
        return (int(self.indices[i]) for i in order)

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices in ``[0, len(weights))``, index i drawn with probability
    ``weights[i] / sum(weights)`` (with replacement by default; without, each draw removes
    the index drawn, as ``torch.multinomial``).

    Args:
        weights: non-negative weights, one per sample (need not sum to 1).
        num_samples: how many indices per pass.
        replacement: draw with replacement. Default: True.
        generator: see the module docstring.

    Example (balance two classes): ``weights = 1 / counts[labels]``.
    """

    def __init__(
        self,
        weights: Sequence[float] | np.ndarray | Tensor,
        num_samples: int,
        replacement: bool = True,
        generator: np.random.Generator | None = None,
    ) -> None:
        if not isinstance(replacement, bool):
            raise ValueError(
                f"WeightedRandomSampler: replacement should be a boolean value, got {replacement!r}"
            )
        w = np.asarray(
            weights.detach().numpy() if isinstance(weights, Tensor) else weights, np.float64
        )
        if w.ndim != 1:
            raise ValueError(
                f"WeightedRandomSampler: weights should be a 1-d sequence, got shape {w.shape}"
            )
        if w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError(
                "WeightedRandomSampler: weights must be finite, non-negative and not all zero"
            )
        self.num_samples = _count("WeightedRandomSampler", "num_samples", num_samples)
        if not replacement and self.num_samples > np.count_nonzero(w):
            raise RuntimeError(
                f"WeightedRandomSampler: cannot draw {self.num_samples} samples without "
                f"replacement from {np.count_nonzero(w)} non-zero weights"
            )
        self.weights = w
        self.replacement = replacement
        self.generator = _check_generator("WeightedRandomSampler", generator)

    def __iter__(self) -> Iterator[int]:
        rng, p = _rng(self.generator), self.weights / self.weights.sum()
        drawn = rng.choice(p.size, size=self.num_samples, replace=self.replacement, p=p)
        return iter(drawn.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter,
    or dropped with ``drop_last``).

    Example: ``list(BatchSampler(SequentialSampler(range(5)), 2, False))`` is
    ``[[0, 1], [2, 3], [4]]``.
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        self.batch_size = _count("BatchSampler", "batch_size", batch_size)
        if not isinstance(drop_last, bool):
            raise ValueError(
                f"BatchSampler: drop_last should be a boolean value, got {drop_last!r}"
            )
        self.sampler = sampler
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        return (batch.tolist() for batch in self._index_batches())

    def _index_batches(self) -> Iterator[np.ndarray]:
        """The batches as int64 arrays (what the DataLoader indexes with): slices of the
        sampler's ``_order()`` when it has one, else gathered index by index."""
        size = self.batch_size
        if hasattr(self.sampler, "_order"):
            order = self.sampler._order()
            stop = len(order) - len(order) % size if self.drop_last else len(order)
            yield from (order[start : start + size] for start in range(0, stop, size))
            return
        batch: list[int] = []
        for index in self.sampler:
            batch.append(int(index))
            if len(batch) == size:
                yield np.array(batch, dtype=np.int64)
                batch = []
        if batch and not self.drop_last:
            yield np.array(batch, dtype=np.int64)

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
