"""The lab: the registry, the runner's run folders (config, results, report, checkpoint,
figures, resume), the collected report, and the course experiments' numbers."""

import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import retroprop as rp
from retroprop import lab
from retroprop.lab.registry import Experiment, LabError, Metric, Reference, Results
from retroprop.lab.report import run_folders
from retroprop.lab.runner import new_run_folder


def quick_run(name: str, root: Path, **kw) -> Path:
    return lab.run(name, quick=True, out=root, **kw)


def links(page: str) -> list[str]:
    return re.findall(r"\]\(([^)]+)\)", page)


@pytest.fixture(scope="module")
def xor_root(tmp_path_factory) -> Path:
    """A folder whose runs/ holds one quick run of course.xor (seed 3); tests only read it."""
    root = tmp_path_factory.mktemp("xor")
    quick_run("course.xor", root, seed=3)
    return root


@pytest.fixture(scope="module")
def neuron_root(tmp_path_factory) -> Path:
    """A folder whose runs/ holds one full run of course.neuron; tests only read it."""
    root = tmp_path_factory.mktemp("neuron")
    lab.run("course.neuron", out=root)
    return root


def test_registry_finds_the_course_experiments():
    found = lab.all_experiments()
    assert {"course.neuron", "course.xor"} <= set(found)
    for name, exp in found.items():
        assert exp.name == name and "\n" not in exp.description and exp.description
        assert set(exp.quick) <= set(exp.config)
        refs = [r for m in exp.metrics for r in (m.document, m.anchor) if r is not None]
        assert exp.metrics and all(isinstance(r, Reference) and r.document for r in refs)


def test_registry_rejects_bad_declarations_and_unknown_names():
    def run(config, ctx):
        return Results({})

    with pytest.raises(ValueError, match="family.name"):
        Experiment("xor", "d", {"epochs": 1}, {}, run)
    with pytest.raises(ValueError, match="quick overrides settings that config lacks"):
        Experiment("a.b", "d", {"epochs": 1}, {"lr": 0.1}, run)
    exp = Experiment("a.b", "d", {"epochs": 1}, {}, run)
    assert exp.settings(epochs=3) == {"epochs": 3}
    with pytest.raises(LabError, match="a.b has no setting 'lr'"):
        exp.settings(lr=0.1)
    with pytest.raises(ValueError, match=r"\['seed'\] are set by the runner"):
        Experiment("a.b", "d", {"seed": 1}, {}, run)
    with pytest.raises(ValueError, match="setting 'h'.*share one type"):
        Experiment("a.b", "d", {"h": [1, "a"]}, {}, run)
    with pytest.raises(ValueError, match="setting 'h'.*non-empty"):
        Experiment("a.b", "d", {"h": []}, {}, run)
    with pytest.raises(ValueError, match="direction must be"):
        Metric("m", "up")
    with pytest.raises(LabError, match="unknown experiment 'course.xr'. Did you mean course.xor"):
        lab.get("course.xr")


def test_quick_run_writes_config_results_report_checkpoint_and_figures(xor_root):
    (run_dir,) = run_folders(xor_root / "runs" / "course.xor")
    assert re.fullmatch(r"\d{8}-\d{6}", run_dir.name)
    config = json.loads((run_dir / "config.json").read_text())
    assert config == {
        "experiment": "course.xor", "lr": 0.1, "epochs": 200, "bias_init": 0.0, "quick": True,
        "seed": 3,
    }  # fmt: skip
    results = json.loads((run_dir / "results.json").read_text())
    assert results["experiment"] == "course.xor" and results["wall_time_s"] > 0
    assert results["seeds"] == [3] and results["quick"] is True
    (w1,) = [h for h in results["headline"] if h["key"] == "initial W1"]
    assert w1["document"]["value"] == results["metrics"]["initial W1"]
    prov = results["provenance"]
    assert prov["numpy"] == np.__version__ and prov["cpu"] and prov["threads"] >= 1
    assert prov["blas"] and {"library", "version", "kernel", "threads"} <= set(prov["blas"][0])
    assert prov["commit"] is None or len(prov["commit"]) == 40
    assert len(results["history"]["loss J: with biases"]) == 200
    for fig in results["figures"]:
        assert (run_dir / fig["path"]).is_file()
    suffixes = sorted(Path(f["path"]).suffix for f in results["figures"])
    assert suffixes.count(".png") == 3 and len(suffixes) == 5  # + 2 graphs, .svg or .dot
    state = rp.load(run_dir / "model.safetensors")
    assert set(state) == {"without_biases", "with_biases"}
    assert set(state["with_biases"]) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    report = (run_dir / "report.md").read_text()
    assert report.startswith("# course.xor (quick run")
    assert "| metric | ours | source document | best published | target | met |" in report
    assert "| with biases: accuracy | 1 | — | — | ≥ 1 | met |" in report
    assert "| initial W1 | [[0.5, -0.3], [0.7, -0.1]] | [[0.5, -0.3], [0.7, -0.1]] |" in report
    assert "the network is odd" in report
    for link in links(report):
        assert (run_dir / link).is_file()


def test_course_xor_numbers(xor_root):
    """The numbers of tests/test_course_exercises.py, now from the lab experiment."""
    (run_dir,) = run_folders(xor_root / "runs" / "course.xor")
    metrics = json.loads((run_dir / "results.json").read_text())["metrics"]
    for tag in ("without biases", "with biases"):
        assert abs(metrics[f"{tag}: J at step 0"] - 1.0045989809938138) <= 1e-15
        assert metrics[f"{tag}: step 0 largest gap, engine vs hand gradient"] <= 1e-15
    assert metrics["without biases: lowest J"] >= 1 - 1e-12
    assert metrics["without biases: accuracy"] <= 0.75
    assert metrics["with biases: accuracy"] == 1.0  # fitted within the quick 200 steps


