"""Which kind of configuration a file is: every shipped example is accepted as its own kind, a file of
one kind given to a command of another is named as such, and a broken file is reported against the
schema it comes closest to."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from spinscope.cli.main import main
from spinscope.config import CONFIG_KINDS, StxmConfig, XrmsConfig, check_config, load_config
from spinscope.errors import ConfigError

EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
EXPECTED_KIND = {"demag": "demag", "llg": "llg", "stxm": "stxm", "xrms": "xrms"}


def test_there_are_examples_of_every_command():
    assert {p.name.split("_")[0] for p in EXAMPLES} == set(EXPECTED_KIND)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_config_check_accepts_every_example_as_its_kind(path, capsys):
    assert main(["config", "check", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["valid"] is True
    assert out["kind"] == EXPECTED_KIND[path.name.split("_")[0]]
    # the model of that kind reads the file too, and gives the same normalised config
    model = CONFIG_KINDS[out["kind"]].model
    assert load_config(path, model).model_dump(mode="json") == out["config"]


def test_a_file_of_another_kind_is_named_as_such():
    xrms = ROOT / "examples" / "xrms_fan2022_cotb.toml"
    with pytest.raises(ConfigError) as err:
        load_config(xrms, StxmConfig)
    msg = str(err.value)
    assert "this is an xrms config" in msg and "expected an stxm config" in msg
    assert "\n" not in msg and "required key" not in msg


def test_plan_on_an_xrms_config_says_it_needs_an_stxm_config(capsys):
    rc = main(["plan", str(ROOT / "examples" / "xrms_fan2022_cotb.toml")])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert err.count("\n") == 0 and "expected an stxm config" in err


def test_a_broken_file_is_checked_against_the_closest_kind(tmp_path):
    text = (ROOT / "examples" / "stxm_vortex.toml").read_text()
    assert 'tilt = "30 deg"' in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('tilt = "30 deg"', 'tilt = "30 dge"'))
    with pytest.raises(ConfigError) as err:
        check_config(bad)
    msg = str(err.value)
    assert "sample.tilt" in msg and "'30 dge'" in msg and "checked as an stxm config" in msg


def test_kind_can_be_forced_and_must_exist(tmp_path):
    xrms = ROOT / "examples" / "xrms_fan2022_cotb.toml"
    assert check_config(xrms, kind="xrms")["kind"] == "xrms"
    assert check_config(xrms, XrmsConfig)["kind"] == "xrms"
    with pytest.raises(ConfigError, match="mesh: required key is missing"):
        check_config(xrms, kind="llg")
    with pytest.raises(ConfigError, match="kind: expected one of"):
        check_config(xrms, kind="saxs")
