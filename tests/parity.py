"""Compare a retroprop computation with PyTorch (forward values and input gradients) and
with finite differences. Used by every op, module and loss test."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import retroprop as rp


def _np(x: Any) -> np.ndarray:
    if isinstance(x, rp.Tensor):
        return x.detach().numpy()
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def assert_parity(
    rp_fn: Callable[..., Any],
    torch_fn: Callable[..., Any],
    arrays: Sequence[np.ndarray],
    grad: Sequence[bool] | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    seed: int = 0,
) -> None:
    """Run ``rp_fn`` and ``torch_fn`` on the same arrays and compare outputs and gradients.

    Float arrays require grad unless ``grad`` says otherwise; integer arrays are passed as
    int64 tensors. The backward uses the same random upstream gradient in both libraries.
    """
    grad = [a.dtype.kind == "f" for a in arrays] if grad is None else list(grad)
    rx = [rp.Tensor(a, dtype=a.dtype, requires_grad=g) for a, g in zip(arrays, grad)]
    tx = [torch.tensor(a).requires_grad_(g) for a, g in zip(arrays, grad)]
    ro, to = rp_fn(*rx), torch_fn(*tx)
    ro = ro if isinstance(ro, tuple | list) else (ro,)
    to = to if isinstance(to, tuple | list) else (to,)
    assert len(ro) == len(to), f"{len(ro)} outputs vs torch's {len(to)}"
    for r, t in zip(ro, to):
        assert tuple(r.shape) == tuple(t.shape), f"shape {tuple(r.shape)} vs torch {tuple(t.shape)}"
        assert _np(r).dtype == _np(t).dtype, f"dtype {_np(r).dtype} vs torch {_np(t).dtype}"
        np.testing.assert_allclose(_np(r), _np(t), rtol=rtol, atol=atol, err_msg="forward")
    if not any(grad):
        return
    rng = np.random.default_rng(seed)
    diff = [(r, t) for r, t in zip(ro, to) if t.requires_grad]
    assert diff, "no differentiable output"
    gos = [rng.standard_normal(t.shape).astype(_np(t).dtype) for _, t in diff]
    rp.autograd.backward(
        sum(((r * rp.Tensor(g, dtype=g.dtype)).sum() for (r, _), g in zip(diff, gos)), start=0)
        if len(diff) > 1
        else diff[0][0],
        None if len(diff) > 1 else rp.Tensor(gos[0], dtype=gos[0].dtype),
    )
    torch.autograd.backward([t for _, t in diff], [torch.tensor(g) for g in gos])
    for i, (r, t, g) in enumerate(zip(rx, tx, grad)):
        if not g:
            continue
        tg = t.grad
        if tg is None:
            assert r.grad is None or not np.any(r.grad.numpy()), f"input {i}: torch grad None"
            continue
        assert r.grad is not None, f"input {i}: no gradient"
        assert r.grad.dtype == tg.numpy().dtype, f"input {i}: grad dtype {r.grad.dtype}"
        np.testing.assert_allclose(
            r.grad.numpy(), tg.numpy(), rtol=rtol, atol=atol, err_msg=f"gradient of input {i}"
        )


def check_grad(fn: Callable[..., Any], arrays: Sequence[np.ndarray], **kw: Any) -> None:
    """Finite-difference check in float64 of ``fn`` with respect to every float array."""
    xs = [
        rp.Tensor(a.astype(np.float64), dtype=np.float64, requires_grad=True)
        if a.dtype.kind == "f"
        else rp.Tensor(a)
        for a in arrays
    ]
    assert rp.autograd.gradcheck(fn, xs, **kw)
