"""One rule for NumPy inputs, for every module: ``Module.__call__`` converts each ndarray
argument (positional or keyword) to a Tensor: a floating array takes the dtype of the module's
floating parameters (float32 for a module without), integers become int64 and bools stay, so
``module(array)`` equals ``module(rp.Tensor(array))`` for a float32 model.

The table below covers every Module class exported by ``retroprop.nn`` that takes a tensor
input; a new export without an entry fails ``test_every_exported_module_is_covered``.
"""

import inspect

import numpy as np
import pytest

import retroprop as rp
import retroprop.nn as nn

_R = np.random.default_rng(0)


def _f(*shape):
    return _R.standard_normal(shape)  # float64: converted to float32 as rp.Tensor does


def _p(*shape):
    return _R.uniform(0.05, 0.95, shape)


def _i(high, *shape):
    return _R.integers(0, high, shape)


def _sign(*shape):
    return np.where(_R.random(shape) < 0.5, -1.0, 1.0)


# name -> (constructor, positional inputs)
CASES = {
    "AdaptiveAvgPool1d": (lambda: nn.AdaptiveAvgPool1d(2), lambda: [_f(2, 3, 6)]),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d(2), lambda: [_f(2, 3, 4, 4)]),
    "AvgPool1d": (lambda: nn.AvgPool1d(2), lambda: [_f(2, 3, 6)]),
    "AvgPool2d": (lambda: nn.AvgPool2d(2), lambda: [_f(2, 3, 4, 4)]),
    "BCELoss": (lambda: nn.BCELoss(), lambda: [_p(4, 3), _p(4, 3)]),
    "BCEWithLogitsLoss": (lambda: nn.BCEWithLogitsLoss(), lambda: [_f(4, 3), _p(4, 3)]),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(3), lambda: [_f(4, 3)]),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3), lambda: [_f(2, 3, 4, 4)]),
    "Bilinear": (lambda: nn.Bilinear(3, 2, 4), lambda: [_f(5, 3), _f(5, 2)]),
    "DataParallel": (lambda: nn.DataParallel(nn.Linear(3, 2)), lambda: [_f(4, 3)]),
    "Conv1d": (lambda: nn.Conv1d(3, 2, 3), lambda: [_f(2, 3, 7)]),
    "Conv2d": (lambda: nn.Conv2d(3, 2, 3), lambda: [_f(2, 3, 5, 5)]),
    "ConvTranspose1d": (lambda: nn.ConvTranspose1d(3, 2, 3), lambda: [_f(2, 3, 5)]),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(3, 2, 3), lambda: [_f(2, 3, 4, 4)]),
    "CELU": (lambda: nn.CELU(0.7), lambda: [_f(4, 3)]),
    "GLU": (lambda: nn.GLU(), lambda: [_f(4, 6)]),
    "Hardshrink": (lambda: nn.Hardshrink(), lambda: [_f(4, 3)]),
    "Hardsigmoid": (lambda: nn.Hardsigmoid(), lambda: [_f(4, 3)]),
    "Hardswish": (lambda: nn.Hardswish(), lambda: [_f(4, 3)]),
    "LogSigmoid": (lambda: nn.LogSigmoid(), lambda: [_f(4, 3)]),
    "Mish": (lambda: nn.Mish(), lambda: [_f(4, 3)]),
    "ReLU6": (lambda: nn.ReLU6(), lambda: [_f(4, 3)]),
    "SiLU": (lambda: nn.SiLU(), lambda: [_f(4, 3)]),
    "Softmin": (lambda: nn.Softmin(1), lambda: [_f(4, 3)]),
    "Softshrink": (lambda: nn.Softshrink(), lambda: [_f(4, 3)]),
    "Softsign": (lambda: nn.Softsign(), lambda: [_f(4, 3)]),
    "Tanhshrink": (lambda: nn.Tanhshrink(), lambda: [_f(4, 3)]),
    "CosineSimilarity": (lambda: nn.CosineSimilarity(), lambda: [_f(4, 3), _f(4, 3)]),
    "CrossEntropyLoss": (lambda: nn.CrossEntropyLoss(), lambda: [_f(4, 5), _i(5, 4)]),
    "Dropout": (lambda: nn.Dropout(0.3), lambda: [_f(4, 3)]),
    "Dropout1d": (lambda: nn.Dropout1d(0.3), lambda: [_f(2, 3, 4)]),
    "Dropout3d": (lambda: nn.Dropout3d(0.3), lambda: [_f(2, 3, 2, 2, 2)]),
    "Softmax2d": (lambda: nn.Softmax2d(), lambda: [_f(2, 3, 2, 2)]),
    "UpsamplingNearest2d": (
        lambda: nn.UpsamplingNearest2d(scale_factor=2),
        lambda: [_f(1, 2, 2, 3)],
    ),
    "Dropout2d": (lambda: nn.Dropout2d(0.3), lambda: [_f(2, 3, 4, 4)]),
    "ELU": (lambda: nn.ELU(), lambda: [_f(4, 3)]),
    "Embedding": (lambda: nn.Embedding(6, 3), lambda: [_i(6, 2, 4)]),
    "Flatten": (lambda: nn.Flatten(), lambda: [_f(2, 3, 4)]),
    "GELU": (lambda: nn.GELU(), lambda: [_f(4, 3)]),
    "GRU": (lambda: nn.GRU(3, 4), lambda: [_f(5, 2, 3)]),
    "GRUCell": (lambda: nn.GRUCell(3, 4), lambda: [_f(2, 3), _f(2, 4)]),
    "GaussianNoise": (lambda: nn.GaussianNoise(0.1), lambda: [_f(4, 3)]),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4), lambda: [_f(2, 4, 3)]),
    "Hardtanh": (lambda: nn.Hardtanh(), lambda: [_f(4, 3)]),
    "HingeEmbeddingLoss": (lambda: nn.HingeEmbeddingLoss(), lambda: [_f(4, 3), _sign(4, 3)]),
    "HuberLoss": (lambda: nn.HuberLoss(), lambda: [_f(4, 3), _f(4, 3)]),
    "Identity": (lambda: nn.Identity(), lambda: [_f(4, 3)]),
    "KLDivLoss": (lambda: nn.KLDivLoss(reduction="batchmean"), lambda: [_f(4, 3), _p(4, 3)]),
    "L1Loss": (lambda: nn.L1Loss(), lambda: [_f(4, 3), _f(4, 3)]),
    "InstanceNorm1d": (lambda: nn.InstanceNorm1d(3), lambda: [_f(2, 3, 5)]),
    "InstanceNorm2d": (lambda: nn.InstanceNorm2d(3, affine=True), lambda: [_f(2, 3, 4, 4)]),
    "InstanceNorm3d": (lambda: nn.InstanceNorm3d(2), lambda: [_f(1, 2, 3, 3, 3)]),
    "LSTM": (lambda: nn.LSTM(3, 4, batch_first=True), lambda: [_f(2, 5, 3)]),
    "LSTMCell": (lambda: nn.LSTMCell(3, 4), lambda: [_f(2, 3)]),
    "LayerNorm": (lambda: nn.LayerNorm(3), lambda: [_f(4, 3)]),
    "LeakyReLU": (lambda: nn.LeakyReLU(), lambda: [_f(4, 3)]),
    "Linear": (lambda: nn.Linear(3, 2), lambda: [_f(4, 3)]),
    "LogSoftmax": (lambda: nn.LogSoftmax(1), lambda: [_f(4, 3)]),
    "MSELoss": (lambda: nn.MSELoss(), lambda: [_f(4, 3), _f(4, 3)]),
    "MaxPool1d": (lambda: nn.MaxPool1d(2), lambda: [_f(2, 3, 6)]),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), lambda: [_f(2, 3, 4, 4)]),
    "MinibatchDiscrimination": (lambda: nn.MinibatchDiscrimination(3, 2), lambda: [_f(4, 3)]),
    "MultiMarginLoss": (lambda: nn.MultiMarginLoss(), lambda: [_f(4, 5), _i(5, 4)]),
    "MultiheadAttention": (
        lambda: nn.MultiheadAttention(4, 2),
        lambda: [_f(3, 2, 4), _f(5, 2, 4), _f(5, 2, 4)],
    ),
    "CosineEmbeddingLoss": (
        lambda: nn.CosineEmbeddingLoss(0.1),
        lambda: [_f(4, 3), _f(4, 3), _sign(4)],
    ),
    "MarginRankingLoss": (lambda: nn.MarginRankingLoss(0.2), lambda: [_f(4), _f(4), _sign(4)]),
    "MultiLabelSoftMarginLoss": (
        lambda: nn.MultiLabelSoftMarginLoss(),
        lambda: [_f(4, 3), _i(2, 4, 3)],
    ),
    "PoissonNLLLoss": (lambda: nn.PoissonNLLLoss(), lambda: [_f(4, 3), _i(5, 4, 3)]),
    "SoftMarginLoss": (lambda: nn.SoftMarginLoss(), lambda: [_f(4, 3), _sign(4, 3)]),
    "TripletMarginLoss": (lambda: nn.TripletMarginLoss(), lambda: [_f(4, 3), _f(4, 3), _f(4, 3)]),
    "NLLLoss": (lambda: nn.NLLLoss(), lambda: [_f(4, 5), _i(5, 4)]),
    "PReLU": (lambda: nn.PReLU(), lambda: [_f(4, 3)]),
    "PairwiseDistance": (lambda: nn.PairwiseDistance(), lambda: [_f(4, 3), _f(4, 3)]),
    "PixelShuffle": (lambda: nn.PixelShuffle(2), lambda: [_f(1, 8, 2, 3)]),
    "PixelUnshuffle": (lambda: nn.PixelUnshuffle(2), lambda: [_f(1, 2, 4, 6)]),
    "RNN": (lambda: nn.RNN(3, 4), lambda: [_f(5, 2, 3)]),
    "RNNCell": (lambda: nn.RNNCell(3, 4), lambda: [_f(2, 3)]),
    "ReLU": (lambda: nn.ReLU(), lambda: [_f(4, 3)]),
    "SELU": (lambda: nn.SELU(), lambda: [_f(4, 3)]),
    "Sequential": (lambda: nn.Sequential(nn.Flatten(), nn.Linear(6, 2)), lambda: [_f(4, 2, 3)]),
    "Sigmoid": (lambda: nn.Sigmoid(), lambda: [_f(4, 3)]),
    "SmoothL1Loss": (lambda: nn.SmoothL1Loss(), lambda: [_f(4, 3), _f(4, 3)]),
    "Softmax": (lambda: nn.Softmax(1), lambda: [_f(4, 3)]),
    "Softplus": (lambda: nn.Softplus(), lambda: [_f(4, 3)]),
    "Tanh": (lambda: nn.Tanh(), lambda: [_f(4, 3)]),
    "Threshold": (lambda: nn.Threshold(0.1, 20.0), lambda: [_f(4, 3)]),
    "Transformer": (
        lambda: nn.Transformer(4, 2, 1, 1, dim_feedforward=6),
        lambda: [_f(5, 2, 4), _f(3, 2, 4)],
    ),
    "TransformerDecoder": (
        lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 6), 2),
        lambda: [_f(3, 2, 4), _f(5, 2, 4)],
    ),
    "TransformerDecoderLayer": (
        lambda: nn.TransformerDecoderLayer(4, 2, 6),
        lambda: [_f(3, 2, 4), _f(5, 2, 4)],
    ),
    "TransformerEncoder": (
        lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 6), 2),
        lambda: [_f(3, 2, 4)],
    ),
    "TransformerEncoderLayer": (lambda: nn.TransformerEncoderLayer(4, 2, 6), lambda: [_f(3, 2, 4)]),
    "Unflatten": (lambda: nn.Unflatten(1, (2, 3)), lambda: [_f(4, 6)]),
    "Upsample": (lambda: nn.Upsample(scale_factor=2), lambda: [_f(1, 2, 3, 3)]),
}

