"""Utilities for modules, as ``torch.nn.utils``: gradient clipping, the parametrization
mechanism (``parametrize``) and the parametrizations built on it (``parametrizations``:
``spectral_norm``, ``weight_norm``), and padding sequences (``rnn.pad_sequence``)."""

from retroprop.nn.utils import parametrizations, parametrize, rnn
from retroprop.nn.utils.clip_grad import (
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "parametrizations",
    "parametrize",
    "rnn",
]
