"""The README's two commands and .ci/run stay in step."""

from __future__ import annotations

import re

from conftest import ROOT


def _commands():
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", quick, flags=re.S)


def test_readme_has_exactly_two_quick_start_commands():
    cmds = _commands()
    assert len(cmds) == 2
    assert cmds[0].strip().endswith("spinscope demo")
    assert "pytest" in cmds[1]


def test_ci_runs_the_readme_test_command_verbatim():
    test_cmd = _commands()[1].strip()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_cmd in [line.strip() for line in ci]
