"""The code of docs/layers-residual.md runs as written (its blocks in order, one namespace);
the page's own asserts check shapes, parameter counts, gradients, training and PyTorch parity."""

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[1] / "docs" / "layers-residual.md"


def test_residual_block_page_runs():
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)
    assert len(blocks) == 4
    namespace: dict = {}
    for code in blocks:
        exec(compile(code, str(PAGE), "exec"), namespace)
    assert namespace["losses"][-1] < namespace["losses"][0]
