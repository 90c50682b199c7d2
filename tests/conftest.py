"""Shared test settings: hypothesis fits a 2-core machine; the data directory for loaders."""

import os
from pathlib import Path

from hypothesis import HealthCheck, settings

# On CI (CI set in the environment) the examples are derived from each test's name, so a run
# tries the same examples every time; locally they stay random, to find new cases.
settings.register_profile(
    "retroprop",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize="CI" in os.environ,
)
settings.load_profile("retroprop")

_shared = Path(__file__).resolve().parents[2] / "shared" / "data"
if "RETROPROP_DATA" not in os.environ and _shared.is_dir():
    os.environ["RETROPROP_DATA"] = str(_shared)
