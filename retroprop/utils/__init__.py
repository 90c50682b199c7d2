"""PyTorch's ``torch.utils`` habit: ``retroprop.utils.data`` is :mod:`retroprop.data`.

Registering the alias in ``sys.modules`` makes ``import retroprop.utils.data`` and
``from retroprop.utils.data import DataLoader`` find the same module object.
"""

import sys

from retroprop import data

sys.modules[__name__ + ".data"] = data

__all__ = ["data"]
