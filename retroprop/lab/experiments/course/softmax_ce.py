"""course.softmax_ce: the gradient of softmax + cross-entropy is S - P.

Slides 004 ("Gradient de softmax+cross-entropy": S = exp(Y) / sum exp(Y), L = -sum P log S,
"Exo: démontrer la formule ∂Y = S - P") and 002 ("Calcul de la dérivée δσ_i/δa_j ... insérer
la dans le calcul d'une entropie croisée"). The proof, for one point:

    ∂S_i/∂Y_j = S_i (δ_ij - S_j)                      (the softmax Jacobian diag(S) - S Sᵀ)
    ∂L/∂Y_j = -sum_i P_i/S_i · S_i (δ_ij - S_j) = -P_j + S_j sum_i P_i = S_j - P_j

since sum_i P_i = 1. The lesson computes the gradient four ways on random logits, in float64:
the formula S - P, the engine on the slides' composed expression (exp, sum, divide, log,
multiply, sum), the engine's fused ``F.cross_entropy``, and central finite differences; then
shows why libraries fuse the two (the composed form overflows where the fused one does not).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import retroprop as rp
import retroprop.nn.functional as F
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, RunContext
from retroprop.lab.experiments.course._a_plot import panels, save

DOC = "004 course slides, Gradient de softmax+cross-entropy"


def formula(Y: np.ndarray, P: np.ndarray) -> np.ndarray:
    """S - P, row by row (one row a point)."""
    E = np.exp(Y - Y.max(1, keepdims=True))
    return E / E.sum(1, keepdims=True) - P


def composed_loss(Y: rp.Tensor, P: rp.Tensor) -> rp.Tensor:
    """The slides' code as engine ops: S = exp(Y) / sum exp(Y), L = -sum P log S."""
    E = Y.exp()
    S = E / E.sum(dim=1, keepdim=True)
    return -(P * S.log()).sum()


def engine_gradient(loss: Any, Y: np.ndarray, *args: Any) -> np.ndarray:
    """dL/dY by the engine for ``loss(Y_tensor, *args)``."""
    t = rp.tensor(Y, dtype=Y.dtype, requires_grad=True)
    (g,) = rp.autograd.grad(loss(t, *args), [t])
    return g.numpy()


def finite_differences(Y: np.ndarray, P: np.ndarray, eps: float) -> np.ndarray:
    """(L(Y + eps e_ij) - L(Y - eps e_ij)) / (2 eps) for every entry, all at once: the loss
    is a sum over rows, so moving entry (i, j) changes row i only."""
    N, K = Y.shape

    def row_losses(Z: np.ndarray) -> np.ndarray:  # Z: (K, N, K), one shifted copy per j
        m = Z.max(-1, keepdims=True)
        log_s = Z - m - np.log(np.exp(Z - m).sum(-1, keepdims=True))
        return -(P[None] * log_s).sum(-1)  # (K, N)

    shift = eps * np.eye(K)[:, None, :]  # shift[j] moves column j of every row
    return ((row_losses(Y[None] + shift) - row_losses(Y[None] - shift)) / (2 * eps)).T


def softmax_jacobian_gap(y: np.ndarray) -> float:
    """|autograd's Jacobian of softmax - (diag(S) - S Sᵀ)|, one point of K logits."""
    t = rp.tensor(y, dtype=rp.float64, requires_grad=True)
    s = F.softmax(t, dim=0)
    rows = [
        rp.autograd.grad(s, [t], grad_outputs=np.eye(len(y))[i], retain_graph=True)[0].numpy()
        for i in range(len(y))
    ]
    S = s.detach().numpy()
    return float(np.abs(np.stack(rows) - (np.diag(S) - np.outer(S, S))).max())


