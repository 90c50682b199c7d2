"""Collation: how a DataLoader turns samples into a batch (:func:`default_collate`) or, with
``batch_size=None``, converts one sample (:func:`default_convert`); PyTorch's names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

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


def default_convert(sample: Any) -> Any:
    """One sample as a batch-free value (``batch_size=None``): arrays become Tensors (as
    ``rp.Tensor``), containers are converted element by element, anything else is kept."""
    if isinstance(sample, np.ndarray):
        return Tensor(sample)
    if isinstance(sample, Mapping):
        return {key: default_convert(value) for key, value in sample.items()}
    if isinstance(sample, tuple | list):
        return type(sample)(default_convert(value) for value in sample)
    return sample