for _kind in ("Zero", "Constant", "Reflection", "Replication", "Circular"):
    for _d in (1, 2, 3):
        _args = (1, 0.5) if _kind == "Constant" else (1,)
        CASES[f"{_kind}Pad{_d}d"] = (
            lambda k=_kind, d=_d, a=_args: getattr(nn, f"{k}Pad{d}d")(*a),
            lambda d=_d: [_f(1, 2, *(3,) * d)],
        )

# containers and bases: no forward of their own
NO_INPUT = {"Module", "ModuleDict", "ModuleList", "ParameterDict", "ParameterList"}


def _exported_modules():
    return {
        name
        for name, obj in vars(nn).items()
        if inspect.isclass(obj) and issubclass(obj, nn.Module) and not name.startswith("_")
    }


def test_every_exported_module_is_covered():
    missing = _exported_modules() - NO_INPUT - set(CASES)
    assert not missing, f"modules exported by rp.nn without a NumPy-input case: {sorted(missing)}"


def _arrays(out):
    if isinstance(out, rp.Tensor):
        return [out.detach().numpy()]
    if isinstance(out, tuple | list):
        return [a for o in out if o is not None for a in _arrays(o)]
    raise AssertionError(f"unexpected output type {type(out).__name__}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_numpy_inputs_give_what_tensor_inputs_give(name):
    make, inputs = CASES[name]
    rp.manual_seed(0)
    module = make().eval()
    arrays = inputs()
    want = _arrays(module(*[rp.Tensor(a) for a in arrays]))
    got = _arrays(module(*arrays))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)


def test_numpy_keyword_inputs_and_gradients_reach_the_parameters():
    rp.manual_seed(0)
    cell = nn.GRUCell(3, 4)
    out = cell(input=_f(2, 3), hx=_f(2, 4))
    assert out.dtype == np.float32
    out.sum().backward()
    assert cell.weight_ih.grad is not None


def test_float_arrays_take_the_parameters_dtype_or_float32():
    out = nn.Flatten()(np.ones((2, 3, 4)))
    assert isinstance(out, rp.Tensor) and out.dtype == np.float32 and out.shape == (2, 12)
    assert nn.Identity()(np.arange(3)).dtype == np.int64
    assert nn.Linear(3, 2)(np.ones((1, 3))).dtype == np.float32
    x = np.random.default_rng(1).standard_normal((4, 3))
    double = nn.Sequential(nn.Flatten(), nn.Linear(3, 2, dtype=rp.float64))
    out = double(x)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(
        out.detach().numpy(), double(rp.Tensor(x, dtype=x.dtype)).detach().numpy()
    )
