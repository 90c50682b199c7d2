"""rp.save / rp.load in PyTorch's habits: file objects as well as paths, ``map_location=`` and
``weights_only=`` accepted (a safetensors file holds weights only), and ``rp.save(module)``
refused with a message saying to save ``module.state_dict()``."""

import io

import numpy as np
import pytest
import safetensors.torch
import torch

import retroprop as rp
import retroprop.nn as nn


def _state():
    rp.manual_seed(0)
    return nn.Linear(3, 2).state_dict()


def _same(a, b):
    assert list(a) == list(b)
    for k in a:
        np.testing.assert_array_equal(a[k].detach().numpy(), b[k].detach().numpy())


def test_save_to_and_load_from_a_bytes_buffer():
    state = _state()
    buf = io.BytesIO()
    rp.save(state, buf)
    buf.seek(0)
    _same(rp.load(buf), state)


def test_save_to_and_load_from_an_open_file(tmp_path):
    state = {"model": _state(), "epoch": 3, "ids": (1, 2)}
    with open(tmp_path / "ckpt.safetensors", "wb") as f:
        rp.save(state, f)
    with open(tmp_path / "ckpt.safetensors", "rb") as f:
        back = rp.load(f)
    assert back["epoch"] == 3 and back["ids"] == (1, 2)
    _same(back["model"], state["model"])
    _same(rp.load(tmp_path / "ckpt.safetensors")["model"], state["model"])


def test_a_buffer_written_by_rp_save_loads_in_torch():
    buf = io.BytesIO()
    state = _state()
    rp.save(state, buf)
    theirs = safetensors.torch.load(buf.getvalue())
    model = torch.nn.Linear(3, 2)
    model.load_state_dict(theirs)
    np.testing.assert_array_equal(model.weight.detach().numpy(), state["weight"].detach().numpy())


@pytest.mark.parametrize(
    "where",
    [None, "cpu", torch.device("cpu"), rp.device("cpu"), {"cuda:0": "cpu"}, lambda s, loc: s],
)
def test_map_location_and_weights_only_are_accepted(tmp_path, where):
    rp.save(_state(), tmp_path / "m.safetensors")
    for weights_only in (None, True, False):
        got = rp.load(tmp_path / "m.safetensors", map_location=where, weights_only=weights_only)
        _same(got, _state())


def test_map_location_to_a_gpu_is_refused_naming_the_cpu(tmp_path):
    rp.save(_state(), tmp_path / "m.safetensors")
    with pytest.raises(RuntimeError, match="runs on the CPU"):
        rp.load(tmp_path / "m.safetensors", map_location="cuda")


def test_saving_a_module_says_to_save_its_state_dict(tmp_path):
    with pytest.raises(TypeError, match=r"model\.state_dict\(\)"):
        rp.save(nn.Sequential(nn.Linear(2, 2)), tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()
    opt = rp.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"state_dict\(\)"):
        rp.save(opt, io.BytesIO())


def test_a_pickle_buffer_is_refused_without_unpickling():
    buf = io.BytesIO()
    torch.save({"w": torch.zeros(2)}, buf)
    buf.seek(0)
    with pytest.raises(ValueError, match="pickle"):
        rp.load(buf)


def test_a_text_mode_file_or_a_write_only_object_is_refused(tmp_path):
    with open(tmp_path / "t.txt", "w") as f, pytest.raises(TypeError, match="binary"):
        rp.save(_state(), f)
    with pytest.raises(TypeError, match="path or a binary file"):
        rp.load(12)
