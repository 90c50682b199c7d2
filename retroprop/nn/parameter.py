"""Parameter: a Tensor that a Module registers as learnable when it is assigned to it."""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.tensor import Tensor, _as_array, get_default_dtype


class Parameter(Tensor):
    """A leaf Tensor that requires grad by default and that Modules collect in ``parameters()``.

    Args:
        data: a Tensor (its array is shared and its dtype kept, as ``torch.nn.Parameter``)
            or array-like (floats become the default dtype). ``None`` gives an empty tensor.
        requires_grad: whether the optimiser should update it.

    Example::

        self.scale = nn.Parameter(rp.ones(3))   # now in self.parameters()
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.empty(0, dtype=get_default_dtype())
        elif isinstance(data, Tensor):
            array = data._data
        else:
            array = _as_array(data)
        if array.dtype.kind != "f":
            raise TypeError(
                f"Parameter: only floating point data can be a parameter, got dtype {array.dtype}"
            )
        super().__init__(array, requires_grad=requires_grad, dtype=array.dtype)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
