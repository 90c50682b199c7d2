"""USPS: 9,298 handwritten digits of 16x16 grey levels, the ESL "zip" text files.

Each line of ``zip.train.gz`` / ``zip.test.gz`` (The Elements of Statistical Learning) is one
digit: its label, then 256 pixel values in [-1, 1], row-major, separated by spaces.
"""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

from retroprop.data.datasets._base import ArrayDataset
from retroprop.data.datasets.download import require_files


class USPS(ArrayDataset):
    """USPS handwritten digits (Le Cun et al., 1990), deslanted and size-normalised to 16x16.

    Splits, as in ESL: ``train=True`` gives 7,291 digits (``zip.train.gz``), ``train=False``
    2,007 (``zip.test.gz``).

    Args:
        root: the data directory holding ``usps/`` (default ``$RETROPROP_DATA``, else
            ``~/.cache/retroprop``).
        train: the training split (True) or the test split (False).
        flatten: give each image as a row of 256 values (for MLPs, as the DIY report does).
        rescale: map the pixels from [-1, 1] to [0, 1] by ``(x + 1) / 2``.
        download: fetch the files first when they are missing (see :func:`download`).

    Shape:
        - data: ``(N, 1, 16, 16)`` float32, or ``(N, 256)`` with ``flatten``; values in
          [-1, 1] as in the files (-1 = background), or [0, 1] with ``rescale``.
        - targets: ``(N,)`` int64 digits 0..9.

    Example::

        X, y = USPS(flatten=True).arrays   # (7291, 256), (7291,)
    """

    FILES = {True: "zip.train.gz", False: "zip.test.gz"}

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        train: bool = True,
        flatten: bool = False,
        rescale: bool = False,
        download: bool = False,
    ) -> None:
        self.train = bool(train)
        name = self.FILES[self.train]
        path = require_files("usps", [name], root, where="USPS", fetch=download) / name
        try:
            text = gzip.decompress(path.read_bytes()).decode("ascii")
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as e:
            raise ValueError(f"USPS: {path} is not a gzip text file ({e}); fetch it again") from e
        lines = text.splitlines()
        if not lines:
            raise ValueError(f"USPS: {path} is empty; fetch it again")
        counts = [len(line.split()) for line in lines]
        bad = next((i for i, c in enumerate(counts) if c != 257), None)
        if bad is not None:
            raise ValueError(
                f"USPS: {path}: expected lines of 257 values (a label, then 256 pixels), "
                f"but line {bad + 1} has {counts[bad]}"
            )
        try:
            values = np.array(text.split(), dtype=np.float64).reshape(len(lines), 257)
        except ValueError as e:
            raise ValueError(f"USPS: {path} holds a value that is not a number ({e})") from e
        labels, pixels = values[:, 0], values[:, 1:]
        if not np.isin(labels, np.arange(10)).all():
            row = int(np.flatnonzero(~np.isin(labels, np.arange(10)))[0])
            raise ValueError(
                f"USPS: {path}: labels must be the integers 0..9, line {row + 1} has {labels[row]}"
            )
        if pixels.min() < -1 or pixels.max() > 1:
            raise ValueError(
                f"USPS: {path}: pixels must lie in [-1, 1], got [{pixels.min()}, {pixels.max()}]"
            )
        x = pixels.astype(np.float32)
        if rescale:
            x += 1
            x /= 2
        x = x if flatten else x.reshape(len(x), 1, 16, 16)
        super().__init__(x, labels.astype(np.int64), classes=[str(d) for d in range(10)])
