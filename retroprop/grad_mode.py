"""Grad modes: whether operations record the graph (``no_grad``, ``enable_grad``, ...).

Each context manager is also a decorator. As in PyTorch, a decorated function runs every call
in a fresh context, so recursion, exceptions and nested calls leave the mode as they found it;
``@rp.no_grad`` works without parentheses, and ``@rp.set_grad_enabled(False)`` changes nothing
until the function is called.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

_grad_enabled = True
_inference_depth = 0


def is_grad_enabled() -> bool:
    """True when operations record the graph for backpropagation."""
    return _grad_enabled


class _GradMode:
    """Base of the grad-mode context managers, which are also decorators.

    Entering sets the mode and remembers the previous one on a stack (so one instance may be
    entered again, even recursively); leaving restores it. As a decorator, every call of the
    function runs in a fresh context, as PyTorch does: a recursive decorated function, or one
    that raises, leaves the mode as it found it.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        # the bare form ``@rp.no_grad`` (without parentheses) decorates at once, as torch 2.x
        if cls._bare and len(args) == 1 and not kwargs and callable(args[0]):
            return cls()(args[0])
        obj = super().__new__(cls)
        obj._prev = []
        return obj

    _bare = True

    def _mode(self) -> bool:
        raise NotImplementedError

    def clone(self) -> _GradMode:
        return type(self)()

    def __enter__(self) -> None:
        global _grad_enabled
        self._prev.append(_grad_enabled)
        _grad_enabled = self._mode()

    def __exit__(self, *exc: object) -> None:
        global _grad_enabled
        _grad_enabled = self._prev.pop()

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def generator(*args: Any, **kwargs: Any) -> Any:
                gen = fn(*args, **kwargs)
                value = None
                while True:
                    with self.clone():
                        try:
                            item = gen.send(value)
                        except StopIteration as stop:
                            return stop.value
                    value = yield item

            return generator

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.clone():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Disable graph recording inside a ``with`` block or a decorated function.

    ``with rp.no_grad():``, ``@rp.no_grad()`` and ``@rp.no_grad`` all work.
    """

    def _mode(self) -> bool:
        return False


class enable_grad(_GradMode):
    """Re-enable graph recording inside a ``no_grad`` block (or a decorated function)."""

    def _mode(self) -> bool:
        return True


class inference_mode(_GradMode):
    """As ``no_grad`` (``mode=True``) or a no-op (``mode=False``), as ``torch.inference_mode``.

    PyTorch's extra speed-ups of inference mode have no counterpart here: without recording,
    retroprop already keeps nothing for the backward.
    """

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)

    def _mode(self) -> bool:
        return _grad_enabled and not self.mode

    def clone(self) -> inference_mode:
        return inference_mode(self.mode)

    def __enter__(self) -> None:
        global _inference_depth
        super().__enter__()
        _inference_depth += self.mode

    def __exit__(self, *exc: object) -> None:
        global _inference_depth
        _inference_depth -= self.mode
        super().__exit__(*exc)


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()``."""
    return _inference_depth > 0


class set_grad_enabled(_GradMode):
    """Turn graph recording on or off: at once when called (``rp.set_grad_enabled(False)``),
    for a ``with`` block, or for each call of a decorated function.

    As in PyTorch, the call itself sets the mode; leaving the ``with`` block restores the
    previous one, and ``@rp.set_grad_enabled(False)`` leaves the mode unchanged until the
    function runs.
    """

    _bare = False

    def __init__(self, mode: bool) -> None:
        global _grad_enabled
        self.mode = bool(mode)
        self._prev.append(_grad_enabled)  # the mode before the call, restored on exit
        self._set_by_call = True
        _grad_enabled = self.mode

    def _mode(self) -> bool:
        return self.mode

    def clone(self) -> set_grad_enabled:
        ctx = super().__new__(set_grad_enabled)
        ctx.mode, ctx._prev, ctx._set_by_call = self.mode, [], False
        return ctx

    def __enter__(self) -> None:
        if self._set_by_call:  # the previous mode was saved when the call set this one
            self._set_by_call = False
            return
        super().__enter__()

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        global _grad_enabled
        if self._set_by_call:  # decorating must not change the mode
            self._set_by_call = False
            _grad_enabled = self._prev.pop()
        return super().__call__(fn)
