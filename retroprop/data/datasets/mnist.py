"""MNIST: 70,000 handwritten digits of 28x28 grey levels, from the original IDX gzip files.

The IDX format (big-endian): two zero bytes, a type code (0x08 = uint8, ...), the number of
dimensions k, then k uint32 sizes, then the values row-major. MNIST's image files hold
(N, 28, 28) uint8 pixels (0 = background, 255 = ink), its label files (N,) uint8 digits.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

from retroprop.data.datasets._base import ArrayDataset
from retroprop.data.datasets.download import require_files

_IDX_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (gzip-compressed when its name ends in ``.gz``) into an array.

    The header is checked: magic (two zero bytes, a known type code), the number of
    dimensions, and that the sizes it gives match the number of bytes that follow.

    Returns:
        The values with the header's shape, in native byte order (read-only for uint8).

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is not valid gzip, or not a valid IDX file.
    """
    path = Path(path)
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except FileNotFoundError:
        raise
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError(f"read_idx: {path} is not a valid gzip file ({e}); fetch it again") from e
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(
            f"read_idx: {path} does not start with an IDX magic number (00 00, a type code "
            f"among {', '.join(f'{t:02x}' for t in _IDX_TYPES)}, the number of dimensions); "
            f"got {raw[:4].hex(' ')}"
        )
    dtype, ndim = _IDX_TYPES[raw[2]], raw[3]
    offset = 4 + 4 * ndim
    if len(raw) < offset:
        raise ValueError(
            f"read_idx: {path} ends inside its header ({len(raw)} bytes, header of {offset})"
        )
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, offset=4))
    expected = offset + math.prod(shape) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(
            f"read_idx: {path}: the header gives shape {shape} of {dtype.name}, i.e. "
            f"{expected} bytes with the header, but the file holds {len(raw)} bytes"
        )
    values = np.frombuffer(raw, dtype, offset=offset).reshape(shape)
    return values if dtype.isnative else values.astype(dtype.newbyteorder("="))


class MNIST(ArrayDataset):
    """MNIST handwritten digits (LeCun, Cortes & Burges), from the four IDX gzip files.

    Splits, as published: ``train=True`` gives the 60,000 training images
    (``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``), ``train=False`` the
    10,000 test images (``t10k-*``). Keep a validation set out of the training split.

    Args:
        root: the data directory holding ``mnist/`` (default ``$RETROPROP_DATA``, else
            ``~/.cache/retroprop``).
        train: the training split (True) or the test split (False).
        flatten: give each image as a row of 784 values (for MLPs).
        normalize: standardise the pixels with the training split's mean and standard
            deviation, :attr:`MEAN` and :attr:`STD`.
        download: fetch the files first when they are missing (see :func:`download`).

    Shape:
        - data: ``(N, 1, 28, 28)`` float32, or ``(N, 784)`` with ``flatten``; values
          ``pixel / 255`` in [0, 1] (0 = background), or ``(pixel / 255 - MEAN) / STD``
          in [-0.4241, 2.8215] with ``normalize``.
        - targets: ``(N,)`` int64 digits 0..9.

    Example::

        X, y = MNIST(train=False, flatten=True).arrays   # (10000, 784), (10000,)
    """

    MEAN = 0.13066048
    """Mean of ``pixel / 255`` over the 60,000 training images."""
    STD = 0.30810780
    """Standard deviation of ``pixel / 255`` over the 60,000 training images."""
    FILES = {
        True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
        False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
    }

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        train: bool = True,
        flatten: bool = False,
        normalize: bool = False,
        download: bool = False,
    ) -> None:
        self.train = bool(train)
        images_file, labels_file = self.FILES[self.train]
        folder = require_files("mnist", self.FILES[self.train], root, where="MNIST", fetch=download)
        images, labels = read_idx(folder / images_file), read_idx(folder / labels_file)
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
            raise ValueError(
                f"MNIST: {folder / images_file} must hold (N, 28, 28) uint8 images, got "
                f"{images.shape} {images.dtype}"
            )
        if labels.dtype != np.uint8 or labels.shape != images.shape[:1]:
            raise ValueError(
                f"MNIST: {folder / labels_file} must hold ({len(images)},) uint8 labels, one "
                f"per image, got {labels.shape} {labels.dtype}"
            )
        if labels.size and labels.max() > 9:
            raise ValueError(
                f"MNIST: {folder / labels_file} holds labels up to {labels.max()}, expected 0..9"
            )
        x = np.divide(images, np.float32(255), dtype=np.float32)
        if normalize:
            x -= np.float32(self.MEAN)
            x /= np.float32(self.STD)
        x = x.reshape(len(x), 784) if flatten else x.reshape(len(x), 1, 28, 28)
        super().__init__(x, labels.astype(np.int64), classes=[str(d) for d in range(10)])
