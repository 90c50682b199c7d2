"""Padding a batch of sequences of different lengths (PyTorch's ``torch.nn.utils.rnn``):
:func:`pad_sequence`. Packed sequences (``pack_padded_sequence``) are not provided: pad, and
mask the padded steps in the loss instead."""

from __future__ import annotations

from collections.abc import Sequence

from retroprop.ops.shape import pad, stack
from retroprop.tensor import Tensor


def pad_sequence(
    sequences: Sequence[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of shapes (L_i, *) into one (L, B, *) tensor (``batch_first``: (B, L,
    *)), L = max L_i, filling the missing steps with ``padding_value`` on ``padding_side``.

    The gradient of each sequence is the slice of the output's gradient it was copied to.

    Example: ``pad_sequence([rp.ones(3), rp.ones(1)], batch_first=True)`` is
    ``[[1, 1, 1], [1, 0, 0]]``.
    """
    if padding_side not in ("left", "right"):
        raise ValueError(
            f"pad_sequence: padding_side must be 'left' or 'right', got {padding_side!r}"
        )
    sequences = list(sequences)
    if not sequences:
        raise ValueError("pad_sequence: expected a non-empty list of sequences")
    for i, s in enumerate(sequences):
        if not isinstance(s, Tensor) or s.ndim == 0:
            got = f"shape {tuple(s.shape)}" if isinstance(s, Tensor) else type(s).__name__
            raise TypeError(f"pad_sequence: sequence {i} must be a Tensor of >= 1 dim, got {got}")
        if s.shape[1:] != sequences[0].shape[1:]:
            raise ValueError(
                f"pad_sequence: every sequence must have the trailing shape "
                f"{tuple(sequences[0].shape[1:])} of the first, sequence {i} has shape "
                f"{tuple(s.shape)}"
            )
    length = max(s.shape[0] for s in sequences)
    trailing = (0, 0) * (sequences[0].ndim - 1)
    padded = []
    for s in sequences:
        missing = length - s.shape[0]
        sides = (missing, 0) if padding_side == "left" else (0, missing)
        padded.append(pad(s, trailing + sides, value=padding_value) if missing else s)
    return stack(padded, 0 if batch_first else 1)
