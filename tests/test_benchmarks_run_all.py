"""benchmarks/run_all.py: the README's benchmark blocks name real scripts, and rewriting one
block leaves the rest of the text alone."""

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
spec = importlib.util.spec_from_file_location("run_all", BENCH / "run_all.py")
run_all = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_all)


def test_every_readme_block_names_a_script_and_threads():
    cmds = run_all.blocks((BENCH / "README.md").read_text())
    assert len(cmds) == len(set(cmds)) >= 10
    for cmd in cmds:
        assert (BENCH / cmd.split()[0]).is_file(), cmd
        assert run_all._threads(cmd) in {"1", "2"}, cmd


def test_rewrite_replaces_only_the_named_block():
    text = (
        "intro\n<!-- bench: a.py --threads 1 -->\n\nold A\n\n<!-- /bench -->\nmiddle\n"
        "<!-- bench: b.py --threads 2 -->\nold B\n<!-- /bench -->\nend\n"
    )
    new = run_all.rewrite(text, {"b.py --threads 2": "table B\n"})
    assert new == text.replace("\nold B\n", "\n\ntable B\n\n")
    assert run_all.rewrite(text, {}) == text
