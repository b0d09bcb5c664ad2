"""Laser-plasma source: bandpass integrals, photon budget, polariser from XMCD."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spinscope.conventions import transmission_asymmetry
from spinscope.errors import ConfigError, DataRangeError
from spinscope.sources.plasma import CircularPolariser, PlasmaSource, bandpass
from spinscope.units import energy_to_wavelength


def _flat(level=1e8, lo=500.0, hi=1000.0, n=501, **kw):
    e = np.linspace(lo, hi, n)
    tau = kw.pop("pulse_duration", 9e-12)
    return PlasmaSource(e, np.full(n, level), tau, kw.pop("repetition_rate", 100.0), **kw)


def test_bandpass_integral_on_a_flat_spectrum():
    src = _flat()
    for r in (200.0, 1000.0, 5000.0):
        beam = src.monochromatise(707.0, r)
        fwhm = 707.0 / r
        assert beam.bandwidth == pytest.approx(fwhm)
        # Gaussian bandpass: flux = S * sqrt(pi / (4 ln 2)) * dE
        assert beam.flux == pytest.approx(1e8 * math.sqrt(math.pi / (4 * math.log(2))) * fwhm, rel=1e-6)
        assert beam.flux == pytest.approx(1e8 * src.bandpass_area(707.0, r), rel=1e-6)
        rect = src.monochromatise(707.0, r, shape="rect")
        assert rect.flux == pytest.approx(1e8 * fwhm, rel=1e-9)
    assert bandpass(707.0 + 707.0 / 2000, 707.0, 1000.0) == pytest.approx(0.5)


def test_bandpass_on_a_sloped_spectrum_picks_the_centre_value():
    # a linear spectrum: the symmetric bandpass integral equals S(E0) * area exactly
    e = np.linspace(600, 800, 2001)
    s = 1e7 * (1 + (e - 700) / 100)
    src = PlasmaSource(e, s, 9e-12, 100.0)
    beam = src.monochromatise("707 eV", 500.0)
    assert beam.flux == pytest.approx(1e7 * 1.07 * src.bandpass_area(707, 500.0), rel=1e-6)


def test_photon_budget_bookkeeping():
    pol = CircularPolariser(transmission=0.1, degree=0.6)
    src = PlasmaSource.preset(repetition_rate="100 Hz", polariser=pol)
    plain = PlasmaSource.preset(repetition_rate="100 Hz")
    b = src.monochromatise(1190.0, 1000.0, efficiency=0.05)
    b0 = plain.monochromatise(1190.0, 1000.0)
    assert b.flux == pytest.approx(b0.flux * 0.05 * 0.1, rel=1e-12)
    assert b.photons_per_pulse * b.repetition_rate == pytest.approx(b.flux, rel=1e-12)
    assert b.helicity_degree == 0.6 and b0.helicity_degree == 0.0
    assert b.pulse_duration == pytest.approx(9e-12)
    # the preset is the documented exponential continuum
    s = plain.spectral_flux_at(np.array([700.0, 1100.0]))
    np.testing.assert_allclose(s, [1e9, 1e9 * math.exp(-1.0)], rtol=1e-6)
    # total flux: analytic integral of the exponential
    expected = 1e9 * 400 * (math.exp(-(200 - 700) / 400) - math.exp(-(1600 - 700) / 400))
    assert plain.total_flux() == pytest.approx(expected, rel=1e-4)
    sp = plain.spectrum()
    assert sp.dims == ("energy",) and sp["energy"].attrs["units"] == "eV"


def test_polariser_from_dichroism_follows_the_conventions():
    beta, beta_m, d, e = 4e-3, 1e-3, 30e-9, 707.0
    pol = CircularPolariser.from_dichroism(beta=beta, beta_m=beta_m, thickness="30 nm", energy=e)
    lam = energy_to_wavelength(e)
    tp = math.exp(-4 * math.pi * (beta + beta_m) * d / lam)
    tm = math.exp(-4 * math.pi * (beta - beta_m) * d / lam)
    assert pol.transmission == pytest.approx((tp + tm) / 2, rel=1e-12)
    assert pol.degree == pytest.approx((tp - tm) / (tp + tm), rel=1e-12)
    assert pol.degree == pytest.approx(-math.tanh(4 * math.pi * beta_m * d / lam), rel=1e-12)
    assert pol.degree == pytest.approx(
        float(transmission_asymmetry(beta, beta_m, thickness=d, wavelength=lam)), rel=1e-12
    )
    # beta_m > 0 absorbs helicity +1 more: the transmitted excess is helicity -1; flipping m flips it
    assert pol.degree < 0
    flipped = CircularPolariser.from_dichroism(beta=beta, beta_m=beta_m, thickness=d, energy=e, projection=-1)
    assert flipped.degree == pytest.approx(-pol.degree, rel=1e-12)


def test_bad_inputs():
    with pytest.raises(ConfigError, match="strictly increasing"):
        PlasmaSource([3.0, 2.0], [1.0, 1.0], 1e-12, 10.0)
    with pytest.raises(ConfigError, match="equal length"):
        PlasmaSource([1.0, 2.0, 3.0], [1.0, 1.0], 1e-12, 10.0)
    with pytest.raises(ConfigError, match="non-negative"):
        PlasmaSource([1.0, 2.0], [1.0, -1.0], 1e-12, 10.0)
    with pytest.raises(ConfigError, match="pulse_duration"):
        _flat(pulse_duration=0.0)
    with pytest.raises(DataRangeError, match="outside the source spectrum"):
        _flat().monochromatise(1200.0, 1000.0)
    with pytest.raises(ConfigError, match="resolving_power"):
        _flat().monochromatise(700.0, 0.5)
    with pytest.raises(ConfigError, match="degree"):
        CircularPolariser(transmission=0.5, degree=1.5)
    src = _flat()
    with pytest.raises(ValueError):
        src.energy[0] = 1.0  # arrays are frozen with the dataclass
