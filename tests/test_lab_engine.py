"""The lab engine: typed settings on the command line, `lab show`, many seeds (in parallel
too), the time budget and resume of a training experiment, data checks, broken modules, and
the results book (publish, aggregation across sittings, the index)."""

import json
import sys
import types

import numpy as np
import pytest

import retroprop as rp
import retroprop.nn as nn
from retroprop import lab
from retroprop.cli import main
from retroprop.data import DataLoader, TensorDataset
from retroprop.lab import Experiment, Figure, Metric, Reference, Results, registry
from retroprop.lab.report import run_folders
from retroprop.lab.settings import SettingsError, parse_options, type_name
from retroprop.train import State


# ---- a small training experiment on the shared loop ------------------------------------------
def _build(config):
    rng = np.random.default_rng(config["seed"])
    X = rng.normal(size=(96, 3)).astype(np.float32)
    y = X @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Dropout(0.1), nn.Linear(8, 1))
    return State(
        model=model,
        opt=rp.optim.Adam(model.parameters(), lr=config["lr"]),
        data=DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True, seed=config["seed"]),
    )


def _step(s, batch):
    x, y = batch
    s.opt.zero_grad()
    loss = ((s.model(x) - y) ** 2).mean()
    loss.backward()
    s.opt.step()
    return {"loss": loss.item()}


def _run(config, ctx):
    state = _build(config)
    history = ctx.loop(state, _step, state.data, epochs=config["epochs"], verbose=0)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(config["figure_inches"], config["figure_inches"]))
    ax.imshow(np.random.default_rng(0).random((400, 400, 3)))  # noise: a heavy PNG
    fig.savefig(ctx.figures / "noise.png", dpi=100)
    plt.close(fig)
    w = state.model[0].weight.detach().numpy()
    return Results(
        metrics={"final_loss": history["loss"][-1], "w_sum": float(w.sum()), "tag": "x"},
        figures=[Figure("figures/noise.png", "noise")],
        notes="a toy",
        history=history.history,
        state_dict=state.model.state_dict(),
    )


TOY = Experiment(
    name="toy.train",
    description="a regression trained on the shared loop",
    config={"lr": 0.01, "epochs": 4, "figure_inches": 2.0, "hidden": [8, 4], "plot": True},
    quick={"epochs": 2},
    metrics=[
        Metric("final_loss", "lower", target=10.0, document=Reference(1.5, "a report", "p. 3")),
        Metric("w_sum", None, anchor=Reference(0.0, "Someone et al. 2020")),
    ],
    run=_run,
)


@pytest.fixture
def toy(monkeypatch):
    lab.all_experiments()
    monkeypatch.setitem(registry._REGISTRY, "toy.train", TOY)
    return TOY


# ---- settings ------------------------------------------------------------------------------
def test_settings_are_typed_from_their_defaults():
    config = {"lr": 0.1, "epochs": 3, "name": "a", "hidden": [128, 64], "x0": [1.0, 2], "aug": True}
    assert type_name(config["x0"]) == "list of float" and type_name(True) == "bool"
    args = ["--lr", "1e-3", "--epochs=7", "--name", "b", "--hidden", "256,128", "--x0",
            "9.89,19.47,14.76", "--no-aug"]  # fmt: skip
    got = parse_options("e.x", config, args)
    assert got == {"lr": 0.001, "epochs": 7, "name": "b", "hidden": [256, 128],
                   "x0": [9.89, 19.47, 14.76], "aug": False}  # fmt: skip
    assert isinstance(got["epochs"], int) and parse_options("e.x", config, ["--lr", "2"]) == {
        "lr": 2.0
    }
    assert parse_options("e.x", {"max_iter": 3}, ["--max-iter", "4"]) == {"max_iter": 4}
    assert parse_options("e.x", {"max_iter": 3}, ["--max_iter", "5"]) == {"max_iter": 5}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--lrr", "1"], r"e.x has no setting --lrr. Did you mean --lr\?"),
        (["--epochs", "1.5"], r"--epochs takes an int \(e.g. 3\), got '1.5'"),
        (["--hidden", "1,,2"], r"--hidden takes a list of int \(e.g. 3,3\)"),
        (["--lr"], r"--lr needs a value \(a float\)"),
        (["--no-lr"], "only for bool settings"),
        (["0.1"], "unexpected argument '0.1'"),
    ],
)
def test_bad_options_name_the_setting_and_its_type(args, message):
    config = {"lr": 0.1, "epochs": 3, "hidden": [128, 64]}
    with pytest.raises(SettingsError, match=message):
        parse_options("e.x", config, args)


