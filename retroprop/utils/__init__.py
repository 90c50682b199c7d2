"""PyTorch's ``torch.utils`` habit: ``retroprop.utils.data`` is :mod:`retroprop.data`.

Registering the aliases in ``sys.modules`` makes ``import retroprop.utils.data``,
``from retroprop.utils.data import DataLoader`` and the submodule paths of
``torch.utils.data`` (``retroprop.utils.data.dataloader``, ``.dataset``, ``.sampler``) find
the very module objects of :mod:`retroprop.data`: without an alias for a submodule, Python
would load its file a second time, under the other name, with classes of its own.
"""

import sys

from retroprop import data
from retroprop.data import dataloader, dataset, datasets, sampler

for _module in (data, dataloader, dataset, datasets, sampler):
    sys.modules[_module.__name__.replace("retroprop.data", __name__ + ".data", 1)] = _module

__all__ = ["data"]
