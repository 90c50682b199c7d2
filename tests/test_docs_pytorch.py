"""The code of docs/pytorch.md runs as written (its blocks in order, one namespace); the
page's asserts check the dtype rules, the checkpoint round trip and the device choice."""

import re
import textwrap
from pathlib import Path

PAGE = Path(__file__).resolve().parents[1] / "docs" / "pytorch.md"


def test_coming_from_pytorch_page_runs():
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)
    assert len(blocks) == 4
    namespace: dict = {}
    for code in blocks:
        exec(compile(textwrap.dedent(code), str(PAGE), "exec"), namespace)
    assert namespace["checkpoint"]["epoch"] == 4
    assert namespace["loss"].item() > 0
