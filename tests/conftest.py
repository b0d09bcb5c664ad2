"""Shared fixtures: the real beamline data beside the project, a clean matplotlib backend."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")

ROOT = Path(__file__).resolve().parents[1]
#: ../shared/data/real beside the checkout (present in CI, absent on a user's clone).
REAL_DATA = Path(os.environ.get("SPINSCOPE_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Folder of the real measured files; the test is skipped when it is absent."""
    if not REAL_DATA.is_dir():
        pytest.skip(f"real data folder {REAL_DATA} not present")
    return REAL_DATA
