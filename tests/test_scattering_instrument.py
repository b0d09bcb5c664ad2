"""Scattering camera: q calibration through the analysis, Poisson statistics, polarisation, photon budget."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spinscope.detectors.area import AreaDetector
from spinscope.errors import ConfigError
from spinscope.instruments.scattering import ScatteringCamera
from spinscope.interaction import film_optics

E = 150.47
LAYERS = [("Co80Tb20", 20e-9, 8900.0, True), ("Si3N4", 50e-9, None, False)]


@pytest.fixture(scope="module")
def optics():
    return film_optics(LAYERS, E)


def _stripes(cam: ScatteringCamera, periods: int, angle: float) -> np.ndarray:
    """Stripes with a whole number of periods along x and y (periodic on the grid)."""
    n = cam.n
    i = np.arange(n)
    jx, jy = round(periods * math.cos(angle)), round(periods * math.sin(angle))
    phase = 2 * np.pi * (jx * (i[None, :] + 0.5) + jy * (i[:, None] + 0.5)) / n
    mz = np.tanh(3 * np.sin(phase))
    return np.stack([mz, -mz]), 2 * math.pi * math.hypot(jx, jy) / cam.farfield.field_of_view


def test_q_calibration_follows_the_geometry_exactly(optics):
    """At a large angle (2 theta = 11.5 deg) the analysis recovers the period from k_perp, not q."""
    from spinscope.analysis.azimuthal import AzimuthalIntegrator, DetectorGeometry
    from spinscope.analysis.rings import fit_ring, transverse_period

    det = AreaDetector(shape=(256, 256), pixel_size=60e-6, distance=0.03)
    cam = ScatteringCamera.for_detector(optics, det, oversampling=1.5, illumination_profile="gaussian",
                                        illumination_size=0.25e-6)
    state, k_true = _stripes(cam, 100, 0.6)
    p_true = 2 * math.pi / k_true
    # the camera puts the first order where the exact grating condition says
    r = float(np.hypot(*det.pixel_coordinates()[::-1]).max())
    assert cam.ring_radius(p_true) < r
    img = cam.expected(state, photons=1e12)
    geom = DetectorGeometry(energy=E, distance=det.distance, pixel_size=det.pixel_size, center=det.center)
    integ = AzimuthalIntegrator(geom, det.shape, bins=200)
    prof = integ.integrate(img)
    q0_expected = 4 * math.pi * math.sin(0.5 * math.asin(optics.wavelength / p_true)) / optics.wavelength
    win = (0.85 * q0_expected, 1.15 * q0_expected)
    exact = fit_ring(prof.isel(frame=0) if "frame" in prof.dims else prof, shape="gaussian",
                     background="linear", q_range=win, wavelength=optics.wavelength)
    small_angle = fit_ring(prof.isel(frame=0) if "frame" in prof.dims else prof, shape="gaussian",
                           background="linear", q_range=win)
    th = 0.5 * math.asin(optics.wavelength / p_true)
    assert exact["period"] == pytest.approx(p_true, rel=2e-3)
    assert exact["period"] == pytest.approx(transverse_period(exact["q0"], optics.wavelength), rel=1e-12)
    # 2 pi / q0 is short by cos(theta) (0.5 % here): the correction is what makes them agree
    assert small_angle["period"] / exact["period"] == pytest.approx(math.cos(th), rel=1e-4)
    assert abs(small_angle["period"] / p_true - 1) > 3e-3


def test_poisson_statistics_of_recorded_frames(optics):
    det = AreaDetector(shape=(24, 24), pixel_size=60e-6, distance=0.03, quantum_efficiency=1.0,
                       read_noise=0.0, gain=1.0, dark_level=0.0, full_well=1e9, adc_bits=32)
    cam = ScatteringCamera.for_detector(optics, det, oversampling=1.0, illumination_size=0.3e-6)
    rng = np.random.default_rng(5)
    state = np.stack([np.tanh(rng.normal(size=(cam.n, cam.n)))] * 2) * np.array([1, -1])[:, None, None]
    lam = cam.expected(state, photons=1e9)
    n_e = det.electrons_per_photon(E)
    frames = np.stack([cam.measure(state, photons=1e9, rng=s).adu for s in range(400)]) / n_e
    mean = frames.mean(axis=0)
    var = frames.var(axis=0, ddof=1)
    sel = lam > 20
    assert sel.sum() > 50
    # mean = lambda and variance = mean, within 4 sigma of their sampling errors (N = 400 frames)
    z_mean = (mean[sel] - lam[sel]) / np.sqrt(lam[sel] / 400)
    assert np.abs(z_mean).max() < 5 and abs(z_mean.mean()) < 4 / math.sqrt(sel.sum())
    ratio = var[sel] / lam[sel]
    assert abs(ratio.mean() - 1) < 4 * math.sqrt(2 / 399) / math.sqrt(sel.sum())
    # the same seed gives the same bytes
    a = cam.measure(state, photons=1e9, rng=11).adu
    b = cam.measure(state, photons=1e9, rng=11).adu
    assert a.tobytes() == b.tobytes()


def test_polarisation_channels(optics):
    det = AreaDetector(shape=(32, 32), pixel_size=60e-6, distance=0.03)
    rng = np.random.default_rng(2)
    kw = dict(oversampling=1.0, illumination_size=0.3e-6)
    lin = ScatteringCamera.for_detector(optics, det, polarisation="linear", **kw)
    plus = ScatteringCamera.for_detector(optics, det, polarisation=1, **kw)
    minus = ScatteringCamera.for_detector(optics, det, polarisation=-1, **kw)
    half = ScatteringCamera.for_detector(optics, det, polarisation=0.5, **kw)
    mz = np.tanh(rng.normal(size=(lin.n, lin.n)))
    st = np.stack([mz, -mz])
    i_l, i_p, i_m, i_h = (c.expected(st, photons=1.0) for c in (lin, plus, minus, half))
    # float32 power accumulation (far_field notes): agreement to 1e-6 relative
    assert np.allclose(i_l, 0.5 * (i_p + i_m), rtol=1e-5, atol=0)
    assert np.allclose(i_h, 0.75 * i_p + 0.25 * i_m, rtol=1e-5, atol=0)
    with pytest.raises(ConfigError, match="polarisation"):
        ScatteringCamera.for_detector(optics, det, polarisation="elliptic", **kw)
    with pytest.raises(ConfigError, match="illumination"):
        ScatteringCamera.for_detector(optics, det, oversampling=1.0, illumination_size=1.0)
    with pytest.raises(ConfigError, match="state"):
        lin.expected(np.zeros((2, 5, 5)), photons=1.0)
