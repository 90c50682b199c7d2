"""ParameterList and ParameterDict: parameters held by position or by name (PyTorch's
containers; state_dict keys ``'0'``, ``'1'``, ... or the dict's keys)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from retroprop.nn.module import Module
from retroprop.nn.parameter import Parameter
from retroprop.tensor import Tensor


def _as_parameter(owner: str, value: Any) -> Parameter:
    """A Parameter as is; a Tensor becomes a Parameter sharing its array (as PyTorch)."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value)
    raise TypeError(f"{owner}: expected a Parameter or a Tensor, got {type(value).__name__}")


class ParameterList(Module):
    """A list of parameters, registered as ``'0'``, ``'1'``, ... (so ``parameters()`` and
    ``state_dict()`` see them).

    Example::

        self.weights = nn.ParameterList(nn.Parameter(rp.randn(4, 4)) for _ in range(3))
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        self.extend(values or ())

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())  # type: ignore[arg-type]

    def __getitem__(self, idx: int | slice) -> Any:
        items = list(self._parameters.values())
        if isinstance(idx, slice):
            return ParameterList(items[idx])
        if not -len(items) <= idx < len(items):
            raise IndexError(f"ParameterList: index {idx} is out of range for {len(items)}")
        return items[idx]

    def __setitem__(self, idx: int, value: Any) -> None:
        if not -len(self) <= idx < len(self):
            raise IndexError(f"ParameterList: index {idx} is out of range for {len(self)}")
        self.register_parameter(str(idx % len(self)), _as_parameter("ParameterList", value))

    def append(self, value: Any) -> ParameterList:
        """Add one parameter at the end."""
        self.register_parameter(str(len(self)), _as_parameter("ParameterList", value))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Add parameters at the end, in order."""
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return "\n".join(
            f"({i}): Parameter containing: [{p.dtype} of size {tuple(p.shape)}]"
            for i, p in enumerate(self)
        )


class ParameterDict(Module):
    """A dict of parameters, registered under their keys (strings without dots).

    Example::

        self.scales = nn.ParameterDict({"a": nn.Parameter(rp.ones(3))})
    """

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def __getitem__(self, key: str) -> Parameter:
        if key not in self._parameters:
            raise KeyError(f"ParameterDict: no parameter {key!r} (keys: {list(self)})")
        return self._parameters[key]  # type: ignore[return-value]

    def __setitem__(self, key: str, value: Any) -> None:
        self.register_parameter(key, _as_parameter("ParameterDict", value))

    def __delitem__(self, key: str) -> None:
        self[key]  # the KeyError naming the keys
        del self._parameters[key]

    def keys(self) -> Iterator[str]:
        """The keys, in insertion order."""
        return iter(self._parameters.keys())

    def values(self) -> Iterator[Parameter]:
        """The parameters, in insertion order."""
        return iter(self._parameters.values())  # type: ignore[arg-type]

    def items(self) -> Iterator[tuple[str, Parameter]]:
        """``(key, parameter)`` pairs, in insertion order."""
        return iter(self._parameters.items())  # type: ignore[arg-type]

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Add or replace parameters from a mapping or from ``(key, value)`` pairs."""
        pairs = parameters.items() if isinstance(parameters, Mapping) else parameters
        for key, value in pairs:
            self[key] = value

    def extra_repr(self) -> str:
        return "\n".join(
            f"({k}): Parameter containing: [{p.dtype} of size {tuple(p.shape)}]"
            for k, p in self.items()
        )
