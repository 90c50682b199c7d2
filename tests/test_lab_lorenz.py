"""The Lorenz lab experiments, each run with --quick: metric keys and sanity, on the classic
system and on a non-classic one (sigma 16, rho 45.92, beta 4)."""

import json
from pathlib import Path

import numpy as np
import pytest

from retroprop import lab
from retroprop.dynamics import METHODS

OTHER = {"sigma": 16.0, "rho": 45.92, "beta": 4.0, "x0": [9.89, 19.47, 14.76]}


def quick(name: str, tmp_path: Path, **settings) -> dict:
    """The metrics of a quick run of ``name`` (seed 0), after checking its folder."""
    folder = lab.run(name, quick=True, out=tmp_path, settings=settings or None, verbose=0)
    results = json.loads((folder / "results.json").read_text())
    for figure in results["figures"]:
        assert (folder / figure["path"]).is_file()
    assert (folder / "report.md").is_file()
    return results["metrics"]


@pytest.mark.parametrize("system", [{}, OTHER], ids=["classic", "other"])
def test_simulate_matches_dop853(tmp_path, system):
    m = quick("lorenz.simulate", tmp_path, **system)
    assert m["rk4_vs_dop853_max_err"] < 1e-5
    assert m["rk4_vs_dop853_max_rel_err"] < 1e-7
    assert 3.7 < m["rk4_order"] < 4.3
    assert m["many_trajectories_finite"] and m["samples/dt=0.01"] == 501
    assert m["mean/z"] > 10  # z oscillates about rho - 1 on the wings


def test_identify_reports_every_method_dt_and_noise(tmp_path):
    m = quick("lorenz.identify", tmp_path)
    for method in METHODS:
        for dt in ("0.001", "0.1"):
            for noise in ("0", "1"):
                tail = f"{method}/dt={dt}/noise={noise}"
                for kind in ("param_rmse", "coef_rmse", "nnz", "fit_s", "attractor_ok", "lambda1"):
                    assert f"{kind}/{tail}" in m, f"{kind}/{tail}"
                assert 0 <= m[f"nnz/{tail}"] <= 30
    assert m["param_rmse/weak_sindy/dt=0.001/noise=0"] <= 1e-6
    assert m["param_rmse/rk4_fit/dt=0.001/noise=0"] <= 1e-6
    assert m["param_rmse/stlsq/dt=0.001/noise=0"] <= 2e-3
    assert m["param_rmse/ridge/dt=0.1/noise=0"] > 1  # the document's failure at dt = 0.1
    assert m["param_rmse/rk4_fit/dt=0.1/noise=0"] < 0.1
    assert isinstance(m["attractor_ok/rk4_fit/dt=0.001/noise=0"], bool)
    assert 0.5 < m["lambda1/true"] < 1.5


def test_identify_on_a_non_classic_system(tmp_path):
    methods = ["stlsq", "weak_sindy", "rk4_fit"]
    m = quick("lorenz.identify", tmp_path, methods=methods, noises=[0.0], **OTHER)
    assert m["param_rmse/weak_sindy/dt=0.001/noise=0"] <= 1e-6
    assert m["param_rmse/rk4_fit/dt=0.001/noise=0"] <= 1e-6
    assert m["param_rmse/rk4_fit/dt=0.1/noise=0"] < 0.5
    # headline keys of methods not run are reported as missing, not invented
    assert m["param_rmse/stlsq/dt=0.1/noise=0"] is not None
    assert "param_rmse/ridge/dt=0.1/noise=0" not in m


def test_identify_refuses_an_unknown_method(tmp_path):
    with pytest.raises(ValueError, match="unknown methods"):
        quick("lorenz.identify", tmp_path, methods=["sindy"])


@pytest.mark.parametrize("system", [{}, OTHER], ids=["classic", "other"])
def test_lyapunov_spectrum_adds_up_and_series_estimators_report(tmp_path, system):
    m = quick("lorenz.lyapunov", tmp_path, **system)
    sigma, beta = system.get("sigma", 10.0), system.get("beta", 8 / 3)
    assert m["benettin/sum_expected"] == pytest.approx(-(sigma + 1 + beta))
    assert m["benettin/sum_error"] < 1e-3
    assert m["benettin/lambda1"] > 0.5 and abs(m["benettin/lambda2"]) < 0.2
    assert m["benettin/lambda3"] < -10
    for c in "xyz":
        for dt in ("0.01", "0.1"):
            assert np.isfinite(m[f"rosenstein/{c}/n=400/dt={dt}/noise=0"])
            assert m[f"eckmann/{c}/n=400/dt={dt}/noise=0"] > 0
    assert m["eckmann/x/n=1000/dt=0.1/noise=0"] is None  # not run on --quick's lengths
