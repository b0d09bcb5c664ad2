"""Each sign convention of docs/conventions.md pinned by a test."""

from __future__ import annotations

import numpy as np
import pytest

from spinscope import conventions as cv
from spinscope.units import HC_EV_M, energy_to_wavelength, wavelength_to_energy


def test_beam_along_plus_z_and_right_handed_axes():
    assert np.array_equal(cv.BEAM_DIRECTION, [0.0, 0.0, 1.0])
    x, y, z = np.eye(3)
    assert np.array_equal(np.cross(x, y), z)
    assert cv.COMPONENTS == ("x", "y", "z")


def test_dimension_vocabulary_is_fixed_and_has_units():
    for name in ("delay", "energy", "helicity", "y", "x", "component", "species", "q"):
        assert name in cv.DIMS
        assert name in cv.DIM_UNITS
    assert cv.DIM_UNITS["energy"] == "eV"
    assert cv.DIM_UNITS["delay"] == "s"
    assert cv.DIM_UNITS["x"] == "m"


def test_asymmetry_sign_plus_minus_over_sum():
    assert cv.asymmetry(3.0, 1.0) == pytest.approx(0.5)
    assert cv.asymmetry(1.0, 3.0) == pytest.approx(-0.5)
    assert np.isnan(cv.asymmetry(0.0, 0.0))


def test_absorption_larger_for_photon_spin_parallel_to_m_when_beta_m_positive():
    # helicity +1 (photon spin along +z) and m along +z: beta + beta_m
    assert cv.absorption_index(1e-3, 2e-4, helicity=1, projection=1.0) == pytest.approx(1.2e-3)
    assert cv.absorption_index(1e-3, 2e-4, helicity=-1, projection=1.0) == pytest.approx(0.8e-3)
    # reversing m is the same as reversing helicity
    assert cv.absorption_index(1e-3, 2e-4, helicity=1, projection=-1.0) == pytest.approx(0.8e-3)
    # linear polarisation sees no magnetic part
    assert cv.absorption_index(1e-3, 2e-4, helicity=0) == pytest.approx(1e-3)
    with pytest.raises(ValueError):
        cv.absorption_index(1e-3, 2e-4, helicity=2)


def test_absorption_asymmetry_equals_dichroic_ratio():
    beta, beta_m = 8e-3, 2.2e-3
    a = cv.asymmetry(
        cv.absorption_index(beta, beta_m, helicity=1), cv.absorption_index(beta, beta_m, helicity=-1)
    )
    assert a == pytest.approx(beta_m / beta)


def test_transmission_asymmetry_is_minus_tanh_and_opposite_to_absorption():
    beta, beta_m, d, lam = 8e-3, 2.2e-3, 20e-9, 1.75e-9
    got = cv.transmission_asymmetry(beta, beta_m, thickness=d, wavelength=lam)
    assert got == pytest.approx(-np.tanh(4 * np.pi * beta_m * d / lam), rel=1e-12)
    assert got < 0 < beta_m / beta


def test_beer_lambert_from_beta():
    beta, lam, d = 1e-3, 1e-9, 50e-9
    t_plus = np.exp(-4 * np.pi * cv.absorption_index(beta, 0.0, helicity=1) * d / lam)
    assert t_plus == pytest.approx(np.exp(-d / (lam / (4 * np.pi * beta))))


def test_photon_energy_wavelength():
    assert HC_EV_M == pytest.approx(1.239841984e-6, rel=1e-9)  # CODATA 2018
    assert energy_to_wavelength(707.0) == pytest.approx(1.7537e-9, rel=1e-4)
    assert wavelength_to_energy(energy_to_wavelength(155.0)) == pytest.approx(155.0)
    assert np.allclose(energy_to_wavelength(np.array([100.0, 1000.0])), [1.2398e-8, 1.2398e-9], rtol=1e-4)
