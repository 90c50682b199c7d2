"""DataLoader: batches of a dataset, in the order of a sampler, with a resumable state.

Each epoch (each ``iter(loader)``) runs the batch sampler: by default a
:class:`~retroprop.data.sampler.BatchSampler` over a :class:`RandomSampler` drawing one
permutation from the loader's own NumPy generator (``shuffle=True``) or over a
:class:`SequentialSampler`. ``state_dict()`` records the state of the generator the sampler
draws from and how far the current epoch went, so a loader restored with ``load_state_dict``
finishes the interrupted epoch with the same batches and then sees the same future
permutations.
"""

from __future__ import annotations

import copy
import itertools
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from retroprop import random as _random
from retroprop.data.collate import default_collate, default_convert
from retroprop.data.dataset import Dataset, IterableDataset, Subset
from retroprop.data.sampler import BatchSampler, RandomSampler, SequentialSampler
from retroprop.tensor import Tensor


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
_noted_workers = False


def _sampler_generator(sampler: Any) -> np.random.Generator | None:
    """The NumPy generator a (batch) sampler draws from, looking into ``.sampler``."""
    while sampler is not None:
        generator = getattr(sampler, "generator", None)
        if isinstance(generator, np.random.Generator):
            return generator
        sampler = getattr(sampler, "sampler", None)
    return None


def _note_workers(num_workers: int) -> None:
    global _noted_workers
    if not _noted_workers:
        _noted_workers = True
        warnings.warn(
            f"DataLoader: num_workers={num_workers} loads the batches in the main process "
            f"(retroprop has no worker processes; the batches are the same); this note is "
            f"shown once",
            UserWarning,
            stacklevel=3,
        )


