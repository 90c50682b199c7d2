"""Recurrent layers: RNN, GRU, LSTM (several layers, both directions, batch_first) and the
single-step RNNCell, GRUCell, LSTMCell.

Each layer and direction runs as one Function over the whole sequence (see
:mod:`retroprop.ops.recurrent`). Parameter names, shapes, gate orders and initialisation
are PyTorch's, so state_dicts load both ways: ``weight_ih_l{k}`` (gates * H, input of layer
k), ``weight_hh_l{k}`` (gates * H, H), ``bias_ih_l{k}``, ``bias_hh_l{k}`` (gates * H,), with
the suffix ``_reverse`` for the backward direction; LSTM gates (i, f, g, o), GRU (r, z, n);
every parameter drawn from U(-1/sqrt(H), 1/sqrt(H)).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from retroprop.devices import check_device
from retroprop.nn import functional as F
from retroprop.nn import init
from retroprop.nn.module import Module
from retroprop.nn.parameter import Parameter
from retroprop.ops.recurrent import gru_sequence, lstm_sequence, rnn_sequence
from retroprop.ops.shape import cat, stack
from retroprop.tensor import Tensor, get_default_dtype

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "GRU": 3, "LSTM": 4}


def _size(layer: str, name: str, n: Any) -> int:
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {n!r}")
    return int(n)


def _run(
    mode: str, x: Tensor, state: tuple[Tensor, ...], weights: list[Tensor], reverse: bool
) -> tuple[Tensor, tuple[Tensor, ...]]:
    """One layer in one direction: (output (T, B, H), final state(s) (B, H))."""
    if mode == "LSTM":
        out, h_n, c_n = lstm_sequence(x, state[0], state[1], *weights, reverse=reverse)
        return out, (h_n, c_n)
    if mode == "GRU":
        out, h_n = gru_sequence(x, state[0], *weights, reverse=reverse)
    else:
        act = "tanh" if mode == "RNN_TANH" else "relu"
        out, h_n = rnn_sequence(x, state[0], *weights, nonlinearity=act, reverse=reverse)
    return out, (h_n,)


def _zeros(shape: tuple[int, ...], like: Tensor) -> Tensor:
    return Tensor._wrap(np.zeros(shape, like.dtype))


class RNNBase(Module):
    """Shared by RNN, GRU and LSTM: the parameters, the checks and the loop over layers."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.mode = mode
        self.input_size = _size(name, "input_size", input_size)
        self.hidden_size = _size(name, "hidden_size", hidden_size)
        self.num_layers = _size(name, "num_layers", num_layers)
        if not 0.0 <= dropout <= 1.0 or isinstance(dropout, bool):
            raise ValueError(f"{name}: dropout must be a number in [0, 1], got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                f"{name}: dropout={dropout} acts between layers, so it does nothing with "
                "num_layers=1",
                stacklevel=2,
            )
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        gates = _GATES[mode] * self.hidden_size
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        directions = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        for layer in range(self.num_layers):
            width = self.input_size if layer == 0 else self.hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (gates, width)), ("weight_hh", (gates, self.hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gates,)), ("bias_hh", (gates,))]
                for kind, shape in shapes:
                    setattr(self, kind + suffix, Parameter(Tensor._wrap(np.empty(shape, dt))))
                    self._flat_weights_names.append(kind + suffix)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(H), 1/sqrt(H)), as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for name in self._flat_weights_names:
            init.uniform_(getattr(self, name), -bound, bound)

    def _layer_weights(self, layer: int, direction: int) -> list[Tensor]:
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        kinds = ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if self.bias else ())
        return [getattr(self, kind + suffix) for kind in kinds]

    def _check_input(self, input: Any) -> None:
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor input, got {type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: expected input to be 2D or 3D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{name}: input.size(-1) must be equal to input_size. Expected "
                f"{self.input_size}, got {input.shape[-1]} (input of shape {tuple(input.shape)})"
            )
        dt = self.weight_ih_l0.dtype
        if input.dtype != dt:
            raise TypeError(
                f"{name}: input dtype {input.dtype} differs from the parameters' {dt}; convert "
                f"the input (x.to({dt})) or the module (.to({input.dtype}))"
            )

    def _initial(self, hx: Any, batch: int, batched: bool, x: Tensor, what: str) -> Tensor:
        """The initial state as (layers * directions, B, H): zeros when ``hx`` is None."""
        shape = (self.num_layers * (2 if self.bidirectional else 1), batch, self.hidden_size)
        if hx is None:
            return _zeros(shape, x)
        expected = shape if batched else (shape[0], shape[2])
        if not isinstance(hx, Tensor) or tuple(hx.shape) != expected:
            got = tuple(hx.shape) if isinstance(hx, Tensor) else type(hx).__name__
            raise RuntimeError(
                f"{type(self).__name__}: expected {what} of size {expected}, got {got}"
            )
        if hx.dtype != x.dtype:
            raise TypeError(
                f"{type(self).__name__}: {what} has dtype {hx.dtype} but the input {x.dtype}"
            )
        return hx if batched else hx.unsqueeze(1)

    def flatten_parameters(self) -> None:
        """Does nothing: PyTorch compacts the weights for cuDNN here; the CPU needs no such
        layout (kept so that model code calling it runs unchanged)."""

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:
        """Run all layers over the sequence.

        Args:
            input: (T, B, input_size), (B, T, input_size) if ``batch_first``, or (T,
                input_size) unbatched.
            hx: initial hidden state (layers * directions, B, H) (for LSTM a pair (h_0, c_0));
                zeros if None.

        Returns:
            output (T, B, directions * H) (batch first if ``batch_first``): the last layer's
            h_t at every step; and h_n (layers * directions, B, H) (for LSTM (h_n, c_n)):
            the final states of every layer and direction.
        """
        self._check_input(input)
        batched = input.ndim == 3
        x = input if batched else input.unsqueeze(1)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        batch = x.shape[1]
        if self.mode == "LSTM":
            if hx is not None and not (isinstance(hx, tuple | list) and len(hx) == 2):
                raise TypeError("LSTM: hx must be a tuple (h_0, c_0)")
            pair = (None, None) if hx is None else hx
            states = [
                self._initial(h, batch, batched, x, what)
                for h, what in zip(pair, ("hidden state h_0", "cell state c_0"))
            ]
        else:
            states = [self._initial(hx, batch, batched, x, "hidden state h_0")]

        directions = 2 if self.bidirectional else 1
        finals: list[list[Tensor]] = [[] for _ in states]
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0:
                x = F.dropout(x, self.dropout, self.training)
            outs = []
            for direction in range(directions):
                k = layer * directions + direction
                state = tuple(s[k] for s in states)
                out, last = _run(
                    self.mode, x, state, self._layer_weights(layer, direction), direction == 1
                )
                outs.append(out)
                for store, value in zip(finals, last):
                    store.append(value)
            x = outs[0] if directions == 1 else cat(outs, dim=2)

        output = x
        if batched and self.batch_first:
            output = output.transpose(0, 1)
        h_n = [stack(store) for store in finals]
        if not batched:
            output = output.squeeze(1)
            h_n = [h.squeeze(1) for h in h_n]
        return output, (tuple(h_n) if self.mode == "LSTM" else h_n[0])

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh or relu,
    stacked ``num_layers`` deep (layer k reads the outputs of layer k - 1).

    Args:
        input_size, hidden_size: sizes of x_t and h_t.
        num_layers: number of stacked layers.
        nonlinearity: ``"tanh"`` or ``"relu"``.
        bias: learn b_ih and b_hh.
        batch_first: input and output are (B, T, features) instead of (T, B, features).
        dropout: dropout probability on the outputs of every layer but the last (training).
        bidirectional: also run each layer from the end of the sequence to its start, and
            concatenate both directions' outputs.

    Shape: input (T, B, input_size) -> output (T, B, D * hidden_size), h_n (D * layers, B,
    hidden_size), D = 2 if bidirectional else 1. See :meth:`RNNBase.forward`.

    Example::

        rnn = nn.RNN(10, 20, num_layers=2, batch_first=True)
        out, h_n = rnn(rp.randn(3, 5, 10))   # out (3, 5, 20), h_n (2, 3, 20)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r} (use 'tanh' or 'relu')")
        self.nonlinearity = nonlinearity
        super().__init__(
            "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU",
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
            dtype,
        )  # fmt: skip


