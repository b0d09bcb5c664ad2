"""Zone-plate optics: closed forms (issue 5 numbers) and the PSF computed from the pupil."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import special
from scipy.optimize import brentq

from spinscope.errors import ConfigError
from spinscope.optics import (
    BINARY_AMPLITUDE_EFFICIENCY,
    ZonePlate,
    annular_airy,
    on_axis_intensity,
    pupil_psf,
)
from spinscope.units import energy_to_wavelength

D, DR, E = 240e-6, 25e-9, 707.0


def _cli(argv):
    import spinscope.cli.main as cli_main
    from spinscope.cli import zoneplate_cmd

    if "zoneplate" not in {c.name for c in cli_main.app.registered_commands}:
        zoneplate_cmd.register(cli_main.app)  # until cli.main lists zoneplate_cmd
    return cli_main.main(argv)


@pytest.fixture(scope="module")
def zp():
    return ZonePlate(D, DR)


def test_issue_numbers(zp):
    assert zp.focal_length(E) == pytest.approx(3.421e-3, rel=5e-3)
    assert zp.zones == pytest.approx(2400, rel=5e-3)
    assert zp.numerical_aperture(E) == pytest.approx(0.0351, rel=5e-3)
    assert zp.resolution == pytest.approx(30.5e-9, rel=5e-3)
    assert zp.depth_of_focus(E) == pytest.approx(713e-9, rel=5e-3)
    assert zp.first_order_efficiency == pytest.approx(1 / math.pi**2)
    assert zp.wavelength(E) == pytest.approx(energy_to_wavelength(E))


def test_first_zero_without_stop(zp):
    assert zp.first_zero(E) == pytest.approx(1.22 * DR, rel=1e-2)
    # and exactly the J1 zero 3.8317 / (2 pi) * lambda / NA
    j1 = special.jn_zeros(1, 1)[0]
    lam, na = zp.wavelength(E), zp.numerical_aperture(E)
    assert zp.first_zero(E) == pytest.approx(j1 * lam / (2 * math.pi * na), rel=1e-9)


def test_psf_matches_airy_and_annular_airy():
    lam, na = 1.75e-9, 0.035
    r = np.linspace(0.0, 150e-9, 301)
    v = 2 * np.pi * na * r / lam
    for eps in (0.0, 0.3, 0.5):
        num = pupil_psf(r, wavelength=lam, na=na, obscuration=eps)
        assert np.max(np.abs(num - annular_airy(v, eps))) < 1e-9


def _analytic_first_zero(eps):
    def amp(v):
        return 2 * special.j1(v) / v - eps**2 * 2 * special.j1(eps * v) / (eps * v)

    grid = np.linspace(0.5, 6, 2000)
    vals = amp(grid)
    i = np.nonzero(np.sign(vals[1:]) != np.sign(vals[:-1]))[0][0]
    return brentq(amp, grid[i], grid[i + 1])


def _first_side_lobe(zp, energy):
    lam, na = zp.wavelength(energy), zp.numerical_aperture(energy)
    r = np.linspace(zp.first_zero(energy), 2.5 * lam / na, 2000)
    return float(np.max(zp.psf(r, energy)))


def test_central_stop_moves_zero_inward_and_raises_side_lobes(zp):
    stopped = zp.with_(central_stop=0.5 * D)
    lam, na = zp.wavelength(E), zp.numerical_aperture(E)
    assert stopped.first_zero(E) < zp.first_zero(E)
    v0 = _analytic_first_zero(0.5)
    assert stopped.first_zero(E) == pytest.approx(v0 * lam / (2 * math.pi * na), rel=1e-6)
    lobe_open, lobe_stop = _first_side_lobe(zp, E), _first_side_lobe(stopped, E)
    assert lobe_open == pytest.approx(0.0175, rel=1e-2)  # Airy first ring, 1.75 % of the peak
    assert lobe_stop > 2 * lobe_open
    r = np.linspace(stopped.first_zero(E), 2.5 * lam / na, 2000)
    analytic = np.max(annular_airy(2 * np.pi * na * r / lam, 0.5))
    assert lobe_stop == pytest.approx(analytic, rel=1e-6)


def test_defocus_by_depth_of_focus_keeps_peak(zp):
    """Criterion: on-axis (peak) intensity relative to focus, the Strehl ratio of pure defocus.

    At dz = 2 dr^2 / lambda the reduced defocus is u = pi (a quarter wave at the pupil edge, the
    Rayleigh criterion) and the analytic value is (sin(pi/4) / (pi/4))^2 = 0.811.
    """
    dof = zp.depth_of_focus(E)
    lam, na = zp.wavelength(E), zp.numerical_aperture(E)
    r = np.linspace(0, 60e-9, 601)
    for sign in (+1, -1):
        prof = zp.psf(r, E, defocus=sign * dof)
        assert np.argmax(prof) == 0
        assert prof[0] > 0.8
        assert prof[0] == pytest.approx(on_axis_intensity(np.pi), rel=1e-9)
    assert on_axis_intensity(np.pi) == pytest.approx(0.8106, abs=1e-4)
    # with a central stop the on-axis value follows sin(w)/w, w = u (1 - eps^2) / 4
    u = np.array([0.5, 2.0, 5.0, 12.0])
    dz = u * lam / (2 * np.pi * na**2)
    num = pupil_psf(0.0 * dz, wavelength=lam, na=na, obscuration=0.4, defocus=dz)
    assert np.allclose(num, on_axis_intensity(u, 0.4), rtol=0, atol=1e-9)


def test_focal_spot_fwhm(zp):
    # Airy FWHM = 1.029 lambda / (2 NA) = 1.029 dr
    assert zp.focal_spot_fwhm(E) == pytest.approx(1.0290 * DR, rel=1e-3)
    assert zp.with_(central_stop=0.5 * D).focal_spot_fwhm(E) < zp.focal_spot_fwhm(E)
    assert zp.focal_spot_fwhm(E, defocus=zp.depth_of_focus(E)) > zp.focal_spot_fwhm(E)


def test_psf_image(zp):
    img = zp.psf_image((65, 65), 5e-9, E)
    assert img.shape == (65, 65)
    assert img.sum() == pytest.approx(1.0)
    assert np.unravel_index(np.argmax(img), img.shape) == (32, 32)
    assert np.allclose(img, img.T) and np.allclose(img, img[::-1, ::-1])


def test_osa_and_working_distance():
    zp = ZonePlate(D, DR, central_stop=80e-6, osa_diameter=60e-6)
    assert zp.max_working_distance(E) == pytest.approx(zp.focal_length(E) * 80 / 240)
    assert zp.open_fraction == pytest.approx(1 - (1 / 3) ** 2)
    with pytest.raises(ConfigError, match="zero order"):
        ZonePlate(D, DR, central_stop=80e-6, osa_diameter=100e-6)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"diameter": -1e-6, "outer_zone_width": DR},
        {"diameter": D, "outer_zone_width": 0.0},
        {"diameter": D, "outer_zone_width": DR, "central_stop": D},
        {"diameter": D, "outer_zone_width": DR, "efficiency": 1.5},
    ],
)
def test_bad_zone_plates(kwargs):
    with pytest.raises(ConfigError):
        ZonePlate(**kwargs)


def test_given_efficiency():
    assert ZonePlate(D, DR).first_order_efficiency == BINARY_AMPLITUDE_EFFICIENCY
    assert ZonePlate(D, DR, efficiency=0.05).first_order_efficiency == 0.05


def test_cli_zoneplate_json(capsys):
    rc = _cli(["zoneplate", "--diameter", "240 um", "--outer-zone", "25 nm", "--energy", "707 eV", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["focal_length"] == pytest.approx(3.421e-3, rel=5e-3)
    assert out["zones"] == pytest.approx(2400, rel=5e-3)
    assert out["numerical_aperture"] == pytest.approx(0.0351, rel=5e-3)
    assert out["resolution"] == pytest.approx(30.5e-9, rel=5e-3)
    assert out["depth_of_focus"] == pytest.approx(713e-9, rel=5e-3)
    assert out["efficiency"] == pytest.approx(1 / math.pi**2)


def test_cli_zoneplate_human_and_central_stop(capsys):
    rc = _cli(
        [
            "zoneplate",
            "--diameter",
            "240 um",
            "--outer-zone",
            "25 nm",
            "--energy",
            "707",
            "--central-stop",
            "80 um",
        ]
    )
    assert rc == 0
    assert "3.4214 mm" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["--diameter", "-240 um", "--outer-zone", "25 nm", "--energy", "707 eV"],
        ["--diameter", "240 um", "--outer-zone", "25 eV", "--energy", "707 eV"],
        ["--diameter", "240 um", "--outer-zone", "25 nm", "--energy", "0 eV"],
        ["--diameter", "240 um", "--outer-zone", "25 nm", "--energy", "707 eV", "--central-stop", "300 um"],
    ],
)
def test_cli_zoneplate_bad_input(argv, capsys):
    rc = _cli(["zoneplate", *argv])
    err = capsys.readouterr().err
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("spinscope: error: ")
