"""Area detector: exact q calibration, solid angle, Poisson statistics, saturation, dark noise, seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spinscope.detectors.area import AreaDetector, silicon_quantum_efficiency
from spinscope.errors import ConfigError, DataRangeError

HC = 1.239841984332e-6  # eV m, CODATA 2018


def test_q_of_the_corner_pixel_by_hand():
    det = AreaDetector(shape=(2048, 2048), pixel_size="13.5 um", distance="0.1 m")
    # corner pixel (0, 0): x = y = -1023.5 * 13.5e-6 m = -0.01381725 m, r = sqrt(2) * 0.01381725
    # = 0.0195405423 m; 2 theta = atan(r / 0.1) = 0.1929738196 rad; lambda = hc / 150.5 eV
    # q = 4 pi sin(theta) / lambda = 1.4695161161e8 1/m
    q = det.q(150.5)
    assert q[0, 0] == pytest.approx(146951611.61237, rel=1e-12)
    assert det.two_theta()[0, 0] == pytest.approx(0.19297381964442, rel=1e-12)
    r = math.hypot(1023.5 * 13.5e-6, 1023.5 * 13.5e-6)
    lam = HC / 150.5
    assert q[0, 0] == pytest.approx(4 * math.pi * math.sin(0.5 * math.atan(r / 0.1)) / lam, rel=1e-14)
    # exact, not small-angle: k r / L would be 1.4 % high at this corner
    assert (2 * math.pi / (HC / 150.5)) * r / 0.1 / q[0, 0] - 1 > 0.01
    # all four corners alike for a centred beam; the q map has its minimum at the centre
    assert q[0, -1] == pytest.approx(q[0, 0]) and q[-1, -1] == pytest.approx(q[0, 0])


def test_q_components_off_centre_beam():
    det = AreaDetector(shape=(40, 60), pixel_size=(20e-6, 10e-6), distance=0.05, center=(12.0, 7.5))
    qx, qy, qz = det.q_vector(707.0)
    q = det.q(707.0)
    k = 2 * math.pi / (HC / 707.0)
    # pixel (row 30, column 50): x = 38 * 10 um, y = 22.5 * 20 um
    x, y = 38 * 10e-6, 22.5 * 20e-6
    big_r = math.sqrt(x * x + y * y + 0.05**2)
    assert qx[30, 50] == pytest.approx(k * x / big_r, rel=1e-13)
    assert qy[30, 50] == pytest.approx(k * y / big_r, rel=1e-13)
    np.testing.assert_allclose(np.sqrt(qx**2 + qy**2 + qz**2), q, rtol=1e-9)
    # elastic scattering: |k_out| = |k_in| gives qz = -|q|^2 / (2 k)
    np.testing.assert_allclose(qz, -(q**2) / (2 * k), rtol=1e-6)
    # pixel (row 7, column 12) sits half a pixel (10 um) below the beam centre
    lam = HC / 707.0
    assert q[7, 12] == pytest.approx(4 * math.pi * math.sin(0.5 * math.atan(10e-6 / 0.05)) / lam, rel=1e-12)
    assert q[7, 12] == q[8, 12]


def test_solid_angle_exact():
    det = AreaDetector(shape=(64, 80), pixel_size=50e-6, distance=0.02)
    om = det.solid_angle()
    a, b, L = 40 * 50e-6, 32 * 50e-6, 0.02
    whole = 4 * math.atan(a * b / (L * math.sqrt(a * a + b * b + L * L)))
    assert om.sum() == pytest.approx(whole, rel=1e-12)
    # far from the edge of validity, a pixel is A L / R^3
    y, x = det.pixel_coordinates()
    r3 = (x**2 + y**2 + L**2) ** 1.5
    np.testing.assert_allclose(om, (50e-6) ** 2 * L / r3, rtol=1e-5)


def _counting(**kw):
    # 1 ADU per detected photon: gain = w / E
    e = 150.0
    base = dict(shape=(64, 64), pixel_size=13.5e-6, distance=0.1, quantum_efficiency=1.0,
                read_noise=0.0, gain=3.65 / e, dark_level=10.0, full_well=1e9, adc_bits=20)
    base.update(kw)
    return AreaDetector(**base), e


@pytest.mark.parametrize("qe,thinning", [(1.0, "binomial"), (0.5, "binomial"), (0.5, "poisson")])
def test_poisson_mean_equals_variance(qe, thinning):
    det, e = _counting(quantum_efficiency=qe)
    lam = np.full((64, 64, 64), 20.0)
    rec = det.record(lam, energy=e, rng=7, thinning=thinning)
    n = rec.adu.astype(float) - 10.0
    assert rec.adu.shape == lam.shape
    assert np.all(n == np.rint(n)) and not rec.saturated.any()
    m, v = n.mean(), n.var()
    # N = 262144 samples: s.e. of the mean 0.0087 * sqrt(qe); of the variance ~0.3 %
    assert m == pytest.approx(20 * qe, abs=5 * math.sqrt(20 * qe / n.size))
    assert v == pytest.approx(20 * qe, rel=5 * math.sqrt(2 / n.size) * 1.05)
    assert v / m == pytest.approx(1.0, rel=0.02)


def test_expected_signal_chain():
    det = AreaDetector(shape=(32, 32), quantum_efficiency=0.8, gain=0.5, read_noise=3.0, dark_level=100)
    lam = np.full((16, 32, 32), 30.0)
    rec = det.record(lam, energy=300.0, rng=3)
    mean = det.expected_adu(lam, energy=300.0)
    assert mean[0, 0, 0] == pytest.approx(100 + 0.5 * 0.8 * (300 / 3.65) * 30)
    # per-pixel variance gain^2 ((E/w)^2 QE I + read_noise^2); 5 standard errors of the mean
    var = 0.5**2 * ((300 / 3.65) ** 2 * 0.8 * 30 + 3.0**2)
    assert rec.adu.mean() == pytest.approx(mean.mean(), abs=5 * math.sqrt(var / lam.size))
    assert rec.adu.var() == pytest.approx(var, rel=0.05)


def test_saturation_flags_full_well_and_adc():
    det = AreaDetector(shape=(8, 8), quantum_efficiency=1.0, full_well=1000.0, gain=1.0, read_noise=0.0,
                       dark_level=0.0, adc_bits=16)
    lam = np.zeros((8, 8))
    lam[2:4, 2:4] = 1e4  # 1e4 photons * 41 e- >> full well
    lam[6, 6] = 5.0  # about 205 e-: fine
    rec = det.record(lam, energy=150.0, rng=0)
    assert rec.saturated[2:4, 2:4].all()
    assert rec.saturated.sum() == 4
    assert np.all(rec.adu[2:4, 2:4] == 1000)
    # ADC saturation: gain so high that full well exceeds the ADC range
    det2 = AreaDetector(shape=(8, 8), quantum_efficiency=1.0, full_well=1e6, gain=10.0, read_noise=0.0,
                        dark_level=0.0, adc_bits=12)
    rec2 = det2.record(lam, energy=150.0, rng=0)
    assert rec2.saturated[2:4, 2:4].all() and np.all(rec2.adu[2:4, 2:4] == 4095)
    assert rec2.adu.dtype == np.uint16 and rec2.adu.max() <= 4095
    assert not rec2.saturated[6, 6]


def test_dark_frame_statistics_match_read_noise():
    det = AreaDetector(shape=(500, 500), read_noise=5.0, gain=2.0, dark_level=200.0)
    rec = det.record(np.zeros((4, 500, 500)), energy=150.0, rng=11)
    a = rec.adu.astype(float)
    # ADU noise = gain * read noise, plus the rounding (quantisation) variance 1/12 ADU^2
    expected_var = (2.0 * 5.0) ** 2 + 1.0 / 12.0
    assert a.mean() == pytest.approx(200.0, abs=5 * math.sqrt(expected_var / a.size))
    assert a.var() == pytest.approx(expected_var, rel=5 * math.sqrt(2 / a.size))


def test_seeded_reproducibility():
    det = AreaDetector(shape=(64, 64), quantum_efficiency=0.7)
    lam = np.random.default_rng(0).uniform(0, 50, (3, 64, 64))
    a = det.record(lam, energy=150.0, rng=123)
    b = det.record(lam, energy=150.0, rng=np.random.default_rng(123))
    c = det.record(lam, energy=150.0, rng=124)
    assert a.adu.tobytes() == b.adu.tobytes() and a.saturated.tobytes() == b.saturated.tobytes()
    assert a.adu.tobytes() != c.adu.tobytes()


def test_beam_stop_and_masks():
    det = AreaDetector(shape=(64, 64), pixel_size=10e-6, beam_stop_radius="50 um", quantum_efficiency=1.0,
                       read_noise=0.0, dark_level=0.0)
    stop = det.beam_stop()
    assert stop[31, 31] and stop[32, 32] and not stop[0, 0]
    assert stop.sum() == np.sum(det.radius() <= 50e-6)
    rec = det.record(np.full((64, 64), 100.0), energy=150.0, rng=1)
    assert np.all(rec.adu[stop] == 0) and np.all(rec.adu[~stop] > 0)
    user = np.zeros((64, 64), bool)
    user[0, :] = True
    det2 = AreaDetector(shape=(64, 64), pixel_size=10e-6, beam_stop_radius=50e-6, mask=user)
    assert det2.combined_mask().sum() == stop.sum() + 64
    with pytest.raises(ConfigError, match="beam_stop_radius"):
        AreaDetector(shape=(64, 64), pixel_size=10e-6, beam_stop_radius="1 mm")
    with pytest.raises(ConfigError, match="mask"):
        AreaDetector(shape=(64, 64), mask=np.zeros((3, 3), bool))


def test_silicon_quantum_efficiency_model():
    import xraydb

    e = np.array([100.0, 150.5, 707.0, 1200.0])
    t_act, t_dead = 10e-6, 20e-9
    fr_si = xraydb.atomic_mass("Si") / (xraydb.atomic_mass("Si") + 2 * xraydb.atomic_mass("O"))
    mu_ox = 2.2 * (fr_si * xraydb.mu_chantler("Si", e) + (1 - fr_si) * xraydb.mu_chantler("O", e)) * 100
    mu_si = 2.329 * xraydb.mu_chantler("Si", e) * 100
    expected = np.exp(-mu_ox * t_dead) * (1 - np.exp(-mu_si * t_act))
    np.testing.assert_allclose(
        silicon_quantum_efficiency(e, active_thickness=t_act, dead_layer=t_dead), expected, rtol=1e-10
    )
    det = AreaDetector(shape=(4, 4), active_thickness=t_act, dead_layer=t_dead)
    assert det.qe(150.5) == pytest.approx(expected[1], rel=1e-10)
    assert 0 < det.qe(150.5) < 1
    assert det.electrons_per_photon(150.5) == pytest.approx(150.5 / 3.65)
    with pytest.raises(DataRangeError, match="10 eV"):
        det.qe(5.0)


def test_bad_geometry_and_inputs():
    with pytest.raises(ConfigError, match="pixel_size"):
        AreaDetector(pixel_size=0)
    with pytest.raises(ConfigError, match="distance"):
        AreaDetector(distance="-1 m")
    with pytest.raises(ConfigError, match="shape"):
        AreaDetector(shape=(0, 10))
    with pytest.raises(ConfigError, match="quantum_efficiency"):
        AreaDetector(quantum_efficiency=1.5)
    with pytest.raises(ConfigError, match="adc_bits"):
        AreaDetector(adc_bits=40)
    det = AreaDetector(shape=(8, 8))
    with pytest.raises(ConfigError, match="intensity"):
        det.record(np.ones((8, 9)), energy=150.0, rng=0)
    with pytest.raises(ConfigError, match="intensity"):
        det.record(-np.ones((8, 8)), energy=150.0, rng=0)
