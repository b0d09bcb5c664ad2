"""Numeric edges of the commands (issue 12): each is one clean error line with exit status 2, fast,
never a traceback, a NaN printed as a result, or a silently changed input."""

from __future__ import annotations

import time

import pytest

import spinscope.ultrafast.solver as solver
from spinscope.cli.main import main
from spinscope.errors import DataRangeError, ParameterRangeError
from spinscope.optics.zone_plate import ZonePlate
from spinscope.ultrafast.simulate import run_demag
from spinscope.units import energy_to_wavelength


@pytest.mark.parametrize(("argv", "needle"), [
    (["plan", "--signal", "1e-300", "--snr", "3", "--flux", "1e8"], "--signal"),
    (["plan", "--signal", "-1e-4", "--snr", "3", "--flux", "1e8"], "--signal"),
    (["plan", "--signal", "2", "--snr", "3", "--flux", "1e8"], "--signal"),
    (["zoneplate", "--diameter", "240 um", "--outer-zone", "25 nm", "--energy", "1e-30 eV"], "energy"),
    (["zoneplate", "--diameter", "240 um", "--outer-zone", "25 nm", "--energy", "1e30 eV"], "energy"),
    (["demag", "Ni", "--fluence", "1e30 mJ/cm^2"], "--fluence"),
])
def test_bad_numbers_give_one_line(argv, needle, capsys):
    t = time.perf_counter()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert time.perf_counter() - t < 20
    assert err.count("\n") == 1 and err.startswith("spinscope: error: ") and needle in err
    assert "Traceback" not in err and "nan" not in err.lower().replace("nano", "")


def test_the_plan_takes_a_signal_as_small_as_1e_12(capsys):
    assert main(["plan", "--signal", "1e-12", "--snr", "1", "--flux", "1e8", "--json"]) == 0


def test_a_zone_plate_focuses_only_below_two_outer_zones():
    """NA = lambda / (2 dr) < 1: the lowest photon energy is h c / (2 dr) (24.8 eV for 25 nm)."""
    zp = ZonePlate(240e-6, 25e-9)
    e_min = float(energy_to_wavelength(50e-9))  # h c / lambda with lambda = 2 dr
    assert e_min == pytest.approx(24.8, abs=0.05)
    assert zp.numerical_aperture(1.01 * e_min) == pytest.approx(1 / 1.01, rel=1e-9)
    with pytest.raises(ParameterRangeError, match="no first-order focus"):
        zp.wavelength(0.99 * e_min)


def test_a_runaway_integration_is_refused_not_run_for_hours(monkeypatch):
    """The step budget stops a pump far beyond the damage range; normal pumps stay far below it."""
    monkeypatch.setattr(solver, "MAX_STEPS", 2_000)
    with pytest.raises(DataRangeError, match="more than 2000 steps"):
        run_demag("Ni", fluence="1000 mJ/cm^2", t_max="10 ps")
    summary, _ = run_demag("Ni", fluence="3 mJ/cm^2", t_max="10 ps")  # ~600 steps
    assert 0 < summary["species"]["Ni"]["min_m_relative"] < 1
    assert summary["Te_max"] > summary["T0"]


@pytest.mark.parametrize(("argv", "needle"), [
    (["demag", "Ni", "--fluence", "3 mJ/cm^2", "--duration", "1e9 fs"], "--duration"),
    (["demag", "Ni", "--fluence", "3 mJ/cm^2", "--t-max", "1 s"], "--t-max"),
])
def test_demag_options_have_the_config_limits(argv, needle, capsys):
    """The command line cannot bypass the limits of the demag configuration (a 1e9 fs pulse used to
    run for ever)."""
    t = time.perf_counter()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert time.perf_counter() - t < 5 and err.startswith(f"spinscope: error: {needle}")


def test_xrms_analyze_refuses_absurd_bin_counts():
    """1e9 q bins was killed for memory; the options refuse it before any file is read."""
    from spinscope.errors import ConfigError
    from spinscope.workflows.xrms_analysis import MAX_BINS, XrmsAnalysisOptions

    assert XrmsAnalysisOptions(bins=MAX_BINS).bins == MAX_BINS
    with pytest.raises(ConfigError, match="bins: expected an integer number of q bins from 10 to"):
        XrmsAnalysisOptions(bins=10**9)
