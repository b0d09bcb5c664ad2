"""The command line: help, version, config check, and the one-line error contract."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from spinscope.cli.main import main

GOOD = """
schema_version = 1
[sample]
layers = [ { material = "Fe", thickness = "20 nm", magnetic = true } ]
[beam]
energy = "707 eV"
"""


def test_help_explains_the_tool(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "digital twin" in out and "demo" in out


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("spinscope ")


def test_config_check_json(tmp_path, capsys):
    p = tmp_path / "ok.toml"
    p.write_text(GOOD)
    assert main(["config", "check", str(p), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["valid"] is True
    assert out["config"]["beam"]["energy"] == "707.0 eV"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (GOOD.replace('"707 eV"', '"707 nm"'), "beam.energy: expected energy"),
        (GOOD + "\nextra = 1\n", "extra: unknown key"),
        ("not toml = = 1", "malformed TOML"),
    ],
)
def test_user_errors_are_one_line_exit_2(tmp_path, capsys, text, needle):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    assert main(["config", "check", str(p)]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("spinscope: error: ")
    assert needle in err[0] and str(p) in err[0]
    assert "Traceback" not in captured.err and captured.out == ""


def test_usage_errors_exit_2(capsys):
    assert main(["no-such-command"]) == 2
    assert main(["config", "check"]) == 2


def test_console_entry_point_without_traceback(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "spinscope.cli.main", "config", "check", str(tmp_path / "none.toml")],
        capture_output=True, text=True, timeout=120,
    )
    assert res.returncode == 2
    assert res.stderr.strip().startswith("spinscope: error:")
    assert "Traceback" not in res.stderr


def test_progress_is_silent_off_a_terminal(capsys):
    from spinscope.progress import Progress

    with Progress(True, prefix="x: ") as prog:  # pytest captures stderr: not a terminal
        prog.stage("working", total=2)
        prog.advance()
        prog.update(completed=2, total=2)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
