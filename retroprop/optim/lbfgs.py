"""L-BFGS: a quasi-Newton method from the last few gradient differences, with PyTorch's API."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from retroprop.autograd import enable_grad
from retroprop.optim.optimizer import Optimizer, _check


class LBFGS(Optimizer):
    r"""Limited-memory BFGS (Nocedal, 1980), step for step as ``torch.optim.LBFGS``.

    Each call of ``step(closure)`` runs up to ``max_iter`` iterations. An iteration picks
    the direction ``d = -H g``, with the inverse Hessian ``H`` built by the two-loop
    recursion from the last ``history_size`` pairs ``s = x_{k+1} - x_k``,
    ``y = g_{k+1} - g_k`` (a pair is kept only when ``y.s > 1e-10``), starting from
    ``H_0 = (y.s / y.y) I``. Then it moves ``x <- x + t d``, with ``t = lr``
    (``min(1, 1/|g|_1) lr`` on the very first iteration), or with the ``t`` a line
    search satisfying the strong Wolfe conditions finds
    (``f(x + t d) <= f + c1 t g.d`` and ``|g(x + t d).d| <= c2 |g.d|``, c1 = 1e-4, c2 = 0.9,
    by bracketing and cubic interpolation). It stops when ``max|g| <= tolerance_grad``, when
    the step or the change of the loss falls below ``tolerance_change``, or after
    ``max_eval`` evaluations of the closure.

    Args:
        params: the parameters (one group only, as in PyTorch).
        lr: step size. Default: 1.
        max_iter: iterations per ``step``. Default: 20.
        max_eval: closure evaluations per ``step``. Default: ``max_iter * 5 // 4``.
        tolerance_grad: stop when the largest gradient entry is at most this. Default: 1e-7.
        tolerance_change: stop when the step or the loss changes less. Default: 1e-9.
        history_size: number of (s, y) pairs kept. Default: 100.
        line_search_fn: ``None`` (fixed step ``lr``) or ``"strong_wolfe"``.

    ``step`` needs a closure that zeroes the gradients, computes the loss, calls
    ``backward()`` and returns the loss; it returns the loss of the first evaluation.

    Example::

        opt = rp.optim.LBFGS([w], line_search_fn="strong_wolfe")
        def closure():
            opt.zero_grad(); loss = ((w - 3) ** 2).sum(); loss.backward(); return loss
        opt.step(closure)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        _check(lr >= 0.0, "LBFGS", "learning rate", lr, ">= 0")
        _check(max_iter >= 1, "LBFGS", "max_iter", max_iter, ">= 1")
        _check(history_size >= 1, "LBFGS", "history_size", history_size, ">= 1")
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(
                f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {line_search_fn!r}"
            )
        defaults = {
            "lr": float(lr),
            "max_iter": int(max_iter),
            "max_eval": int(max_iter * 5 // 4 if max_eval is None else max_eval),
            "tolerance_grad": float(tolerance_grad),
            "tolerance_change": float(tolerance_change),
            "history_size": int(history_size),
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # ---- the parameters as one flat vector ------------------------------------------
    def _flat_grad(self) -> np.ndarray:
        parts = [
            np.zeros(p.numel(), p.dtype) if p.grad is None else p.grad.numpy().reshape(-1)
            for p in self._params
        ]
        return np.concatenate(parts)

    def _flat_params(self) -> np.ndarray:
        return np.concatenate([p.detach().numpy().reshape(-1) for p in self._params])

    def _set_flat(self, flat: np.ndarray) -> None:
        offset = 0
        for p in self._params:
            w = p.detach().numpy()
            w[...] = flat[offset : offset + w.size].reshape(w.shape)
            offset += w.size
            p._version[0] += 1  # a graph that saved the old values must not backpropagate

    def _evaluate(self, closure: Callable[[], Any]) -> tuple[Any, float, np.ndarray]:
        with enable_grad():
            loss = closure()
        return loss, float(loss), self._flat_grad()

    # ---- one call ----------------------------------------------------------------------
    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; return the first loss ``closure()`` gave."""
        if closure is None:
            raise ValueError("LBFGS.step: a closure that recomputes the loss is required")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        first_loss, loss, g = self._evaluate(closure)
        evals = 1
        state["func_evals"] += 1
        if np.abs(g).max() <= tol_grad:
            return first_loss
        d, t = state.get("d"), state.get("t")
        prev_g, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")
        for n_iter in range(1, max_iter + 1):
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                state.update(old_dirs=[], old_stps=[], ro=[], H_diag=1.0)
                d = -g
            else:
                self._remember(state, s=d * t, y=g - prev_g, history=group["history_size"])
                d = _two_loop(g, state)
            prev_g, prev_loss = g.copy(), loss
            t = min(1.0, 1.0 / np.abs(g).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = float(g @ d)
            if gtd > -tol_change:  # not a descent direction any more
                break
            if group["line_search_fn"] == "strong_wolfe":
                x0 = self._flat_params()

                def probe(step: float, x0: np.ndarray = x0, d: np.ndarray = d):
                    self._set_flat(x0 + step * d)
                    _, value, grad = self._evaluate(closure)
                    self._set_flat(x0)
                    return value, grad

                loss, g, t, ls_evals = _strong_wolfe(probe, t, d, loss, g, gtd, max_eval - evals)
                self._set_flat(x0 + t * d)
                small_grad = np.abs(g).max() <= tol_grad
            else:
                self._set_flat(self._flat_params() + t * d)
                ls_evals, small_grad = 0, False
                if n_iter != max_iter:
                    _, loss, g = self._evaluate(closure)
                    small_grad = np.abs(g).max() <= tol_grad
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals
            if (
                n_iter == max_iter
                or evals >= max_eval
                or small_grad
                or np.abs(d * t).max() <= tol_change
                or abs(loss - prev_loss) < tol_change
            ):
                break
        state.update(d=d, t=t, prev_flat_grad=prev_g, prev_loss=prev_loss)
        return first_loss

    @staticmethod
    def _remember(state: dict[str, Any], s: np.ndarray, y: np.ndarray, history: int) -> None:
        """Keep the pair (s, y) if the curvature ``y.s`` is positive enough; rescale H_0."""
        ys = float(y @ s)
        if ys > 1e-10:
            if len(state["old_dirs"]) == history:
                for key in ("old_dirs", "old_stps", "ro"):
                    state[key].pop(0)
            state["old_dirs"].append(y)
            state["old_stps"].append(s)
            state["ro"].append(1.0 / ys)
            state["H_diag"] = ys / float(y @ y)


def _two_loop(g: np.ndarray, state: dict[str, Any]) -> np.ndarray:
    """``-H g`` by the two-loop recursion over the stored pairs (newest first, then oldest)."""
    ys, ss, ro = state["old_dirs"], state["old_stps"], state["ro"]
    al = [0.0] * len(ys)
    q = -g
    for i in range(len(ys) - 1, -1, -1):
        al[i] = float(ss[i] @ q) * ro[i]
        q = q - al[i] * ys[i]
    r = q * state["H_diag"]
    for i in range(len(ys)):
        be = float(ys[i] @ r) * ro[i]
        r = r + (al[i] - be) * ss[i]
    return r


def _cubic_min(x1, f1, g1, x2, f2, g2, bounds=None) -> float:
    """Minimiser of the cubic through (x1, f1, f'=g1) and (x2, f2, f'=g2), clipped to
    ``bounds`` (default: the interval between x1 and x2); its midpoint if the cubic has
    no minimum."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1**2 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = np.sqrt(disc)
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return float(min(max(x, lo), hi))


def _strong_wolfe(probe, t, d, f, g, gtd, max_ls, c1=1e-4, c2=0.9, tol_change=1e-9):
    """Line search along ``d`` from the loss ``f``, gradient ``g`` (``gtd = g.d``): first grow
    the step until a bracket holds a point satisfying the strong Wolfe conditions, then zoom
    in by cubic interpolation. Returns ``(f, g, t, evaluations)`` at the step chosen."""
    d_norm = np.abs(d).max()
    f_new, g_new = probe(t)
    evals = 1
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        sufficient = f_new <= f + c1 * t * gtd and not (ls_iter > 1 and f_new >= f_prev)
        if sufficient and abs(gtd_new) <= -c2 * gtd:
            bracket, done = [[t, f_new, g_new, gtd_new]], True
            break
        if not sufficient or gtd_new >= 0:
            bracket = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new, gtd_new]]
            break
        t_next = _cubic_min(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(t + 0.01 * (t - t_prev), t * 10)
        )
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = t_next
        f_new, g_new = probe(t)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket = [[0.0, f, g, gtd], [t, f_new, g_new, gtd_new]]
    if len(bracket) == 1:
        return f_new, g_new, t, evals
    low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
    stuck = False
    while not done and ls_iter < max_ls:
        (a, fa, _, ga), (b, fb, _, gb) = bracket
        if abs(b - a) * d_norm < tol_change:
            break
        t = _cubic_min(a, fa, ga, b, fb, gb)
        lo, hi = min(a, b), max(a, b)
        eps = 0.1 * (hi - lo)
        # too close to an end of the bracket: step back inside, unless the last try was fine
        if min(hi - t, t - lo) < eps:
            if stuck or t >= hi or t <= lo:
                t = hi - eps if abs(t - hi) < abs(t - lo) else lo + eps
                stuck = False
            else:
                stuck = True
        else:
            stuck = False
        f_new, g_new = probe(t)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket[low][1]:
            bracket[high] = [t, f_new, g_new, gtd_new]
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = list(bracket[low])
            bracket[low] = [t, f_new, g_new, gtd_new]
    t, f_new, g_new, _ = bracket[low]
    return f_new, g_new, t, evals