class DataLoader:
    """Iterate over ``dataset`` in batches (PyTorch's arguments, in PyTorch's order).

    Args:
        dataset: a map-style dataset (``__len__`` and ``__getitem__``), or an
            :class:`IterableDataset`, whose stream is cut into batches in its own order
            (no ``shuffle``, ``sampler`` or ``batch_sampler`` then; a resumed epoch iterates
            the stream again and skips the batches already seen).
        batch_size: samples per batch (> 0); None turns batching off: each sample is
            yielded alone, through ``collate_fn`` (default :func:`default_convert`).
        shuffle: draw a new permutation of the samples at every epoch.
        sampler: the order of the samples (an iterable of indices with ``len``, e.g. a
            :class:`~retroprop.data.sampler.SubsetRandomSampler`); excludes ``shuffle``.
        batch_sampler: yields whole lists of indices; excludes ``batch_size``, ``shuffle``,
            ``sampler`` and ``drop_last``.
        num_workers: accepted; batches are always loaded in the main process, so any value
            gives the same batches (a one-time note says so when it is > 0).
        collate_fn: turns a list of samples into a batch (default :func:`default_collate`).
        pin_memory: accepted, no effect (there is no GPU memory to pin for).
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        timeout: accepted (must be >= 0), no effect.
        worker_init_fn: called as ``worker_init_fn(0)`` when ``num_workers > 0``, at the start
            of each epoch (once with ``persistent_workers``): the main process plays the one
            worker.
        multiprocessing_context: accepted, no effect.
        generator: the NumPy generator drawing the permutations (used as is, not copied).
        prefetch_factor: accepted with ``num_workers > 0`` (as PyTorch), no effect.
        persistent_workers: accepted with ``num_workers > 0`` (as PyTorch).
        pin_memory_device, in_order: accepted, no effect.
        seed: seed for a new generator of the loader's own; with neither ``generator`` nor
            ``seed``, the seed is drawn from retroprop's global generator (``rp.manual_seed``).

    A dataset exposing ``arrays`` (as :class:`TensorDataset`), or a Subset of one, is batched
    by indexing each array with the batch's indices at once, without a loop over samples and
    without calling ``__getitem__``, when ``collate_fn`` is the default; the batch is then a
    list of tensors, one per array.

    ``len(loader)`` is the number of batches per epoch. ``state_dict()`` resumes an epoch
    exactly when the sampler draws from a NumPy generator it holds (the default samplers and
    the ones of :mod:`retroprop.data.sampler` given a ``generator``).

    Example::

        loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True, seed=0)
        for xb, yb in loader:
            ...
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Iterable[int] | None = None,
        batch_sampler: Iterable[list[int]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: np.random.Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
        seed: int | None = None,
    ) -> None:
        self._iterable = isinstance(dataset, IterableDataset)
        if not self._iterable and not (
            hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")
        ):
            raise TypeError(
                f"DataLoader: dataset must define __len__ and __getitem__, got "
                f"{type(dataset).__name__} (a stream of samples should subclass IterableDataset)"
            )
        if self._iterable:
            for name, value in (
                ("shuffle", shuffle),
                ("sampler", sampler),
                ("batch_sampler", batch_sampler),
            ):
                if value not in (None, False):
                    raise ValueError(
                        f"DataLoader with IterableDataset: expected unspecified {name} option, "
                        f"but got {name}={value!r}"
                    )
        if batch_size is not None:
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
        self._check_workers(num_workers, timeout, prefetch_factor, persistent_workers)
        if worker_init_fn is not None and not callable(worker_init_fn):
            raise TypeError(
                f"DataLoader: worker_init_fn must be callable, got {type(worker_init_fn).__name__}"
            )
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (
            batch_size != 1 or shuffle or sampler is not None or drop_last
        ):
            raise ValueError(
                "DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                "shuffle, sampler, and drop_last"
            )
        if batch_size is None and drop_last:
            raise ValueError(
                "DataLoader: batch_size=None option disables auto-batching and is mutually "
                "exclusive with drop_last"
            )
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.num_workers = int(num_workers)
        self.pin_memory = bool(pin_memory)
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = bool(persistent_workers)
        self.pin_memory_device = pin_memory_device
        self.in_order = in_order
        if generator is None:
            if seed is None:
                seed = int(_random.default_generator.integers(2**63))
            generator = np.random.default_rng(seed)
        self.generator = generator
        if batch_sampler is not None:
            self.batch_size = None
            self.sampler = getattr(batch_sampler, "sampler", None)
        else:
            self.batch_size = None if batch_size is None else int(batch_size)
            if sampler is None and not self._iterable:
                sampler = (
                    RandomSampler(dataset, generator=generator)
                    if self.shuffle
                    else SequentialSampler(dataset)
                )
            self.sampler = sampler
            if self.batch_size is not None and not self._iterable:
                batch_sampler = BatchSampler(sampler, self.batch_size, self.drop_last)
        self.batch_sampler = batch_sampler
        self._epoch_start_state: dict[str, Any] | None = None
        self._batches_yielded = 0
        self._skip = 0
        self._workers_started = False
        self._epoch_done = False
        if self.num_workers > 0:
            _note_workers(self.num_workers)

    @staticmethod
    def _check_workers(
        num_workers: Any, timeout: Any, prefetch_factor: Any, persistent_workers: Any
    ) -> None:
        if isinstance(num_workers, bool) or not isinstance(num_workers, int | np.integer):
            raise TypeError(
                f"DataLoader: num_workers must be an integer, got {type(num_workers).__name__}"
            )
        if num_workers < 0:
            raise ValueError(
                f"DataLoader: num_workers option should be non-negative, got {num_workers}; "
                f"use num_workers=0 to disable multiprocessing"
            )
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "DataLoader: prefetch_factor option could only be specified in "
                "multiprocessing; let num_workers > 0 to enable multiprocessing"
            )
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("DataLoader: prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")

    def __len__(self) -> int:
        if self._iterable:
            n, size = len(self.dataset), self.batch_size  # type: ignore[arg-type]
            if size is None:
                return n
            return n // size if self.drop_last else -(-n // size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def _order_generator(self) -> np.random.Generator:
        """The generator that decides the order: the sampler's, else the loader's own."""
        return _sampler_generator(self.batch_sampler or self.sampler) or self.generator

    def __iter__(self) -> Iterator[Any]:
        """Start an epoch (the sampler draws its order from the state recorded here)."""
        self._epoch_start_state = copy.deepcopy(self._order_generator().bit_generator.state)
        if self.num_workers > 0 and self.worker_init_fn is not None:
            if not (self.persistent_workers and self._workers_started):
                self.worker_init_fn(0)
            self._workers_started = True
        start, self._skip = self._skip, 0
        self._batches_yielded = start
        self._epoch_done = False
        batches = self._stream_batches(start) if self._iterable else self._batches(start)
        return self._until_done(batches)

    def _until_done(self, batches: Iterator[Any]) -> Iterator[Any]:
        yield from batches
        self._epoch_done = True

    def _stream_batches(self, start: int) -> Iterator[Any]:
        """An IterableDataset's stream cut into batches (a resumed epoch skips ``start``)."""
        stream = iter(self.dataset)
        if self.batch_size is None:
            chunks: Iterator[Any] = (
                (self.collate_fn or default_convert)(sample) for sample in stream
            )
        else:
            size, collate = self.batch_size, self.collate_fn or default_collate
            pieces = iter(lambda: list(itertools.islice(stream, size)), [])
            whole = (p for p in pieces if len(p) == size or not self.drop_last)
            chunks = (collate(p) for p in whole)
        for b, batch in enumerate(itertools.islice(chunks, start, None), start):
            self._batches_yielded = b + 1
            yield batch

    def _batches(self, start: int) -> Iterator[Any]:
        if self.batch_sampler is None:
            convert = self.collate_fn or default_convert
            for b, index in enumerate(itertools.islice(self.sampler, start, None), start):
                sample = convert(self.dataset[int(index)])
                self._batches_yielded = b + 1
                yield sample
            return
        source = _array_source(self.dataset) if self.collate_fn is None else None
        # our BatchSampler hands its batches as arrays: no list per batch on the fast path
        index_batches = getattr(self.batch_sampler, "_index_batches", None)
        batches = index_batches() if index_batches is not None else iter(self.batch_sampler)
        for b, indices in enumerate(itertools.islice(batches, start, None), start):
            if source is not None:
                arrays, index_map = source
                rows = np.asarray(indices, dtype=np.int64)
                rows = rows if index_map is None else index_map[rows]
                batch = [Tensor._wrap(a[rows]) for a in arrays]
            else:
                samples = [self.dataset[int(i)] for i in indices]
                batch = (self.collate_fn or default_collate)(samples)
            self._batches_yielded = b + 1
            yield batch

    def _sized(self) -> bool:
        return not self._iterable or hasattr(self.dataset, "__len__")

    def state_dict(self) -> dict[str, Any]:
        """The order's state: ``{'generator': bit_generator state, 'batches_yielded': k}``,
        the generator being the sampler's (the loader's own by default).

        Taken during an epoch, ``generator`` is the state before that epoch's permutation and
        ``k`` the batches already yielded; between epochs, ``k`` is 0 (or, after
        :meth:`load_state_dict`, the count still to skip). The epoch is the one of the latest
        ``iter(loader)``. Plain JSON-friendly values (the generator state holds Python ints).
        """
        in_epoch = (
            not self._skip
            and self._epoch_start_state is not None
            and not self._epoch_done
            and (self._batches_yielded < len(self) if self._sized() else True)
        )
        state = self._epoch_start_state if in_epoch else self._order_generator().bit_generator.state
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
        if skip < 0 or (self._sized() and skip > len(self)):
            raise ValueError(
                f"DataLoader.load_state_dict: batches_yielded must lie in [0, {len(self)}], "
                f"got {skip}"
            )
        try:
            self._order_generator().bit_generator.state = state_dict["generator"]
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"DataLoader.load_state_dict: invalid generator state: {e!r}") from e
        self._epoch_start_state = None
        self._batches_yielded = 0
        self._skip = skip
