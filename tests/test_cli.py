"""The ``retroprop`` command: help, the demo, lab list / run / report, data download, and
clear errors (a message on stderr, a non-zero exit, no traceback)."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import retroprop.data.datasets as datasets
from retroprop.cli import main

ROOT = Path(__file__).resolve().parents[1]


def retroprop_process(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "retroprop.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def test_help_everywhere(tmp_path):
    done = retroprop_process("--help", cwd=tmp_path)
    assert done.returncode == 0
    for command in ("demo", "lab", "data"):
        assert command in done.stdout
    done = retroprop_process("lab", "run", "--help", cwd=tmp_path)
    assert done.returncode == 0
    for option in ("--quick", "--seed", "--seeds", "--jobs", "--max-minutes", "--out", "--resume"):
        assert option in done.stdout


def test_unknown_experiment_fails_with_a_message_and_no_traceback(tmp_path):
    done = retroprop_process("lab", "run", "course.xr", cwd=tmp_path)
    assert done.returncode == 1
    assert "unknown experiment 'course.xr'. Did you mean course.xor" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "runs").exists()


def test_lab_list_prints_one_experiment_a_line(capsys):
    assert main(["lab", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines]
    assert "course.neuron" in names and "course.xor" in names
    assert all(len(line.split(maxsplit=1)) == 2 for line in lines)


def test_lab_run_quick_then_report(tmp_path, capsys):
    assert main(["lab", "run", "course.xor", "--quick", "--seed", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| initial W1 |" in out and "wrote" in out
    (run_dir,) = (tmp_path / "runs" / "course.xor").iterdir()
    for name in ("config.json", "results.json", "report.md", "model.safetensors"):
        assert (run_dir / name).is_file()
    assert json.loads((run_dir / "config.json").read_text())["seed"] == 1
    assert len(list((run_dir / "figures").glob("*.png"))) == 3

    page = tmp_path / "report.md"
    assert main(["lab", "report", "--root", str(tmp_path), "--out", str(page)]) == 0
    assert "only quick runs so far" in page.read_text()
    args = ["lab", "report", "--root", str(tmp_path), "--out", str(page), "--include-quick"]
    assert main(args) == 0
    assert "## course.xor (quick run" in page.read_text()
    assert f"wrote {page}" in capsys.readouterr().out


def test_lab_run_without_graphviz_says_how_to_install_it_once(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["lab", "run", "course.neuron", "--quick", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert err.count("apt-get install graphviz") == 1 and "Warning" not in err
    (run_dir,) = (tmp_path / "runs" / "course.neuron").iterdir()
    assert (run_dir / "figures" / "graph_step0.dot").is_file()
    assert "dot -Tsvg graph_step0.dot -o graph_step0.svg" in (run_dir / "report.md").read_text()


def test_bad_arguments_exit_with_usage(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["lab", "run", "course.xor", "--jobs", "0"])
    assert stop.value.code == 2
    assert "expected an integer >= 1, got 0" in capsys.readouterr().err
    assert main(["lab", "run", "course.xor", "--epochs", "x"]) == 2
    assert "--epochs takes an int (e.g. 3), got 'x'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["lab", "list", "--lr", "1"])
    assert stop.value.code == 2 and "unrecognized arguments: --lr 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["lab"])
    assert "required" in capsys.readouterr().err


def test_resume_without_an_unfinished_run_is_an_error(tmp_path, capsys):
    assert main(["lab", "run", "course.neuron", "--resume", "--out", str(tmp_path)]) == 1
    assert "nothing to resume: course.neuron has no run" in capsys.readouterr().err


def test_data_download_failure_is_a_message(monkeypatch, capsys):
    def offline(name, root=None, force=False):
        raise datasets.DownloadError(f"download({name!r}): could not fetch (offline)")

    monkeypatch.setattr(datasets, "download", offline)
    assert main(["data", "download", "mnist"]) == 1
    assert "retroprop data: error: download('mnist'): could not fetch" in capsys.readouterr().err


def test_data_download_unknown_set_is_a_message(capsys):
    assert main(["data", "download", "cifar"]) == 1
    assert "unknown data set 'cifar'" in capsys.readouterr().err


def test_demo_trains_prints_accuracy_and_writes_plots(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--epochs", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    accuracy = float(text.split("test accuracy ")[1].split()[0])
    assert accuracy > 0.9
    for name in ("learning_curve.png", "decision_boundary.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
        assert f"wrote {out / name}" in text


def test_demo_without_the_lab_extra_says_what_to_install(monkeypatch, capsys, tmp_path):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "tqdm" else find_spec(name)
    )
    assert main(["demo", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "tqdm missing" in err and 'pip install -e ".[lab]"' in err
    assert not any(tmp_path.iterdir())
