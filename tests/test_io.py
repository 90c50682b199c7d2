"""rp.save / rp.load: round trips of every supported structure, the key scheme, atomic
writes, refusal of corrupted and pickle files, and state_dict interop with PyTorch."""

import io
import json
import math
import os
import pickle

import numpy as np
import pytest
import safetensors
import safetensors.numpy
import safetensors.torch
import torch
from hypothesis import given
from hypothesis import strategies as st

import retroprop as rp
import retroprop._files
import retroprop.nn as nn


def _same(a, b) -> bool:
    """Deep equality that also checks types and dtypes (and treats NaN as equal to NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, rp.Tensor | np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


DTYPES = [np.float32, np.float64, np.int64, np.bool_]
SHAPES = [(), (0,), (3, 0), (4,), (2, 3)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("as_tensor", [True, False])
def test_tensor_and_array_round_trip_keeps_dtype_shape_and_kind(tmp_path, dtype, shape, as_tensor):
    arr = np.asarray(np.random.default_rng(0).standard_normal(shape) * 10).astype(dtype)
    obj = rp.from_numpy(arr) if as_tensor else arr
    rp.save(obj, tmp_path / "x.safetensors")
    back = rp.load(tmp_path / "x.safetensors")
    assert _same(back, obj)


def test_checkpoint_structure_round_trips(tmp_path):
    rng_state = np.random.default_rng(12345).bit_generator.state
    assert rng_state["state"]["state"] > 2**64  # a big int that no float or int64 holds
    ckpt = {
        "model": {"0.weight": rp.randn(3, 2), "0.bias": rp.zeros(3, dtype=rp.float64)},
        "optimizer": {
            "state": {0: {"step": 3, "exp_avg": np.ones(2, np.float32)}, 1: {"step": 3}},
            "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "nesterov": False, "params": [0]}],
        },
        "scheduler": {"last_epoch": 4, "base_lrs": [0.1], "_last_lr": [0.05]},
        "rng": rng_state,
        "history": [1.5, 0.25, float("inf"), float("nan")],
        "keys": {None: "none", True: 1, 2.5: "float", "s": ""},
        "empty": {"d": {}, "l": [], "t": ()},
        "nested": [(rp.tensor(1), [rp.tensor([True])]), {"x": np.zeros((0, 2))}],
    }
    rp.save(ckpt, tmp_path / "ckpt.safetensors")
    back = rp.load(tmp_path / "ckpt.safetensors")
    assert _same(back, ckpt)
    restored = np.random.default_rng()
    restored.bit_generator.state = back["rng"]
    assert np.array_equal(restored.random(5), np.random.default_rng(12345).random(5))


def test_numpy_scalars_are_stored_as_python_scalars(tmp_path):
    rp.save({"i": np.int64(3), "f": np.float32(0.5), "b": np.bool_(True)}, tmp_path / "s")
    back = rp.load(tmp_path / "s")
    assert _same(back, {"i": 3, "f": 0.5, "b": True})


_leaves = (
    st.none()
    | st.booleans()
    | st.integers(-(2**130), 2**130)
    | st.floats(allow_nan=False)
    | st.text(max_size=5)
    | st.sampled_from(DTYPES).map(lambda d: rp.from_numpy(np.arange(3).astype(d)))
)
_keys = st.text(alphabet="ab.#_", max_size=3) | st.integers(-3, 3)
_trees = st.recursive(
    _leaves,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(_keys, inner, max_size=3)
    ),
    max_leaves=10,
)


@given(obj=_trees)
def test_any_nesting_round_trips(tmp_path_factory, obj):
    path = tmp_path_factory.mktemp("tree") / "t.safetensors"
    rp.save(obj, path)
    assert _same(rp.load(path), obj)


def test_plain_state_dict_is_stored_under_its_own_keys(tmp_path):
    sd = {"fc.weight": rp.randn(2, 3), "fc.bias": rp.randn(2)}
    rp.save(sd, tmp_path / "m.safetensors")
    with safetensors.safe_open(tmp_path / "m.safetensors", "np") as f:
        assert sorted(f.keys()) == ["fc.bias", "fc.weight"]
        assert f.metadata()["format"] == "pt"


def test_nested_keys_are_dotted_and_colliding_paths_get_a_suffix(tmp_path):
    x, y, z = rp.tensor([1.0]), rp.tensor([2.0]), rp.tensor([3.0])
    obj = {"a.b": x, "a": {"b": y}, "__metadata__": z, "state": {0: [x]}}
    rp.save(obj, tmp_path / "c.safetensors")
    with safetensors.safe_open(tmp_path / "c.safetensors", "np") as f:
        assert sorted(f.keys()) == ["__metadata__#1", "a.b", "a.b#1", "state.0.0"]
    assert _same(rp.load(tmp_path / "c.safetensors"), obj)


def test_non_contiguous_and_big_endian_arrays_are_saved_by_value(tmp_path):
    base = np.arange(12, dtype=np.float64).reshape(3, 4)
    obj = {"t": base.T, "s": base[:, ::2], "be": base.astype(">f8")}
    rp.save(obj, tmp_path / "v.safetensors")
    back = rp.load(tmp_path / "v.safetensors")
    for key in obj:
        assert np.array_equal(back[key], obj[key])
    assert back["be"].dtype == np.float64


def test_file_without_retroprop_metadata_loads_as_dict_of_tensors(tmp_path):
    arrays = {"w": np.ones((2, 2), np.float64), "n": np.arange(3)}
    safetensors.numpy.save_file(arrays, tmp_path / "plain.safetensors")
    back = rp.load(tmp_path / "plain.safetensors")
    assert set(back) == {"w", "n"}
    for key, arr in arrays.items():
        assert isinstance(back[key], rp.Tensor) and _same(back[key].numpy(), arr)


def test_saving_overwrites_and_leaves_no_temporary_file(tmp_path):
    rp.save({"v": 1}, tmp_path / "f")
    rp.save({"v": 2}, tmp_path / "f")
    assert rp.load(tmp_path / "f") == {"v": 2}
    assert os.listdir(tmp_path) == ["f"]


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_saved_file_has_the_usual_permissions(tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    rp.save(rp.ones(1), tmp_path / "f")
    assert os.stat(tmp_path / "f").st_mode & 0o777 == 0o666 & ~umask


class _FailingFile(io.FileIO):
    """A file that writes half of what it is given, then fails (a full disk mid-write)."""

    def write(self, data):
        super().write(data[: len(data) // 2])
        raise OSError("No space left on device")


@pytest.mark.parametrize("failure", ["mid-write", "serialize", "fsync", "replace"])
def test_failed_save_keeps_previous_file_and_removes_temporary(tmp_path, monkeypatch, failure):
    path = tmp_path / "model.safetensors"
    old = {"w": rp.randn(50, 50)}
    rp.save(old, path)

    def fail(*args, **kwargs):
        raise OSError(f"injected {failure} failure")

    if failure == "mid-write":
        monkeypatch.setattr(retroprop._files, "open", _FailingFile, raising=False)
    elif failure == "serialize":
        monkeypatch.setattr(safetensors.numpy, "save", fail)
    else:
        monkeypatch.setattr(os, failure, fail)
    with pytest.raises(OSError):
        rp.save({"w": rp.zeros(50, 50), "extra": rp.ones(3)}, path)
    monkeypatch.undo()
    assert _same(rp.load(path), old)
    assert os.listdir(tmp_path) == ["model.safetensors"]


@pytest.mark.parametrize(
    "obj, where, what",
    [
        ({"a": {"b": {1, 2}}}, "'a.b'", "set"),
        ({"x": [1, object()]}, "'x.1'", "object"),
        ({"t": torch.zeros(2)}, "'t'", "torch.Tensor"),
        ({"c": np.zeros(2, np.complex128)}, "'c'", "complex128"),
        ({"s": np.array(["a"])}, "'s'", "<U1"),
        ({(1, 2): 0}, "the top level", "tuple"),
        (b"bytes", "the top level", "bytes"),
    ],
)
def test_unsupported_values_name_their_key_and_type(tmp_path, obj, where, what):
    with pytest.raises(TypeError, match="save:") as info:
        rp.save(obj, tmp_path / "bad")
    assert where in str(info.value) and what in str(info.value)
    assert not os.listdir(tmp_path)


def test_missing_file_and_missing_folder_raise_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        rp.load(tmp_path / "absent.safetensors")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        rp.save(rp.ones(1), tmp_path / "no" / "such" / "x.safetensors")


def _valid_bytes() -> bytes:
    return safetensors.numpy.save({"w": np.arange(6, dtype=np.float32)})


def _with_header(header: dict, data: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return len(raw).to_bytes(8, "little") + raw + data


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "fewer than the 8-byte header length"),
        (b"\x01\x02\x03", "fewer than the 8-byte header length"),
        (np.random.default_rng(0).bytes(4096), "header length field says"),
        (_valid_bytes()[:-5], "outside the 19-byte data section"),
        (_valid_bytes()[:20], "header length field says"),
        (_valid_bytes() + b"junk", "cover 24 bytes of a 28-byte data section"),
        ((5).to_bytes(8, "little") + b"{oops", "not valid UTF-8 JSON"),
        ((2).to_bytes(8, "little") + b"\xff\xfe", "not valid UTF-8 JSON"),
        (_with_header([1, 2]), "JSON list, not an object"),
        (_with_header({"w": {"dtype": "F32"}}), "lacks dtype, shape or data_offsets"),
        (
            _with_header({"w": {"dtype": "X9", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4),
            "dtype 'X9'",
        ),  # fmt: skip
        (
            _with_header({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4),
            "invalid shape",
        ),  # fmt: skip
        (
            _with_header({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4),
            "needs 8 bytes but its data_offsets span 4",
        ),  # fmt: skip
        (_with_header({"__metadata__": {"a": 1}}), "__metadata__ is not a mapping"),
    ],
    ids=lambda v: v if isinstance(v, str) else "bytes",
)
def test_invalid_files_are_refused_with_the_reason(tmp_path, content, reason):
    (tmp_path / "bad.safetensors").write_bytes(content)
    with pytest.raises(ValueError, match="not a valid retroprop/safetensors file") as info:
        rp.load(tmp_path / "bad.safetensors")
    assert reason in str(info.value)


@pytest.mark.parametrize(
    "metadata",
    ["not json", json.dumps({"version": 99, "tree": None}), json.dumps({"version": 1}),
     json.dumps({"version": 1, "tree": {"tensor": "missing"}}),
     json.dumps({"version": 1, "tree": {"what": []}}),
     json.dumps({"version": 1, "tree": {"dict": [[1, 2, 3]]}})],
)  # fmt: skip
def test_broken_retroprop_metadata_is_refused(tmp_path, metadata):
    path = tmp_path / "m.safetensors"
    safetensors.numpy.save_file({"w": np.ones(1)}, path, metadata={"retroprop": metadata})
    with pytest.raises(ValueError, match="'retroprop' metadata is broken"):
        rp.load(path)


class _Trap:
    """Unpickling this creates a folder: proof that a file was unpickled."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.mark.parametrize("zipped", [True, False])