def run(config: dict[str, Any], ctx: RunContext) -> Results:
    """Four gradients of the same loss, the finite-difference step, and the overflow."""
    rng = np.random.default_rng(ctx.seed)
    N, K = config["points"], config["classes"]
    Y = rng.normal(0, config["scale"], size=(N, K))
    labels = rng.integers(0, K, size=N)
    P = np.eye(K)[labels]
    target = formula(Y, P)
    composed = engine_gradient(composed_loss, Y, rp.tensor(P, dtype=rp.float64))
    fused = engine_gradient(
        lambda t, y: F.cross_entropy(t, y, reduction="sum"), Y, rp.tensor(labels)
    )
    fd = finite_differences(Y, P, config["eps"])
    soft = rng.dirichlet(np.ones(K), size=N)  # soft labels: sum_i P_i = 1 still holds
    soft_gap = float(
        np.abs(
            engine_gradient(composed_loss, Y, rp.tensor(soft, dtype=rp.float64)) - formula(Y, soft)
        ).max()
    )

    # the finite-difference step: truncation ~ eps^2, rounding ~ 1e-16 / eps
    steps = np.logspace(-1, -12, 45)
    fd_error = [float(np.abs(finite_differences(Y, P, h) - target).max()) for h in steps]

    # scale the logits up: in float32 a softmax underflows to 0 once logits are ~100 apart
    scales = np.logspace(0, 3.3, 60)
    y32 = (Y[:8] / np.abs(Y[:8]).max()).astype(np.float32)
    p32, l32 = P[:8].astype(np.float32), rp.tensor(labels[:8])
    naive, stable = [], []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for c in scales:
            z = (c * y32).astype(np.float32)
            exact = formula(z.astype(np.float64), p32.astype(np.float64))
            g_naive = engine_gradient(composed_loss, z, rp.tensor(p32, dtype=rp.float32))
            g_fused = engine_gradient(lambda t, y: F.cross_entropy(t, y, reduction="sum"), z, l32)
            naive.append(float(np.abs(g_naive - exact).max()))
            stable.append(float(np.abs(g_fused - exact).max()))
    broken = [c for c, e in zip(scales, naive) if not np.isfinite(e)]

    fig, axes = panels(3, 1, 4.6, 3.6)
    k = np.arange(K)
    axes[0].bar(k - 0.2, np.exp(Y[0]) / np.exp(Y[0]).sum(), 0.4, label="S (softmax)")
    axes[0].bar(k + 0.2, P[0], 0.4, label="P (label)")
    axes[0].plot(k, composed[0], "k_", ms=18, mew=2, label="engine's dL/dY")
    axes[0].plot(k, target[0], "r.", label="S - P")
    axes[0].set(title="one point: S, P and the gradient", xlabel="class")
    axes[0].legend(fontsize=8)
    axes[1].loglog(steps, fd_error, "o-", ms=3)
    axes[1].set(xlabel="step eps", title="finite differences vs S - P", ylabel="largest |error|")
    axes[1].invert_xaxis()
    axes[2].loglog(scales, np.where(np.isfinite(naive), naive, np.nan), label="composed exp/log")
    axes[2].loglog(scales, np.maximum(stable, 1e-12), label="fused cross_entropy")
    if broken:
        axes[2].axvline(broken[0], color="r", ls=":", label=f"nan from |Y| = {broken[0]:.0f}")
    axes[2].set(xlabel="largest |logit|", title="float32: error of the gradient (floor 1e-12)")
    axes[2].legend(fontsize=8)
    save(fig, ctx.figures / "softmax_ce.png")

    metrics: dict[str, Any] = {
        "max_abs_diff": float(max(np.abs(composed - target).max(), np.abs(fused - target).max())),
        "max_abs_diff/composed": float(np.abs(composed - target).max()),
        "max_abs_diff/fused": float(np.abs(fused - target).max()),
        "max_abs_diff/finite_diff": float(np.abs(fd - target).max()),
        "max_abs_diff/soft_labels": soft_gap,
        "softmax_jacobian_gap": softmax_jacobian_gap(Y[0]),
        "best finite-difference step": float(steps[int(np.argmin(fd_error))]),
        "best finite-difference error": float(min(fd_error)),
        "float32 composed form: first nan at |logit|": float(broken[0]) if broken else "never",
        "float32 fused form: largest error": float(max(stable)),
    }
    first_nan = f"{broken[0]:.0f}" if broken else "never"
    notes = (
        f"On {N} points of {K} classes with logits ~ N(0, {config['scale']}^2), the engine's "
        "gradient of the slides' composed expression and of the fused `F.cross_entropy` both "
        f"equal S - P to {metrics['max_abs_diff']:.1e} (float64); so do soft labels, as the "
        "proof only needs sum P = 1. The softmax's own Jacobian is diag(S) - S Sᵀ "
        f"(gap {metrics['softmax_jacobian_gap']:.1e}).\n\n"
        "**What to look at.** Left: the gradient pushes the true class's logit up by "
        "1 - S_true and every other logit down by its probability. Middle: finite differences "
        f"agree best with S - P at eps = {metrics['best finite-difference step']:.0e} "
        f"(error {metrics['best finite-difference error']:.0e}): a larger step makes an "
        "O(eps^2) truncation error, a smaller one an O(1e-16/eps) rounding error — which "
        "is why we check gradients in float64 (and train with backpropagation: differences "
        "also cost two loss evaluations per parameter). Right: in float32 the composed"
        " form exp(Y)/sum exp(Y) breaks (first nan at largest |Y| = "
        f"{first_nan}): once two logits are ~100 apart, the softmax of the smaller underflows "
        "to 0, log S = -inf, and P log S = 0 * -inf = nan (and exp(Y) alone overflows past "
        "Y = 88). The fused cross-entropy, computed as the log-softmax Y - max Y - log sum "
        "exp(Y - max Y), never forms S or log 0 and stays at float32 rounding: this is why "
        "frameworks give softmax + cross-entropy as one loss taking logits.\n\n"
        "**What to change next.** `--classes 2` (then S - P is the logistic regression "
        "gradient sigmoid(a) - y); `--scale 30`; `--eps 1e-9`."
    )
    return Results(
        metrics=metrics,
        figures=[
            Figure(
                "figures/softmax_ce.png",
                "one point's gradient; finite differences vs the step; float32 overflow",
            )
        ],
        notes=notes,
        history={"finite-difference step": list(map(float, steps)), "fd error": fd_error},
    )


EXPERIMENT = Experiment(
    name="course.softmax_ce",
    description="the gradient of softmax + cross-entropy is S - P: formula, engine (composed "
    "and fused), finite differences",
    config={"points": 64, "classes": 10, "scale": 3.0, "eps": 1e-6},
    quick={"points": 16},
    metrics=[
        Metric(
            "max_abs_diff",
            "lower",
            target=1e-12,
            document=Reference(None, DOC, "'démontrer la formule ∂Y = S - P', no numbers"),
        ),
        Metric("max_abs_diff/finite_diff", "lower", target=1e-6),
        Metric("softmax_jacobian_gap", "lower", target=1e-12),
    ],
    run=run,
)
