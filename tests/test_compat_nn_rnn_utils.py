"""nn.utils.rnn.pad_sequence against torch 2.13: values and the gradient of every sequence,
both layouts and both padding sides, trailing dims; errors name the sequence."""

import numpy as np
import pytest
import torch

import retroprop as rp
from retroprop.nn.utils.rnn import pad_sequence


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("trailing", [(), (2, 3)])
def test_pad_sequence_matches_torch_values_and_gradients(batch_first, side, trailing):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, *trailing)) for n in (3, 1, 4)]
    ours = [rp.Tensor(a, dtype=a.dtype, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    r = pad_sequence(ours, batch_first=batch_first, padding_value=-1.5, padding_side=side)
    t = torch.nn.utils.rnn.pad_sequence(
        theirs, batch_first=batch_first, padding_value=-1.5, padding_side=side
    )
    np.testing.assert_array_equal(r.detach().numpy(), t.detach().numpy())
    g = rng.standard_normal(tuple(t.shape))
    r.backward(rp.Tensor(g, dtype=g.dtype))
    t.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_pad_sequence_is_reached_as_in_pytorch_and_checks_its_inputs():
    assert rp.nn.utils.rnn.pad_sequence is pad_sequence
    with pytest.raises(ValueError, match=r"sequence 1 has shape \(2, 3\)"):
        pad_sequence([rp.zeros(2, 2), rp.zeros(2, 3)])
    with pytest.raises(TypeError, match="sequence 0 must be a Tensor"):
        pad_sequence([np.zeros(2)])
    with pytest.raises(ValueError, match="padding_side"):
        pad_sequence([rp.zeros(2)], padding_side="top")
