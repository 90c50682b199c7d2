"""Small data sets bundled with scikit-learn: iris, wine and the 8x8 digits.

scikit-learn belongs to the ``lab`` extra, so it is imported when a loader runs, never when
retroprop is imported.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.data.datasets._base import ArrayDataset

_INSTALL_LAB = 'pip install -e ".[lab]" (from a clone) or pip install "retroprop[lab]"'


def _sklearn_load(function: str, where: str) -> Any:
    """Call ``sklearn.datasets.<function>()``, or say how to install scikit-learn."""
    try:
        import sklearn.datasets
    except ImportError as e:
        raise ImportError(f"{where} needs scikit-learn (the lab extra): {_INSTALL_LAB}") from e
    return getattr(sklearn.datasets, function)()


def _result(
    bunch: Any, x: np.ndarray, return_X_y: bool
) -> ArrayDataset | tuple[np.ndarray, np.ndarray]:
    y = np.asarray(bunch.target, dtype=np.int64)
    x = np.ascontiguousarray(x, dtype=np.float32)
    if return_X_y:
        return x, y
    return ArrayDataset(x, y, classes=[str(name) for name in bunch.target_names])


def load_iris(return_X_y: bool = False) -> ArrayDataset | tuple[np.ndarray, np.ndarray]:
    """Fisher's iris: 150 flowers, 4 measurements in cm, 3 species (50 each).

    No split: take a test set out yourself. ``return_X_y=True`` gives the arrays.

    Shape:
        - data: ``(150, 4)`` float32: sepal length, sepal width, petal length, petal
          width, in cm (0.1 .. 7.9).
        - targets: ``(150,)`` int64 in 0..2 (setosa, versicolor, virginica).
    """
    bunch = _sklearn_load("load_iris", "load_iris")
    return _result(bunch, bunch.data, return_X_y)


def load_wine(return_X_y: bool = False) -> ArrayDataset | tuple[np.ndarray, np.ndarray]:
    """UCI wine: 178 wines, 13 chemical measurements, 3 cultivars (59 / 71 / 48).

    No split. The features have very different scales (proline up to 1680, hue about 1):
    standardise them before training.

    Shape:
        - data: ``(178, 13)`` float32, raw measurements.
        - targets: ``(178,)`` int64 in 0..2.
    """
    bunch = _sklearn_load("load_wine", "load_wine")
    return _result(bunch, bunch.data, return_X_y)


def load_digits(
    return_X_y: bool = False, images: bool = False
) -> ArrayDataset | tuple[np.ndarray, np.ndarray]:
    """UCI optical digits as in scikit-learn: 1,797 digits of 8x8 pixels, 10 classes.

    No split. ``images=True`` gives ``(N, 1, 8, 8)`` images (for convolutions) instead of
    rows of 64 values.

    Shape:
        - data: ``(1797, 64)`` or ``(1797, 1, 8, 8)`` float32, integer grey levels 0..16.
        - targets: ``(1797,)`` int64 digits 0..9.
    """
    bunch = _sklearn_load("load_digits", "load_digits")
    x = bunch.images[:, None] if images else bunch.data
    return _result(bunch, x, return_X_y)