class _Gated(RNNBase):
    """GRU and LSTM: an RNNBase whose mode is the class's (no nonlinearity to choose)."""

    mode: str

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            self.mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
            bidirectional, dtype,
        )  # fmt: skip


class GRU(_Gated):
    """Gated recurrent unit (Cho et al., 2014), PyTorch's variant:

        r = sigma(W_ir x + b_ir + W_hr h + b_hr),  z = sigma(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = (1 - z) * n + z * h

    Arguments, shapes and outputs as :class:`RNN` (without ``nonlinearity``).
    """

    mode = "GRU"


class LSTM(_Gated):
    """Long short-term memory (Hochreiter and Schmidhuber, 1997):

        i, f, o = sigma(W_i* x + b_i* + W_h* h + b_h*),  g = tanh(W_ig x + b_ig + W_hg h + b_hg)
        c' = f * c + i * g,  h' = o * tanh(c')

    Arguments as :class:`RNN` (without ``nonlinearity``). The state is a pair: ``hx`` is
    ``(h_0, c_0)`` and the result ``(output, (h_n, c_n))``.

    Example::

        lstm = nn.LSTM(32, 128, batch_first=True)
        out, (h_n, c_n) = lstm(rp.randn(8, 50, 32))   # out (8, 50, 128), h_n (1, 8, 128)
    """

    mode = "LSTM"


