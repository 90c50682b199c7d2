"""Generated data, no download: the DIY report's 2-D problems and a 1-D regression.

The DIY report draws its 2-D data with ``gen_arti`` from the course's ``mltools``:

- ``data_type=0``, :func:`make_blobs2`: two Gaussian blobs at ``(cx, cy)`` (class +1) and
  ``(-cx, -cy)`` (class -1), linearly separable for a small spread;
- ``data_type=1``, :func:`make_xor`: four blobs at ``(+-cx, +-cy)``, class +1 on the
  diagonal ``(cx, cy), (-cx, -cy)`` and -1 on the other one: the XOR problem;
- ``data_type=2``, :func:`make_checkerboard`: points uniform on ``[-4, 4]^2``, class +1 on
  the unit squares where ``ceil(x1) + ceil(x2)`` is odd: an 8x8 checkerboard;

then adds Gaussian noise of standard deviation ``epsilon`` to every coordinate and shuffles.
The section "linear" compares with scikit-learn on ``make_regression`` data of one feature:
:func:`make_regression1d`.

Every generator takes ``generator=`` (a NumPy generator, used as is) or ``seed=``; with
neither it draws from retroprop's global generator (``rp.manual_seed``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retroprop import random as _random
from retroprop.data.datasets._base import ArrayDataset

Arrays = tuple[np.ndarray, np.ndarray]


def _rng(
    generator: np.random.Generator | None, seed: int | None, where: str
) -> np.random.Generator:
    """``generator``, or a new one seeded with ``seed``, or retroprop's global generator."""
    if generator is not None and seed is not None:
        raise ValueError(f"{where}: pass either generator= or seed=, not both")
    if generator is not None:
        if not isinstance(generator, np.random.Generator):
            raise TypeError(
                f"{where}: generator must be a numpy.random.Generator, got "
                f"{type(generator).__name__}"
            )
        return generator
    return _random.default_generator if seed is None else np.random.default_rng(seed)


