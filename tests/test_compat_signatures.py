"""PyTorch's keyword names, out=, dtype= and alpha= on the top-level functions (issue 9),
each call compared with the same call on torch 2.13."""

import numpy as np
import pytest
import torch

import retroprop as rp

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4)).astype(np.float32)
B = RNG.standard_normal((3, 4)).astype(np.float32)
M = RNG.standard_normal((4, 2)).astype(np.float32)
POS = np.abs(A) + 0.5


def _both(call, *arrays):
    ours = call(rp, *(rp.tensor(a) for a in arrays))
    theirs = call(torch, *(torch.tensor(a) for a in arrays))
    return ours, theirs


KEYWORD_CALLS = {
    "add": (lambda lib, a, b: lib.add(input=a, other=b, alpha=2), A, B),
    "sub": (lambda lib, a, b: lib.sub(a, other=b, alpha=0.5), A, B),
    "mul": (lambda lib, a, b: lib.mul(input=a, other=b), A, B),
    "div": (lambda lib, a, b: lib.div(input=a, other=b), A, B),
    "pow": (lambda lib, a: lib.pow(input=a, exponent=2), A),
    "matmul": (lambda lib, a, m: lib.matmul(input=a, other=m), A, M),
    "maximum": (lambda lib, a, b: lib.maximum(input=a, other=b), A, B),
    "where": (lambda lib, a, b: lib.where(condition=a > 0, input=a, other=b), A, B),
    "clamp": (lambda lib, a: lib.clamp(input=a, min=-0.5, max=0.5), A),
    "exp": (lambda lib, a: lib.exp(input=a), A),
    "log": (lambda lib, a: lib.log(input=a), POS),
    "sqrt": (lambda lib, a: lib.sqrt(input=a), POS),
    "tanh": (lambda lib, a: lib.tanh(input=a), A),
    "sigmoid": (lambda lib, a: lib.sigmoid(input=a), A),
    "relu": (lambda lib, a: lib.relu(input=a), A),
    "sum": (lambda lib, a: lib.sum(input=a, dim=1, keepdim=True), A),
    "mean": (lambda lib, a: lib.mean(input=a, dim=0), A),
    "var": (lambda lib, a: lib.var(input=a, dim=1), A),
    "logsumexp": (lambda lib, a: lib.logsumexp(input=a, dim=1), A),
    "argmax": (lambda lib, a: lib.argmax(input=a, dim=1), A),
    "cumsum": (lambda lib, a: lib.cumsum(input=a, dim=1), A),
    "softmax": (lambda lib, a: lib.softmax(input=a, dim=1), A),
    "log_softmax": (lambda lib, a: lib.log_softmax(input=a, dim=1), A),
    "reshape": (lambda lib, a: lib.reshape(input=a, shape=(4, 3)), A),
    "transpose": (lambda lib, a: lib.transpose(input=a, dim0=0, dim1=1), A),
    "unsqueeze": (lambda lib, a: lib.unsqueeze(input=a, dim=0), A),
    "flatten": (lambda lib, a: lib.flatten(input=a), A),
    "gather": (lambda lib, a: lib.gather(input=a, dim=1, index=lib.tensor([[0], [1], [2]])), A),
}


@pytest.mark.parametrize("name", sorted(KEYWORD_CALLS))
def test_pytorch_keyword_names(name):
    call, *arrays = KEYWORD_CALLS[name]
    ours, theirs = _both(call, *arrays)
    assert ours.dtype == theirs.numpy().dtype
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)


OUT_CALLS = {
    "add": lambda lib, a, b, out: lib.add(a, b, out=out),
    "mul": lambda lib, a, b, out: lib.mul(a, b, out=out),
    "exp": lambda lib, a, b, out: lib.exp(a, out=out),
    "clamp": lambda lib, a, b, out: lib.clamp(a, -0.1, 0.1, out=out),
    "where": lambda lib, a, b, out: lib.where(a > b, a, b, out=out),
    "sum": lambda lib, a, b, out: lib.sum(a, 1, out=out),
    "cat": lambda lib, a, b, out: lib.cat([a, b], 0, out=out),
    "stack": lambda lib, a, b, out: lib.stack([a, b], out=out),
    "matmul": lambda lib, a, b, out: lib.matmul(a, b.T, out=out),
}


@pytest.mark.parametrize("name", sorted(OUT_CALLS))
@pytest.mark.parametrize("empty", [False, True])
def test_out_writes_into_the_given_tensor_and_resizes_an_empty_one(name, empty):
    call = OUT_CALLS[name]
    shape = (0,) if empty else tuple(call(torch, torch.tensor(A), torch.tensor(B), None).shape)
    rout, tout = rp.zeros(shape), torch.zeros(shape)
    ours = call(rp, rp.tensor(A), rp.tensor(B), rout)
    theirs = call(torch, torch.tensor(A), torch.tensor(B), tout)
    assert ours is rout and theirs is tout
    assert rout.shape == tuple(tout.shape)
    np.testing.assert_allclose(rout.numpy(), tout.numpy(), rtol=1e-6, atol=1e-6)


def test_out_keeps_the_array_when_the_shape_fits():
    out = rp.zeros(3, 4)
    arr = out.numpy()
    rp.add(rp.tensor(A), rp.tensor(B), out=out)
    assert out.numpy() is arr and out._version[0] == 1


def test_out_refuses_a_result_that_requires_grad_as_torch():
    x = rp.tensor(A, requires_grad=True)
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        rp.exp(x, out=rp.zeros(3, 4))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        torch.exp(torch.tensor(A, requires_grad=True), out=torch.zeros(3, 4))
    with rp.no_grad():
        assert rp.exp(x, out=rp.zeros(3, 4)).shape == (3, 4)
    with pytest.raises(TypeError, match="out must be a Tensor"):
        rp.exp(x.detach(), out=np.zeros((3, 4)))


@pytest.mark.parametrize("name", ["sum", "mean", "cumsum", "softmax", "log_softmax"])
def test_dtype_argument_casts_first_as_torch(name):
    ours, theirs = _both(lambda lib, a: getattr(lib, name)(a, 1, dtype=lib.float64), A)
    assert ours.dtype == theirs.numpy().dtype == np.float64
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_alpha_is_differentiable_and_names_are_not_given_twice():
    x = rp.tensor(A, requires_grad=True)
    y = rp.tensor(B, requires_grad=True)
    rp.add(x, y, alpha=3).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), np.full(A.shape, 3.0))
    with pytest.raises(TypeError, match="got both input= and x="):
        rp.exp(input=x, x=x)


def test_positional_calls_are_unchanged():
    a, b = rp.tensor(A), rp.tensor(B)
    np.testing.assert_allclose(rp.add(a, b).numpy(), A + B)
    np.testing.assert_allclose(rp.matmul(a, rp.tensor(M)).numpy(), A @ M, rtol=1e-6)
    assert rp.max(a, 1).indices.shape == (3,)
