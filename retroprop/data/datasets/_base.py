"""ArrayDataset: what every loader here returns, inputs and targets as two NumPy arrays."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retroprop.data.dataset import TensorDataset
from retroprop.tensor import Tensor


class ArrayDataset(TensorDataset):
    """A :class:`TensorDataset` of inputs ``data`` and targets ``targets``.

    ``dataset[i]`` is ``(data[i], targets[i])`` as Tensors; ``data``, ``targets`` and
    ``arrays`` (the pair) hand out the plain NumPy arrays, shared, not copied. ``classes``
    names the class of each label value, when the targets are class labels.

    Example::

        X, y = load_iris().arrays
    """

    def __init__(self, data: np.ndarray, targets: np.ndarray, classes: Sequence[str] = ()) -> None:
        # dtype=... keeps the arrays as they are (no copy, no cast to the default dtype)
        super().__init__(Tensor(data, dtype=data.dtype), Tensor(targets, dtype=targets.dtype))
        self.classes: list[str] = list(classes)

    @property
    def data(self) -> np.ndarray:
        """The inputs, one sample a row of the first dimension."""
        return self.tensors[0]._data

    @property
    def targets(self) -> np.ndarray:
        """The labels (int64) or regression targets (float32)."""
        return self.tensors[1]._data

    def __repr__(self) -> str:
        x, y = self.arrays
        return (
            f"{type(self).__name__}({len(self)} samples, data {x.shape} {x.dtype}, "
            f"targets {y.shape} {y.dtype})"
        )
