"""``rp.onnx``: present so that scripts importing ``torch.onnx`` run; exporting is refused.

retroprop records no graph it could serialise as ONNX (its graph is built of Python objects
during each forward). Share a model's weights instead: ``rp.save(model.state_dict(), path)``
writes a safetensors file that PyTorch reads with ``safetensors.torch.load_file``.
"""

from __future__ import annotations

from typing import Any


def export(model: Any, args: Any = None, f: Any = None, *rest: Any, **kwargs: Any) -> None:
    """Refused: retroprop cannot write ONNX graphs (see the module's docstring)."""
    raise NotImplementedError(
        f"onnx.export: retroprop cannot export {type(model).__name__} to ONNX (it builds no "
        "serialisable graph); save its weights with rp.save(model.state_dict(), "
        "'model.safetensors'), which PyTorch loads with safetensors.torch.load_file"
    )
