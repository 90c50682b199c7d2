"""The DIY report's lab experiments, each run with --quick: its metrics' keys and sanity."""

import json
from pathlib import Path

import numpy as np
import pytest

from retroprop import lab
from retroprop.data.datasets import data_root
from retroprop.lab.experiments.diy._autoencoder import diy_autoencoder, nn_autoencoder
from retroprop.lab.experiments.diy._common import shift_digits


def quick(name: str, tmp_path: Path, **settings) -> dict:
    """The metrics of a quick run of ``name`` (seed 0), after checking its folder."""
    folder = lab.run(name, quick=True, out=tmp_path, settings=settings or None, verbose=0)
    results = json.loads((folder / "results.json").read_text())
    for figure in results["figures"]:
        assert (folder / figure["path"]).is_file()
    assert (folder / "report.md").is_file()
    return results["metrics"]


def needs(name: str):
    return pytest.mark.skipif(
        not (data_root() / name).is_dir(), reason=f"RETROPROP_DATA does not hold {name}/"
    )


def test_linear_matches_scikit_learn(tmp_path):
    m = quick("diy.linear", tmp_path)
    assert m["coef_rel_diff"] <= 1e-3 and m["coef_rel_diff/nn_lbfgs"] <= 1e-3
    assert m["intercept_abs_diff"] < 1e-2
    assert np.isfinite(m["final_mse"])


def test_nonlinear_separates_both_sets(tmp_path):
    m = quick("diy.nonlinear", tmp_path)
    for kind in ("separable", "xor"):
        for key in (f"{kind}_test_accuracy", f"{kind}_test_accuracy/nn"):
            assert 0.5 <= m[key] <= 1
        assert m[f"{kind}_bayes_accuracy"] > 0.98
    assert m["separable_test_accuracy"] > 0.95


def test_sequential_reports_every_network(tmp_path):
    m = quick("diy.sequential", tmp_path)
    for name in ("xor4", "xor_deep", "xor50", "checkerboard"):
        assert 0 <= m[f"{name}_test_accuracy"] <= 1
    assert 0 <= m["checkerboard_test_accuracy/nn"] <= 1
    assert m["xor4_test_accuracy"] > 0.6


@needs("usps")
def test_multiclass_runs_the_reports_code_on_usps(tmp_path):
    m = quick("diy.multiclass", tmp_path)
    for key in ("test_accuracy", "test_accuracy_best", "test_accuracy/nn_same_architecture"):
        assert 0.1 <= m[key] <= 1
    assert m["test_accuracy"] > 0.3  # 3 epochs on 500 digits: above chance


def test_conv1d_classifies_iris(tmp_path):
    m = quick("diy.conv1d", tmp_path)
    assert 0.3 <= m["test_accuracy"] <= 1 and 0.3 <= m["test_accuracy/nn"] <= 1
    assert 0 <= m["train_accuracy"] <= 1


@needs("usps")
def test_conv2d_runs_the_reports_cnn(tmp_path):
    m = quick("diy.conv2d", tmp_path)
    for key in ("test_accuracy", "test_accuracy/ce", "test_accuracy/nn"):
        assert 0 <= m[key] <= 1


@needs("usps")
def test_autoencoder_scores_both_initialisations(tmp_path):
    m = quick("diy.autoencoder", tmp_path)
    for tag in ("report_init", "uniform_init", "nn"):
        assert 0 < m[f"test_bce/{tag}"] < 2 and 0 < m[f"test_psnr/{tag}"] < 60


def test_autoencoder_stacks_mirror_the_encoder():
    model = diy_autoencoder((140, 32, 16, 8))
    X = np.random.default_rng(0).random((5, 140))
    assert model.encode(X).shape == (5, 8) and model.forward(X).shape == (5, 140)
    assert model.forward(X).min() > 0 and model.forward(X).max() < 1  # Sigmoide output
    names = [type(m).__name__ for m in nn_autoencoder((256, 32, 10), sigmoid=True)]
    assert names == ["Linear", "Tanh"] * 3 + ["Linear", "Sigmoid"]


@needs("usps")
def test_denoise_scores_every_noise_level(tmp_path):
    m = quick("diy.denoise", tmp_path)
    for level in (0.2, 0.5, 1.0):
        for key in ("psnr_noisy", "psnr_denoised"):
            assert 0 < m[f"{key}/{level}"] < 40
        assert 0 < m[f"psnr_denoised/{level}/nn"] < 40
    assert m["psnr_noisy/0.2"] > m["psnr_noisy/0.5"] > m["psnr_noisy/1.0"]
    gains = [m[f"psnr_denoised/{lv}"] - m[f"psnr_noisy/{lv}"] for lv in (0.2, 0.5, 1.0)]
    assert m["psnr_gain_min"] == pytest.approx(min(gains))


@needs("ecg5000")
def test_anomaly_scores_normal_against_abnormal_beats(tmp_path):
    m = quick("diy.anomaly", tmp_path)
    for suffix in ("", "/nn"):
        for key in ("accuracy", "precision", "recall", "f1", "roc_auc"):
            assert 0 <= m[key + suffix] <= 1
        assert m["threshold" + suffix] > 0
    p, r = m["precision"], m["recall"]
    assert m["f1"] == pytest.approx(2 * p * r / (p + r))


@needs("usps")
def test_clustering_scores_raw_pixels_and_codes(tmp_path):
    m = quick("diy.clustering", tmp_path)
    for tag in ("raw", "code", "code/nn"):
        assert -0.5 <= m[f"ari_{tag}"] <= 1 and 0 <= m[f"nmi_{tag}"] <= 1
    assert m["nmi_raw"] > 0.3  # k-means on 200 raw digits finds some of them
    gain = min(m["ari_code"] - m["ari_raw"], m["nmi_code"] - m["nmi_raw"])
    assert m["code_gain_min"] == pytest.approx(gain)


def test_shift_digits_moves_each_image_by_at_most_one_pixel():
    X = np.random.default_rng(0).random((50, 1, 16, 16)).astype(np.float32)
    S = shift_digits(X, np.random.default_rng(1), background=-1.0)
    assert S.shape == X.shape and S.dtype == X.dtype
    moves = set()
    for x, s in zip(X[:, 0], S[:, 0], strict=True):
        padded = np.pad(x, 1, constant_values=-1.0)
        windows = [(i, j) for i in range(3) for j in range(3)]
        found = [(i, j) for i, j in windows if (padded[i : i + 16, j : j + 16] == s).all()]
        assert found, "each output is its input moved by -1, 0 or +1 pixel"
        moves.add(found[0])
    assert len(moves) > 4  # drawn per image
