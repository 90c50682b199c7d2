"""The semi-supervised GAN experiments in quick mode: the metric keys and their sanity, the
label draw of the protocol, and a run paused by its time budget then resumed to the same
numbers as a run never interrupted."""

import json

import numpy as np
import pytest

from retroprop import lab
from retroprop.lab.experiments.ssl_gan import _data


def _results(run_dir):
    return json.loads((run_dir / "results.json").read_text())


@pytest.fixture(scope="module")
def mlp_run(tmp_path_factory):
    return lab.run("ssl_gan.mlp", quick=True, out=tmp_path_factory.mktemp("mlp"))


def test_label_draw_is_ten_per_class_decided_by_the_seed_and_disjoint_from_validation():
    a, b, c = (_data.load(s, n_val=100, n_train=2000, n_test=10) for s in (0, 0, 1))
    assert np.bincount(a.y_lab, minlength=10).tolist() == [10] * 10
    np.testing.assert_array_equal(a.x_lab, b.x_lab)
    assert not np.array_equal(a.x_lab, c.x_lab)
    # validation images are neither labelled nor unlabelled training images
    train = {row.tobytes() for row in a.x_unl}
    assert not any(row.tobytes() in train for row in a.x_val)
    assert all(row.tobytes() in train for row in a.x_lab)


def test_mlp_quick_run_reports_the_protocols_metrics(mlp_run):
    metrics = _results(mlp_run)["metrics"]
    for key in ("test_accuracy", "test_errors", "epoch_s", "wall_s", "accuracy_at_epoch/2"):
        assert key in metrics
    assert 0.0 <= metrics["test_accuracy"] <= 1.0
    assert metrics["test_errors"] == round((1 - metrics["test_accuracy"]) * 500)
    # two epochs on 600 images with 100 labels already beat chance by far
    assert metrics["test_accuracy/raw"] > 0.3
    assert metrics["epoch_s"] > 0 and metrics["wall_s"] >= 2 * metrics["epoch_s"]
    for name in ("samples_epoch002.png", "confusion.png", "features_pca.png", "accuracy.png"):
        assert (mlp_run / "figures" / name).is_file()


def test_mlp_paused_by_its_budget_resumes_to_the_same_numbers(mlp_run, tmp_path):
    with pytest.raises(lab.RunPaused):
        lab.run("ssl_gan.mlp", quick=True, out=tmp_path, max_minutes=1e-6)
    resumed = lab.run("ssl_gan.mlp", out=tmp_path, resume=True)
    got, want = _results(resumed)["history"], _results(mlp_run)["history"]
    for key in ("loss_lab", "loss_gen", "test_accuracy", "test_accuracy/raw"):
        assert got[key] == want[key], key


def test_cnn_quick_run_reports_the_protocols_metrics(tmp_path):
    metrics = _results(lab.run("ssl_gan.cnn", quick=True, out=tmp_path))["metrics"]
    for key in ("test_accuracy", "test_errors", "epoch_s", "wall_s", "accuracy_at_epoch/1"):
        assert key in metrics
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["ms_per_step"] > 0


def test_baseline_quick_run_reports_the_four_models(tmp_path):
    metrics = _results(lab.run("ssl_gan.baseline", quick=True, out=tmp_path))["metrics"]
    for kind in ("mlp", "cnn"):
        for recipe in ("document", "tuned"):
            assert 0.0 <= metrics[f"test_accuracy/{kind}_{recipe}"] <= 1.0
    assert metrics["test_accuracy"] == metrics["test_accuracy/cnn_tuned"]
    # the document's recipe learns something from 70 images in two epochs of three steps
    assert metrics["test_accuracy/mlp_document"] > 0.2


def test_random_shift_moves_each_image_by_whole_pixels_within_the_bound():
    rng = np.random.default_rng(0)
    images = np.zeros((50, 28, 28), np.float32)
    images[:, 14, 14] = 1.0
    moved = _data.random_shift(images.reshape(50, 784), rng, 2).reshape(50, 28, 28)
    where = np.argmax(moved.reshape(50, -1), 1)
    assert moved.sum() == 50
    assert set(where // 28) <= set(range(12, 17)) and set(where % 28) <= set(range(12, 17))
    assert len(np.unique(where)) > 5