class RNNCellBase(Module):
    """Shared by the cells: parameters ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``
    and the checks. A cell is one time step of the sequence Function (T = 1)."""

    mode: str

    def __init__(self, input_size: int, hidden_size: int, bias: bool, dtype: Any) -> None:
        super().__init__()
        name = type(self).__name__
        self.input_size = _size(name, "input_size", input_size)
        self.hidden_size = _size(name, "hidden_size", hidden_size)
        self.bias = bias
        gates = _GATES[self.mode] * self.hidden_size
        dt = np.dtype(get_default_dtype() if dtype is None else dtype)
        self.weight_ih = Parameter(Tensor._wrap(np.empty((gates, self.input_size), dt)))
        self.weight_hh = Parameter(Tensor._wrap(np.empty((gates, self.hidden_size), dt)))
        if bias:
            self.bias_ih = Parameter(Tensor._wrap(np.empty(gates, dt)))
            self.bias_hh = Parameter(Tensor._wrap(np.empty(gates, dt)))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(H), 1/sqrt(H)), as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _step(self, input: Any, hx: Any) -> tuple[tuple[Tensor, ...], bool]:
        """Check ``input`` and the state(s) and run one step: (new state(s) (B, H), batched)."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor input, got {type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{name}: input has inconsistent input_size: got {input.shape[-1]}, expected "
                f"{self.input_size}"
            )
        if input.dtype != self.weight_ih.dtype:
            raise TypeError(
                f"{name}: input dtype {input.dtype} differs from the parameters' "
                f"{self.weight_ih.dtype}"
            )
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        count = 2 if self.mode == "LSTM" else 1
        if hx is None:
            states = [_zeros((x.shape[0], self.hidden_size), x)] * count
        else:
            if self.mode == "LSTM" and not (isinstance(hx, tuple | list) and len(hx) == 2):
                raise TypeError(f"{name}: hx must be a tuple (h, c)")
            states = list(hx) if self.mode == "LSTM" else [hx]
            expected = (x.shape[0], self.hidden_size) if batched else (self.hidden_size,)
            for h in states:
                if not isinstance(h, Tensor) or tuple(h.shape) != expected:
                    got = tuple(h.shape) if isinstance(h, Tensor) else type(h).__name__
                    raise RuntimeError(f"{name}: expected a state of shape {expected}, got {got}")
            states = [h if batched else h.unsqueeze(0) for h in states]
        weights = [self.weight_ih, self.weight_hh]
        if self.bias:
            weights += [self.bias_ih, self.bias_hh]
        _, new = _run(self.mode, x.unsqueeze(0), tuple(states), weights, False)
        return (new if batched else tuple(h.squeeze(0) for h in new)), batched

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh).

    Shape: input (B, input_size) or (input_size,), hx likewise with hidden_size (zeros if
    None) -> h' (B, hidden_size) or (hidden_size,).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        check_device(type(self).__name__, device)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"RNNCell: unknown nonlinearity {nonlinearity!r} (use 'tanh' or 'relu')"
            )
        self.nonlinearity = nonlinearity
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(input, hx)[0][0]


class GRUCell(RNNCellBase):
    """One step of a GRU (the equations of :class:`GRU`).

    Shape: as :class:`RNNCell`.
    """

    mode = "GRU"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        check_device(type(self).__name__, device)
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(input, hx)[0][0]


class LSTMCell(RNNCellBase):
    """One step of an LSTM (the equations of :class:`LSTM`): ``(h', c') = cell(x, (h, c))``.

    Shape: input (B, input_size) or (input_size,); h and c (B, hidden_size) or
    (hidden_size,), zeros if ``hx`` is None.
    """

    mode = "LSTM"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        check_device(type(self).__name__, device)
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Tensor]:
        h, c = self._step(input, hx)[0]
        return h, c
