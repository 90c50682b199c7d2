"""Recurrent layers over a whole sequence: RNN (tanh or relu), GRU and LSTM.

One Function runs one layer in one direction over all T time steps, because per-step Python
overhead is what makes NumPy RNNs slow:

* the input projection of every step, x_t W_ih^T + b, is one matrix product before the loop;
* each step does one (batched) product h_{t-1} W_hh^T for all gates at once, and applies the
  gate nonlinearities to one preallocated array;
* backpropagation through time is one reversed loop inside ``backward`` that only carries
  dL/dh (and dL/dc); the local derivatives of the gates are computed for all steps at once
  before that loop, and the weight gradients are single matrix products after it:
  dL/dW_ih = sum_t dz_t^T x_t, dL/dW_hh = sum_t dz_t^T h_{t-1}, dL/dx_t = dz_t W_ih,
  where dz_t is dL/d(pre-activation of the gates) at step t.

Inside the Functions the gates are stored gate-major, (gates, T, B, H): then every gate of
every step is a contiguous (B, H) block, and NumPy runs about 3x faster on contiguous blocks
than on the column slices of a (T, B, gates * H) array. A sigmoid is computed as
sigma(z) = (1 + tanh(z / 2)) / 2 (the same function), so that one tanh call covers all gates
of a step: the rows of the sigmoid gates in the weights and biases are halved once per call.

Layouts and gate orders at the interface are PyTorch's: x (T, B, I), h (B, H), weight_ih
(gates * H, I), weight_hh (gates * H, H); LSTM gates (i, f, g, o), GRU gates (r, z, n).
``reverse=True`` runs the steps from T - 1 down to 0 (the second direction of a
bidirectional layer). Each Function returns the trajectory (T + 1, B, H) of the hidden state,
the initial state included, in time order: the outputs and the previous states of all steps
are then views of one array. tests/test_textbook.py checks each Function against a plain
step-by-step recurrence in PyTorch's gate order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retroprop.autograd import Function

# LSTM: inside the Functions the gates are in the order (o, i, f, g) rather than PyTorch's
# (i, f, g, o): the three sigmoid gates are then the blocks [0, 3) and the three gates whose
# gradient is a multiple of dL/dc, (i, f, g), the blocks [1, 4).
_LSTM_ORDER = np.array([3, 0, 1, 2])
_LSTM_BACK = np.argsort(_LSTM_ORDER)


def _steps(n: int, reverse: bool) -> range:
    return range(n - 1, -1, -1) if reverse else range(n)


def _gates(a: np.ndarray, gates: int, order: Any = None, scale: Any = None) -> np.ndarray:
    """A (gates * H, ...) weight or (gates * H,) bias as (gates, H, ...), the gate blocks
    reordered by ``order`` and multiplied by ``scale`` (one factor per gate)."""
    blocks = a.reshape(gates, -1, *a.shape[1:])
    if order is not None:
        blocks = blocks[order]
    if scale is not None:
        blocks = blocks * np.asarray(scale, a.dtype).reshape((gates,) + (1,) * (blocks.ndim - 1))
    return blocks


def _project(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """x_t W_g^T + b_g for every step and gate, gate-major: (gates, T, B, H) from w (G, H, I)."""
    t, b, _ = x.shape
    gates, hidden = w.shape[:2]
    a = np.empty((gates, t * b, hidden), x.dtype)
    np.matmul(x.reshape(t * b, -1), w.transpose(0, 2, 1), out=a)
    if bias is not None:
        a += bias[:, None]
    return a.reshape(gates, t, b, hidden)


def _recurrent_weight(w: np.ndarray) -> np.ndarray:
    # (G, H_in, H) C-contiguous: the per-step product h W_g^T is a batch of G small GEMMs,
    # faster than one (B, H) x (H, G * H) product on a transposed view
    return np.ascontiguousarray(w.transpose(0, 2, 1))


def _trajectory(h0: np.ndarray, t: int, reverse: bool) -> tuple[Any, ...]:
    """The (T + 1, B, H) array that holds the initial state and h_1..h_T in time order
    (h0 first, or last when ``reverse``), and the offset ``k`` such that step s writes its
    state at index s + k and reads the previous one at index s + 1 - k."""
    traj = np.empty((t + 1,) + h0.shape, h0.dtype)
    k = 0 if reverse else 1
    traj[t if reverse else 0] = h0
    return traj, k


def _input_grads(
    fn: Function,
    dz_x: np.ndarray,
    dz_h: np.ndarray,
    x: np.ndarray,
    prev: np.ndarray,
    w_x: np.ndarray,
    first: int,
    back: Any = None,
) -> list[np.ndarray | None]:
    """Gradients of x and of the parameters from the pre-activation gradients of all steps.

    dz_x is dL/d(x_t W_ih^T + b_ih), dz_h is dL/d(h_{t-1} W_hh^T + b_hh), both gate-major
    (G, T, B, H); ``prev`` holds h_{t-1} for every step; ``w_x`` is weight_ih as (G, H, I)
    in the same gate order; ``first`` is the index of weight_ih among the Function's inputs;
    ``back`` reorders the gates into PyTorch's order.
    """
    needs = fn.needs_input_grad
    gates, t, b, hidden = dz_x.shape
    zx = dz_x.reshape(gates, t * b, hidden)
    zh = dz_h.reshape(gates, t * b, hidden)
    gx = np.matmul(zx, w_x).sum(axis=0).reshape(x.shape) if needs[0] else None
    grads = [
        np.matmul(zx.transpose(0, 2, 1), x.reshape(t * b, -1)) if needs[first] else None,
        np.matmul(zh.transpose(0, 2, 1), prev.reshape(t * b, -1)) if needs[first + 1] else None,
    ]
    grads += [
        zx.sum(axis=1) if needs[first + 2] else None,
        zh.sum(axis=1) if needs[first + 3] else None,
    ]
    for j, grad in enumerate(grads):
        if grad is not None:
            grad = grad if back is None else grad[back]
            grads[j] = grad.reshape(gates * hidden, *grad.shape[2:])
    return [gx, *grads]


class RNNSequence(Function):
    """h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh or relu.

    Backward through time: with dh_t = dL/dh_t (from the output and from step t + 1),
    dz_t = dh_t * act'(z_t) (tanh' = 1 - h_t^2, relu' = [h_t > 0]), and
    dL/dh_{t-1} = dz_t W_hh.

    Speed: the backward computes act'(z) for all steps at once and turns it into dz in place.
    """

    def forward(
        self, x: np.ndarray, h0: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray,
        b_ih: np.ndarray | None, b_hh: np.ndarray | None, *, nonlinearity: str, reverse: bool,
    ) -> np.ndarray:  # fmt: skip
        t = len(x)
        bias = None if b_ih is None else _gates(b_ih + b_hh, 1)
        z = _project(x, _gates(w_ih, 1), bias)[0]
        w_t = _recurrent_weight(_gates(w_hh, 1))[0]
        y, k = _trajectory(h0, t, reverse)
        for s in _steps(t, reverse):
            h = y[s + k]
            np.matmul(y[s + 1 - k], w_t, out=h)
            h += z[s]
            if nonlinearity == "tanh":
                np.tanh(h, out=h)
            else:
                np.maximum(h, 0, out=h)
        self.nonlinearity, self.reverse = nonlinearity, reverse
        self.save_for_backward(x, w_ih, w_hh, y)
        return y

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, w_ih, w_hh, y = self.saved_values
        t, k = len(x), 0 if self.reverse else 1
        out, prev = y[k : t + k], y[1 - k : t + 1 - k]
        if self.nonlinearity == "tanh":
            dz = np.multiply(out, out)
            np.subtract(1, dz, out=dz)
        else:
            dz = (out > 0).astype(y.dtype)
        dh = np.zeros_like(y[0])
        for s in _steps(t, not self.reverse):
            dh += g[s + k]
            dz[s] *= dh  # dz_t = dh_t * act'(z_t), in place of act'
            np.matmul(dz[s], w_hh, out=dh)
        dh += g[t if self.reverse else 0]  # the trajectory's copy of h0
        gx, *params = _input_grads(self, dz[None], dz[None], x, prev, _gates(w_ih, 1), 2)
        return (gx, dh if self.needs_input_grad[1] else None, *params)


class GRUSequence(Function):
    """PyTorch's GRU, gates (r, z, n):

        r = sigma(W_ir x + b_ir + W_hr h + b_hr),  z = sigma(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * u),  u = W_hn h + b_hn,  h' = (1 - z) * n + z * h

    Backward, with dh = dL/dh':
        dz_n = dh (1 - z)(1 - n^2)            (pre-activation of n, input side)
        dz_z = dh (h - n) z (1 - z),   dz_r = dz_n u r (1 - r)
        dL/du = dz_n r,   dL/dh = [dz_r, dz_z, dz_n r] W_hh + dh z.

    Speed: r, z = (1 + tanh(a/2)) / 2 with halved weight rows (one tanh call); dz made in place.
    """

    def forward(
        self, x: np.ndarray, h0: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray,
        b_ih: np.ndarray | None, b_hh: np.ndarray | None, *, reverse: bool,
    ) -> np.ndarray:  # fmt: skip
        t, b, _ = x.shape
        hidden = w_hh.shape[1]
        half = (0.5, 0.5, 1.0)  # sigma(z) = (1 + tanh(z / 2)) / 2 for r and z
        b_hn = np.zeros(hidden, x.dtype)
        bias = None
        if b_ih is not None:
            b_ih, b_hh = _gates(b_ih, 3, None, half), _gates(b_hh, 3, None, half)
            bias = b_ih + b_hh
            bias[2], b_hn = b_ih[2], b_hh[2]  # b_hn sits inside r * (W_hn h + b_hn)
        a = _project(x, _gates(w_ih, 3, None, half), bias)
        w_t = _recurrent_weight(_gates(w_hh, 3, None, half))
        r, z, n = a
        u = np.empty((t, b, hidden), x.dtype)
        y, k = _trajectory(h0, t, reverse)
        tmp3 = np.empty((3, b, hidden), x.dtype)
        tmp = np.empty((b, hidden), x.dtype)
        for s in _steps(t, reverse):
            h, h_new = y[s + 1 - k], y[s + k]
            np.matmul(h, w_t, out=tmp3)
            rz = a[:2, s]
            rz += tmp3[:2]
            np.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            np.add(tmp3[2], b_hn, out=u[s])
            np.multiply(r[s], u[s], out=tmp)
            n[s] += tmp
            np.tanh(n[s], out=n[s])
            np.subtract(h, n[s], out=h_new)
            h_new *= z[s]
            h_new += n[s]
        self.reverse = reverse
        self.save_for_backward(x, w_ih, w_hh, a, u, y)
        return y

    def backward(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, w_ih, w_hh, a, u, y = self.saved_values
        t, k = len(x), 0 if self.reverse else 1
        prev = y[1 - k : t + 1 - k]
        r, z, n = a
        # local derivatives of all steps at once (see the class docstring)
        p_n = (1 - z) * (1 - n * n)
        p_z = (prev - n) * z * (1 - z)
        p_r = u * r * (1 - r)
        dz = np.empty(a.shape, a.dtype)  # hidden side: [dz_r, dz_z, dz_n r]
        dz_n = np.empty(n.shape, n.dtype)
        w_h = _gates(w_hh, 3)
        tmp3 = np.empty((3,) + y.shape[1:], y.dtype)
        tmp = np.empty_like(y[0])
        dh = np.zeros_like(y[0])
        for s in _steps(t, not self.reverse):
            dh += g[s + k]
            np.multiply(dh, p_z[s], out=dz[1, s])
            np.multiply(dh, p_n[s], out=dz_n[s])
            np.multiply(dz_n[s], p_r[s], out=dz[0, s])
            np.multiply(dz_n[s], r[s], out=dz[2, s])
            np.multiply(dh, z[s], out=tmp)
            np.matmul(dz[:, s], w_h, out=tmp3)
            np.sum(tmp3, axis=0, out=dh)
            dh += tmp
        dh += g[t if self.reverse else 0]
        dz_x = dz.copy()
        dz_x[2] = dz_n
        gx, *params = _input_grads(self, dz_x, dz, x, prev, _gates(w_ih, 3), 2)
        return (gx, dh if self.needs_input_grad[1] else None, *params)


class LSTMSequence(Function):
    """PyTorch's LSTM, gates (i, f, g, o):

        i, f, o = sigma(pre-activations),  g = tanh(pre-activation),
        c' = f * c + i * g,  h' = o * tanh(c')

    pre-activation = W_i* x + b_i* + W_h* h + b_h*. Two outputs: the trajectory of h, h0
    included (T + 1, B, H), and the final cell state c_T (B, H).

    Backward, with dh = dL/dh' and dc = dL/dc' + dh o (1 - tanh(c')^2):
        dz_o = dh tanh(c') o (1 - o),  dz_i = dc g i (1 - i),
        dz_f = dc c f (1 - f),         dz_g = dc i (1 - g^2),
        dL/dc = dc f,  dL/dh = [dz_i, dz_f, dz_g, dz_o] W_hh.

    Speed: gates as (o, i, f, g), sigma(a) = (1 + tanh(a/2)) / 2 on halved rows; dz in place.
    """

    def forward(
        self, x: np.ndarray, h0: np.ndarray, c0: np.ndarray, w_ih: np.ndarray,
        w_hh: np.ndarray, b_ih: np.ndarray | None, b_hh: np.ndarray | None, *, reverse: bool,
    ) -> np.ndarray:  # fmt: skip
        t, b, _ = x.shape
        half = (0.5, 0.5, 0.5, 1.0)  # o, i, f are sigmoids: sigma(z) = (1 + tanh(z / 2)) / 2
        bias = None if b_ih is None else _gates(b_ih + b_hh, 4, _LSTM_ORDER, half)
        a = _project(x, _gates(w_ih, 4, _LSTM_ORDER, half), bias)
        w_t = _recurrent_weight(_gates(w_hh, 4, _LSTM_ORDER, half))
        o, i, f, gg = a
        y, k = _trajectory(h0, t, reverse)
        cs, _ = _trajectory(c0, t, reverse)
        tanh_c = np.empty((t,) + h0.shape, x.dtype)
        tmp4 = np.empty((4,) + h0.shape, x.dtype)
        tmp = np.empty_like(h0)
        for s in _steps(t, reverse):
            gates = a[:, s]
            np.matmul(y[s + 1 - k], w_t, out=tmp4)
            gates += tmp4
            np.tanh(gates, out=gates)
            sig = a[:3, s]
            sig *= 0.5
            sig += 0.5
            c = cs[s + k]
            np.multiply(f[s], cs[s + 1 - k], out=c)
            np.multiply(i[s], gg[s], out=tmp)
            c += tmp
            np.tanh(c, out=tanh_c[s])
            np.multiply(o[s], tanh_c[s], out=y[s + k])
        self.reverse = reverse
        self.save_for_backward(x, w_ih, w_hh, a, cs, tanh_c, y)
        return y, cs[0 if reverse else t].copy()

    def backward(self, g: np.ndarray, g_c: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, w_ih, w_hh, a, cs, tanh_c, y = self.saved_values
        t, k = len(x), 0 if self.reverse else 1
        o, i, f, gg = a
        # local derivatives of all steps at once (see the class docstring):
        # dc += dh * s_c,  [dz_o, dz_i, dz_f, dz_g] = [dh, dc, dc, dc] * q
        s_c = np.multiply(tanh_c, tanh_c, out=np.empty(tanh_c.shape, tanh_c.dtype))
        np.subtract(1, s_c, out=s_c)
        s_c *= o
        q = np.empty(a.shape, a.dtype)
        for j, gate, factor in ((0, o, tanh_c), (1, i, gg), (2, f, cs[1 - k : t + 1 - k])):
            np.subtract(1, gate, out=q[j])
            q[j] *= gate
            q[j] *= factor
        np.multiply(gg, gg, out=q[3])
        np.subtract(1, q[3], out=q[3])
        q[3] *= i
        w_h = _gates(w_hh, 4, _LSTM_ORDER)
        tmp4 = np.empty((4,) + y.shape[1:], y.dtype)
        tmp = np.empty_like(y[0])
        dh = np.zeros_like(y[0])
        dc = g_c.copy()
        for s in _steps(t, not self.reverse):
            dh += g[s + k]
            np.multiply(dh, s_c[s], out=tmp)
            dc += tmp
            q[0, s] *= dh  # q becomes dz, step by step
            q[1:, s] *= dc
            dc *= f[s]
            np.matmul(q[:, s], w_h, out=tmp4)
            np.sum(tmp4, axis=0, out=dh)
        dh += g[t if self.reverse else 0]
        prev = y[1 - k : t + 1 - k]
        w_x = _gates(w_ih, 4, _LSTM_ORDER)
        gx, *params = _input_grads(self, q, q, x, prev, w_x, 3, back=_LSTM_BACK)
        needs = self.needs_input_grad
        return (gx, dh if needs[1] else None, dc if needs[2] else None, *params)


def _check(name: str, x: Any, hx: Any, w_ih: Any, w_hh: Any, gates: int) -> None:
    if x.ndim != 3 or x.shape[0] == 0:
        raise ValueError(
            f"{name}: expected an input of shape (T, B, input_size) with T >= 1, got shape "
            f"{tuple(x.shape)}"
        )
    hidden = w_hh.shape[1]
    if tuple(w_ih.shape) != (gates * hidden, x.shape[2]) or tuple(w_hh.shape) != (
        gates * hidden,
        hidden,
    ):
        raise ValueError(
            f"{name}: weights of shapes {tuple(w_ih.shape)} and {tuple(w_hh.shape)} do not fit "
            f"an input of shape {tuple(x.shape)} ({gates} gates)"
        )
    for h in hx:
        if tuple(h.shape) != (x.shape[1], hidden):
            raise ValueError(
                f"{name}: expected a state of shape {(x.shape[1], hidden)}, got {tuple(h.shape)}"
            )


def _split(traj: Any, t: int, reverse: bool) -> tuple[Any, Any]:
    """(h_1..h_T, h_T) from a trajectory: the outputs and the final state, as views."""
    if reverse:
        return traj[:t], traj[0]
    return traj[1 : t + 1], traj[t]


def rnn_sequence(
    input: Any, hx: Any, weight_ih: Any, weight_hh: Any, bias_ih: Any = None,
    bias_hh: Any = None, nonlinearity: str = "tanh", reverse: bool = False,
) -> tuple[Any, Any]:  # fmt: skip
    """One Elman RNN layer over a sequence: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).

    Shape: input (T, B, I), hx (B, H) -> (output (T, B, H), final state (B, H)); with
    ``reverse`` the steps run from T - 1 down to 0 and the final state is output[0].
    """
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"rnn: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    _check("rnn", input, (hx,), weight_ih, weight_hh, 1)
    traj = RNNSequence.apply(
        input, hx, weight_ih, weight_hh, bias_ih, bias_hh,
        nonlinearity=nonlinearity, reverse=reverse,
    )  # fmt: skip
    return _split(traj, input.shape[0], reverse)


def gru_sequence(
    input: Any, hx: Any, weight_ih: Any, weight_hh: Any, bias_ih: Any = None,
    bias_hh: Any = None, reverse: bool = False,
) -> tuple[Any, Any]:  # fmt: skip
    """One GRU layer over a sequence (see :class:`GRUSequence` for the equations).

    Shape: input (T, B, I), hx (B, H) -> (output (T, B, H), final state (B, H)).
    """
    _check("gru", input, (hx,), weight_ih, weight_hh, 3)
    traj = GRUSequence.apply(input, hx, weight_ih, weight_hh, bias_ih, bias_hh, reverse=reverse)
    return _split(traj, input.shape[0], reverse)


def lstm_sequence(
    input: Any, hx: Any, cx: Any, weight_ih: Any, weight_hh: Any, bias_ih: Any = None,
    bias_hh: Any = None, reverse: bool = False,
) -> tuple[Any, Any, Any]:  # fmt: skip
    """One LSTM layer over a sequence (see :class:`LSTMSequence` for the equations).

    Shape: input (T, B, I), hx and cx (B, H) -> (output (T, B, H), final hidden state (B, H),
    final cell state (B, H)).
    """
    _check("lstm", input, (hx, cx), weight_ih, weight_hh, 4)
    traj, c = LSTMSequence.apply(
        input, hx, cx, weight_ih, weight_hh, bias_ih, bias_hh, reverse=reverse
    )
    return (*_split(traj, input.shape[0], reverse), c)
