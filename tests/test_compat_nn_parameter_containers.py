"""ParameterList and ParameterDict: PyTorch's state_dict keys (a torch model's state loads
into ours), parameters() in order, gradients and an optimiser step through them, list/dict
behaviour and errors."""

import numpy as np
import pytest
import torch

import retroprop as rp
import retroprop.nn as nn


class _Ours(nn.Module):
    def __init__(self):
        super().__init__()
        self.ws = nn.ParameterList(nn.Parameter(rp.randn(3, 3)) for _ in range(2))
        self.bs = nn.ParameterDict({"first": nn.Parameter(rp.zeros(3)), "second": rp.ones(3)})

    def forward(self, x):
        x = x @ self.ws[0] + self.bs["first"]
        return x @ self.ws[-1] + self.bs["second"]


class _Theirs(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.ws = torch.nn.ParameterList(torch.nn.Parameter(torch.randn(3, 3)) for _ in range(2))
        self.bs = torch.nn.ParameterDict(
            {"first": torch.nn.Parameter(torch.zeros(3)), "second": torch.ones(3)}
        )

    def forward(self, x):
        x = x @ self.ws[0] + self.bs["first"]
        return x @ self.ws[-1] + self.bs["second"]


def test_state_dict_keys_values_and_gradients_match_torch():
    ours, theirs = _Ours(), _Theirs()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    ro, to = ours(rp.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(ro.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    ro.sum().backward()
    to.sum().backward()
    tparams = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(tparams)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), rtol=1e-5)
    before = ours.ws[1].detach().numpy().copy()
    rp.optim.SGD(ours.parameters(), lr=0.1).step()
    assert not np.array_equal(ours.ws[1].detach().numpy(), before)


def test_list_and_dict_behaviour():
    pl = nn.ParameterList([rp.zeros(2)])
    pl.append(rp.ones(1)).extend([rp.ones(3)])
    assert len(pl) == 3 and [p.shape for p in pl] == [(2,), (1,), (3,)]
    assert isinstance(pl[0], nn.Parameter) and len(pl[1:]) == 2
    pl[0] = rp.ones(5)
    assert pl[0].shape == (5,)
    with pytest.raises(IndexError, match="ParameterList: index 3 is out of range"):
        pl[3]
    with pytest.raises(TypeError, match="ParameterList: expected a Parameter or a Tensor"):
        pl.append(3.0)
    pd = nn.ParameterDict([("a", rp.ones(2))])
    pd.update({"b": rp.zeros(1)})
    assert list(pd) == ["a", "b"] and "a" in pd and len(pd) == 2
    assert [k for k, _ in pd.items()] == list(pd.keys())
    del pd["a"]
    assert list(pd) == ["b"]
    with pytest.raises(KeyError, match="ParameterDict: no parameter 'z'"):
        pd["z"]
