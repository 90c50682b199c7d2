"""Differentiable operations, one file per family; each op is a Function with an explicit
forward and a backward whose docstring states the derivative.

The ops import :class:`~retroprop.tensor.Tensor`, which imports none of them;
:mod:`retroprop.tensor_methods` makes them its methods (``t.exp()`` is ``arithmetic.exp(t)``).
"""
