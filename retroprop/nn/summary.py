"""``rp.summary``: a torchinfo-style table of a model's layers, output shapes and parameters.

One forward pass on zeros runs with a forward pre-hook and a forward hook on every module:
the pre-hook opens a row when a module is entered (so parents come before their children),
the hook fills in the shape of what it returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from retroprop.autograd import no_grad
from retroprop.nn.module import Module
from retroprop.tensor import Tensor, get_default_dtype


@dataclass
class LayerInfo:
    """One row of the summary: one call of one module."""

    var_name: str
    type_name: str
    depth: int
    index: int
    num_params: int
    recursive: bool
    output_shape: tuple[int, ...] | None = None

    def label(self) -> str:
        if self.depth == 0:
            return self.type_name
        branch = "├─" if self.depth == 1 else "│    " * (self.depth - 1) + "└─"
        return f"{branch}{self.type_name} ({self.var_name}): {self.depth}-{self.index}"

    def params_text(self) -> str:
        if self.recursive:
            return "(recursive)"
        return f"{self.num_params:,}" if self.num_params else "--"


def _first_shape(output: Any) -> tuple[int, ...] | None:
    """The shape of the first Tensor in ``output`` (a Tensor, or tuples/lists/dicts of them)."""
    if isinstance(output, Tensor):
        return tuple(output.shape)
    if isinstance(output, dict):
        output = list(output.values())
    if isinstance(output, tuple | list):
        for item in output:
            shape = _first_shape(item)
            if shape is not None:
                return shape
    return None


class ModelStatistics:
    """What :func:`summary` returns; ``str()`` (and ``repr()``) give the table.

    Attributes:
        summary_list: the rows (:class:`LayerInfo`), in the order the modules were called.
        total_params, trainable_params, non_trainable_params: element counts, each
            parameter counted once even when shared.
    """

    def __init__(self, model: Module, summary_list: list[LayerInfo], input_bytes: int) -> None:
        self.summary_list = summary_list
        params = list(model.parameters())
        self.total_params = sum(p.numel() for p in params)
        self.trainable_params = sum(p.numel() for p in params if p.requires_grad)
        self.non_trainable_params = self.total_params - self.trainable_params
        self.input_bytes = input_bytes
        self.params_bytes = sum(p._data.nbytes for p in params)

    def __str__(self) -> str:
        labels = [row.label() for row in self.summary_list]
        width = max([40] + [len(s) + 2 for s in labels])
        total_width = width + 25 + 15
        rule = "=" * total_width

        def line(a: str, b: str, c: str) -> str:
            return f"{a:<{width}}{b:<25}{c}"

        out = [rule, line("Layer (type (var_name):depth-idx)", "Output Shape", "Param #"), rule]
        for row, label in zip(self.summary_list, labels):
            shape = "--" if row.output_shape is None else str(list(row.output_shape))
            out.append(line(label, shape, row.params_text()))
        mb = 1e6
        out += [
            rule,
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
            rule,
            f"Input size (MB): {self.input_bytes / mb:.2f}",
            f"Params size (MB): {self.params_bytes / mb:.2f}",
            rule,
        ]
        return "\n".join(out)

    __repr__ = __str__


def summary(
    model: Module,
    input_size: Sequence[int] | Sequence[Sequence[int]],
    dtype: Any = None,
    batch_size: int = 1,
) -> ModelStatistics:
    """Run ``model`` once on zeros of shape ``(batch_size, *input_size)`` and tabulate it.

    Args:
        model: the module to describe (run in eval mode; its modes are restored after).
        input_size: one input's shape without the batch dim, or a list of such shapes for
            a model with several inputs.
        dtype: the inputs' dtype (default: ``rp.get_default_dtype()``).
        batch_size: the batch dim shown in the output shapes.

    Each row counts the parameters that its module owns directly (children have their own
    rows), and a parameter shared by several modules only in the first row that uses it.
    Nothing is printed: ``print(rp.summary(model, (3, 32, 32)))``.
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: expected a Module, got {type(model).__name__}")
    shapes = [input_size] if all(isinstance(s, int) for s in input_size) else list(input_size)
    dt = np.dtype(get_default_dtype() if dtype is None else dtype)
    inputs = [Tensor._wrap(np.zeros((batch_size, *map(int, s)), dt)) for s in shapes]

    rows: list[LayerInfo] = []
    open_rows: dict[int, list[LayerInfo]] = {}
    counters: list[int] = [0]
    counted: set[int] = set()
    called: set[int] = set()

    def add_hooks(name: str, module: Module) -> list[Any]:
        depth = name.count(".") + 1 if name else 0

        def pre_hook(mod: Module, args: Any) -> None:
            del counters[depth + 1 :]
            counters.extend([0] * (depth + 1 - len(counters)))
            counters[depth] += 1
            own = [p for p in mod.parameters(recurse=False) if id(p) not in counted]
            counted.update(id(p) for p in own)
            row = LayerInfo(
                var_name=name.rpartition(".")[2],
                type_name=type(mod).__name__,
                depth=depth,
                index=counters[depth],
                num_params=sum(p.numel() for p in own),
                recursive=id(mod) in called,
            )
            called.add(id(mod))
            rows.append(row)
            open_rows.setdefault(id(mod), []).append(row)

        def hook(mod: Module, args: Any, output: Any) -> None:
            open_rows[id(mod)].pop().output_shape = _first_shape(output)

        return [module.register_forward_pre_hook(pre_hook), module.register_forward_hook(hook)]

    modes = {id(m): (m, m.training) for m in model.modules()}
    handles = [h for name, m in model.named_modules() for h in add_hooks(name, m)]
    try:
        model.eval()
        with no_grad():
            model(*inputs)
    except Exception as e:
        done = ", ".join(f"{r.type_name}: {r.depth}-{r.index}" for r in rows)
        raise RuntimeError(
            f"summary: the forward pass of {type(model).__name__} on input(s) of shape "
            f"{[tuple(x.shape) for x in inputs]} failed ({type(e).__name__}: {e}). "
            f"Layers entered: [{done}]"
        ) from e
    finally:
        for handle in handles:
            handle.remove()
        for m, mode in modes.values():
            m.training = mode
    return ModelStatistics(model, rows, sum(x._data.nbytes for x in inputs))
