"""``rp.nn.parallel``: PyTorch's data parallelism on a machine without accelerators.

Without accelerators PyTorch's ``DataParallel`` runs the module itself (there are no devices
to split the batch across) and its ``data_parallel`` raises; retroprop does the same, so
scripts that wrap their model run unchanged and keep the ``module.``-prefixed ``state_dict``
keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from retroprop.devices import not_on_cpu
from retroprop.nn.module import Module


class DataParallel(Module):
    """``DataParallel(module)``: calls ``module``; ``device_ids`` are ignored (``[]``), as by
    PyTorch when no accelerator is available.

    Example::

        net = nn.DataParallel(nn.Linear(4, 2))   # state_dict keys: module.weight, module.bias
    """

    def __init__(
        self,
        module: Module,
        device_ids: Sequence[Any] | None = None,
        output_device: Any = None,
        dim: int = 0,
    ) -> None:
        super().__init__()
        self.module = module
        self.device_ids: list[Any] = []
        self.output_device = None
        self.dim = dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)


def data_parallel(
    module: Module,
    inputs: Any,
    device_ids: Sequence[Any] | None = None,
    output_device: Any = None,
    dim: int = 0,
    module_kwargs: Any = None,
) -> Any:
    """Refused, as by PyTorch without an accelerator ("device type could not be
    determined"): it scatters a batch over devices, and there are none."""
    raise not_on_cpu("nn.parallel.data_parallel", "accelerator")