def test_pytorch_pickle_files_are_refused_without_unpickling(tmp_path, zipped):
    marker = tmp_path / "unpickled"
    path = tmp_path / "model.pt"
    obj = {"fc.weight": torch.zeros(2), "trap": _Trap(str(marker))}
    torch.save(obj, path, _use_new_zipfile_serialization=zipped)
    assert path.read_bytes()[:4] == b"PK\x03\x04" if zipped else path.read_bytes()[:1] == b"\x80"
    with pytest.raises(ValueError, match="pickle") as info:
        rp.load(path)
    assert "safetensors.torch.save_file(model.state_dict(), 'model.safetensors')" in str(info.value)
    assert not marker.exists()


def test_raw_pickle_is_refused(tmp_path):
    path = tmp_path / "p.pkl"
    path.write_bytes(pickle.dumps(_Trap(str(tmp_path / "unpickled")), protocol=4))
    with pytest.raises(ValueError, match="pickle"):
        rp.load(path)
    assert not (tmp_path / "unpickled").exists()


def _models(dtype):
    r = nn.Sequential(nn.Linear(4, 8, dtype=dtype), nn.ReLU(), nn.Linear(8, 3, dtype=dtype))
    t = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    return r, t.to(torch.float64 if dtype == np.float64 else torch.float32)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_retroprop_state_dict_loads_into_torch_model(tmp_path, dtype):
    r, t = _models(dtype)
    rp.save(r.state_dict(), tmp_path / "m.safetensors")
    t.load_state_dict(safetensors.torch.load_file(tmp_path / "m.safetensors"))
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(dtype)
    out = r(rp.tensor(x, dtype=dtype)).detach().numpy()
    tol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, t(torch.from_numpy(x)).detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_torch_state_dict_loads_into_retroprop_model(tmp_path, dtype):
    r, t = _models(dtype)
    safetensors.torch.save_file(t.state_dict(), tmp_path / "t.safetensors")
    state = rp.load(tmp_path / "t.safetensors")
    assert all(v.dtype == dtype for v in state.values())
    r.load_state_dict(state)
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(dtype)
    out = r(rp.tensor(x, dtype=dtype)).detach().numpy()
    tol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, t(torch.from_numpy(x)).detach().numpy(), rtol=tol, atol=tol)


def test_optimizer_resumed_from_file_takes_the_same_steps(tmp_path):
    def run(model, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            model(rp.ones(2, 4)).pow(2).sum().backward()
            opt.step()

    rp.manual_seed(0)
    model, _ = _models(np.float32)
    opt = rp.optim.Adam(model.parameters(), lr=0.01)
    run(model, opt, 3)
    rp.save({"model": model.state_dict(), "opt": opt.state_dict()}, tmp_path / "c")
    run(model, opt, 2)

    ckpt = rp.load(tmp_path / "c")
    resumed, _ = _models(np.float32)
    resumed.load_state_dict(ckpt["model"])
    resumed_opt = rp.optim.Adam(resumed.parameters(), lr=0.5)
    resumed_opt.load_state_dict(ckpt["opt"])
    run(resumed, resumed_opt, 2)
    for a, b in zip(model.parameters(), resumed.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
