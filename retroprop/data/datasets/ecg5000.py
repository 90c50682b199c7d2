"""ECG5000 (UCR archive): heartbeats of 140 samples each, in 5 classes, from the UCR text files.

Each line of ``ECG5000_TRAIN.txt`` / ``ECG5000_TEST.txt`` is one beat: its class (1.0 .. 5.0),
then 140 z-normalised samples, separated by whitespace.
"""

from __future__ import annotations

import os

import numpy as np

from retroprop.data.datasets._base import ArrayDataset
from retroprop.data.datasets.download import require_files

_TEST_MISSING = (
    "ECG5000_TEST.txt holds the archive's other 4500 beats (per class 2627 / 1590 / 86 / 175 / "
    "22). The project's shared data folder has only the 500-beat TRAIN file (the TEST file was "
    "too large for its snapshots): split those 500 beats yourself (rp.data.random_split), or "
    "put ECG5000_TEST.txt beside the TRAIN file if you obtain it."
)


class ECG5000(ArrayDataset):
    """ECG5000 heartbeats (UCR archive, Dau et al. 2018; BIDMC record chf07 on PhysioNet).

    The archive's split is 500 TRAIN beats and 4,500 TEST beats. Only the TRAIN file is in
    the project's shared data folder, so experiments there split the 500 beats themselves
    (e.g. with :func:`retroprop.data.random_split` and a seeded generator). ``split='test'``
    reads ``ECG5000_TEST.txt`` when it is present and otherwise says where to put it.

    Classes (the file's class ``c`` is label ``c - 1``): 0 normal, 1 R-on-T premature
    ventricular contraction, 2 premature ventricular contraction, 3 supraventricular
    premature or ectopic beat, 4 unclassified beat. Counts in TRAIN: 292 / 177 / 10 / 19 / 2.
    With ``binary=True`` the labels are 0 = normal, 1 = anomaly (any other class), the usual
    setting for anomaly detection.

    Args:
        root: the data directory holding ``ecg5000/`` (default ``$RETROPROP_DATA``, else
            ``~/.cache/retroprop``).
        split: ``'train'`` or ``'test'``.
        binary: labels normal (0) / anomaly (1) instead of the five classes.
        download: fetch the files first when they are missing (see :func:`download`).

    Shape:
        - data: ``(N, 140)`` float32, each beat z-normalised (values about -6 .. 4.1).
        - targets: ``(N,)`` int64 in 0..4, or in {0, 1} with ``binary``.

    Example::

        X, y = ECG5000(binary=True).arrays   # (500, 140), (500,) with 292 zeros
    """

    FILES = {"train": "ECG5000_TRAIN.txt", "test": "ECG5000_TEST.txt"}
    CLASSES = ["normal", "R-on-T PVC", "PVC", "SP or EB", "unclassified beat"]

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        split: str = "train",
        binary: bool = False,
        download: bool = False,
    ) -> None:
        if split not in self.FILES:
            raise ValueError(f"ECG5000: split must be 'train' or 'test', got {split!r}")
        self.split = split
        name = self.FILES[split]
        note = _TEST_MISSING if split == "test" else ""
        folder = require_files(
            "ecg5000", [name], root, where=f"ECG5000(split={split!r})", fetch=download, note=note
        )
        path = folder / name
        try:
            values = np.loadtxt(path, dtype=np.float64, ndmin=2)
        except ValueError as e:
            raise ValueError(f"ECG5000: {path} is not a table of numbers ({e})") from e
        if values.shape[1:] != (141,) or len(values) == 0:
            raise ValueError(
                f"ECG5000: {path} must hold rows of 141 values (the class, then 140 samples), "
                f"got shape {values.shape}"
            )
        classes = values[:, 0]
        if not np.isin(classes, np.arange(1, 6)).all():
            row = int(np.flatnonzero(~np.isin(classes, np.arange(1, 6)))[0])
            raise ValueError(
                f"ECG5000: {path}: classes must be the integers 1..5, row {row + 1} has "
                f"{classes[row]}"
            )
        labels = classes.astype(np.int64) - 1
        if binary:
            labels = (labels != 0).astype(np.int64)
        names = ["normal", "anomaly"] if binary else self.CLASSES
        super().__init__(values[:, 1:].astype(np.float32), labels, classes=names)
