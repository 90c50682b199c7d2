"""Shared test settings: hypothesis fits a 2-core machine; the data directory for loaders."""

import os
from pathlib import Path

from hypothesis import HealthCheck, settings

settings.register_profile(
    "retroprop",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("retroprop")

_shared = Path(__file__).resolve().parents[2] / "shared" / "data"
if "RETROPROP_DATA" not in os.environ and _shared.is_dir():
    os.environ["RETROPROP_DATA"] = str(_shared)
