"""Where the data files live: ``$RETROPROP_DATA`` or ``~/.cache/retroprop``, one folder a set.

The layout is the one of the project's shared data folder::

    <data root>/mnist/    train-images-idx3-ubyte.gz, ... (the four IDX gzip files)
    <data root>/usps/     zip.train.gz, zip.test.gz
    <data root>/ecg5000/  ECG5000_TRAIN.txt (and ECG5000_TEST.txt when you have it)
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "RETROPROP_DATA"


def data_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: ``root`` if given, else ``$RETROPROP_DATA``, else ``~/.cache/retroprop``.

    Example::

        data_root()            # Path('/home/me/.cache/retroprop') when RETROPROP_DATA is unset
    """
    if root is None:
        root = os.environ.get(ENV_VAR) or Path.home() / ".cache" / "retroprop"
    if not isinstance(root, str | os.PathLike):
        raise TypeError(f"data_root: root must be a path or None, got {type(root).__name__}")
    return Path(root).expanduser()


def dataset_folder(name: str, root: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding data set ``name``'s files: ``data_root(root) / name``."""
    return data_root(root) / name
