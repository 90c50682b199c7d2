"""DataLoader: batches of a dataset, optionally shuffled, with a resumable shuffling state.

Each epoch (each ``iter(loader)``) draws one permutation of the dataset from the loader's own
NumPy generator and cuts it into batches. ``state_dict()`` records that generator's state and
how far the current epoch went, so a loader restored with ``load_state_dict`` finishes the
interrupted epoch with the same batches and then sees the same future permutations.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from retroprop import random as _random
from retroprop.data.dataset import Dataset, Subset
from retroprop.tensor import Tensor


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, keeping the samples' structure.

    Tensors are stacked along a new first dimension (dtype kept); arrays and Python numbers
    become tensors as ``rp.Tensor`` makes them (floats -> float32, integers -> int64, bools
    stay); tuples and lists give a list with one batch per position (as PyTorch); dicts give a
    dict of batches; strings give a list of strings.

    Example::

        default_collate([(x0, 0), (x1, 1)])  # [stack([x0, x1]), tensor([0, 1])]
    """
    if len(batch) == 0:
        raise ValueError("default_collate: expected a non-empty list of samples")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return Tensor._wrap(np.stack([_data_of(x, Tensor) for x in batch]))
    if isinstance(elem, str):
        return list(batch)
    if isinstance(elem, np.ndarray | np.generic | bool | int | float):
        return Tensor(np.stack([_data_of(x, type(elem)) for x in batch]))
    if isinstance(elem, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, tuple | list):
        sizes = {len(sample) for sample in batch}
        if len(sizes) > 1:
            raise RuntimeError(
                f"default_collate: each sample in the batch must have the same number of "
                f"fields, got sizes {sorted(sizes)}"
            )
        return [default_collate(field) for field in zip(*batch)]
    raise TypeError(
        f"default_collate: samples must be Tensors, arrays, numbers, strings, dicts, tuples "
        f"or lists; got {type(elem).__name__}"
    )


def _data_of(x: Any, expected: type) -> Any:
    """The array of a batch element, refusing a batch that mixes Tensors and other types."""
    if isinstance(x, Tensor) != (expected is Tensor):
        raise TypeError(
            f"default_collate: a batch mixes {expected.__name__} and {type(x).__name__} samples"
        )
    return x._data if isinstance(x, Tensor) else x


def _defining_level(dataset: Any, name: str) -> int:
    """The position in ``type(dataset).__mro__`` of the class that defines ``name``."""
    mro = type(dataset).__mro__
    return next((i for i, cls in enumerate(mro) if name in vars(cls)), len(mro))


def _array_source(dataset: Any) -> tuple[tuple[np.ndarray, ...], np.ndarray | None] | None:
    """The arrays behind ``dataset`` and the index map into them (None: the identity),
    looking through Subsets; None when the dataset does not expose ``arrays``.

    ``arrays`` is trusted only where the class defining ``__getitem__`` (or a subclass of
    it) defines it: a subclass that overrides ``__getitem__`` (to transform samples, say)
    is batched sample by sample.
    """
    index_map = None
    while isinstance(dataset, Subset):
        index_map = dataset.indices if index_map is None else dataset.indices[index_map]
        dataset = dataset.dataset
    if not hasattr(dataset, "arrays") or _defining_level(dataset, "arrays") > _defining_level(
        dataset, "__getitem__"
    ):
        return None
    return tuple(dataset.arrays), index_map


