"""Static checks run as tests: ruff and the import-linter layer contracts of DESIGN.md."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import ROOT


def _run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_clean():
    if shutil.which("ruff") is None:
        pytest.skip("ruff not installed (pip install -e '.[test]')")
    res = _run("ruff", "check", "--quiet", "src", "tests", "benchmarks")
    assert res.returncode == 0, res.stdout + res.stderr


def test_import_layers_kept():
    exe = shutil.which("lint-imports")
    if exe is None:
        pytest.skip("import-linter not installed (pip install -e '.[test]')")
    res = _run(exe, "--no-cache")
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    assert "broken" not in res.stdout.lower().replace("0 broken", "")


def test_import_is_light():
    code = (
        "import sys, spinscope, spinscope.units, spinscope.conventions, spinscope.errors, "
        "spinscope.config;"
        "heavy = [m for m in ('matplotlib', 'dask', 'torch', 'pytest', 'numba', 'h5py', 'xraydb')"
        " if m in sys.modules]; print(','.join(heavy))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "", f"heavy modules loaded at import: {res.stdout.strip()}"
