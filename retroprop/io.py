"""save / load: tensors, arrays and JSON values, nested in dicts, lists and tuples, in one
safetensors file (never pickle: loading a file runs no code).

A safetensors file is an 8-byte little-endian header length, a JSON header naming each
tensor's dtype, shape and byte range, then the raw data. ``save`` stores:

* every Tensor and every ndarray as a safetensors tensor named by the dot-joined path of dict
  keys and list indices that leads to it. A plain state_dict ``{'fc.weight': T}`` is stored
  under exactly ``'fc.weight'``, so ``safetensors.torch.load_file`` reads it straight into a
  torch model; an optimiser's ``{'state': {0: {'exp_avg': A}}}`` stores ``A`` as
  ``'state.0.exp_avg'``; a lone tensor is named ``''``. When two paths give the same name
  (``{'a.b': x, 'a': {'b': y}}``), the later one gets a suffix ``'#1'``, ``'#2'``, ...
* everything else in the header's ``__metadata__`` (which safetensors keeps as str -> str):
  ``{'format': 'pt', 'retroprop': JSON}`` with JSON = ``{"version": 1, "tree": TREE}``
  ('pt' because the names and layouts are PyTorch's; tools that check it accept the file).
  TREE mirrors the object:

  - Tensor -> ``{"tensor": name}``, ndarray -> ``{"ndarray": name}``
  - dict -> ``{"dict": [[key, TREE], ...]}`` (keys str, int, float, bool or None; their
    types are kept, so an optimiser state's int keys come back as ints)
  - list -> ``{"list": [TREE, ...]}``, tuple -> ``{"tuple": [TREE, ...]}``
  - str, int (any size, e.g. a generator state), float, bool, None -> itself; NumPy scalars
    become the Python scalar of the same value.

``load`` rebuilds the object: Tensors come back as Tensors and ndarrays as ndarrays, with the
saved dtypes. A file without retroprop metadata (e.g. written by
``safetensors.torch.save_file``) loads as a dict of name -> Tensor.

Writes to a path are atomic: the file is written to a temporary file beside the target,
flushed to disk, then renamed over the target, so a failure leaves the previous file as it was.
``save`` and ``load`` also take binary file objects (``io.BytesIO``, ``open(path, 'rb')``), and
``load`` accepts PyTorch's ``map_location=`` (CPU only) and ``weights_only=`` (a safetensors
file holds weights only, whatever its value). A Module is not saved whole: save its
``state_dict()``.
"""

from __future__ import annotations

import io
import json
import math
import os
from typing import Any, BinaryIO

import numpy as np
import safetensors
import safetensors.numpy

from retroprop._files import atomic_write_bytes
from retroprop.creation import from_numpy
from retroprop.tensor import Tensor

_VERSION = 1
_MAX_HEADER = 100_000_000  # safetensors' own limit on the JSON header
# safetensors dtype names that NumPy can hold, and their sizes in bytes
_ITEMSIZE = {
    "F64": 8, "F32": 4, "F16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
    "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1,
}  # fmt: skip
_SAVABLE = {"float64", "float32", "float16", "int64", "int32", "int16", "int8",
            "uint64", "uint32", "uint16", "uint8", "bool"}  # fmt: skip
_PICKLE_HINT = (
    "it looks like a pickle file (PyTorch's torch.save: .pt/.pth), which retroprop does not "
    "open because unpickling can run arbitrary code. Convert it in PyTorch with "
    "`safetensors.torch.save_file(model.state_dict(), 'model.safetensors')` and load that"
)


def _type_name(x: Any) -> str:
    t = type(x)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _where(path: list[str]) -> str:
    return repr(".".join(path)) if path else "the top level"


def _encode(obj: Any, path: list[str], tensors: dict[str, np.ndarray]) -> Any:
    """The TREE of ``obj`` (see the module docstring), filling ``tensors`` with its arrays."""
    if isinstance(obj, Tensor | np.ndarray):
        arr = obj._data if isinstance(obj, Tensor) else obj
        if arr.dtype.name not in _SAVABLE:
            raise TypeError(
                f"save: unsupported dtype {arr.dtype} at {_where(path)}; expected one of "
                f"{sorted(_SAVABLE)}"
            )
        where = ".".join(path)
        name, k = where, 0
        while name in tensors or name == "__metadata__":
            k += 1
            name = f"{where}#{k}"
        tensors[name] = arr if arr.flags.c_contiguous else arr.copy(order="C")
        return {"tensor" if isinstance(obj, Tensor) else "ndarray": name}
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if not isinstance(key, str | int | float | bool | type(None)):
                raise TypeError(
                    f"save: dict keys must be str, int, float, bool or None; got "
                    f"{_type_name(key)} key {key!r} at {_where(path)}"
                )
            items.append([key, _encode(value, [*path, str(key)], tensors)])
        return {"dict": items}
    if isinstance(obj, list | tuple):
        tag = "list" if isinstance(obj, list) else "tuple"
        return {tag: [_encode(v, [*path, str(i)], tensors) for i, v in enumerate(obj)]}
    if isinstance(obj, str | int | float | bool | type(None)):
        return obj
    if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
        return obj.item()
    raise TypeError(
        f"save: unsupported value of type {_type_name(obj)} at {_where(path)}; expected "
        f"Tensors, ndarrays, str, int, float, bool, None, and dicts, lists or tuples of them"
    )


