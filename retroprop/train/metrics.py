"""Metrics on arrays or Tensors: accuracy, precision / recall / F1, confusion matrix, PSNR.

Each takes ``(y_true, y_pred)``. Classification metrics accept as ``y_pred`` either labels
(integers) or scores: ``(N, C, ...)`` logits or probabilities (the class is the argmax over
dimension 1) or ``(N,)`` / ``(N, 1)`` scores of the positive class of a binary problem (the
class is ``score > threshold``; 0.5 suits probabilities, pass ``threshold=0.0`` for logits).
``y_true`` holds integer labels (or floats that are whole numbers, as BCE targets are).

Where scikit-learn has the metric, it computes it (imported on first use: it belongs to the
``lab`` extra). ``fit`` takes the names of :data:`METRICS` or any such callable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from retroprop.tensor import Tensor

MetricFn = Callable[[Any, Any], float]
_AVERAGES = ("micro", "macro", "weighted", "binary")


def _sklearn_metrics(name: str) -> Any:
    try:
        import sklearn.metrics
    except ImportError:
        raise ImportError(
            f"retroprop.train.metrics.{name} needs scikit-learn, which is not installed; "
            f'install the lab extra: pip install -e ".[lab]"'
        ) from None
    return sklearn.metrics


def _array(x: Any, name: str, arg: str) -> np.ndarray:
    if isinstance(x, Tensor):
        return x._data
    try:
        return np.asarray(x)
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"{name}: {arg} must be an array or a Tensor, got {type(x).__name__}"
        ) from e


def _true_labels(y_true: Any, name: str) -> np.ndarray:
    y = _array(y_true, name, "y_true")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y) & (y == np.round(y))):
            raise ValueError(
                f"{name}: y_true must hold class labels (whole numbers), got non-integer "
                f"values of dtype {y.dtype}"
            )
        y = y.astype(np.int64)
    elif y.dtype.kind not in "iub":
        raise TypeError(f"{name}: y_true must hold integer labels, got dtype {y.dtype}")
    return y


def _pred_labels(y_pred: Any, name: str, threshold: float) -> np.ndarray:
    y = _array(y_pred, name, "y_pred")
    if y.dtype.kind in "iub":
        return y[:, 0] if y.ndim == 2 and y.shape[1] == 1 else y
    if y.dtype.kind != "f":
        raise TypeError(f"{name}: y_pred must hold labels or scores, got dtype {y.dtype}")
    if y.ndim >= 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    if y.ndim == 2:
        y = y[:, 0]
    return (y > threshold).astype(np.int64)


def _labels(y_true: Any, y_pred: Any, name: str, threshold: float) -> tuple[np.ndarray, ...]:
    """Both label arrays, flattened, after checking that their shapes agree."""
    t = _true_labels(y_true, name)
    p = _pred_labels(y_pred, name, threshold)
    if t.shape != p.shape:
        raise ValueError(
            f"{name}: y_true has shape {t.shape} but the predicted labels have shape {p.shape} "
            f"(y_pred of shape {np.shape(_array(y_pred, name, 'y_pred'))})"
        )
    if t.size == 0:
        raise ValueError(f"{name}: expected at least one sample, got none")
    return t.ravel(), p.ravel()


def accuracy(y_true: Any, y_pred: Any, *, threshold: float = 0.5) -> float:
    """Fraction of samples whose predicted class is the true one: ``mean(pred == true)``.

    Args:
        y_true: labels, shape ``(N, ...)``.
        y_pred: labels of the same shape, or scores (see the module docstring).
        threshold: decision threshold of binary scores.

    Example::

        accuracy([0, 2], [[3.0, 1.0, 0.0], [0.1, 0.2, 0.9]])  # 1.0
    """
    t, p = _labels(y_true, y_pred, "accuracy", threshold)
    return float(_sklearn_metrics("accuracy").accuracy_score(t, p))


def _check_average(name: str, average: str | None) -> None:
    if average is not None and average not in _AVERAGES:
        raise ValueError(f"{name}: average must be one of {_AVERAGES} or None, got {average!r}")


def _prf(
    name: str,
    y_true: Any,
    y_pred: Any,
    average: str | None,
    threshold: float,
    zero_division: float,
) -> float | np.ndarray:
    _check_average(name, average)
    t, p = _labels(y_true, y_pred, name, threshold)
    sk = _sklearn_metrics(name)
    fn = {"precision": sk.precision_score, "recall": sk.recall_score, "f1": sk.f1_score}[name]
    score = fn(t, p, average=average, zero_division=zero_division)
    return np.asarray(score, dtype=np.float64) if average is None else float(score)


def precision(
    y_true: Any,
    y_pred: Any,
    *,
    average: str | None = "macro",
    threshold: float = 0.5,
    zero_division: float = 0.0,
) -> float | np.ndarray:
    """Precision ``tp / (tp + fp)`` per class, then averaged.

    Args:
        y_true, y_pred: see :func:`accuracy`.
        average: 'macro' (mean over classes, default: defined for any number of classes,
            unlike scikit-learn's default 'binary'), 'micro' (from the total counts),
            'weighted' (mean weighted by class frequency), 'binary' (class 1 only) or None
            (one value per class, an array).
        threshold: decision threshold of binary scores.
        zero_division: the value when a class is never predicted.
    """
    return _prf("precision", y_true, y_pred, average, threshold, zero_division)


def recall(
    y_true: Any,
    y_pred: Any,
    *,
    average: str | None = "macro",
    threshold: float = 0.5,
    zero_division: float = 0.0,
) -> float | np.ndarray:
    """Recall ``tp / (tp + fn)`` per class, then averaged (arguments as :func:`precision`)."""
    return _prf("recall", y_true, y_pred, average, threshold, zero_division)


def f1(
    y_true: Any,
    y_pred: Any,
    *,
    average: str | None = "macro",
    threshold: float = 0.5,
    zero_division: float = 0.0,
) -> float | np.ndarray:
    """F1 score ``2 * precision * recall / (precision + recall)`` per class, then averaged
    (arguments as :func:`precision`)."""
    return _prf("f1", y_true, y_pred, average, threshold, zero_division)


def confusion_matrix(
    y_true: Any,
    y_pred: Any,
    *,
    num_classes: int | None = None,
    normalize: str | None = None,
    threshold: float = 0.5,
) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of true class ``i`` predicted as class ``j``.

    Args:
        y_true, y_pred: see :func:`accuracy`.
        num_classes: size of the matrix (default: the number of score columns of ``y_pred``,
            else the largest label + 1).
        normalize: None (counts, int64), 'true' (rows sum to 1), 'pred' (columns sum to 1)
            or 'all' (the whole matrix sums to 1).
        threshold: decision threshold of binary scores.

    Shape: ``(num_classes, num_classes)``.
    """
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(
            f"confusion_matrix: normalize must be None, 'true', 'pred' or 'all', got {normalize!r}"
        )
    t, p = _labels(y_true, y_pred, "confusion_matrix", threshold)
    if num_classes is None:
        scores = _array(y_pred, "confusion_matrix", "y_pred")
        many = scores.dtype.kind == "f" and scores.ndim >= 2 and scores.shape[1] > 1
        num_classes = scores.shape[1] if many else int(max(t.max(), p.max())) + 1
    if min(t.min(), p.min()) < 0 or max(t.max(), p.max()) >= num_classes:
        raise ValueError(
            f"confusion_matrix: labels must lie in [0, {num_classes}), got values in "
            f"[{min(t.min(), p.min())}, {max(t.max(), p.max())}]"
        )
    sk = _sklearn_metrics("confusion_matrix")
    return sk.confusion_matrix(t, p, labels=np.arange(num_classes), normalize=normalize)


def psnr(y_true: Any, y_pred: Any, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB: ``10 * log10(data_range^2 / mean((y_true - y_pred)^2))``.

    Infinite when the two are equal. Computed in float64.

    Args:
        y_true: reference signal or images.
        y_pred: reconstruction, same shape.
        data_range: the span of the values (1 for images in [0, 1], 255 for bytes).
    """
    t = _array(y_true, "psnr", "y_true").astype(np.float64)
    p = _array(y_pred, "psnr", "y_pred").astype(np.float64)
    if t.shape != p.shape:
        raise ValueError(f"psnr: y_true has shape {t.shape} but y_pred has shape {p.shape}")
    if t.size == 0:
        raise ValueError("psnr: expected non-empty arrays")
    if not data_range > 0:
        raise ValueError(f"psnr: data_range must be positive, got {data_range}")
    mse = float(np.mean((t - p) ** 2))
    if mse == 0.0:
        return float("inf")
    return float(10.0 * np.log10(data_range**2 / mse))


METRICS: dict[str, MetricFn] = {
    "accuracy": accuracy,
    "acc": accuracy,
    "precision": precision,
    "recall": recall,
    "f1": f1,
    "psnr": psnr,
}


def get_metric(metric: str | MetricFn) -> tuple[str, MetricFn]:
    """``(name, function)`` for a name of :data:`METRICS` or a callable (named after it)."""
    if isinstance(metric, str):
        if metric not in METRICS:
            raise ValueError(
                f"get_metric: unknown metric {metric!r}; expected one of {sorted(METRICS)} "
                f"or a callable (y_true, y_pred) -> float"
            )
        return metric, METRICS[metric]
    if not callable(metric):
        raise TypeError(
            f"get_metric: a metric must be a name or a callable (y_true, y_pred) -> float, "
            f"got {type(metric).__name__}"
        )
    name = getattr(metric, "__name__", None) or getattr(metric, "func", type(metric)).__name__
    return name, metric
