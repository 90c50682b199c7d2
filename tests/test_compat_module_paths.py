"""Every PyTorch module path that retroprop mirrors is one module object, however it is
imported: ``import retroprop.utils.data.dataloader`` must not load a second copy of the
DataLoader's module (a second, different DataLoader class)."""

import importlib
import subprocess
import sys

import pytest

import retroprop as rp

# PyTorch's path (with torch -> retroprop) -> the module that holds it
PATHS = {
    "retroprop.utils.data": "retroprop.data",
    "retroprop.utils.data.dataloader": "retroprop.data.dataloader",
    "retroprop.utils.data.dataset": "retroprop.data.dataset",
    "retroprop.utils.data.sampler": "retroprop.data.sampler",
    "retroprop.nn.functional": "retroprop.nn.functional",
    "retroprop.nn.init": "retroprop.nn.init",
    "retroprop.nn.parameter": "retroprop.nn.parameter",
    "retroprop.nn.utils": "retroprop.nn.utils",
    "retroprop.nn.utils.clip_grad": "retroprop.nn.utils.clip_grad",
    "retroprop.nn.utils.parametrize": "retroprop.nn.utils.parametrize",
    "retroprop.nn.utils.parametrizations": "retroprop.nn.utils.parametrizations",
    "retroprop.nn.utils.rnn": "retroprop.nn.utils.rnn",
    "retroprop.optim.lr_scheduler": "retroprop.optim.lr_scheduler",
    "retroprop.optim.optimizer": "retroprop.optim.optimizer",
}


@pytest.mark.parametrize("path", sorted(PATHS))
def test_each_path_imports_the_one_module(path):
    assert importlib.import_module(path) is importlib.import_module(PATHS[path])


def test_attribute_access_and_import_give_the_same_classes():
    import retroprop.utils.data.dataloader as dl
    import retroprop.utils.data.sampler as sm
    from retroprop.utils.data import DataLoader, RandomSampler

    assert dl.DataLoader is DataLoader is rp.data.DataLoader is rp.utils.data.DataLoader
    assert sm.RandomSampler is RandomSampler is rp.data.RandomSampler
    assert rp.utils.data.dataloader is dl and rp.data.dataloader is dl
    assert rp.nn.functional is importlib.import_module("retroprop.nn.functional")


SCRIPT = """
import sys
from retroprop.utils.data.dataloader import DataLoader
from retroprop.utils.data.dataset import TensorDataset
from retroprop.utils.data.sampler import BatchSampler
import retroprop
assert DataLoader is retroprop.data.DataLoader, "a second DataLoader class"
assert TensorDataset is retroprop.data.TensorDataset
assert BatchSampler is retroprop.data.BatchSampler
for name in ("dataloader", "dataset", "sampler"):
    assert sys.modules["retroprop.utils.data." + name] is sys.modules["retroprop.data." + name]
print("ok")
"""


def test_a_fresh_interpreter_importing_the_torch_path_first_gets_one_module():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
