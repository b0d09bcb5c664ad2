"""APD bunch-by-bunch photon counting: Poisson statistics, pile-up, dead time, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.detectors import APD, as_generator, count_fraction, detection_probability, invert_pileup
from spinscope.errors import ConfigError


def test_poisson_mean_equals_variance_at_low_rate():
    apd = APD(quantum_efficiency=1.0)
    counts = apd.counts(np.full(20_000, 1e-3), 10_000, rng=1)  # 10 counts per pixel on average
    mean, var = counts.mean(), counts.var(ddof=1)
    assert mean == pytest.approx(10.0 * (1 - np.exp(-1e-3)) / 1e-3, rel=1e-2)
    assert var / mean == pytest.approx(1.0, abs=0.04)


def test_pileup_curve_matches_photon_level_simulation():
    """Count probability 1 - exp(-mu): compare the model with Poisson photons counted as (n > 0)."""
    rng = np.random.default_rng(7)
    mu = np.array([0.05, 0.3, 1.0, 2.0, 5.0])
    n = 200_000
    photons = rng.poisson(mu[:, None], size=(mu.size, n))
    measured = (photons > 0).mean(axis=1)
    assert np.allclose(measured, detection_probability(mu), atol=5 * np.sqrt(0.25 / n))
    apd = APD(quantum_efficiency=1.0)
    frac = apd.counts(mu, n, rng=8) / n
    assert np.allclose(frac, 1 - np.exp(-mu), atol=5 * np.sqrt(0.25 / n))
    # saturation: at most one count per bunch
    assert np.all(apd.counts(np.full(10, 50.0), 1000, rng=0) <= 1000)
    assert detection_probability(1e-12) == pytest.approx(1e-12, rel=1e-9)


def test_inverse_pileup_inverts():
    mu = np.logspace(-4, 1, 50)
    for d in (0, 1, 3):
        assert np.allclose(invert_pileup(count_fraction(mu, d), d), mu, rtol=1e-12)
    assert invert_pileup(0.0) == 0.0
    assert invert_pileup(1.0) == np.inf
    # on simulated counts the corrected photon number is unbiased within the statistics
    apd = APD(quantum_efficiency=0.8)
    n = 1_000_000
    true = np.array([0.1, 0.7, 2.0])
    est = apd.photons_from_counts(apd.counts(true, n, rng=3), n)
    assert np.allclose(est, true, rtol=0.01)


def test_dead_time_stream_exact():
    apd = APD(quantum_efficiency=1.0, dead_time=5.5e-9, bunch_spacing=2e-9)
    assert apd.dead_bunches == 2
    assert APD(dead_time=1.5e-9, bunch_spacing=2e-9).dead_bunches == 0
    assert APD(dead_time=4e-9, bunch_spacing=2e-9).dead_bunches == 1
    mu = 0.5
    stream = apd.bunch_stream(np.full(400_000, mu), rng=11)
    idx = np.flatnonzero(stream)
    assert np.all(np.diff(idx) > 2)  # no count within the dead slots
    expected = count_fraction(mu, 2)
    assert stream.mean() == pytest.approx(expected, rel=0.01)
    assert stream.mean() < detection_probability(mu)
    # aggregate draws share the mean
    agg = apd.counts(np.full(2000, mu), 1000, rng=12)
    assert agg.mean() / 1000 == pytest.approx(expected, rel=0.01)
    # no dead time: the stream is Bernoulli(1 - exp(-mu))
    free = APD(quantum_efficiency=1.0).bunch_stream(np.full(400_000, mu), rng=13)
    assert free.mean() == pytest.approx(detection_probability(mu), rel=0.01)


def test_same_seed_same_bytes():
    apd = APD()
    mu = np.linspace(0, 2, 1000).reshape(10, 100)
    a = apd.counts(mu, 500, rng=42)
    b = apd.counts(mu, 500, rng=42)
    c = apd.counts(mu, 500, rng=43)
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()
    assert a.shape == mu.shape and a.dtype == np.int64
    g = np.random.default_rng(42)
    assert as_generator(g) is g
    assert apd.counts(mu, 500, rng=np.random.default_rng(42)).tobytes() == a.tobytes()
    s1 = apd.bunch_stream(mu.ravel(), rng=9)
    assert s1.tobytes() == apd.bunch_stream(mu.ravel(), rng=9).tobytes()
    with pytest.raises(TypeError):
        as_generator("seed")


def test_dark_counts_and_efficiency():
    apd = APD(quantum_efficiency=0.5, dark_count_rate=1e3, bunch_spacing=2e-9)
    assert apd.mean_detected(1.0) == pytest.approx(0.5 + 2e-6)
    assert apd.expected_counts(0.0, 1e9) == pytest.approx(1e9 * (1 - np.exp(-2e-6)))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"quantum_efficiency": 0.0},
        {"quantum_efficiency": 1.2},
        {"dead_time": -1e-9},
        {"bunch_spacing": 0.0},
        {"dark_count_rate": float("nan")},
    ],
)
def test_bad_apd(kwargs):
    with pytest.raises(ConfigError):
        APD(**kwargs)


def test_negative_bunches_refused():
    with pytest.raises(ConfigError):
        APD().counts(0.1, -5, rng=0)
