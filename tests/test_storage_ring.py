"""Storage rings: presets, fill patterns, bunch lengths and the sampling attenuation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spinscope.errors import ConfigError
from spinscope.sources import (
    FWHM_PER_SIGMA,
    RING_PRESETS,
    Beamline,
    FillPattern,
    StorageRing,
    fwhm_to_sigma,
    ring_preset,
    sampling_attenuation,
)

C = 299_792_458.0


@pytest.mark.parametrize(
    ("name", "h", "f_rf", "f_rev"),
    [
        ("bessy2", 400, 499.654e6, 1.25e6),
        ("als", 328, 500e6, 1.524e6),
        ("cls", 285, 500e6, 1.754e6),
        ("sls", 480, 499.65e6, 1.041e6),
        ("soleil", 416, 352.2e6, 846.6e3),
        ("spear3", 372, 476.3e6, 1.28e6),
    ],
)
def test_presets(name, h, f_rf, f_rev):
    ring = ring_preset(name)
    assert ring.harmonic_number == h
    assert ring.rf_frequency == pytest.approx(f_rf, rel=1e-3)
    assert ring.revolution_frequency == pytest.approx(f_rev, rel=2e-3)
    assert ring.revolution_frequency == pytest.approx(ring.rf_frequency / h)
    # the cited circumference agrees with f_RF / h (ultra-relativistic electrons)
    assert C / ring.circumference == pytest.approx(ring.revolution_frequency, rel=1e-3)
    assert ring.reference
    assert ring.fill.harmonic_number == h
    charges = ring.bunch_charges()
    assert charges.sum() == pytest.approx(ring.beam_current / ring.revolution_frequency)


def test_preset_names_and_aliases():
    assert set(RING_PRESETS) == {"bessy2", "als", "cls", "sls", "soleil", "spear3"}
    assert ring_preset("BESSY II").name == "bessy2"
    with pytest.raises(ConfigError, match="known: bessy2"):
        ring_preset("petra4")


def test_bunch_fwhm_and_override():
    ring = ring_preset("bessy2", bunch_fwhm=50e-12)
    assert ring.bunch_fwhm == pytest.approx(50e-12)
    assert ring.bunch_length_rms == pytest.approx(50e-12 / 2.35482, rel=1e-5)
    assert FWHM_PER_SIGMA == pytest.approx(2.354820045)
    assert ring.rf_period == pytest.approx(2.0014e-9, rel=1e-4)
    assert ring.revolution_period == pytest.approx(800.55e-9, rel=1e-4)


def test_fill_patterns():
    h = 400
    mb = FillPattern.multibunch(h, 300)
    assert mb.n_bunches == 300 and mb.name == "multibunch"
    assert np.all(mb.weights[300:] == 0)
    uni = FillPattern.multibunch(h)
    assert uni.n_bunches == h and uni.name == "uniform"
    hy = FillPattern.hybrid(h, 300, 4 / 300)
    assert hy.n_bunches == 301
    cam = int(np.argmax(hy.weights))
    assert cam == 350  # centre of the 100-bucket gap
    ring = StorageRing("x", 499.654e6, h, 15e-12, beam_current=0.3, fill=hy)
    q = ring.bunch_charges()
    assert q[cam] == pytest.approx(0.004 / ring.revolution_frequency)  # 4 mA camshaft: 3.2 nC
    assert q[cam] == pytest.approx(3.2e-9, rel=1e-3)
    assert ring.bunch_currents()[0] == pytest.approx(0.296 / 300)
    few = FillPattern.few_bunch(h, 4)
    assert few.filled.tolist() == [0, 100, 200, 300]
    single = FillPattern.single_bunch(h, bucket=200)
    assert single.filled.tolist() == [200] and single.name == "single-bunch"
    ring1 = ring.with_(fill=single, beam_current=0.013)
    assert ring1.bunch_charges()[200] == pytest.approx(0.013 / ring1.revolution_frequency)
    assert ring1.bunch_rate == pytest.approx(ring1.revolution_frequency)


@pytest.mark.parametrize(
    "make",
    [
        lambda: FillPattern.multibunch(400, 0),
        lambda: FillPattern.hybrid(400, 400, 0.01),
        lambda: FillPattern.hybrid(400, 300, 1.5),
        lambda: FillPattern.hybrid(400, 300, 0.01, camshaft_bucket=5),
        lambda: FillPattern(np.zeros(10)),
        lambda: StorageRing("x", -5e8, 400, 15e-12),
        lambda: StorageRing("x", 5e8, 400, 0.0),
        lambda: StorageRing("x", 5e8, 400, 15e-12, fill=FillPattern.multibunch(328)),
        lambda: Beamline(ring_preset("als"), 707.0, circular_polarisation=1.2),
        lambda: Beamline(ring_preset("als"), -707.0),
    ],
)
def test_bad_input(make):
    with pytest.raises(ConfigError):
        make()


def test_beamline():
    ring = ring_preset("bessy2")
    bl = Beamline(ring, 707.0, circular_polarisation=0.9, flux_in_focus=1e8, name="maxymus")
    assert bl.photons_per_bunch == pytest.approx(1e8 / ring.bunch_rate)
    per_bucket = bl.photons_per_bucket()
    assert per_bucket.sum() == pytest.approx(1e8 / ring.revolution_frequency)


def _numerical_amplitude(frequency, sigmas, dt=0.05e-12, periods=8):
    """Amplitude of a unit sinusoid after numerical convolution with Gaussians of rms sigmas."""
    period = 1.0 / frequency
    t = np.arange(0.0, periods * period, dt)
    signal = np.sin(2 * np.pi * frequency * t)
    smeared = signal
    for s in sigmas:
        if s == 0:
            continue
        half = int(6 * s / dt)
        tk = np.arange(-half, half + 1) * dt
        kernel = np.exp(-0.5 * (tk / s) ** 2)
        kernel /= kernel.sum()
        smeared = np.convolve(np.pad(smeared, half, mode="wrap"), kernel, mode="valid")
    n = int(round(periods * period / dt))
    ts, ys = t[:n], smeared[:n]
    a = 2 * np.mean(ys * np.sin(2 * np.pi * frequency * ts))
    b = 2 * np.mean(ys * np.cos(2 * np.pi * frequency * ts))
    return math.hypot(a, b)


def test_attenuation_against_numerical_convolution():
    f = 6.25e9
    sigma = fwhm_to_sigma(50e-12)
    analytic = sampling_attenuation(f, sigma)
    assert analytic == pytest.approx(0.71, abs=0.01)
    assert analytic == pytest.approx(0.7064, abs=1e-4)
    assert _numerical_amplitude(f, [sigma]) == pytest.approx(analytic, rel=2e-2)
    # jitter adds in quadrature: convolve twice numerically
    jit = 10e-12
    both = sampling_attenuation(f, sigma, jit)
    assert _numerical_amplitude(f, [sigma, jit]) == pytest.approx(both, rel=2e-2)
    assert both < analytic
    ring = ring_preset("bessy2", bunch_fwhm=50e-12)
    assert ring.attenuation(f) == pytest.approx(analytic)
    # vectorised over frequency
    arr = sampling_attenuation(np.array([1e9, 6.25e9]), sigma)
    assert arr.shape == (2,) and arr[0] > arr[1]