def test_lab_show_lists_settings_data_and_numbers(toy, capsys):
    assert main(["lab", "show", "toy.train"]) == 0
    out = capsys.readouterr().out
    assert "--epochs" in out and "int" in out and "quick: 2" in out
    assert "--hidden" in out and "list of int" in out and "8,4" in out
    assert "final_loss (lower is better)" in out and "document: 1.5 (a report, p. 3)" in out
    assert "best published: 0 (Someone et al. 2020)" in out and "target: 10" in out


def test_cli_settings_reach_the_run(toy, tmp_path, capsys):
    code = main(["lab", "run", "toy.train", "--quick", "--lr", "0.02", "--no-plot",
                 "--hidden", "3,2", "--out", str(tmp_path)])  # fmt: skip
    assert code == 0
    (run_dir,) = run_folders(tmp_path / "runs" / "toy.train")
    config = json.loads((run_dir / "config.json").read_text())
    assert config["lr"] == 0.02 and config["plot"] is False and config["hidden"] == [3, 2]
    results = json.loads((run_dir / "results.json").read_text())
    assert "--lr 0.02" in results["provenance"]["command"]
    assert "| final_loss |" in capsys.readouterr().out


# ---- budget, resume, errors ----------------------------------------------------------------
def test_max_minutes_pauses_and_resume_ends_as_an_uninterrupted_run(toy, tmp_path, capsys):
    whole = lab.run("toy.train", out=tmp_path / "a")
    assert main(["lab", "run", "toy.train", "--max-minutes", "1e-6", "--out", str(tmp_path)]) == 0
    assert "continues it" in capsys.readouterr().err
    (paused,) = run_folders(tmp_path / "runs" / "toy.train")
    assert not (paused / "results.json").exists()
    assert main(["lab", "run", "toy.train", "--resume", "--out", str(tmp_path)]) == 0
    a = json.loads((whole / "results.json").read_text())
    b = json.loads((paused / "results.json").read_text())
    assert a["metrics"] == b["metrics"] and a["history"] == b["history"]
    assert len(b["history"]["loss"]) == 4


