"""Trajectories as images and back: a (d, side^2) series becomes a d-channel side x side image.

The GAN of the Lorenz document draws each coordinate of a trajectory as one channel of a
32 x 32 RGB image. :class:`SeriesImageCodec` does that exactly and invertibly:

- sample ``t`` of channel ``c`` goes to pixel ``(c, t // side, t % side)`` (row-major: each
  image row is ``side`` consecutive samples);
- each channel is scaled affinely to [-1, 1] with its minimum and maximum over the data the
  codec was fitted on (stored, so generated images decode to the state's units)::

      image = 2 (x - lo) / (hi - lo) - 1,        x = lo + (image + 1) (hi - lo) / 2

Values outside the fitted range map outside [-1, 1] (nothing is clipped), so
``decode(encode(x)) == x`` up to rounding for any series.
"""

from __future__ import annotations

import numpy as np


class SeriesImageCodec:
    """Series ``(..., d, side^2)`` <-> images ``(..., d, side, side)`` in [-1, 1].

    Args:
        side: the image's width and height (the series has ``side * side`` samples).

    Example::

        codec = SeriesImageCodec(32).fit(train)        # train: (N, 3, 1024)
        images = codec.encode(train)                   # (N, 3, 32, 32), in [-1, 1]
        series = codec.decode(generator_output)        # (M, 3, 1024), in state units
    """

    def __init__(self, side: int = 32) -> None:
        if int(side) != side or side < 1:
            raise ValueError(f"SeriesImageCodec: side must be a positive integer, got {side!r}")
        self.side = int(side)
        self.lo: np.ndarray | None = None
        self.hi: np.ndarray | None = None

    @property
    def length(self) -> int:
        """Samples per series: ``side * side``."""
        return self.side * self.side

    def _check(self, name: str, x: np.ndarray, tail: tuple[int, ...]) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim < len(tail) or x.shape[-len(tail) + 1 :] != tail[1:]:
            raise ValueError(
                f"SeriesImageCodec.{name}: expected shape (..., channels, "
                f"{', '.join(map(str, tail[1:]))}), got {x.shape}"
            )
        return x

    def fit(self, series: np.ndarray) -> SeriesImageCodec:
        """Store each channel's minimum and maximum over all series ``(..., d, side^2)``."""
        series = self._check("fit", series, (0, self.length))
        flat = np.moveaxis(series, -2, 0).reshape(series.shape[-2], -1)
        self.lo, self.hi = flat.min(axis=1), flat.max(axis=1)
        if np.any(self.hi <= self.lo):
            raise ValueError("SeriesImageCodec.fit: a channel is constant; it cannot be scaled")
        return self

    def _stats(self, name: str, channels: int) -> tuple[np.ndarray, np.ndarray]:
        if self.lo is None or self.hi is None:
            raise RuntimeError(f"SeriesImageCodec.{name}: call fit() (or load_state_dict) first")
        if channels != self.lo.size:
            raise ValueError(
                f"SeriesImageCodec.{name}: fitted on {self.lo.size} channels, got {channels}"
            )
        return self.lo[:, None], self.hi[:, None]

    def encode(self, series: np.ndarray) -> np.ndarray:
        """``(..., d, side^2)`` -> ``(..., d, side, side)``, each channel scaled to [-1, 1]."""
        series = self._check("encode", series, (0, self.length))
        lo, hi = self._stats("encode", series.shape[-2])
        scaled = 2.0 * (series - lo) / (hi - lo) - 1.0
        return scaled.reshape(*series.shape[:-1], self.side, self.side).astype(series.dtype)

    def decode(self, images: np.ndarray) -> np.ndarray:
        """``(..., d, side, side)`` -> ``(..., d, side^2)`` in the state's units."""
        images = self._check("decode", images, (0, self.side, self.side))
        lo, hi = self._stats("decode", images.shape[-3])
        flat = images.reshape(*images.shape[:-2], self.length)
        return (lo + (flat + 1.0) * (hi - lo) / 2.0).astype(images.dtype)

    def state_dict(self) -> dict[str, np.ndarray]:
        """``{'side', 'lo', 'hi'}`` as arrays (saved with a checkpoint)."""
        self._stats("state_dict", 0 if self.lo is None else self.lo.size)
        return {"side": np.array(self.side), "lo": self.lo.copy(), "hi": self.hi.copy()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.side = int(np.asarray(state["side"]))
        self.lo = np.asarray(state["lo"], dtype=np.float64).copy()
        self.hi = np.asarray(state["hi"], dtype=np.float64).copy()