def _check(where: str, count: str, n: int, **scales: float) -> None:
    """``n`` (named ``count``) is a positive integer; each of ``scales`` is finite and >= 0."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"{where}: {count} must be an integer, got {type(n).__name__}")
    if n <= 0:
        raise ValueError(f"{where}: {count} must be positive, got {n}")
    for name, value in scales.items():
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{where}: {name} must be a finite number >= 0, got {value}")


def _blobs(
    n: int, centers: np.ndarray, signs: np.ndarray, sigma: float, rng: np.random.Generator
) -> Arrays:
    """``n`` points split as evenly as possible between Gaussian blobs of std ``sigma``."""
    k = len(centers)
    which = np.repeat(np.arange(k), n // k + (np.arange(k) < n % k))
    return centers[which] + sigma * rng.standard_normal((n, 2)), signs[which]


def _finish(
    x: np.ndarray,
    signs: np.ndarray,
    noise: float,
    signed: bool,
    rng: np.random.Generator,
    return_X_y: bool,
) -> ArrayDataset | Arrays:
    """Add the coordinate noise, shuffle, and choose the labels: -1/+1 or 0/1."""
    x = x + noise * rng.standard_normal(x.shape)
    order = rng.permutation(len(x))
    x, signs = x[order].astype(np.float32), signs[order]
    y = signs.astype(np.int64) if signed else (signs > 0).astype(np.int64)
    if return_X_y:
        return x, y
    return ArrayDataset(x, y, classes=["-1", "+1"] if signed else ["0", "1"])


def _centers(where: str, center: float | tuple[float, float]) -> np.ndarray:
    """``(cx, cy)`` from a number (both coordinates) or a pair."""
    cxy = np.asarray((center, center) if np.ndim(center) == 0 else center, dtype=np.float64)
    if cxy.shape != (2,) or not np.isfinite(cxy).all():
        raise ValueError(f"{where}: center must be a number or a pair (cx, cy), got {center!r}")
    return cxy


def make_blobs2(
    n_samples: int = 1000,
    *,
    sigma: float = 0.1,
    center: float | tuple[float, float] = 1.0,
    noise: float = 0.0,
    signed: bool = False,
    generator: np.random.Generator | None = None,
    seed: int | None = None,
    return_X_y: bool = False,
) -> ArrayDataset | Arrays:
    """Two Gaussian blobs, linearly separable when ``sigma`` is small (gen_arti type 0).

    Class 1 around ``(cx, cy)``, class 0 (or -1 with ``signed``) around ``(-cx, -cy)``,
    ``n_samples // 2`` points each (one more in class 1 when odd), shuffled.

    Args:
        n_samples: number of points.
        sigma: standard deviation of each blob along each axis.
        center: ``cx`` (both coordinates) or ``(cx, cy)``.
        noise: standard deviation of extra Gaussian noise on every coordinate.
        signed: labels -1/+1 (the report's, for hinge and MSE losses) instead of 0/1.
        generator, seed: the random source (see the module's docstring).
        return_X_y: return the arrays ``(X, y)`` instead of a dataset.

    Shape:
        X: ``(n_samples, 2)`` float32; y: ``(n_samples,)`` int64.
    """
    _check("make_blobs2", "n_samples", n_samples, sigma=sigma, noise=noise)
    rng = _rng(generator, seed, "make_blobs2")
    cx, cy = _centers("make_blobs2", center)
    centers = np.array([[cx, cy], [-cx, -cy]])
    x, signs = _blobs(n_samples, centers, np.array([1, -1]), sigma, rng)
    return _finish(x, signs, noise, signed, rng, return_X_y)


def make_xor(
    n_samples: int = 1000,
    *,
    sigma: float = 0.1,
    center: float | tuple[float, float] = 1.0,
    noise: float = 0.0,
    signed: bool = False,
    generator: np.random.Generator | None = None,
    seed: int | None = None,
    return_X_y: bool = False,
) -> ArrayDataset | Arrays:
    """Four Gaussian blobs at ``(+-cx, +-cy)``: the XOR problem (gen_arti type 1).

    Class 1 around ``(cx, cy)`` and ``(-cx, -cy)`` (coordinates of the same sign), class 0
    (or -1 with ``signed``) around ``(-cx, cy)`` and ``(cx, -cy)``; no line separates them.
    Arguments as :func:`make_blobs2`.

    Shape:
        X: ``(n_samples, 2)`` float32; y: ``(n_samples,)`` int64.
    """
    _check("make_xor", "n_samples", n_samples, sigma=sigma, noise=noise)
    rng = _rng(generator, seed, "make_xor")
    cx, cy = _centers("make_xor", center)
    centers = np.array([[cx, cy], [-cx, -cy], [-cx, cy], [cx, -cy]])
    x, signs = _blobs(n_samples, centers, np.array([1, 1, -1, -1]), sigma, rng)
    return _finish(x, signs, noise, signed, rng, return_X_y)


def make_checkerboard(
    n_samples: int = 1000,
    *,
    noise: float = 0.0,
    signed: bool = False,
    generator: np.random.Generator | None = None,
    seed: int | None = None,
    return_X_y: bool = False,
) -> ArrayDataset | Arrays:
    """Points uniform on ``[-4, 4]^2`` on an 8x8 board of unit squares (gen_arti type 2).

    A point's class is 1 where ``ceil(x1) + ceil(x2)`` is odd, else 0 (or -1 with
    ``signed``), computed before ``noise`` is added. Arguments as :func:`make_blobs2`.

    Shape:
        X: ``(n_samples, 2)`` float32; y: ``(n_samples,)`` int64.
    """
    _check("make_checkerboard", "n_samples", n_samples, noise=noise)
    rng = _rng(generator, seed, "make_checkerboard")
    x = rng.uniform(-4, 4, (n_samples, 2))
    signs = 2 * (np.ceil(x).sum(axis=1) % 2) - 1
    return _finish(x, signs, noise, signed, rng, return_X_y)


def gen_arti(
    centerx: float = 1.0,
    centery: float = 1.0,
    sigma: float = 0.1,
    nbex: int = 1000,
    data_type: int = 0,
    epsilon: float = 0.02,
    *,
    generator: np.random.Generator | None = None,
    seed: int | None = None,
) -> Arrays:
    """The course's ``gen_arti``, as the DIY report calls it, on the generators above.

    As in ``mltools``, ``sigma`` is the **variance** of each blob (its covariance is
    ``sigma * I``, so the report's ``sigma=0.4`` means a standard deviation of 0.63),
    ``epsilon`` the standard deviation of the noise added to every coordinate, and the
    labels are a column of -1/+1. Two differences: exactly ``nbex`` points are drawn (mltools
    drops the remainder of ``nbex / 2`` or ``nbex / 4``), and the blobs sit at
    ``(+-centerx, +-centery)`` (mltools ignores ``centery``; the defaults agree).

    Args:
        data_type: 0 two blobs (linearly separable), 1 four blobs (XOR), 2 checkerboard.

    Shape:
        X: ``(nbex, 2)`` float32; y: ``(nbex, 1)`` float32 in {-1, +1}, the dtype the DIY
        losses compare with a float32 network output.
    """
    if data_type not in (0, 1, 2):
        raise ValueError(
            f"gen_arti: data_type must be 0 (two blobs), 1 (XOR) or 2 (checkerboard), "
            f"got {data_type!r}"
        )
    _check("gen_arti", "nbex", nbex, sigma=sigma, epsilon=epsilon)
    kwargs = {"noise": epsilon, "signed": True, "generator": generator, "seed": seed}
    if data_type == 2:
        x, y = make_checkerboard(nbex, **kwargs, return_X_y=True)
    else:
        make = make_blobs2 if data_type == 0 else make_xor
        x, y = make(
            nbex, sigma=math.sqrt(sigma), center=(centerx, centery), **kwargs, return_X_y=True
        )
    return x, y.astype(np.float32)[:, None]


def make_regression1d(
    n_samples: int = 100,
    *,
    noise: float = 0.0,
    coef: float | None = None,
    bias: float = 0.0,
    generator: np.random.Generator | None = None,
    seed: int | None = None,
    return_X_y: bool = False,
    return_coef: bool = False,
) -> ArrayDataset | tuple[Any, ...]:
    """1-D linear regression data in the manner of scikit-learn's ``make_regression``.

    ``y = coef * x + bias + noise * e`` with ``x, e ~ N(0, 1)``. The DIY report compares its
    ``Linear(1, 1)`` with scikit-learn on 100 points with ``noise=30``.

    Args:
        n_samples: number of points.
        noise: standard deviation of the Gaussian noise on ``y``.
        coef: the slope; by default drawn uniformly in [0, 100), as make_regression does.
        bias: the intercept.
        generator, seed: the random source (see the module's docstring).
        return_X_y: return the arrays ``(X, y)`` instead of a dataset.
        return_coef: also return the slope, last: ``(dataset, coef)`` or ``(X, y, coef)``.

    Shape:
        X: ``(n_samples, 1)`` float32; y: ``(n_samples, 1)`` float32.
    """
    _check("make_regression1d", "n_samples", n_samples, noise=noise)
    rng = _rng(generator, seed, "make_regression1d")
    x = rng.standard_normal((n_samples, 1))
    slope = 100.0 * rng.uniform() if coef is None else float(coef)
    y = slope * x + bias + noise * rng.standard_normal((n_samples, 1))
    x, y = x.astype(np.float32), y.astype(np.float32)
    if return_X_y:
        return (x, y, slope) if return_coef else (x, y)
    dataset = ArrayDataset(x, y)
    return (dataset, slope) if return_coef else dataset
