"""RNN, GRU, LSTM and their cells against PyTorch: outputs, final states and the gradients of
the input, the initial states and every parameter (several layers, both directions,
batch_first both ways); float64 gradchecks of the sequence ops; state_dicts; errors."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from parity import check_grad

import retroprop as rp
import retroprop.nn as nn
from retroprop.ops.recurrent import gru_sequence, lstm_sequence, rnn_sequence

MODES = {
    "rnn_tanh": (nn.RNN, torch.nn.RNN, dict(nonlinearity="tanh")),
    "rnn_relu": (nn.RNN, torch.nn.RNN, dict(nonlinearity="relu")),
    "gru": (nn.GRU, torch.nn.GRU, {}),
    "lstm": (nn.LSTM, torch.nn.LSTM, {}),
}
TOL = dict(rtol=2e-4, atol=2e-5)


def _pair(mode, **kw):
    rp_cls, torch_cls, extra = MODES[mode]
    tm = torch_cls(**kw, **extra)
    rm = rp_cls(**kw, **extra)
    rm.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    return rm, tm


def _leaves(rng, shapes):
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    rx = [rp.tensor(a, requires_grad=True) for a in arrays]
    tx = [torch.tensor(a, requires_grad=True) for a in arrays]
    return rx, tx


def _flat(result):
    """(output, h_n) or (output, (h_n, c_n)) -> a flat list of tensors."""
    out, state = result
    return [out, *state] if isinstance(state, tuple) else [out, state]


def _compare(rm, tm, rx, tx, call, seed=0):
    """Run ``call(module, leaves)`` in both libraries, backpropagate the same random
    gradients from every output and compare outputs, leaf gradients and parameter gradients."""
    ro, to = _flat(call(rm, rx)), _flat(call(tm, tx))
    rng = np.random.default_rng(seed)
    gs = [rng.standard_normal(t.shape).astype(np.float32) for t in to]
    for r, t in zip(ro, to):
        assert tuple(r.shape) == tuple(t.shape)
        np.testing.assert_allclose(r.detach().numpy(), t.detach().numpy(), **TOL)
    sum((r * rp.tensor(g)).sum() for r, g in zip(ro, gs)).backward()
    torch.autograd.backward(to, [torch.tensor(g) for g in gs])
    for i, (r, t) in enumerate(zip(rx, tx)):
        np.testing.assert_allclose(r.grad.numpy(), t.grad.numpy(), err_msg=f"leaf {i}", **TOL)
    tparams = dict(tm.named_parameters())
    for name, p in rm.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), err_msg=name, **TOL)


@given(
    mode=st.sampled_from(sorted(MODES)),
    layers=st.integers(1, 3),
    bidirectional=st.booleans(),
    batch_first=st.booleans(),
    bias=st.booleans(),
    with_state=st.booleans(),
    sizes=st.tuples(st.integers(1, 6), st.integers(1, 4), st.integers(1, 5), st.integers(1, 6)),
    seed=st.integers(0, 1000),
)
def test_recurrent_layers_match_torch(
    mode, layers, bidirectional, batch_first, bias, with_state, sizes, seed
):
    t, b, i, h = sizes
    torch.manual_seed(seed)
    rm, tm = _pair(
        mode, input_size=i, hidden_size=h, num_layers=layers, bias=bias,
        batch_first=batch_first, bidirectional=bidirectional,
    )  # fmt: skip
    state = (layers * (2 if bidirectional else 1), b, h)
    shapes = [(b, t, i) if batch_first else (t, b, i)]
    if with_state:
        shapes += [state, state] if mode == "lstm" else [state]
    rx, tx = _leaves(np.random.default_rng(seed), shapes)

    def call(module, leaves):
        if not with_state:
            return module(leaves[0])
        hx = tuple(leaves[1:]) if mode == "lstm" else leaves[1]
        return module(leaves[0], hx)

    _compare(rm, tm, rx, tx, call, seed)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_unbatched_sequences_match_torch(mode):
    rm, tm = _pair(mode, input_size=3, hidden_size=4, num_layers=2)
    shapes = [(5, 3), (2, 4), (2, 4)] if mode == "lstm" else [(5, 3), (2, 4)]
    rx, tx = _leaves(np.random.default_rng(1), shapes)

    def call(module, leaves):
        return module(leaves[0], tuple(leaves[1:]) if mode == "lstm" else leaves[1])

    _compare(rm, tm, rx, tx, call)


CELLS = {
    "rnn_tanh": (nn.RNNCell, torch.nn.RNNCell, dict(nonlinearity="tanh")),
    "rnn_relu": (nn.RNNCell, torch.nn.RNNCell, dict(nonlinearity="relu")),
    "gru": (nn.GRUCell, torch.nn.GRUCell, {}),
    "lstm": (nn.LSTMCell, torch.nn.LSTMCell, {}),
}


@pytest.mark.parametrize("mode", sorted(CELLS))
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_cells_match_torch(mode, batched, bias):
    rp_cls, torch_cls, extra = CELLS[mode]
    tm = torch_cls(3, 5, bias=bias, **extra)
    rm = rp_cls(3, 5, bias=bias, **extra)
    assert list(rm.state_dict()) == list(tm.state_dict())
    assert repr(rm) == repr(tm)
    rm.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    lead = (4,) if batched else ()
    n_states = 2 if mode == "lstm" else 1
    rx, tx = _leaves(np.random.default_rng(2), [lead + (3,)] + [lead + (5,)] * n_states)

    def call(module, leaves):
        hx = tuple(leaves[1:]) if mode == "lstm" else leaves[1]
        out = module(leaves[0], hx)
        return (out[0], (out[1],)) if mode == "lstm" else (out, ())

    _compare(rm, tm, rx, tx, call)


@pytest.mark.parametrize("mode", sorted(CELLS))
def test_cells_start_from_zero_state(mode):
    rp_cls, torch_cls, extra = CELLS[mode]
    tm = torch_cls(3, 2, **extra)
    rm = rp_cls(3, 2, **extra)
    rm.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((4, 3)).astype(np.float32)
    r, t = rm(rp.tensor(x)), tm(torch.tensor(x))
    r, t = (r[0], t[0]) if mode == "lstm" else (r, t)
    np.testing.assert_allclose(r.detach().numpy(), t.detach().numpy(), **TOL)


@pytest.mark.parametrize("reverse", [False, True])
def test_gradcheck_sequence_ops_in_float64(reverse):
    rng = np.random.default_rng(4)
    t, b, i, h = 3, 2, 3, 2

    def arrays(gates, states):
        shapes = [(t, b, i)] + [(b, h)] * states
        shapes += [(gates * h, i), (gates * h, h), (gates * h,), (gates * h,)]
        return [rng.standard_normal(s) * 0.7 for s in shapes]

    def joined(*tensors):
        return rp.cat([v.reshape(-1) for v in tensors])

    for act in ("tanh", "relu"):
        check_grad(
            lambda x, h0, *w, act=act: joined(
                *rnn_sequence(x, h0, *w, nonlinearity=act, reverse=reverse)
            ),
            arrays(1, 1),
        )
    check_grad(lambda x, h0, *w: joined(*gru_sequence(x, h0, *w, reverse=reverse)), arrays(3, 1))

    def lstm(x, h0, c0, *w):
        return joined(*lstm_sequence(x, h0, c0, *w, reverse=reverse))

    check_grad(lstm, arrays(4, 2))


def test_gradcheck_stacked_bidirectional_lstm_module_in_float64():
    lstm = nn.LSTM(2, 3, num_layers=2, bidirectional=True, batch_first=True).double()
    rng = np.random.default_rng(5)
    x = rp.tensor(rng.standard_normal((2, 3, 2)), dtype=np.float64, requires_grad=True)
    h0 = rp.tensor(rng.standard_normal((4, 2, 3)), dtype=np.float64, requires_grad=True)
    c0 = rp.tensor(rng.standard_normal((4, 2, 3)), dtype=np.float64, requires_grad=True)

    def run(x, h0, c0):
        out, (h_n, c_n) = lstm(x, (h0, c0))
        return rp.cat([out.reshape(-1), h_n.reshape(-1), c_n.reshape(-1)])

    assert rp.autograd.gradcheck(run, [x, h0, c0])


@pytest.mark.parametrize("mode", sorted(MODES))
def test_state_dict_keys_match_torch_and_load_into_torch(mode):
    rp_cls, torch_cls, extra = MODES[mode]
    kw = dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True, **extra)
    rm, tm = rp_cls(**kw), torch_cls(**kw)
    assert list(rm.state_dict()) == list(tm.state_dict())
    assert [tuple(v.shape) for v in rm.state_dict().values()] == [
        tuple(v.shape) for v in tm.state_dict().values()
    ]
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in rm.state_dict().items()})
    x = np.random.default_rng(6).standard_normal((5, 2, 3)).astype(np.float32)
    np.testing.assert_allclose(
        rm(rp.tensor(x))[0].detach().numpy(), tm(torch.tensor(x))[0].detach(), **TOL
    )
    assert repr(rm) == repr(tm)


def test_initialisation_is_uniform_within_one_over_sqrt_hidden():
    rp.manual_seed(0)
    lstm = nn.LSTM(20, 64, num_layers=2)
    values = np.concatenate([p.detach().numpy().reshape(-1) for p in lstm.parameters()])
    bound = 1 / 8
    assert values.dtype == np.float32
    assert values.min() >= -bound and values.max() <= bound
    assert values.min() < -0.95 * bound and values.max() > 0.95 * bound


def test_dropout_between_layers_only_in_training():
    rm, tm = _pair("gru", input_size=3, hidden_size=4, num_layers=2, dropout=0.5)
    x = rp.randn(6, 2, 3)
    rm.eval()
    tm.eval()
    np.testing.assert_allclose(
        rm(x)[0].detach().numpy(), tm(torch.tensor(x.detach().numpy()))[0].detach(), **TOL
    )
    rm.train()
    rp.manual_seed(7)
    a = rm(x)[0].detach().numpy()
    rp.manual_seed(7)
    np.testing.assert_array_equal(rm(x)[0].detach().numpy(), a)
    assert not np.allclose(a, rm.eval()(x)[0].detach().numpy())


def test_recurrent_layers_reject_bad_inputs():
    lstm = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(ValueError, match="LSTM: expected input to be 2D or 3D, got 4D"):
        lstm(rp.randn(2, 3, 4, 3))
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        lstm(rp.randn(5, 2, 7))
    with pytest.raises(RuntimeError, match=r"expected hidden state h_0 of size \(2, 2, 4\)"):
        lstm(rp.randn(5, 2, 3), (rp.zeros(1, 2, 4), rp.zeros(2, 2, 4)))
    with pytest.raises(TypeError, match="LSTM: hx must be a tuple"):
        lstm(rp.randn(5, 2, 3), rp.zeros(2, 2, 4))
    with pytest.raises(TypeError, match="input dtype float64 differs"):
        nn.GRU(3, 4)(rp.randn(5, 2, 3, dtype=np.float64))
    with pytest.raises(ValueError, match="RNN: unknown nonlinearity 'sigmoid'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        nn.GRU(3, 0)
    with pytest.raises(ValueError, match="rnn: expected an input of shape"):
        rnn_sequence(rp.randn(0, 2, 3), rp.zeros(2, 4), rp.randn(4, 3), rp.randn(4, 4))


def test_gru_and_lstm_sequence_ops_reject_bad_inputs():
    x, h = rp.zeros(5, 2, 3), rp.zeros(2, 4)
    with pytest.raises(ValueError, match=r"gru: expected an input of shape .*got shape \(2, 3\)"):
        gru_sequence(rp.zeros(2, 3), h, rp.zeros(12, 3), rp.zeros(12, 4))
    with pytest.raises(ValueError, match=r"gru: weights of shapes \(8, 3\) and \(8, 4\)"):
        gru_sequence(x, h, rp.zeros(8, 3), rp.zeros(8, 4))
    with pytest.raises(ValueError, match=r"gru: expected a state of shape \(2, 4\), got \(3, 4\)"):
        gru_sequence(x, rp.zeros(3, 4), rp.zeros(12, 3), rp.zeros(12, 4))
    with pytest.raises(
        ValueError, match=r"lstm: expected an input of shape .*got shape \(0, 2, 3\)"
    ):
        lstm_sequence(rp.zeros(0, 2, 3), h, h, rp.zeros(16, 3), rp.zeros(16, 4))
    with pytest.raises(ValueError, match=r"lstm: weights of shapes \(16, 5\) and \(16, 4\)"):
        lstm_sequence(x, h, h, rp.zeros(16, 5), rp.zeros(16, 4))
    with pytest.raises(ValueError, match=r"lstm: expected a state of shape \(2, 4\), got \(2, 3\)"):
        lstm_sequence(x, h, rp.zeros(2, 3), rp.zeros(16, 3), rp.zeros(16, 4))


def test_cells_reject_bad_inputs():
    cell = nn.LSTMCell(3, 4)
    with pytest.raises(ValueError, match="LSTMCell: expected input to be 1D or 2D, got 3D"):
        cell(rp.randn(2, 2, 3))
    with pytest.raises(RuntimeError, match="inconsistent input_size: got 5, expected 3"):
        cell(rp.randn(2, 5))
    with pytest.raises(RuntimeError, match=r"expected a state of shape \(2, 4\), got \(3, 4\)"):
        cell(rp.randn(2, 3), (rp.zeros(3, 4), rp.zeros(3, 4)))
    with pytest.raises(TypeError, match="hx must be a tuple"):
        cell(rp.randn(2, 3), rp.zeros(2, 4))


def test_outputs_stay_valid_while_scratch_memory_is_reused():
    lstm = nn.LSTM(3, 4)
    x1, x2 = rp.randn(5, 2, 3), rp.randn(5, 2, 3)
    out1, (h1, c1) = lstm(x1)
    kept = out1.detach().numpy().copy(), h1.detach().numpy().copy(), c1.detach().numpy().copy()
    for _ in range(3):  # each call frees its memory to the pool and takes it again
        out, _ = lstm(x2)
        out.sum().backward()
    for before, now in zip(kept, (out1, h1, c1)):
        np.testing.assert_array_equal(before, now.detach().numpy())
    again, _ = lstm(x1)
    np.testing.assert_array_equal(again.detach().numpy(), kept[0])
