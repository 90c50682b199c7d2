"""Sequential: modules chained in the order given, forward then backward in reverse order."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from retroprop.diy.module import Module


class Sequential(Module):
    """Apply modules one after the other: ``forward(X) = m_n(... m_2(m_1(X)))``.

    The forward keeps the input of every module; the backward walks the modules in reverse
    order, giving module k its own input and the delta of module k+1:

        delta_n = delta;  delta_{k-1} = m_k.backward_delta(input_k, delta_k).

    ``backward_update_gradient`` accumulates every module's gradient on the way (and needs
    no delta for the first module's input); ``backward_delta`` returns delta_0 = dL/dX.
    Both reuse the stored inputs when given the array last passed to ``forward`` (the same
    object), and run the forward again otherwise.

    Args:
        *modules: the modules in order, or a single OrderedDict of name -> module.

    Example::

        model = Sequential(Linear(10, 5), TanH(), Linear(5, 1), Sigmoide())
    """

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            items = list(modules[0].items())
        else:
            items = [(str(i), m) for i, m in enumerate(modules)]
        for name, m in items:
            if not isinstance(m, Module):
                raise TypeError(
                    f"Sequential: module {name!r} must be a retroprop.diy Module, "
                    f"got {type(m).__name__}"
                )
        self._modules: OrderedDict[str, Module] = OrderedDict(items)
        self._inputs: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self._modules)

    def __getitem__(self, index: int | str) -> Module:
        if isinstance(index, str):
            return self._modules[index]
        return list(self._modules.values())[index]

    def forward(self, X: np.ndarray) -> np.ndarray:
        self._inputs = [X]
        for m in self._modules.values():
            self._inputs.append(m.forward(self._inputs[-1]))
        return self._inputs[-1]

    def _stored_inputs(self, input: np.ndarray) -> list[np.ndarray]:
        if not self._inputs or self._inputs[0] is not input:
            self.forward(input)
        return self._inputs

    def zero_grad(self) -> None:
        for m in self._modules.values():
            m.zero_grad()

    def update_parameters(self, gradient_step: float = 1e-3) -> None:
        for m in self._modules.values():
            m.update_parameters(gradient_step)

    def backward_update_gradient(self, input: np.ndarray, delta: np.ndarray) -> None:
        inputs = self._stored_inputs(input)
        modules = list(self._modules.values())
        for k in reversed(range(len(modules))):
            modules[k].backward_update_gradient(inputs[k], delta)
            if k > 0:
                delta = modules[k].backward_delta(inputs[k], delta)

    def backward_delta(self, input: np.ndarray, delta: np.ndarray) -> np.ndarray:
        inputs = self._stored_inputs(input)
        modules = list(self._modules.values())
        for k in reversed(range(len(modules))):
            delta = modules[k].backward_delta(inputs[k], delta)
        return delta

    def __repr__(self) -> str:
        lines = [
            f"  ({name}): " + repr(m).replace("\n", "\n  ") for name, m in self._modules.items()
        ]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"
