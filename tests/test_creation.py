"""Factories reject what PyTorch rejects: non-integer sizes, non-numeric fill values, a zero
arange step; NumPy integers and scalars are accepted."""

import numpy as np
import pytest
import torch

import retroprop as rp


def test_sizes_accept_python_and_numpy_integers():
    assert rp.ones(np.int64(2)).shape == (2,)
    assert rp.zeros((np.int32(2), 3)).shape == (2, 3)
    assert rp.randn(np.int16(3), 1).shape == (3, 1)
    assert rp.full(np.int64(4), 1.0).shape == (4,)
    assert rp.zeros(()).shape == ()


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: rp.ones(2.5), r"ones: size must be a sequence of integers, got \(2\.5,\)"),
        (lambda: rp.zeros((2.7, 3)), r"zeros: size .*got \(2\.7, 3\) \(element 2\.7 of type float"),
        (lambda: rp.rand(2, 3.0), r"rand: size .*element 3\.0 of type float"),
        (lambda: rp.randn([2, "3"]), r"randn: size .*element '3' of type str"),
        (lambda: rp.full((2.0,), 1.0), r"full: size .*element 2\.0 of type float"),
        (lambda: rp.randint(0, 3, (1.5,)), r"randint: size .*element 1\.5"),
        (lambda: rp.zeros(True), r"zeros: size .*element True of type bool"),
    ],
)
def test_non_integer_sizes_raise_a_type_error_naming_the_factory_and_value(call, match):
    with pytest.raises(TypeError, match=match):
        call()


def test_negative_size_raises_naming_the_factory():
    with pytest.raises(ValueError, match=r"ones: negative dimension in size \(2, -1\)"):
        rp.ones(2, -1)


@pytest.mark.parametrize(
    "value", [7, 7.0, True, np.float64(2.5), np.int32(3), np.uint8(1), np.bool_(False)]
)
def test_full_infers_the_dtype_of_a_number_like_torch(value):
    expected = torch.full((2,), value.item() if isinstance(value, np.generic) else value)
    out = rp.full((2,), value)
    assert str(out.dtype) == str(expected.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_full_accepts_a_zero_dim_tensor():
    out = rp.full((3,), rp.tensor(2.5, dtype=np.float64))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), np.full(3, 2.5, np.float32))


@pytest.mark.parametrize("value", ["a", None, [1.0, 2.0], rp.ones(2), 1 + 2j])
def test_full_rejects_non_numeric_fill_values(value):
    with pytest.raises(TypeError, match=r"full: fill_value must be a real number, got .* of type"):
        rp.full((2,), value)


@pytest.mark.parametrize("args", [(0, 1, 0), (0.0, 1.0, 0.0), (5, 0, 0)])
def test_arange_rejects_a_zero_step(args):
    with pytest.raises(ValueError, match=r"arange: step must be non-zero, got step=0"):
        rp.arange(*args)


def test_arange_with_a_negative_step_matches_torch():
    np.testing.assert_array_equal(rp.arange(5, 0, -2).numpy(), torch.arange(5, 0, -2).numpy())