def test_a_damaged_checkpoint_at_resume_is_a_one_line_error(toy, tmp_path, capsys):
    assert main(["lab", "run", "toy.train", "--max-minutes", "1e-6", "--out", str(tmp_path)]) == 0
    (paused,) = run_folders(tmp_path / "runs" / "toy.train")
    ckpt = paused / "checkpoints" / "train" / "last.safetensors"
    ckpt.write_bytes(ckpt.read_bytes()[:100])
    capsys.readouterr()
    assert main(["lab", "run", "toy.train", "--resume", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "damaged or truncated" in err and "Traceback" not in err


def test_missing_data_is_named_before_anything_is_written(monkeypatch, tmp_path, capsys):
    lab.all_experiments()
    exp = Experiment("toy.data", "needs MNIST", {"epochs": 1}, {}, _run, data=("mnist",))
    monkeypatch.setitem(registry._REGISTRY, "toy.data", exp)
    monkeypatch.setenv("RETROPROP_DATA", str(tmp_path / "nowhere"))
    assert main(["lab", "run", "toy.data", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "toy.data needs the mnist data set: missing train-images-idx3-ubyte.gz" in err
    assert not (tmp_path / "runs").exists()


def test_lab_list_reports_a_module_that_fails_to_import(monkeypatch, capsys):
    found = dict(lab.all_experiments())
    monkeypatch.setattr(registry, "_REGISTRY", {})
    monkeypatch.setattr(registry, "_BROKEN", {})
    modules = registry._modules()
    monkeypatch.setattr(registry, "_modules", lambda: [*modules, "retroprop.lab.experiments.x_y"])
    monkeypatch.setitem(sys.modules, "retroprop.lab.experiments.x_y", None)  # import fails
    assert main(["lab", "list"]) == 1
    out, err = capsys.readouterr()
    assert "retroprop.lab.experiments.x_y failed to load" in err
    assert all(name in out for name in found)


# ---- seeds ---------------------------------------------------------------------------------
def test_seeds_run_in_parallel_and_aggregate(tmp_path):
    run_dir = lab.run("course.neuron", quick=True, seeds=[0, 4], jobs=2, out=tmp_path)
    config = json.loads((run_dir / "config.json").read_text())
    assert config["seeds"] == [0, 4] and "seed" not in config
    results = json.loads((run_dir / "results.json").read_text())
    assert results["seeds"] == [0, 4] and set(results["per_seed"]["final J"]) == {
        json.loads((run_dir / f"seed-{s}" / "results.json").read_text())["metrics"]["final J"]
        for s in (0, 4)
    }
    assert results["metrics_std"]["final J"] == 0.0  # the exercise does not depend on the seed
    report = (run_dir / "report.md").read_text()
    assert "seeds 0, 4" in report and "± 0 (2 seeds)" in report
    assert "| metric | mean ± std | min | max | per seed |" in report


def test_seeds_option_forms(tmp_path):
    from retroprop.lab.runner import parse_seeds

    assert parse_seeds("3") == [0, 1, 2] and parse_seeds("3,7,11") == [3, 7, 11]
    with pytest.raises(lab.LabError, match="distinct"):
        parse_seeds("1,1")
    with pytest.raises(lab.LabError, match="a count"):
        parse_seeds("x")


# ---- the book ------------------------------------------------------------------------------
def test_publish_refuses_quick_runs_then_aggregates_seeds_across_sittings(toy, tmp_path, capsys):
    root, book = tmp_path, tmp_path / "book"
    lab.run("toy.train", quick=True, out=root)
    assert main(["lab", "publish", "toy.train", "--root", str(root), "--book", str(book)]) == 1
    assert "only quick runs, which are never published" in capsys.readouterr().err

    lab.run("toy.train", seed=0, out=root, settings={"figure_inches": 12.0})
    page, _ = lab.publish("toy.train", root=root, book=book)
    lab.run("toy.train", seeds=[1, 2], out=root, settings={"figure_inches": 12.0})
    page, notes = lab.publish("toy.train", root=root, book=book)
    assert notes == []
    assert sorted(p.name for p in (page / "seeds").iterdir()) == [
        "seed-0.json", "seed-1.json", "seed-2.json",
    ]  # fmt: skip
    results = json.loads((page / "results.json").read_text())
    assert results["seeds"] == [0, 1, 2] and results["metrics_std"]["final_loss"] > 0
    png = page / "figures" / "noise.png"
    assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size <= 300_000
    assert not list(page.rglob("*.safetensors"))
    report = (page / "report.md").read_text()
    assert "(3 seeds)" in report and "![noise](figures/noise.png)" in report
    index = (book / "README.md").read_text()
    assert "| [toy.train](toy.train/report.md) | `final_loss` |" in index
    assert "(3 seeds) | 1.5 | — | met |" in index

    lab.run("toy.train", seed=5, out=root, settings={"lr": 0.02, "figure_inches": 2.0})
    args = ["lab", "publish", "toy.train", "--root", str(root), "--book", str(book)]
    assert main([*args, "--variant", "fast"]) == 0  # a page of its own: nothing replaced
    variant = book / "toy.train--fast"
    assert [p.name for p in (variant / "seeds").iterdir()] == ["seed-5.json"]
    assert json.loads((variant / "results.json").read_text())["variant"] == "fast"
    assert len(list((page / "seeds").iterdir())) == 3
    index = (book / "README.md").read_text()
    assert "| [toy.train](toy.train/report.md) |" in index
    assert "| [toy.train (fast)](toy.train--fast/report.md) |" in index
    assert main([*args, "--variant", "Bad Label"]) == 1
    assert "variant must be lower-case letters" in capsys.readouterr().err

    page, notes = lab.publish("toy.train", root=root, book=book)
    assert notes == ["replaced 3 seed(s) published with other settings"]
    assert [p.name for p in (page / "seeds").iterdir()] == ["seed-5.json"]


def test_the_docs_book_index_is_current():
    """docs/results/README.md lists exactly the pages of docs/results/."""
    from pathlib import Path

    book = Path(__file__).resolve().parents[1] / "docs" / "results"
    pages = sorted(p.name for p in book.iterdir() if (p / "results.json").is_file())
    index = (book / "README.md").read_text()
    assert pages and all(f"]({name}/report.md)" in index for name in pages)
    for name in pages:
        results = json.loads((book / name / "results.json").read_text())
        variant = results.get("variant")
        assert not results["quick"]
        assert results["experiment"] + (f"--{variant}" if variant else "") == name
        for fig in results["figures"]:
            path = book / name / fig["path"]
            assert path.is_file() and path.stat().st_size <= 300_000


def test_modules_are_found_in_family_packages():
    names = registry._modules()
    assert "retroprop.lab.experiments.course.xor" in names
    assert not any(name.rsplit(".", 1)[1].startswith("_") for name in names)
    assert isinstance(sys.modules["retroprop.lab.experiments.course"], types.ModuleType)


def test_an_output_folder_that_cannot_be_written_is_a_one_line_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["lab", "run", "course.neuron", "--quick", "--out", str(blocker)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("retroprop lab: error: cannot write") and err.count("\n") == 1
    assert blocker.read_text() == "not a folder"
