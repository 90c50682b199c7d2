"""Differentiable operations, one file per family; each op is a Function with an explicit
forward and a backward whose docstring states the derivative."""