def _refuse_objects(obj: Any) -> None:
    """A module, optimiser or scheduler would need pickle: say to save its state_dict."""
    if not isinstance(obj, dict) and callable(getattr(obj, "state_dict", None)):
        kind = type(obj).__name__
        raise TypeError(
            f"save: got a {kind} object, which retroprop does not save whole (that would need "
            f"pickle); save its state instead: rp.save(model.state_dict(), path), and later "
            f"model.load_state_dict(rp.load(path)) on a {kind} built by your code"
        )


def _binary_file(f: Any, mode: str, name: str) -> bool:
    """True for a binary file object with ``mode`` ('read' or 'write'), False for a path."""
    if isinstance(f, str | os.PathLike):
        return False
    if isinstance(f, io.TextIOBase):
        raise TypeError(f"{name}: f must be a path or a binary file object, got a text-mode file")
    if not callable(getattr(f, mode, None)):
        raise TypeError(
            f"{name}: f must be a path or a binary file object with .{mode}(), got {_type_name(f)}"
        )
    return True


def save(obj: Any, f: str | os.PathLike | BinaryIO, **kwargs: Any) -> None:
    """Write ``obj`` (a Tensor, a state_dict, a checkpoint dict, ...) as safetensors.

    Args:
        obj: a Tensor, an ndarray, or nested dicts/lists/tuples of Tensors, ndarrays and
            str/int/float/bool/None values (module, optimiser and scheduler state_dicts,
            generator states, histories). A Module is refused: save ``model.state_dict()``.
        f: a path (the file is replaced atomically if it exists) or a binary file object
            opened for writing (``io.BytesIO``, ``open(..., 'wb')``).
        **kwargs: PyTorch's pickle options (``pickle_protocol``, ...), accepted and unused.

    Example::

        rp.save(model.state_dict(), "model.safetensors")
    """
    _refuse_objects(obj)
    to_file = _binary_file(f, "write", "save")
    tensors: dict[str, np.ndarray] = {}
    tree = _encode(obj, [], tensors)
    metadata = {"format": "pt", "retroprop": json.dumps({"version": _VERSION, "tree": tree})}
    payload = safetensors.numpy.save(tensors, metadata=metadata)
    if to_file:
        f.write(payload)  # type: ignore[union-attr]
        return
    path = os.fspath(f)  # type: ignore[arg-type]
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: folder {folder!r} does not exist")
    # safetensors.numpy.save_file would write the file itself (readable by its owner only);
    # taking the bytes lets us write it atomically with the usual mode
    atomic_write_bytes(path, payload)


