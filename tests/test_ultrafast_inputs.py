"""spinscope.ultrafast: presets, configuration, bad input, the movie helper and `spinscope demag`."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from spinscope.config.ultrafast import DemagConfig, PumpConfig, UltrafastMaterialConfig
from spinscope.errors import ConfigError, DataRangeError, MaterialError, SpinscopeError, UnitError
from spinscope.materials.ultrafast import PRESETS, get_preset
from spinscope.ultrafast import (
    Pump,
    koopmans_rate,
    magnetisation_movie,
    simulate_demagnetisation,
    solve_pixels,
)

ROOT = Path(__file__).resolve().parents[1]


def test_presets_are_complete_and_cited():
    assert set(PRESETS) == {"Ni", "Co", "Fe", "Gd", "CoTb", "GdFeCo", "FeGd"}
    for name in PRESETS:
        mat = get_preset(name.lower())
        assert mat.name == name
        assert mat.references, name
        assert 0 < mat.film_absorbed_fraction() < 1
        assert mat.species and all(s.R for s in mat.species)
        if len(mat.species) == 2:
            assert mat.species[1].antiparallel and mat.lambda_ex > 0
    ni = get_preset("Ni")
    assert ni.gamma_e == pytest.approx(1065, rel=0.01)  # Lin et al. (2008)
    assert ni.species[0].R == pytest.approx(17.2e12)
    assert get_preset("Gd").species[0].R == pytest.approx(0.092e12)
    with pytest.raises(MaterialError, match="unknown ultrafast preset"):
        get_preset("Unobtainium")


def test_koopmans_rate_formula():
    r = koopmans_rate(0.185, 8e17, 631.0, 1.094e-29, 0.62, 450.0)
    kb = 1.380649e-23
    assert r == pytest.approx(8 * 0.185 * 8e17 * kb * 631**2 * 1.094e-29 / (0.62 * (kb * 450) ** 2))


@pytest.mark.parametrize(("kwargs", "field", "exc"), [
    (dict(fluence=-1.0), "fluence", DataRangeError),
    (dict(fluence=0.0), "fluence", DataRangeError),
    (dict(fluence="5 eV"), "fluence", UnitError),
    (dict(fluence=10.0, duration=0.0), "duration", DataRangeError),
    (dict(fluence=10.0, duration=-5e-15), "duration", DataRangeError),
    (dict(fluence=10.0, T0=-10.0), "T0", ConfigError),
    (dict(fluence=10.0, T0=0.0), "T0", ConfigError),
    (dict(fluence=10.0, T0=700.0), "T0", DataRangeError),  # above T_C = 631 K
    (dict(fluence=10.0, dt_pump=30e-15), "dt_pump", DataRangeError),
    (dict(fluence=10.0, dt_pump=30e-15, method="implicit"), "dt_pump", DataRangeError),
    (dict(fluence=10.0, model="4TM"), "model", ConfigError),
    (dict(fluence=10.0, delays=[0.0, 0.0, 1e-12]), "delays", DataRangeError),
    (dict(fluence=10.0, t_max=-1e-12), "t_max", DataRangeError),
])
def test_bad_input_names_the_parameter(kwargs, field, exc):
    with pytest.raises(exc) as info:
        simulate_demagnetisation("Ni", **kwargs)
    assert isinstance(info.value, SpinscopeError)
    assert field in str(info.value)


def test_missing_model_parameters():
    with pytest.raises(MaterialError, match="C_s"):
        simulate_demagnetisation("Co", 10.0, model="3TM")
    d = get_preset("Ni").model_dump()
    d["species"][0]["R"] = None
    d["species"][0]["a_sf"] = None
    with pytest.raises(MaterialError, match=r"species\[0\]\.R"):
        simulate_demagnetisation(UltrafastMaterialConfig(**d), 10.0)
    d = get_preset("GdFeCo").model_dump()
    d["lambda_ex"] = None
    with pytest.raises(MaterialError, match="lambda_ex"):
        simulate_demagnetisation(UltrafastMaterialConfig(**d), 10.0)
    d = get_preset("GdFeCo").model_dump()
    d["exchange"] = None
    with pytest.raises(ConfigError, match="exchange"):
        from spinscope.ultrafast import resolve_material

        resolve_material(d)
    # R computed from a_sf, T_D and the atomic volume when absent
    d = get_preset("Ni").model_dump()
    d["species"][0]["R"] = None
    ds = simulate_demagnetisation(UltrafastMaterialConfig(**d), 10.0, t_max=1e-12)
    assert float(ds["m"].min()) < float(ds["m_eq0"][0])


def test_two_temperature_only_material():
    d = get_preset("Ni").model_dump()
    d["species"] = []
    ds = simulate_demagnetisation(UltrafastMaterialConfig(**d), 10.0, t_max=2e-12)
    assert ds.attrs["model"] == "2TM" and "m" not in ds
    assert float(ds["Te"].max()) > float(ds["Tp"].max()) > 300


def test_config_models_parse_units_and_reject_bad_values():
    p = PumpConfig(fluence="3 mJ/cm^2", duration="40 fs", wavelength="400 nm")
    assert p.fluence == pytest.approx(30.0) and p.duration == pytest.approx(40e-15)
    with pytest.raises(ValueError, match="fluence"):
        PumpConfig(fluence="-3 mJ/cm^2")
    with pytest.raises(ValueError, match="duration"):
        PumpConfig(duration="0 fs")
    d = get_preset("Ni").model_dump(mode="json")
    again = UltrafastMaterialConfig.model_validate(d)
    assert again.g_ep == pytest.approx(8e17)
    d["gamma_e"] = "-5 J/m^3/K^2"
    with pytest.raises(ValueError, match="gamma_e"):
        UltrafastMaterialConfig.model_validate(d)
    cfg = DemagConfig(material="GdFeCo", pump={"fluence": "4 mJ/cm^2"})
    assert cfg.material == "GdFeCo"


def test_time_grid_that_does_not_resolve_the_pump():
    pump = Pump(fluence=10.0, duration=20e-15)
    with pytest.raises(DataRangeError, match="dt_pump"):
        solve_pixels("Ni", np.array([1e8]), np.linspace(0, 1e-12, 10), pump=pump, dt_pump=10e-15)


def test_magnetisation_movie():
    ds = simulate_demagnetisation("GdFeCo", 30.0, t_max=1e-12)
    y = np.arange(4) * 5e-9
    x = np.arange(6) * 5e-9
    tex = np.zeros((4, 6, 3))
    tex[..., 2] = 1.0
    tex[:, 3:, 2] = -1.0  # two domains
    texture = xr.DataArray(tex, dims=("y", "x", "component"),
                           coords={"y": y, "x": x, "component": ["x", "y", "z"]})
    movie = magnetisation_movie(texture, ds)
    assert movie.dims == ("time", "species", "y", "x", "component")
    assert movie["time"].attrs["units"] == "s" and movie["x"].attrs["units"] == "m"
    k = 10
    m_fe, m_gd = ds["m"].values[k]
    assert movie.values[k, 0, 0, 0, 2] == pytest.approx(m_fe)
    assert movie.values[k, 1, 0, 0, 2] == pytest.approx(-m_gd)  # the RE points the other way
    assert movie.values[k, 0, 0, 5, 2] == pytest.approx(-m_fe)
    # single species, no species dim in the texture: dropped; M in A/m with Ms
    ni = simulate_demagnetisation("Ni", 10.0, t_max=1e-12)
    mv = magnetisation_movie(texture, ni, Ms=4.9e5)
    assert mv.dims == ("time", "y", "x", "component") and mv.attrs["units"] == "A/m"
    # spatial simulation on the texture grid
    sp = simulate_demagnetisation("Ni", 10.0, t_max=1e-12, y=y, x=x, spot_fwhm=10e-9)
    mv2 = magnetisation_movie(texture, sp)
    assert mv2.dims == ("time", "y", "x", "component")
    assert not np.allclose(mv2.values[-1, 0, 0, 2], mv2.values[-1, 3, 0, 2])
    with pytest.raises(ConfigError, match="texture"):
        magnetisation_movie(texture.transpose("x", "y", "component"), ds)


def _cli(args, capsys):
    from spinscope.cli import demag_cmd, main

    names = {c.name or (c.callback.__name__ if c.callback else None)
             for c in main.app.registered_commands}
    if "demag" not in names:  # until the lead lists demag_cmd in COMMAND_MODULES
        demag_cmd.register(main.app)
    rc = main.main(args)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_cli_demag_json_and_plot(tmp_path, capsys):
    png = tmp_path / "ni.png"
    rc, out, err = _cli(["demag", "Ni", "--fluence", "2 mJ/cm^2", "--json", "--plot", str(png)],
                        capsys)
    assert rc == 0, err
    r = json.loads(out)
    ni = r["species"]["Ni"]
    assert set(ni) >= {"demag_time", "min_m", "time_of_min", "ferromagnetic_like"}
    assert 0 < ni["demag_time"] < 0.3e-12 and ni["time_of_min"] < 1e-12
    assert ni["ferromagnetic_like"] is False
    assert png.stat().st_size > 1000
    rc, out, err = _cli(["demag", "Ni", "--fluence", "2", "--plot", str(png)], capsys)
    assert rc == 2 and "exists" in err  # no silent overwrite


def test_cli_demag_toml_and_errors(tmp_path, capsys):
    rc, out, err = _cli(["demag", str(ROOT / "examples" / "demag_gdfeco.toml"), "--json"], capsys)
    assert rc == 0, err
    r = json.loads(out)
    assert r["ferromagnetic_like"] is True and r["species"]["Fe"]["ferromagnetic_like"] is True
    rc, out, err = _cli(["demag", str(ROOT / "examples" / "demag_ni.toml"), "--t-max", "3"],
                        capsys)
    assert rc == 0 and "Ni" in out
    for args, word in ((["demag", "Ni", "--fluence", "-2"], "--fluence"),
                       (["demag", "Ni", "--fluence", "2 nm"], "--fluence"),
                       (["demag", "Ni"], "--fluence"),
                       (["demag", "Nope", "--fluence", "2"], "Nope"),
                       (["demag", "Ni", "--fluence", "2", "--T0", "-5"], "--T0"),
                       (["demag", str(tmp_path / "missing.toml"), "--fluence", "2"], "missing")):
        rc, out, err = _cli(args, capsys)
        assert rc == 2, args
        assert word in err and "Traceback" not in err
    bad = tmp_path / "bad.toml"
    bad.write_text('schema_version = 1\n[material]\nname = "x"\ngamma_e = 1000\nC_p = 3e6\n'
                   'thickness = "10 nm"\nabsorbed_fraction = 0.3\n')
    rc, out, err = _cli(["demag", str(bad), "--fluence", "2"], capsys)
    assert rc == 2 and "g_ep" in err


def test_fluence_units_roundtrip():
    a = simulate_demagnetisation("Ni", "2 mJ/cm^2", t_max=1e-12)
    b = simulate_demagnetisation("Ni", 20.0, t_max=1e-12)
    assert np.allclose(a["m"].values, b["m"].values)
    assert math.isclose(a.attrs["fluence"], 20.0)
