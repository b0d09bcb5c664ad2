"""Static checks run as tests: ruff and the import-linter layer contracts of DESIGN.md."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from conftest import ROOT


def _run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


def _require(module: str) -> None:
    """The static checks are part of the test extra: a missing tool fails, it never skips."""
    if importlib.util.find_spec(module) is None:
        pytest.fail(f"{module} is not installed: the static checks need pip install -e '.[test]'")


def test_ruff_clean():
    _require("ruff")
    res = _run(sys.executable, "-m", "ruff", "check", "--quiet", "src", "tests", "benchmarks")
    assert res.returncode == 0, res.stdout + res.stderr


def test_import_layers_kept():
    _require("importlinter")
    res = _run(sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
               "sys.argv = ['lint-imports', '--no-cache']; lint_imports_command()")
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    assert "Contracts:" in res.stdout, res.stdout[-2000:] + res.stderr[-2000:]
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
