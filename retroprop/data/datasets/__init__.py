"""Data sets: loaders of the standard files, a downloader, and bundled or generated data.

Loaders read the files from the data directory (``$RETROPROP_DATA``, else
``~/.cache/retroprop``), one folder a data set, and return an :class:`ArrayDataset`: float32
inputs, int64 labels, the plain arrays in ``.arrays``.

- files: :class:`MNIST`, :class:`USPS`, :class:`ECG5000`; :func:`download` fetches them.
- scikit-learn's (the ``lab`` extra): :func:`load_iris`, :func:`load_wine`, :func:`load_digits`.
- generated: :func:`make_blobs2`, :func:`make_xor`, :func:`make_checkerboard`,
  :func:`gen_arti`, :func:`make_regression1d`.
"""

from retroprop.data.datasets._base import ArrayDataset
from retroprop.data.datasets.download import (
    SOURCES,
    DownloadError,
    download,
    file_checksums,
    how_to_get,
)
from retroprop.data.datasets.ecg5000 import ECG5000
from retroprop.data.datasets.mnist import MNIST, read_idx
from retroprop.data.datasets.root import data_root, dataset_folder
from retroprop.data.datasets.sklearn_sets import load_digits, load_iris, load_wine
from retroprop.data.datasets.synthetic import (
    gen_arti,
    make_blobs2,
    make_checkerboard,
    make_regression1d,
    make_xor,
)
from retroprop.data.datasets.usps import USPS

__all__ = [
    "ECG5000",
    "MNIST",
    "SOURCES",
    "USPS",
    "ArrayDataset",
    "DownloadError",
    "data_root",
    "dataset_folder",
    "download",
    "file_checksums",
    "gen_arti",
    "how_to_get",
    "load_digits",
    "load_iris",
    "load_wine",
    "make_blobs2",
    "make_checkerboard",
    "make_regression1d",
    "make_xor",
    "read_idx",
]
