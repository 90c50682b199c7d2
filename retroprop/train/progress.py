"""What ``fit`` shows while it trains: tqdm bars on the epochs and on the batches of the
current epoch (with the running loss and metrics), or one line per epoch, or nothing.

``verbose``: ``"auto"`` (bars when stdout is a terminal, nothing otherwise: logs and captured
output stay clean), ``1`` / ``True`` (bars), ``2`` (one line per epoch, as Keras), ``0`` /
``False`` (silent). tqdm belongs to the ``lab`` extra and is imported only when bars are shown;
without it, ``"auto"`` falls back to one line per epoch.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, TextIO

SILENT, BARS, LINES = 0, 1, 2


def _tqdm() -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:
        raise ImportError(
            "retroprop.train: progress bars need tqdm, which is not installed; install the lab "
            'extra (pip install -e ".[lab]") or pass verbose=2 (one line per epoch) or '
            "verbose=0 (silent)"
        ) from None
    return tqdm


def resolve_verbose(verbose: bool | int | str, file: TextIO | None = None) -> int:
    """The display mode (SILENT, BARS or LINES) that ``verbose`` asks for on ``file``."""
    file = sys.stdout if file is None else file
    if verbose == "auto":
        if not (hasattr(file, "isatty") and file.isatty()):
            return SILENT
        try:
            _tqdm()
        except ImportError:
            return LINES
        return BARS
    if isinstance(verbose, bool) or verbose in (SILENT, BARS, LINES):
        return int(verbose)
    raise ValueError(f"fit: verbose must be 'auto', 0, 1 or 2, got {verbose!r}")


def format_logs(logs: Mapping[str, float]) -> str:
    """``'loss=0.1234, accuracy=0.9500'``."""
    return ", ".join(f"{k}={v:.4g}" if abs(v) < 1e-3 else f"{k}={v:.4f}" for k, v in logs.items())


class Progress:
    """Progress display of a training run.

    Args:
        mode: SILENT, BARS or LINES (see :func:`resolve_verbose`).
        epochs: the number of epochs the run ends at.
        steps: batches per epoch (None when unknown).
        initial_epoch: epochs already done (a resumed run).
        file: where to write (default: stdout).
    """

    def __init__(
        self,
        mode: int,
        epochs: int,
        steps: int | None,
        initial_epoch: int = 0,
        file: TextIO | None = None,
    ) -> None:
        self.mode = mode
        self.epochs = epochs
        self.steps = steps
        self.file = sys.stdout if file is None else file
        self._epoch_bar: Any = None
        self._batch_bar: Any = None
        if mode == BARS:
            self._tqdm = _tqdm()
            self._epoch_bar = self._tqdm(
                total=epochs, initial=initial_epoch, desc="fit", unit="epoch", file=self.file
            )

    def epoch_begin(self, epoch: int) -> None:
        if self.mode == BARS:
            self._batch_bar = self._tqdm(
                total=self.steps,
                desc=f"epoch {epoch + 1}/{self.epochs}",
                unit="batch",
                leave=False,
                file=self.file,
            )

    def batch_end(self, running: Mapping[str, float]) -> None:
        """One more batch done; ``running``: the epoch's loss and metrics so far."""
        if self._batch_bar is not None:
            self._batch_bar.set_postfix_str(format_logs(running), refresh=False)
            self._batch_bar.update(1)

    def epoch_end(self, epoch: int, logs: Mapping[str, float]) -> None:
        line = f"Epoch {epoch + 1}/{self.epochs} - " + format_logs(logs)
        if self.mode == BARS:
            self._batch_bar.close()
            self._batch_bar = None
            self._epoch_bar.write(line, file=self.file)
            self._epoch_bar.set_postfix_str(format_logs(logs), refresh=False)
            self._epoch_bar.update(1)
        elif self.mode == LINES:
            print(line, file=self.file, flush=True)

    def close(self) -> None:
        """Close the bars (idempotent): call it however the run ends."""
        for bar in (self._batch_bar, self._epoch_bar):
            if bar is not None:
                bar.close()
        self._batch_bar = self._epoch_bar = None