_STATE_KEYS = {"generator", "batches_yielded"}


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Args:
        dataset: a map-style dataset (``__len__`` and ``__getitem__``).
        batch_size: samples per batch (> 0).
        shuffle: draw a new permutation of the samples at every epoch.
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        collate_fn: turns a list of samples into a batch (default :func:`default_collate`).
        generator: the NumPy generator drawing the permutations (used as is, not copied).
        seed: seed for a new generator of the loader's own; with neither ``generator`` nor
            ``seed``, the seed is drawn from retroprop's global generator (``rp.manual_seed``).

    A dataset exposing ``arrays`` (as :class:`TensorDataset`), or a Subset of one, is batched
    by indexing each array with the batch's indices at once, without a loop over samples and
    without calling ``__getitem__``, when ``collate_fn`` is the default; the batch is then a
    list of tensors, one per array.

    ``len(loader)`` is the number of batches per epoch.

    Example::

        loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True, seed=0)
        for xb, yb in loader:
            ...
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        generator: np.random.Generator | None = None,
        seed: int | None = None,
    ) -> None:
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(
                f"DataLoader: dataset must define __len__ and __getitem__, got "
                f"{type(dataset).__name__}"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
            raise TypeError(
                f"DataLoader: batch_size must be an integer, got {type(batch_size).__name__}"
            )
        if batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be positive, got {batch_size}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(
                f"DataLoader: collate_fn must be callable, got {type(collate_fn).__name__}"
            )
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: pass either generator= or seed=, not both")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(
                f"DataLoader: generator must be a numpy.random.Generator, got "
                f"{type(generator).__name__}"
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        if generator is None:
            if seed is None:
                seed = int(_random.default_generator.integers(2**63))
            generator = np.random.default_rng(seed)
        self.generator = generator
        self._epoch_start_state: dict[str, Any] | None = None
        self._batches_yielded = 0
        self._skip = 0

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        """Start an epoch: draw the order of the samples now, yield batches lazily."""
        self._epoch_start_state = copy.deepcopy(self.generator.bit_generator.state)
        n = len(self.dataset)
        order = self.generator.permutation(n) if self.shuffle else np.arange(n)
        start, self._skip = self._skip, 0
        self._batches_yielded = start
        return self._batches(order, start)

    def _batches(self, order: np.ndarray, start: int) -> Iterator[Any]:
        source = _array_source(self.dataset) if self.collate_fn is None else None
        for b in range(start, len(self)):
            indices = order[b * self.batch_size : (b + 1) * self.batch_size]
            if source is not None:
                arrays, index_map = source
                rows = indices if index_map is None else index_map[indices]
                batch = [Tensor._wrap(a[rows]) for a in arrays]
            else:
                samples = [self.dataset[int(i)] for i in indices]
                batch = (self.collate_fn or default_collate)(samples)
            self._batches_yielded = b + 1
            yield batch

    def state_dict(self) -> dict[str, Any]:
        """The shuffling state: ``{'generator': bit_generator state, 'batches_yielded': k}``.

        Taken during an epoch, ``generator`` is the state before that epoch's permutation and
        ``k`` the batches already yielded; between epochs, ``k`` is 0 (or, after
        :meth:`load_state_dict`, the count still to skip). The epoch is the one of the latest
        ``iter(loader)``. Plain JSON-friendly values (the generator state holds Python ints).
        """
        in_epoch = (
            not self._skip
            and self._epoch_start_state is not None
            and self._batches_yielded < len(self)
        )
        state = self._epoch_start_state if in_epoch else self.generator.bit_generator.state
        done = self._batches_yielded if in_epoch else self._skip
        return {"generator": copy.deepcopy(state), "batches_yielded": done}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict`: the next ``iter(loader)`` resumes where it was taken."""
        if not isinstance(state_dict, Mapping) or set(state_dict) != _STATE_KEYS:
            raise ValueError(
                f"DataLoader.load_state_dict: expected a dict with keys 'generator' and "
                f"'batches_yielded', got {state_dict!r}"
            )
        skip = int(state_dict["batches_yielded"])
        if not 0 <= skip <= len(self):
            raise ValueError(
                f"DataLoader.load_state_dict: batches_yielded must lie in [0, {len(self)}], "
                f"got {skip}"
            )
        try:
            self.generator.bit_generator.state = state_dict["generator"]
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"DataLoader.load_state_dict: invalid generator state: {e!r}") from e
        self._epoch_start_state = None
        self._batches_yielded = 0
        self._skip = skip
