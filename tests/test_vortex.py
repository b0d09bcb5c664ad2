"""Analytic vortex gyration (Thiele model, two-vortex profile) and nanocontact spin-wave movies."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spinscope.datamodel import validate_magnetisation
from spinscope.errors import ConfigError
from spinscope.evolution import spin_wave as sw
from spinscope.evolution import vortex as vx


def test_gyrotropic_frequency_guslienko_thin_disk():
    # Guslienko et al. JAP 91, 8037 (2002), Gaussian units: omega = (20/9) gamma Ms beta with
    # gamma = 1.7609e7 rad/(s Oe) and Ms = 800 emu/cm^3 (800 kA/m), beta = L/R = 40/500
    omega_cgs = 20 / 9 * 1.76085963023e7 * 800.0 * (40 / 500)
    f = vx.gyrotropic_frequency(500e-9, 40e-9, 800e3)
    assert f == pytest.approx(omega_cgs / (2 * math.pi), rel=1e-6)
    assert f == pytest.approx(398e6, rel=0.01)
    assert vx.gyrotropic_frequency(500e-9, 20e-9, 800e3) == pytest.approx(f / 2, rel=1e-12)


def test_core_radius_and_exchange_length_of_permalloy():
    assert vx.exchange_length(800e3, 13e-12) == pytest.approx(5.69e-9, rel=0.01)
    b = vx.core_radius(40e-9, 800e3, 13e-12)
    assert b == pytest.approx(0.68 * 5.69e-9 ** (2 / 3) * 40e-9 ** (1 / 3), rel=0.01)


@pytest.mark.parametrize("p", [1, -1])
def test_steady_state_orbit_matches_integrated_thiele_equation(p):
    """Integrate -i p G X' - D X' - kappa X + F(t) = 0 to steady state and compare with the orbit."""
    from scipy.integrate import solve_ivp

    fg, f, d, c = 400e6, 380e6, 0.05, 1
    wg, w = 2 * math.pi * fg, 2 * math.pi * f

    def rhs(t, y):
        x = y[0] + 1j * y[1]
        force = 1j * c * math.cos(w * t)  # F/|G| for a field along +x: core pushed along c ez x H
        dx = (force - wg * x) / (1j * p + d)
        return [dx.real, dx.imag]

    t_end = 400e-9  # >> 1 / (d omega_G) = 8 ns
    period = 1 / f
    t_eval = t_end - period + np.linspace(0, period, 50)
    sol = solve_ivp(rhs, (0, t_end), [0.0, 0.0], t_eval=t_eval, rtol=1e-10, atol=1e-16, method="DOP853")
    num = sol.y[0] + 1j * sol.y[1]
    ana = vx.thiele_orbit(t_eval, drive_frequency=f, gyrotropic_frequency=fg, damping_ratio=d, polarity=p,
                          chirality=c, gyration_radius=1.0)
    scale = np.max(np.abs(num))
    np.testing.assert_allclose(ana * scale, num, rtol=0, atol=1e-4 * scale)  # ODE solver accuracy
    # sense of gyration: counter-clockwise (seen from +z) for p = +1
    lz = np.imag(np.conj(num[:-1]) * np.diff(num))
    assert np.sign(lz.mean()) == p


def test_vortex_profile_is_side_charge_free_and_curls_with_chirality():
    n, cell, r = 101, 10e-9, 450e-9
    x = (np.arange(n) - 50) * cell
    for c in (1, -1):
        m = vx.vortex_profile(x, x, radius=r, core=8e-9, centre=60e-9 + 30e-9j, polarity=-1, chirality=c)
        norm = np.linalg.norm(m, axis=-1)
        rr = np.hypot(x[None, :], x[:, None])
        assert np.allclose(norm[rr <= r], 1.0)
        assert np.all(norm[rr > r] == 0)
        # at the edge the magnetisation is tangential (no side charges) even with the core shifted
        edge = (rr > r - cell) & (rr <= r)
        radial = (m[..., 0] * x[None, :] + m[..., 1] * x[:, None]) / np.where(rr > 0, rr, 1)
        assert np.max(np.abs(radial[edge])) < 0.06
        # curl: on the +x side of the disk m_y has the sign of the chirality
        assert np.sign(m[50, 90, 1]) == c
        # core: m_z = p at the displaced core position
        iy, ix = 50 + 3, 50 + 6
        assert m[iy, ix, 2] == pytest.approx(-1.0, abs=1e-9)


def test_vortex_movie_contract_and_core_track():
    f = 400e6
    t = np.arange(8) / (8 * f)
    mv = vx.vortex_gyration_movie(radius=300e-9, thickness=30e-9, cell=15e-9, times=t, drive_frequency=f,
                                  gyration_radius=40e-9)
    validate_magnetisation(mv)
    assert mv.dims == ("time", "y", "x", "component")
    rad = np.hypot(mv["core_x"].values, mv["core_y"].values)
    assert rad.max() <= 40e-9 * (1 + 1e-9)
    assert mv.attrs["gyrotropic_frequency"] == pytest.approx(vx.gyrotropic_frequency(300e-9, 30e-9, 800e3))
    with pytest.raises(ConfigError, match="gyration_radius"):
        vx.vortex_gyration_movie(radius=300e-9, thickness=30e-9, cell=15e-9, times=t, gyration_radius=400e-9)


def test_spin_wave_movie_precesses_on_the_cone_and_propagates_outwards():
    f, lam = 6.25e9, 200e-9
    t = np.arange(6) / (6 * f)
    mv = sw.spin_wave_movie(size=1e-6, cell=10e-9, times=t, frequency=f, wavelength=lam,
                            cone_angle=math.radians(2), contact_radius=50e-9, decay_length=300e-9)
    validate_magnetisation(mv)
    m = mv.values
    # |m| = 1 and the cone about e0 = x: m_x = cos(theta) at the contact
    assert np.allclose(np.linalg.norm(m, axis=-1), 1.0)
    assert m[0, 50, 50, 0] == pytest.approx(math.cos(math.radians(2)), rel=1e-12)
    assert mv.attrs["phase_velocity"] == pytest.approx(f * lam)
    # counter-clockwise about +x: m_y leads m_z by a quarter period (e1 = y, e2 = z)
    e0, e1, e2 = sw.precession_basis([1, 0, 0])
    np.testing.assert_allclose(np.cross(e1, e2), e0)
    np.testing.assert_allclose(e2, [0, 0, 1])
    # the wave crest moves outwards: the phase at larger r lags
    psi = sw.spin_wave_phase(np.array([100e-9, 150e-9]), 0.0, frequency=f, wavelength=lam,
                             contact_radius=50e-9)
    assert psi[1] - psi[0] == pytest.approx(-2 * math.pi * 50e-9 / lam)
    with pytest.raises(ConfigError, match="wavelength"):
        sw.spin_wave_movie(size=1e-6, cell=60e-9, times=t, wavelength=200e-9)


@pytest.mark.parametrize("c", [1, -1])
def test_landau_square_has_edge_parallel_domains_and_moving_core(c):
    n, cell, a = 81, 10e-9, 350e-9
    x = (np.arange(n) - 40) * cell
    m = vx.landau_profile(x, x, half_width=a, core=8e-9, centre=-40e-9 + 20e-9j, polarity=1, chirality=c)
    norm = np.linalg.norm(m, axis=-1)
    inside = (np.abs(x)[None, :] <= a) & (np.abs(x)[:, None] <= a)
    assert np.allclose(norm[inside], 1.0) and np.all(norm[~inside] == 0)
    # domains: bottom edge along +x c, right edge along +y c, top along -x c, left along -y c
    assert m[5, 40, 0] == pytest.approx(c)  # y = -350 nm (bottom)
    assert m[40, 75, 1] == pytest.approx(c)  # x = +350 nm (right)
    assert m[75, 40, 0] == pytest.approx(-c)  # top
    assert m[40, 5, 1] == pytest.approx(-c)  # left
    assert m[42, 36, 2] == pytest.approx(1.0)  # core at (-40, +20) nm
    mv = vx.vortex_gyration_movie(radius=300e-9, thickness=30e-9, cell=15e-9, times=[0.0, 1e-9],
                                  gyration_radius=30e-9, shape="square")
    assert mv.attrs["shape"] == "square"
