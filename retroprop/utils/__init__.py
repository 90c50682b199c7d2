"""PyTorch's ``torch.utils`` habit: ``retroprop.utils.data`` is :mod:`retroprop.data`.

Registering the aliases in ``sys.modules`` makes ``import retroprop.utils.data``,
``from retroprop.utils.data import DataLoader`` and the submodule paths of
``torch.utils.data`` (``retroprop.utils.data.dataloader``, ``.dataset``, ``.sampler``, and
every other submodule) find the very module objects of :mod:`retroprop.data`: without an
alias for a submodule, Python would load its file a second time, under the other name, with
classes of its own.
"""

import sys

from retroprop import data

# every module of the package imported by now (retroprop.data imports all of its own)
for _name in [n for n in sys.modules if n == data.__name__ or n.startswith(data.__name__ + ".")]:
    sys.modules[__name__ + ".data" + _name[len(data.__name__) :]] = sys.modules[_name]

__all__ = ["data"]