def _check_header(f: Any, size: int) -> dict[str, str]:
    """Validate a safetensors header and return its ``__metadata__``; ValueError says why."""
    if size < 8:
        raise ValueError(f"the file has {size} bytes, fewer than the 8-byte header length")
    n = int.from_bytes(f.read(8), "little")
    if n > size - 8:
        raise ValueError(f"the header length field says {n} bytes but only {size - 8} follow")
    if n > _MAX_HEADER:
        raise ValueError(f"the header length {n} exceeds safetensors' limit of {_MAX_HEADER}")
    try:
        header = json.loads(f.read(n).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"the {n}-byte header is not valid UTF-8 JSON ({e})") from None
    if not isinstance(header, dict):
        raise ValueError(f"the header is a JSON {type(header).__name__}, not an object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise ValueError("the header's __metadata__ is not a mapping of strings to strings")
    data_len, covered = size - 8 - n, 0
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise ValueError(f"tensor {name!r} lacks dtype, shape or data_offsets: {info!r}")
        dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in _ITEMSIZE:
            raise ValueError(
                f"tensor {name!r} has dtype {dtype!r}, which NumPy cannot hold (retroprop "
                f"reads {', '.join(_ITEMSIZE)})"
            )
        if not (isinstance(shape, list) and all(isinstance(s, int) and s >= 0 for s in shape)):
            raise ValueError(f"tensor {name!r} has an invalid shape {shape!r}")
        if not (
            isinstance(offsets, list)
            and len(offsets) == 2
            and all(isinstance(o, int) for o in offsets)
            and 0 <= offsets[0] <= offsets[1] <= data_len
        ):
            raise ValueError(
                f"tensor {name!r} has data_offsets {offsets!r} outside the {data_len}-byte "
                f"data section (truncated file?)"
            )
        nbytes = math.prod(shape) * _ITEMSIZE[dtype]
        if offsets[1] - offsets[0] != nbytes:
            raise ValueError(
                f"tensor {name!r} of dtype {dtype} and shape {shape} needs {nbytes} bytes "
                f"but its data_offsets span {offsets[1] - offsets[0]}"
            )
        covered = max(covered, offsets[1])
    if covered != data_len:
        raise ValueError(f"the tensors cover {covered} bytes of a {data_len}-byte data section")
    return metadata


def _decode(node: Any, arrays: dict[str, np.ndarray]) -> Any:
    """Rebuild the object described by a TREE node from the file's arrays."""
    if not isinstance(node, dict):
        return node
    if len(node) != 1:
        raise ValueError(f"a tree node has keys {sorted(node)}, expected exactly one tag")
    ((tag, value),) = node.items()
    if tag in ("tensor", "ndarray"):
        if value not in arrays:
            raise ValueError(f"the tree names tensor {value!r}, which the file does not hold")
        return from_numpy(arrays[value]) if tag == "tensor" else arrays[value]
    if tag == "dict":
        return {key: _decode(v, arrays) for key, v in value}
    if tag in ("list", "tuple"):
        items = [_decode(v, arrays) for v in value]
        return items if tag == "list" else tuple(items)
    raise ValueError(f"unknown tree tag {tag!r}")


def _check_map_location(where: Any) -> None:
    """Accept every CPU placement PyTorch code passes; refuse a GPU, which retroprop lacks."""
    if where is None or callable(where):
        return
    targets = where.values() if isinstance(where, dict) else [where]
    for target in targets:
        if not str(target).startswith("cpu"):
            raise RuntimeError(
                f"load: map_location={where!r} asks for a {target} device, but retroprop runs "
                f"on the CPU only; use map_location='cpu' or leave it out"
            )


def _from_bytes(data: bytes, source: str) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """The metadata and arrays of a safetensors file held in memory."""
    buffer = io.BytesIO(data)
    try:
        metadata = _check_header(buffer, len(data))
    except ValueError as e:
        if data[:4].startswith(b"PK\x03\x04") or data[:1] == b"\x80":
            raise ValueError(f"load: {source} is not a safetensors file: {_PICKLE_HINT}") from None
        raise ValueError(f"load: {source} is not a valid retroprop/safetensors file: {e}") from None
    try:
        return metadata, safetensors.numpy.load(data)
    except safetensors.SafetensorError as e:
        raise ValueError(f"load: {source} is not a valid retroprop/safetensors file: {e}") from None


def _from_path(path: str) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """The metadata and arrays of a safetensors file on disk."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load: no such file: {path!r}")
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        try:
            metadata = _check_header(f, size)
        except ValueError as e:
            f.seek(0)
            start = f.read(4)
            if start.startswith(b"PK\x03\x04") or start[:1] == b"\x80":
                raise ValueError(
                    f"load: {path!r} is not a safetensors file: {_PICKLE_HINT}"
                ) from None
            raise ValueError(
                f"load: {path!r} is not a valid retroprop/safetensors file: {e}"
            ) from None
    try:
        return metadata, safetensors.numpy.load_file(path)
    except safetensors.SafetensorError as e:
        raise ValueError(f"load: {path!r} is not a valid retroprop/safetensors file: {e}") from None


def load(
    f: str | os.PathLike | BinaryIO,
    map_location: Any = None,
    *,
    weights_only: bool | None = None,
    **kwargs: Any,
) -> Any:
    """Read what :func:`save` wrote (or any safetensors file NumPy's dtypes can hold).

    Args:
        f: a path or a binary file object opened for reading (read from its position).
        map_location: accepted when it places everything on the CPU (None, ``'cpu'``, a CPU
            device, a dict or a function, as PyTorch's); a GPU raises RuntimeError.
        weights_only: accepted; a safetensors file holds only tensors and JSON values, so
            loading never runs code whatever its value.
        **kwargs: PyTorch's pickle options (``mmap``, ...), accepted and unused.

    Raises FileNotFoundError for a missing file and ValueError for a file that is not a
    valid safetensors file (saying why), including PyTorch pickle files, which are refused
    without being unpickled.

    Example::

        model.load_state_dict(rp.load("model.safetensors", map_location="cpu"))
    """
    _check_map_location(map_location)
    if _binary_file(f, "read", "load"):
        data = f.read()  # type: ignore[union-attr]
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"load: f.read() must give bytes, got {_type_name(data)}")
        source = repr(getattr(f, "name", type(f).__name__))
        metadata, arrays = _from_bytes(bytes(data), source)
    else:
        source = repr(os.fspath(f))  # type: ignore[arg-type]
        metadata, arrays = _from_path(os.fspath(f))  # type: ignore[arg-type]
    if "retroprop" not in metadata:
        return {name: from_numpy(a) for name, a in arrays.items()}
    try:
        info = json.loads(metadata["retroprop"])
        if not isinstance(info, dict) or info.get("version") != _VERSION or "tree" not in info:
            raise ValueError(f"expected {{'version': {_VERSION}, 'tree': ...}}")
        return _decode(info["tree"], arrays)
    except (json.JSONDecodeError, ValueError, TypeError) as e:
        raise ValueError(
            f"load: {source} is not a valid retroprop file: its 'retroprop' metadata is "
            f"broken ({e})"
        ) from None
