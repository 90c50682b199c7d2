"""Kill a training process mid-run and resume it: the harness of the bitwise-resume tests.

A script run as ``python SCRIPT OUT MODE`` trains into ``OUT``; with MODE ``killed`` it parks
at a chosen point after writing ``OUT/stalled``, ``full`` runs uninterrupted, ``resume``
continues from ``OUT``'s checkpoint. The caller then compares what ``full`` and the resumed
run wrote.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path}


def kill_and_resume(
    script: str, tmp_path: Path, parked: Callable[[Path], None] = lambda run: None
) -> tuple[Path, Path]:
    """Run ``script`` uninterrupted into ``tmp_path/full`` and, beside it, into
    ``tmp_path/run`` until it parks; call ``parked(run)``, SIGKILL it, resume it, and return
    ``(full, run)`` once both have finished."""
    path = tmp_path / "train.py"
    path.write_text(script)
    full, run = tmp_path / "full", tmp_path / "run"
    full.mkdir()
    run.mkdir()

    def start(out: Path, mode: str) -> subprocess.Popen:
        command = [sys.executable, str(path), str(out), mode]
        pipe = subprocess.PIPE
        return subprocess.Popen(command, env=_env(), stdout=pipe, stderr=pipe, text=True)

    reference, victim = start(full, "full"), start(run, "killed")
    deadline = time.monotonic() + 120
    while not (run / "stalled").exists():
        assert victim.poll() is None, victim.communicate()[1]
        assert time.monotonic() < deadline, "the run never reached the point where it parks"
        time.sleep(0.02)
    parked(run)
    victim.send_signal(signal.SIGKILL)
    victim.communicate()
    assert victim.returncode == -signal.SIGKILL
    resumed = subprocess.run(
        [sys.executable, str(path), str(run), "resume"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert reference.wait(timeout=120) == 0, reference.communicate()[1]
    return full, run