def test_course_neuron_reaches_the_least_squares_minimum(neuron_root):
    (run_dir,) = run_folders(neuron_root / "runs" / "course.neuron")
    metrics = json.loads((run_dir / "results.json").read_text())["metrics"]
    assert metrics["step 0: largest gap, engine vs hand gradient"] <= 1e-15
    assert abs(metrics["dJ/dw at step 0"] - -0.122209) < 1e-6
    assert abs(metrics["final w"] - 0.7306528) < 1e-6 and abs(metrics["final b"] - 0.6595449) < 1e-6
    assert abs(metrics["final J"] - 0.37142) < 1e-5 and metrics["final gradient norm"] < 1e-8
    assert metrics["accuracy"] == 5 / 6 and metrics["misclassified x"] == "-0.1"


def test_runner_rejects_bad_settings(tmp_path):
    with pytest.raises(LabError, match="course.neuron has no setting 'epoch'. Did you mean epochs"):
        lab.run("course.neuron", settings={"epoch": 3}, out=tmp_path)
    with pytest.raises(LabError, match="seed must be a non-negative"):
        lab.run("course.neuron", seed=-1, out=tmp_path)
    with pytest.raises(LabError, match="--seed or --seeds, not both"):
        lab.run("course.neuron", seed=1, seeds=[1, 2], out=tmp_path)
    assert not (tmp_path / "runs" / "course.neuron").exists() or not any(
        (tmp_path / "runs" / "course.neuron").iterdir()
    )


def test_two_runs_started_in_the_same_second_get_two_folders(tmp_path):
    first, second = new_run_folder(tmp_path), new_run_folder(tmp_path)
    assert second.name == first.name + "-2" or second.name[:15] > first.name[:15]
    assert run_folders(tmp_path) == [first, second]


def test_run_folders_sort_by_time_then_number(tmp_path):
    for name in ["20250101-120000-10", "20250101-120000", "20250101-120000-2", "x", "20241231-1"]:
        (tmp_path / name).mkdir()
    names = [d.name for d in run_folders(tmp_path)]
    assert names == ["20250101-120000", "20250101-120000-2", "20250101-120000-10"]


def test_resume_finishes_an_interrupted_run_in_its_folder_with_its_settings(tmp_path):
    done = quick_run("course.neuron", tmp_path, settings={"epochs": 5}, seed=2)
    config = json.loads((done / "config.json").read_text())
    assert config == {
        "experiment": "course.neuron", "w0": 0.5, "b0": 0.0, "lr": 0.1, "epochs": 5,
        "quick": True, "seed": 2,
    }  # fmt: skip
    before = json.loads((done / "results.json").read_text())
    assert len(before["history"]["loss J"]) == 5
    with pytest.raises(LabError, match="the latest run of course.neuron .* finished"):
        lab.run("course.neuron", resume=True, out=tmp_path)
    (done / "results.json").unlink()  # as if it had been stopped before the end
    (done / "report.md").unlink()
    with pytest.raises(LabError, match="leave out --quick, --seed, --seeds"):
        lab.run("course.neuron", resume=True, quick=True, out=tmp_path)
    assert lab.run("course.neuron", resume=True, out=tmp_path) == done
    after = json.loads((done / "results.json").read_text())
    assert after["metrics"] == before["metrics"] and after["history"] == before["history"]
    (done / "results.json").unlink()
    config["experiment"] = "course.xor"
    (done / "config.json").write_text(json.dumps(config))
    with pytest.raises(LabError, match="it is a run of 'course.xor', not course.neuron"):
        lab.run("course.neuron", resume=True, out=tmp_path)
    assert (done / "report.md").is_file()
    with pytest.raises(LabError, match="nothing to resume: course.xor has no run"):
        lab.run("course.xor", resume=True, out=tmp_path)


def test_report_collects_latest_full_runs_and_leaves_quick_ones_out(
    xor_root, neuron_root, tmp_path
):
    shutil.copytree(xor_root / "runs", tmp_path / "runs")
    page = lab.collect(tmp_path)
    assert "## course.xor" not in page
    assert "`course.xor`: only quick runs so far" in page
    assert "`course.neuron`: not run yet: `retroprop lab run course.neuron`" in page

    shutil.copytree(neuron_root / "runs", tmp_path / "runs", dirs_exist_ok=True)
    (full,) = run_folders(tmp_path / "runs" / "course.neuron")
    quick_run("course.neuron", tmp_path)  # later, but quick: the full run stays the one shown
    out = tmp_path / "docs" / "results.md"
    assert lab.write_report(tmp_path, out, include_quick=True) == out
    page = out.read_text()
    assert "## course.neuron\n" in page and "## course.xor (quick run" in page
    assert f"Run `{full.name}`" in page and "| final J |" in page
    assert "`course.neuron`: not run yet" not in page and "`course.xor`: only quick" not in page
    figure_links = links(page)
    assert len(figure_links) == 8
    for link in figure_links:
        assert not os.path.isabs(link) and (out.parent / link).is_file()
    assert lab.write_report(tmp_path) == tmp_path / "runs" / "report.md"
