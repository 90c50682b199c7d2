"""lorenz.gan with --quick: its metric keys, and numbers that must hold even untrained (real
series obey the equations, distances and exponents are finite), on the classic system, on
another one, with the 1-D convolutional model and with the generator of initial states."""

import json
import math

import numpy as np
import pytest

import retroprop as rp
from retroprop import lab
from retroprop.lab.experiments.lorenz import _gan_data, _gan_train, gan

COORDS = ("x", "y", "z")


def quick(root, **settings) -> dict:
    folder = lab.run("lorenz.gan", quick=True, out=root, settings=settings or None, verbose=0)
    results = json.loads((folder / "results.json").read_text())
    for figure in results["figures"]:
        assert (folder / figure["path"]).is_file(), figure
    assert results["notes"] and results["quick"]
    assert (folder / "checkpoints" / "train" / "last.safetensors").is_file()
    return results["metrics"]


def check(m: dict, exact: bool = False) -> None:
    for name in ("eckmann", "rosenstein"):
        for c in COORDS:
            for kind in ("generated", "real", "real_std"):
                assert math.isfinite(m[f"{name}/{c}/{kind}"]), (name, c, kind)
            assert m[f"{name}_z/{c}"] >= 0
        assert m[f"{name}/x/real_std"] > 0
    for key in ("state_kl", "start_kl", "spectrum_hellinger"):
        assert m[f"{key}/real_vs_real"] > 0 and m[f"{key}/generated"] > 0
    # real starts lie on the attractor (its sampling's resolution), G's not closer
    assert 0 < m["x0_distance/real"] < 1 and m["x0_distance/generated"] > 0
    # real series obey the equations up to the encoding's float32 rounding; G's do not yet,
    # unless the integrator writes them (exact)
    assert m["residual/real"] < 1e-5
    assert m["residual/generated"] < 1e-5 if exact else m["residual/generated"] > 0.1
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


def test_quick_integrator_model(tmp_path):
    check(quick(tmp_path, model="integrator"), exact=True)


def test_quick_integrator_model_on_another_lorenz_system(tmp_path):
    m = quick(
        tmp_path,
        model="integrator",
        sigma=16.0,
        rho=45.92,
        beta=4.0,
        x0=[9.89, 19.47, 14.76],
        window=8,
    )
    check(m, exact=True)


def integrator_setup(**settings):
    config = {**gan.EXPERIMENT.config, **gan.EXPERIMENT.quick, "seed": 0, "model": "integrator"}
    config.update(settings)
    data = _gan_data.simulate(config)
    codec = _gan_data.Codec(data.train, "integrator")
    return config, codec, _gan_train.build(config, codec.encode(data.train), codec)


def test_integrator_generator_windows_start_at_its_state_and_carry_the_gradient():
    config, codec, state = integrator_setup(n_train=8)
    z = rp.tensor(np.random.default_rng(0).standard_normal((8, 100)).astype(np.float32))
    windows = state.gen(z)
    assert windows.shape == (8, 3, config["window"])
    # the first sample is G's state in the codec's scaled units
    x0 = state.gen.initial_state(z).detach().numpy()
    lo, hi = codec.images.lo, codec.images.hi
    np.testing.assert_allclose(
        windows.detach().numpy()[:, :, 0], 2 * (x0 - lo) / (hi - lo) - 1, atol=1e-5
    )
    windows.sum().backward()
    grad = state.gen.net[0].weight.grad
    assert grad is not None and np.all(np.isfinite(grad.numpy())) and np.abs(grad.numpy()).max() > 0


def test_integrator_evaluation_series_start_at_gs_states_without_transient():
    config, codec, state = integrator_setup(n_train=8)
    samples = _gan_train.generate(state, config, codec, 8, seed=3)
    assert samples.shape == (8, 3, config["n_samples"])
    z = np.random.default_rng(3).standard_normal((8, 100)).astype(np.float32)
    with rp.no_grad():
        x0 = state.gen.initial_state(rp.tensor(z)).numpy()
    np.testing.assert_allclose(codec.decode(samples)[:, 0], x0, rtol=1e-5, atol=1e-4)


def test_integrator_window_must_fit_the_discriminator():
    with pytest.raises(ValueError, match="window must be in"):
        integrator_setup(n_train=8, window=2000)
    with pytest.raises(ValueError, match="seq_discriminator: length must be"):
        integrator_setup(n_train=8, window=12)


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
