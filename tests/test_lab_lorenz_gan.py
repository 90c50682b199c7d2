"""lorenz.gan with --quick: its metric keys, and numbers that must hold even untrained (real
series obey the equations, distances and exponents are finite), on the classic system, on
another one, and with the 1-D convolutional model."""

import json
import math

import pytest

from retroprop import lab

COORDS = ("x", "y", "z")


def quick(root, **settings) -> dict:
    folder = lab.run("lorenz.gan", quick=True, out=root, settings=settings or None, verbose=0)
    results = json.loads((folder / "results.json").read_text())
    for figure in results["figures"]:
        assert (folder / figure["path"]).is_file(), figure
    assert results["notes"] and results["quick"]
    assert (folder / "checkpoints" / "train" / "last.safetensors").is_file()
    return results["metrics"]


def check(m: dict) -> None:
    for name in ("eckmann", "rosenstein"):
        for c in COORDS:
            for kind in ("generated", "real", "real_std"):
                assert math.isfinite(m[f"{name}/{c}/{kind}"]), (name, c, kind)
            assert m[f"{name}_z/{c}"] >= 0
        assert m[f"{name}/x/real_std"] > 0
    for key in ("state_kl", "spectrum_hellinger"):
        assert m[f"{key}/real_vs_real"] > 0 and m[f"{key}/generated"] > 0
    # real series obey the equations up to the encoding's float32 rounding; G's do not yet
    assert m["residual/real"] < 1e-5 < 0.1 < m["residual/generated"]
    assert m["n_generated"] == 8 and m["n_real_test"] == 8


def test_quick_dcgan_on_the_classic_system(tmp_path):
    m = quick(tmp_path)
    check(m)
    # the real series' Eckmann exponents at dt = 0.1 are positive, several times lambda1
    assert all(m[f"eckmann/{c}/real"] > 1.5 for c in COORDS)


def test_quick_on_another_lorenz_system(tmp_path):
    check(quick(tmp_path, sigma=16.0, rho=45.92, beta=4.0, x0=[9.89, 19.47, 14.76]))


def test_quick_conv1d_model(tmp_path):
    check(quick(tmp_path, model="conv1d"))


def test_unknown_model_is_refused(tmp_path):
    with pytest.raises(ValueError, match="lorenz.gan: model must be one of"):
        lab.run("lorenz.gan", quick=True, out=tmp_path, settings={"model": "mlp"}, verbose=0)


def test_paused_and_resumed_run_ends_as_an_uninterrupted_one(tmp_path, capsys):
    from retroprop.cli import main

    whole = lab.run("lorenz.gan", quick=True, out=tmp_path / "a", verbose=0)
    args = ["lab", "run", "lorenz.gan", "--out", str(tmp_path / "b")]
    assert main([*args, "--quick", "--max-minutes", "1e-6"]) == 0
    assert "continues it" in capsys.readouterr().err
    assert main([*args, "--resume"]) == 0
    (paused,) = (tmp_path / "b" / "runs" / "lorenz.gan").iterdir()
    a = json.loads((whole / "results.json").read_text())
    b = json.loads((paused / "results.json").read_text())
    timings = {"simulate_s", "train_s", "epoch_s", "final_eval_s"}
    assert {k: v for k, v in a["metrics"].items() if k not in timings} == {
        k: v for k, v in b["metrics"].items() if k not in timings
    }
    assert a["history"] == b["history"] and len(b["history"]["loss_g"]) == 2
