"""Configuration files: schema_version, unknown keys, units with dimension checks, one-line errors."""

from __future__ import annotations

import pytest

from spinscope.config import ExperimentConfig, check_config, load_config
from spinscope.errors import ConfigError

GOOD = """
schema_version = 1
name = "CoTb film"
seed = 7

[sample]
layers = [
  { material = "Co80Tb20", thickness = "20 nm", density = "8.9 g/cm^3", magnetic = true },
  { material = "Si3N4", thickness = "50 nm" },
]

[beam]
helicity = -1
energies = [ { start = "140 eV", stop = "160 eV", step = "0.5 eV" } ]
"""


def write(tmp_path, text, name="c.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_good_file_parses_to_internal_units(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    assert isinstance(cfg, ExperimentConfig)
    layer = cfg.sample.layers[0]
    assert layer.thickness == pytest.approx(20e-9)
    assert layer.density == pytest.approx(8900.0)
    assert cfg.beam.helicity == -1
    e = cfg.beam.energies[0].values()
    assert e[0] == 140.0 and e[-1] == pytest.approx(160.0) and len(e) == 41


def test_check_config_returns_normalised_json(tmp_path):
    out = check_config(write(tmp_path, GOOD))
    assert out["valid"] is True and out["schema_version"] == 1
    assert out["config"]["sample"]["layers"][0]["thickness"] == "2e-08 m"


def test_normalised_config_round_trips(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    again = ExperimentConfig.model_validate(cfg.model_dump(mode="json"))
    assert again == cfg


def test_models_are_frozen(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError on frozen models
        cfg.name = "other"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("schema_version = 1\n[sample\n", "malformed TOML"),
        (GOOD.replace('name = "CoTb film"', 'nmae = "x"'), "nmae: unknown key"),
        (GOOD.replace('thickness = "20 nm"', 'thickness = "20 eV"'), "thickness: expected length"),
        (GOOD.replace('thickness = "20 nm"', 'thickness = "-20 nm"'), "positive length"),
        (GOOD.replace("schema_version = 1", "schema_version = 3"), "schema_version"),
        (GOOD.replace("schema_version = 1", ""), "schema_version: required key is missing"),
        (GOOD.replace('step = "0.5 eV"', 'step = "0 eV"'), "positive energy step"),
        (GOOD.replace("helicity = -1", "helicity = 2"), "beam.helicity"),
    ],
)
def test_bad_files_give_one_line_naming_the_field(tmp_path, text, expected):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(p)
    msg = str(info.value)
    assert expected in msg
    assert str(p) in msg
    assert "\n" not in msg


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "absent.toml")
    p = tmp_path / "bin.toml"
    p.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(p)


@pytest.mark.parametrize("beam, words", [
    ({"energy": "-707 eV"}, ["energy", "positive"]),
    ({"energy": "1 eV"}, ["energy", "[10, 100000] eV"]),
    ({"energies": [{"start": "700 eV", "stop": "2 MeV", "step": "1 eV"}]}, ["stop", "[10, 100000] eV"]),
])
def test_photon_energies_outside_the_tables_are_refused(beam, words):
    from pydantic import ValidationError

    base = {"schema_version": 1, "sample": {"layers": [{"material": "Fe", "thickness": "20 nm"}]}}
    with pytest.raises(ValidationError) as exc:
        ExperimentConfig.model_validate({**base, "beam": beam})
    for w in words:
        assert w in str(exc.value)


@pytest.mark.parametrize("seed", [-1, 2**63, 2**64])
def test_seeds_must_fit_in_a_signed_64_bit_integer(seed):
    from pydantic import ValidationError

    base = {"schema_version": 1, "sample": {"layers": [{"material": "Fe", "thickness": "20 nm"}]}}
    with pytest.raises(ValidationError, match="seed"):
        ExperimentConfig.model_validate({**base, "seed": seed})
    assert ExperimentConfig.model_validate({**base, "seed": 2**63 - 1}).seed == 2**63 - 1
