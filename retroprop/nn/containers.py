"""Containers: Sequential (a chain of layers), ModuleList and ModuleDict (registered
collections whose members' parameters the parent sees)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Self

from retroprop.nn.module import Module


def _index(container: Module, idx: int) -> str:
    """The key of position ``idx`` (negative allowed) in a numbered container."""
    n = len(container._modules)
    if not isinstance(idx, int):
        raise TypeError(
            f"{type(container).__name__} indices must be integers or slices, got {idx!r}"
        )
    if not -n <= idx < n:
        raise IndexError(f"{type(container).__name__}: index {idx} is out of range (length {n})")
    return list(container._modules)[idx % n]


def _renumber(container: Module, modules: list[Module | None]) -> None:
    """Store ``modules`` under the keys 0, 1, 2, ... (after a deletion or an insertion)."""
    container._modules.clear()
    for i, module in enumerate(modules):
        container.add_module(str(i), module)


def _insert(container: Module, index: int, module: Module) -> None:
    modules = list(container._modules.values())
    if not -len(modules) <= index <= len(modules):
        raise IndexError(
            f"{type(container).__name__}.insert: index {index} is out of range "
            f"(length {len(modules)})"
        )
    modules.insert(index, module)
    _renumber(container, modules)


def _delete(container: Module, idx: int | slice) -> None:
    keys = list(container._modules)[idx] if isinstance(idx, slice) else [_index(container, idx)]
    for key in keys:
        del container._modules[key]
    _renumber(container, list(container._modules.values()))


class _Numbered(Module):
    """What Sequential and ModuleList share: members stored under the keys "0", "1", ...,
    reached by position (negative allowed), iterated in order."""

    def __setitem__(self, idx: int, module: Module) -> None:
        self.add_module(_index(self, idx), module)

    def __delitem__(self, idx: int | slice) -> None:
        _delete(self, idx)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Self:
        """Add ``module`` at the end (named by its position)."""
        self.add_module(str(len(self)), module)
        return self


class Sequential(_Numbered):
    """Apply modules one after the other: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Args:
        *args: modules (named "0", "1", ...) or a single OrderedDict of name -> module.

    Example::

        model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    """

    def __init__(self, *args: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return self._modules[_index(self, idx)]

    def extend(self, modules: Iterable[Module]) -> Sequential:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert ``module`` before position ``index`` (``len(self)`` appends)."""
        _insert(self, index, module)
        return self

    def forward(self, input: Any) -> Any:
        for module in self:
            input = module(input)
        return input


class ModuleList(_Numbered):
    """A list of modules, registered so that the parent sees their parameters.

    It has no ``forward``: the parent decides how to call its members.

    Example::

        self.blocks = nn.ModuleList([Block() for _ in range(4)])
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[_index(self, idx)]

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        if isinstance(modules, Module) or not isinstance(modules, Iterable):
            raise TypeError(
                f"ModuleList.extend should be called with an iterable of modules, got "
                f"{type(modules).__name__}"
            )
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``."""
        _insert(self, index, module)


class ModuleDict(Module):
    """A dictionary of modules (keys are strings), registered in insertion order.

    Example::

        self.heads = nn.ModuleDict({"cls": nn.Linear(64, 10), "box": nn.Linear(64, 4)})
    """

    def __init__(self, modules: Mapping[str, Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def pop(self, key: str) -> Module:
        return self._modules.pop(key)

    def clear(self) -> None:
        self._modules.clear()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add the entries of a mapping or of an iterable of ``(key, module)`` pairs."""
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, module in pairs:
            self.add_module(key, module)
