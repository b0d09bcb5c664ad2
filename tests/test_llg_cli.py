"""``spinscope llg`` command line and the example scenarios."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("llg_*.toml"))


def _main(args, capsys):
    from spinscope.cli import llg_cmd
    from spinscope.cli import main as climain

    if "llg_cmd" not in climain.COMMAND_MODULES and not getattr(climain, "_llg_test_added", False):
        llg_cmd.register(climain.app)
        climain._llg_test_added = True
    code = climain.main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_examples_are_valid_and_build():
    from spinscope.micromagnetics.scenario import build_simulation, load_scenario

    assert len(EXAMPLES) >= 5
    for f in EXAMPLES:
        cfg = load_scenario(f)
        sim = build_simulation(cfg, base_dir=f.parent)
        assert sim.mask.any()


@pytest.mark.parametrize("name", ["llg_pma_pillar_switching", "llg_nanocontact_spinwaves",
                                  "llg_vortex_gyration", "llg_fmr_strip"])
def test_example_scenarios_run_briefly(name):
    from spinscope.datamodel import validate_magnetisation
    from spinscope.micromagnetics.scenario import load_scenario, run_scenario

    cfg = load_scenario(ROOT / "examples" / f"{name}.toml")
    cfg = cfg.model_copy(update={
        "run": cfg.run.model_copy(update={"duration": 4e-12, "interval": 2e-12}),
        "relax": cfg.relax.model_copy(update={"enabled": False}),
    })
    movie = run_scenario(cfg)
    validate_magnetisation(movie)
    assert movie.sizes["time"] == 3


def test_pillar_switches_with_current():
    from spinscope.micromagnetics.scenario import load_scenario, run_scenario

    cfg = load_scenario(ROOT / "examples" / "llg_pma_pillar_switching.toml")
    cfg = cfg.model_copy(update={"run": cfg.run.model_copy(update={"duration": 1.0e-9,
                                                                   "interval": 0.5e-9})})
    movie = run_scenario(cfg)
    mz = movie["m_avg"].values[:, 2]
    assert mz[0] < -0.9 and mz[-1] > 0.9


def test_cli_standard_problem_4_json(capsys):
    code, out, err = _main(["llg", "standard-problem", "4", "--cells", "100,25",
                            "--duration", "0.16 ns", "--json"], capsys)
    assert code == 0, err
    r = json.loads(out)
    assert set(r) == {"zero_crossing", "relaxed", "t", "m", "wall_time"}
    assert 120e-12 < r["zero_crossing"] < 160e-12
    assert len(r["t"]) == len(r["m"]) and len(r["m"][0]) == 3
    assert r["relaxed"][0] > 0.95


def test_cli_bad_input(capsys, tmp_path):
    code, out, err = _main(["llg", "standard-problem", "4", "--cells", "a,b"], capsys)
    assert code == 2 and "cells" in err
    code, out, err = _main(["llg", "standard-problem", "7"], capsys)
    assert code == 2
    bad = tmp_path / "bad.toml"
    bad.write_text('[mesh]\nsize=["50 nm","50 nm","3 nm"]\ncells=[10,10,1]\n'
                   '[material]\nMs="800 kA/m"\nA="13 pJ/m"\n[run]\nduration="1 ns"\n'
                   '[current]\nJ="1e11 A/m^2"\n')
    code, out, err = _main(["llg", "run", str(bad), "-o", str(tmp_path / "o.nc")], capsys)
    assert code == 2 and "polarisation" in err


def test_cli_run_writes_ovf_folder_and_netcdf(capsys, tmp_path):
    cfg = tmp_path / "tiny.toml"
    cfg.write_text(
        'name = "tiny"\n[mesh]\nsize = ["40 nm", "20 nm", "3 nm"]\ncells = [8, 4, 1]\n'
        '[material]\nMs = "800 kA/m"\nA = "13 pJ/m"\nalpha = 0.1\n'
        '[initial]\ndirection = [1, 1, 0]\n[relax]\nenabled = false\n'
        '[[fields]]\nkind = "rf"\nB = ["0 mT", "0 mT", "5 mT"]\nfrequency = "10 GHz"\n'
        '[run]\nduration = "10 ps"\ninterval = "2 ps"\n')
    out_dir = tmp_path / "movie"
    code, out, err = _main(["llg", "run", str(cfg), "-o", str(out_dir), "--json",
                            "--no-progress"], capsys)
    assert code == 0, err
    r = json.loads(out)
    assert r["frames"] == 6 and r["files"] == 6
    from spinscope.io.ovf import read_ovf_folder

    movie = read_ovf_folder(out_dir)
    assert np.allclose(movie.time.values, np.arange(6) * 2e-12)
    assert (out_dir / "table.txt").exists()
    assert (out_dir / "m_avg.png").stat().st_size > 0 and (out_dir / "m_z.gif").stat().st_size > 0
    code, out, err = _main(["llg", "run", str(cfg), "-o", str(out_dir)], capsys)
    assert code == 2 and "exists" in err
    nc = tmp_path / "movie.nc"
    code, out, err = _main(["llg", "run", str(cfg), "-o", str(nc), "--no-progress"], capsys)
    assert code == 0, err
    import xarray as xr

    with xr.open_dataset(nc, engine="h5netcdf") as ds:
        assert ds["m"].dims == ("time", "y", "x", "component")
        assert np.allclose(ds["m"].values[:, ..., :], movie.values.astype(float), atol=1e-6)
    assert nc.with_suffix(".png").stat().st_size > 0 and nc.with_suffix(".gif").stat().st_size > 0


def test_magnumnp_engine_runs_a_scenario_if_installed():
    from spinscope.micromagnetics.magnumnp_engine import magnumnp_available
    from spinscope.micromagnetics.scenario import load_scenario, run_scenario

    if not magnumnp_available():
        pytest.skip("magnum.np not installed (pip install 'spinscope[magnumnp]')")
    if os.environ.get("SPINSCOPE_TEST_MAGNUMNP") != "1":
        pytest.skip("magnum.np cross-check is opt-in (SPINSCOPE_TEST_MAGNUMNP=1): torch on 2 "
                    "cores takes minutes")
    import sys

    torch_before = "torch" in sys.modules
    cfg = load_scenario(ROOT / "examples" / "llg_fmr_strip.toml")
    cfg = cfg.model_copy(update={
        "engine": "magnumnp",
        "run": cfg.run.model_copy(update={"duration": 10e-12, "interval": 5e-12}),
        "relax": cfg.relax.model_copy(update={"enabled": False}),
    })
    theirs = run_scenario(cfg)
    ours = run_scenario(cfg.model_copy(update={"engine": "spinscope"}))
    assert theirs.dims == ours.dims and theirs.attrs["engine"] == "magnum.np"
    assert np.abs(theirs.values - ours.values).max() < 1e-3
    # magnum.np ran in a child process: torch was not imported here
    assert ("torch" in sys.modules) == torch_before
