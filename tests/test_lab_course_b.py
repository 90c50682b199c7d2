"""The course lessons of part B (issue 13) run with --quick and give their metric keys."""

import json
import math

import pytest
from threadpoolctl import threadpool_limits

from retroprop.data.datasets import dataset_folder
from retroprop.lab import run

KEYS = {
    "course.optimizers": [
        f"test_accuracy/{n}"
        for n in ("sgd", "momentum", "nesterov", "adam", "adamax", "rmsprop", "adadelta")
    ],
    "course.resnet": [
        "grad_ratio/plain",
        "grad_ratio/resnet",
        "test_accuracy/plain",
        "test_accuracy/resnet",
    ],
    "course.regularization": [f"gap/{v}" for v in ("none", "weight_decay", "dropout", "batchnorm")],
    "course.lstm": ["test_mse/lstm", "test_mse/rnn", "gate_check/max_gap_h"],
    "course.attention": ["sequence_accuracy", "token_accuracy"],
    "course.vae": ["test_elbo", "test_kl", "test_reconstruction"],
    "course.diffusion": [
        "classifier_confidence",
        "sliced_wasserstein/2d",
        "sliced_wasserstein/digits",
        "class_entropy",
    ],
}
MNIST = {"course.optimizers", "course.resnet", "course.regularization", "course.vae"}


@pytest.mark.parametrize("name", sorted(KEYS))
def test_quick_run_gives_its_metrics(name, tmp_path):
    if name in MNIST and not (dataset_folder("mnist") / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("MNIST is not in RETROPROP_DATA")
    with threadpool_limits(limits=1):
        run_dir = run(name, quick=True, out=tmp_path)
    results = json.loads((run_dir / "results.json").read_text())
    metrics = results["metrics"]
    for key in KEYS[name]:
        assert math.isfinite(metrics[key]), key
    for figure in results["figures"]:
        assert (run_dir / figure["path"]).stat().st_size > 0


def test_lstm_slide_equations_equal_nn_lstm():
    from retroprop.lab.experiments.course.lstm import gate_check

    gaps = gate_check(3)
    assert max(gaps.values()) < 1e-12


def test_sliced_wasserstein_is_zero_on_itself_and_grows_with_a_shift():
    import numpy as np

    from retroprop.lab.experiments.course._b_ddpm import sliced_wasserstein

    a = np.random.default_rng(0).normal(size=(500, 3))
    assert sliced_wasserstein(a, a, 64, 0) == 0.0
    assert sliced_wasserstein(a, a + 1.0, 64, 0) > 0.5
    with pytest.raises(ValueError, match="same shape"):
        sliced_wasserstein(a, a[:10], 64, 0)
