"""The course lessons of part A (issue 13), each run with --quick: their metric keys, and
numbers that already meet the exactness targets or are sane."""

import json
import os
from pathlib import Path

import pytest

from retroprop import lab


def quick(name: str, root: Path, **settings) -> dict:
    folder = lab.run(name, quick=True, out=root, settings=settings or None, verbose=0)
    results = json.loads((folder / "results.json").read_text())
    for figure in results["figures"]:
        assert (folder / figure["path"]).is_file(), figure
    assert results["notes"] and results["quick"]
    return results["metrics"]


def test_backprop_hand_formulas_equal_the_engine(tmp_path):
    m = quick("course.backprop", tmp_path)
    assert m["max_gap_vs_hand_formulas"] <= 1e-12
    assert m["max_gap_activation_derivatives"] <= 1e-12
    for key in ("W1", "b1", "W3", "dY~3", "dY~1"):
        assert m[f"gap/step0/{key}"] <= 1e-12
    assert m["relu'(0): engine"] == 0.0
    assert m["final loss L"] < m["initial loss L"]


def test_softmax_ce_gradient_is_s_minus_p(tmp_path):
    m = quick("course.softmax_ce", tmp_path)
    assert m["max_abs_diff"] <= 1e-12 and m["max_abs_diff/soft_labels"] <= 1e-12
    assert m["max_abs_diff/finite_diff"] <= 1e-6
    assert m["softmax_jacobian_gap"] <= 1e-12
    # float32: the composed form breaks where the fused loss stays at rounding
    assert m["float32 composed form: first nan at |logit|"] < 200
    assert m["float32 fused form: largest error"] < 1e-5


def test_gd_modes_compares_the_three_update_rules(tmp_path):
    m = quick("course.gd_modes", tmp_path)
    for mode in ("online", "batch", "minibatch"):
        assert 0 < m[f"final_loss/{mode}"] < m["initial_loss"] and m[f"time_s/{mode}"] > 0
    assert m["updates/online"] == 128 * 3 and m["updates/batch"] == 3
    assert m["updates/minibatch"] == 4 * 3  # 128 points in batches of 32
    # per epoch, the rule that updates more often goes further
    assert m["final_loss/online"] < m["final_loss/minibatch"] < m["final_loss/batch"]


def test_sgd_convergence_variance_meets_the_formulas(tmp_path):
    m = quick("course.sgd_convergence", tmp_path)
    assert m["var_rel_err/constant"] <= 0.05
    assert m["var_rel_err/harmonic"] <= 0.05
    assert m["var/harmonic"] < m["var/rho=0.02"] < m["var/rho=0.1"] < m["var/rho=1.9"]
    assert abs(m["mean/rho=0.1"] - 1.0) < 0.05


def test_universal_approx_error_falls_with_the_width(tmp_path):
    m = quick("course.universal_approx", tmp_path)
    errors = [m[f"max_error/width={w}"] for w in (2, 8, 64)]
    assert errors[0] > errors[1] > errors[2] > 0
    assert m["rmse/width=64"] < 0.1


def test_iris_numpy_equals_retroprop_step_by_step(tmp_path):
    m = quick("course.iris_numpy", tmp_path)
    assert m["max_weight_diff"] <= 1e-10
    assert m["test_accuracy"] == m["test_accuracy numpy"]
    assert abs(m["final loss numpy"] - m["final loss retroprop"]) < 1e-12
    assert m["steps"] == 3 * 120


def test_cnn_params_counts_the_slides_cnn_and_alexnet(tmp_path):
    m = quick("course.cnn_params", tmp_path)
    assert m["total_params"] == 56320
    assert [m[f"params/{k}"] for k in ("conv2d", "conv2d_1", "conv2d_2")] == [896, 18496, 36928]
    assert m["shape/conv2d"] == "30x30x32" and m["shape/conv2d_2"] == "4x4x64"
    assert m["layers matching the slides"] == "5 / 5"
    assert m["worked convolution: first output"] == -25
    assert m["alexnet sizes equal the formula"] is True
    assert m["alexnet/conv1"] == "96x55x55" and m["alexnet/pool3"] == "256x6x6"
    assert m["alexnet_params"] == 62378344


@pytest.mark.skipif(
    not (Path(os.environ.get("RETROPROP_DATA", "/nonexistent")) / "mnist").is_dir(),
    reason="RETROPROP_DATA does not hold MNIST",
)
def test_fgsm_lowers_the_accuracy_as_eps_grows(tmp_path):
    m = quick("course.fgsm", tmp_path)
    eps = (0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
    fgsm = [m[f"accuracy/eps={e:g}"] for e in eps]
    assert fgsm[0] == m["clean test accuracy"] > 0.8
    assert all(a >= b for a, b in zip(fgsm, fgsm[1:])) and fgsm[-1] < 0.2
    # the gradient's direction, not the size of the change, does the damage
    assert m["accuracy_random_sign/eps=0.1"] > fgsm[2] + 0.3
