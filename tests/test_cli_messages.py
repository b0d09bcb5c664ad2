"""One error line: a failing command prints exactly ``spinscope: error: ...`` (its warnings only with
--verbose); a successful one shows each warning once as ``spinscope: warning: ...``."""

from __future__ import annotations

import warnings

import pytest

import spinscope.materials
from spinscope.cli.main import main
from spinscope.errors import MaterialError


def _warn_then(result):
    def summarize(*args, **kwargs):
        warnings.warn("first physics caveat", UserWarning, stacklevel=2)
        warnings.warn("first physics caveat", UserWarning, stacklevel=2)
        np_like = RuntimeWarning("invalid value encountered in divide")
        warnings.warn(np_like, stacklevel=2)
        if isinstance(result, Exception):
            raise result
        return result
    return summarize


@pytest.fixture
def fake_summary(monkeypatch):
    def install(result):
        monkeypatch.setattr(spinscope.materials, "summarize", _warn_then(result))
    return install


def test_a_failure_prints_one_line(fake_summary, capsys):
    fake_summary(MaterialError("material: unknown element 'Xx'", field="material"))
    assert main(["materials", "Xx"]) == 2
    err = capsys.readouterr().err
    assert err == "spinscope: error: material: unknown element 'Xx'\n"


def test_verbose_shows_the_warnings_of_a_failure_before_its_error(fake_summary, capsys):
    fake_summary(MaterialError("material: unknown element 'Xx'", field="material"))
    assert main(["--verbose", "materials", "Xx"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["spinscope: warning: first physics caveat",
                     "spinscope: warning: invalid value encountered in divide",
                     "spinscope: error: material: unknown element 'Xx'"]


def test_a_success_shows_each_warning_once(fake_summary, capsys):
    fake_summary({"element": "Fe"})
    assert main(["materials", "Fe", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == ["spinscope: warning: first physics caveat",
                                         "spinscope: warning: invalid value encountered in divide"]
    assert '"element": "Fe"' in captured.out
