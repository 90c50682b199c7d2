"""Every Python example of docs/diy.md runs as written and trains: its loss history is finite
and ends below where it began."""

import re
from pathlib import Path

import numpy as np
import pytest

from retroprop.data.datasets import data_root

DOC = Path(__file__).resolve().parents[1] / "docs" / "diy.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_page_has_examples():
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_example_runs_and_trains(code, capsys):
    if "USPS" in code and not (data_root() / "usps").is_dir():
        pytest.skip("RETROPROP_DATA does not hold usps/")
    namespace: dict = {}
    exec(compile(code, str(DOC), "exec"), namespace)
    history = namespace.get("history")
    assert history is not None, "an example must train: it defines no history"
    assert np.isfinite(history).all() and history[-1] < history[0]
