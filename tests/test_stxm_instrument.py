"""The STXM instrument model: XMCD signs, tilt, timing, scan, drift, detection, bad input (issue 5).

The instrument (:class:`~spinscope.instruments.STXM`, the exposure model) is driven by the raster scan
plan :func:`~spinscope.acquisition.stxm_scan.run_stxm_scan`, as a user runs it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from spinscope.acquisition.stxm_scan import ScanPattern, run_stxm_scan
from spinscope.config import LayerConfig
from spinscope.datamodel import magnetisation_field
from spinscope.errors import ConfigError
from spinscope.instruments.stxm import STXM, smear_movie, transmission
from spinscope.optics.zone_plate import ZonePlate
from spinscope.sources.storage_ring import Beamline, ring_preset


def _stxm(material="Fe", thickness="10 nm", energy=707.75, tilt=0.0, pc=1.0, flux=1e8, ring="bessy2"):
    r = ring_preset(ring)
    bl = Beamline(r, energy, pc, flux)
    layers = (LayerConfig(material=material, thickness=thickness, magnetic=True),)
    return STXM(bl, ZonePlate(240e-6, 25e-9, central_stop=90e-6), layers, tilt=math.radians(tilt))


def _uniform(m, n=16, cell=15e-9):
    x = (np.arange(n) - (n - 1) / 2) * cell
    arr = np.broadcast_to(np.asarray(m, dtype=float), (n, n, 3)).copy()
    return magnetisation_field(arr, x=x, y=x)


@pytest.mark.parametrize(("element", "energy"), [("Fe", 707.75), ("Co", 778.0), ("Ni", 852.75)])
def test_helicity_parallel_to_m_transmits_less_at_l3(element, energy):
    """conventions: beta_m > 0 at L3, so sigma = +1 with m along +k absorbs more."""
    st = _stxm(element, energy=energy)
    sc = st.static_contrast()
    assert sc["transmission_plus"] < sc["transmission_minus"]
    assert sc["asymmetry"] < -0.01
    scan = ScanPattern(15e-9, 8, 8, 1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ds = run_stxm_scan(st, _uniform([0, 0, 1]), scan, rng=1)
    c = ds["counts"].sum(("y", "x"))
    assert c.sel(helicity=1) < c.sel(helicity=-1)
    # and the contrast reverses with m
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ds2 = run_stxm_scan(st, _uniform([0, 0, -1]), scan, rng=1)
    c2 = ds2["counts"].sum(("y", "x"))
    assert c2.sel(helicity=1) > c2.sel(helicity=-1)


def test_ln_ratio_is_beer_lambert_with_full_polarisation():
    st = _stxm(pc=1.0)
    d = st.depths()
    lam = st.wavelength
    beta_m = st._constants[0]["beta_m"]
    assert d["magnetic"] == pytest.approx(4 * math.pi * 10e-9 * beta_m / lam, rel=1e-12)
    assert st.static_contrast()["ln_ratio"] == pytest.approx(-2 * d["magnetic"], rel=1e-12)


@pytest.mark.parametrize("tilt_deg", [15.0, 30.0, 45.0, 60.0])
def test_tilt_gives_in_plane_contrast_proportional_to_sin_theta(tilt_deg):
    """In-plane m along x: ln(T+/T-) = -2 a (d / cos t) sin t; per unit path it scales with sin t."""
    st0 = _stxm(pc=1.0)
    a0 = st0.depths()["magnetic"]  # normal incidence, path d
    st = _stxm(pc=1.0, tilt=tilt_deg)
    m = _uniform([1, 0, 0])
    tp = st.transmission_movie(m, 1)
    tm = st.transmission_movie(m, -1)
    lr = float(np.log(tp / tm).mean())
    t = math.radians(tilt_deg)
    path = 1 / math.cos(t)
    assert lr / path == pytest.approx(-2 * a0 * math.sin(t), rel=1e-10)
    # and out-of-plane m is seen with cos(theta) per unit path
    mz = _uniform([0, 0, 1])
    lrz = float(np.log(st.transmission_movie(mz, 1) / st.transmission_movie(mz, -1)).mean())
    assert lrz / path == pytest.approx(-2 * a0 * math.cos(t), rel=1e-10)


def test_partial_polarisation_scales_asymmetry():
    full = _stxm(pc=1.0).static_contrast()["asymmetry"]
    part = _stxm(pc=0.5).static_contrast()["asymmetry"]
    assert part == pytest.approx(0.5 * full, rel=0.01)  # linear in P for a thin film


def test_smear_movie_attenuates_each_harmonic():
    period = 160e-12
    n = 32
    t = np.arange(n) * period / n
    frames = 1.0 + 0.3 * np.cos(2 * np.pi * t / period + 0.4) + 0.1 * np.sin(2 * np.pi * 3 * t / period)
    ch = np.arange(6) * period / 6
    sigma = 50e-12 / 2.3548
    got = smear_movie(frames, period=period, t0=0.0, channel_times=ch, sigma=sigma)
    a1 = math.exp(-0.5 * (2 * math.pi * sigma / period) ** 2)
    a3 = math.exp(-0.5 * (2 * math.pi * 3 * sigma / period) ** 2)
    want = (1 + 0.3 * a1 * np.cos(2 * np.pi * ch / period + 0.4)
            + 0.1 * a3 * np.sin(2 * np.pi * 3 * ch / period))
    np.testing.assert_allclose(got, want, atol=1e-12)
    # no smearing: exact band-limited interpolation
    np.testing.assert_allclose(smear_movie(frames, period=period, t0=0.0, channel_times=t, sigma=0.0), frames,
                               atol=1e-12)


def test_transmission_handles_empty_cells():
    tr = transmission(np.array([1.0, 0.0]), np.array([True, False]), charge_depth=0.1,
                      charge_depth_magnetic=0.5,
                      magnetic_depth=0.2, helicity=1)
    assert tr[1] == pytest.approx(math.exp(-0.1))
    assert tr[0] == pytest.approx(math.exp(-0.1 - 0.5 - 0.2))


def test_same_seed_same_bytes_and_counts_are_poisson_like():
    st = _stxm(flux=2e7)
    scan = ScanPattern(15e-9, 16, 16, 1e-3, jitter_rms=2e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        a = run_stxm_scan(st, _uniform([0, 0, 1]), scan, rng=11)
        b = run_stxm_scan(st, _uniform([0, 0, 1]), scan, rng=11)
    assert a["counts"].values.tobytes() == b["counts"].values.tobytes()
    assert a["x_position"].values.tobytes() == b["x_position"].values.tobytes()
    c = a["counts"].sel(helicity=1).values.astype(float)
    # uniform film: binomial counts, variance n p (1 - p) (pile-up makes them sub-Poissonian)
    p = c.mean() / int(a["bunches"])
    assert c.var() == pytest.approx(c.mean() * (1 - p), rel=0.25)


def test_repeated_scan_drift_is_recovered_by_registration():
    """Thermal drift between two scans of a vortex disk is found within 0.1 pixel."""
    from spinscope.analysis.xmcd import register_shift
    from spinscope.evolution.vortex import vortex_gyration_movie

    m = vortex_gyration_movie(radius=300e-9, thickness=40e-9, cell=10e-9, times=[0.0],
                              gyration_radius=1e-12).isel(time=0, drop=True)
    st = _stxm("Ni80Fe20", "40 nm", tilt=30.0, flux=1e8)
    pix = 15e-9
    base = ScanPattern(pix, 48, 48, 2e-3, jitter_rms=1e-9)
    shift = (1.37, -2.61)  # (y, x) pixels between the scans
    gap = 100.0  # s between the starts of the two scans
    v = (shift[1] * pix / gap, shift[0] * pix / gap)
    scan = ScanPattern(pix, 48, 48, 2e-3, jitter_rms=1e-9, drift_velocity=v)
    del base
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        first = run_stxm_scan(st, m, scan, helicities=(1,), rng=1)
        second = run_stxm_scan(st, m, scan, helicities=(1,), start_time=gap, rng=2)
    got = register_shift(first["counts"].isel(helicity=0).values, second["counts"].isel(helicity=0).values)
    assert abs(got[0] - shift[0]) < 0.1
    assert abs(got[1] - shift[1]) < 0.1


def test_even_odd_detects_1e4_signal_with_planned_snr():
    """An injected relative signal of 1e-4, measured end to end with even/odd normalisation, has the
    SNR of the shot-noise plan (pile-up penalty included) within 20 %."""
    from spinscope.analysis.xmcd import even_odd_relative_signal
    from spinscope.planning.stxm_budget import pileup_penalty, snr_for_photons

    st = _stxm("Fe", "10 nm", pc=1.0, flux=1e7)
    ring = st.beamline.ring
    a = st.depths()["magnetic"]
    # pumped: m tilted away from +z so that helicity +1 transmits 1e-4 more than the unpumped +z state
    s_true = 1e-4
    dkm = math.log(1 + s_true) / a
    ang = math.acos(1 - dkm)
    ref = _uniform([0, 0, 1], n=8)
    pumped = _uniform([math.sin(ang), 0, math.cos(ang)], n=8)
    scan = ScanPattern(15e-9, 32, 32, 40.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ds = run_stxm_scan(st, pumped, scan, reference=ref, helicities=(1,), intensity_drift=1e-3, rng=5)
    s = even_odd_relative_signal(ds).values.ravel()
    t_ref = float(st.transmission_movie(ref, 1).mean())
    t_pump = float(st.transmission_movie(pumped, 1).mean())
    assert t_pump / t_ref - 1 == pytest.approx(s_true, rel=1e-9)
    mu = st.beamline.flux_in_focus / ring.bunch_rate * t_ref * st.detector.quantum_efficiency
    photons = 2 * int(ds["bunches"]) * mu  # detected photons per pixel, both measurements
    predicted = snr_for_photons(s_true, photons) / math.sqrt(pileup_penalty(mu))
    measured = s_true / s.std(ddof=1)
    assert measured == pytest.approx(predicted, rel=0.2)
    assert abs(s.mean() - s_true) < 4 * s.std() / math.sqrt(s.size)


def test_bad_input_errors_say_what_to_change():
    with pytest.raises(ConfigError, match="interferometer step"):
        ScanPattern(0.5e-9, 4, 4, 1e-3)
    st = _stxm()
    with pytest.raises(ConfigError, match="revolution"):
        run_stxm_scan(st, _uniform([0, 0, 1]), ScanPattern(15e-9, 4, 4, 1e-7))
    with pytest.raises(ConfigError, match="no magnetic contrast.*Fe L3"):
        run_stxm_scan(_stxm(energy=600.0), _uniform([0, 0, 1]), ScanPattern(15e-9, 4, 4, 1e-3))
    with pytest.warns(UserWarning, match="undersampled"):
        run_stxm_scan(st, _uniform([0, 0, 1]), ScanPattern(25e-9, 4, 4, 1e-3), rng=0)


def test_movie_must_cover_one_period():
    from spinscope.acquisition import StroboscopicScheme

    st = _stxm()
    sch = StroboscopicScheme.from_ring(st.beamline.ring, 13, 16)
    x = np.arange(8) * 15e-9
    m = np.zeros((5, 8, 8, 3))
    m[..., 2] = 1
    movie = magnetisation_field(m, x=x, y=x, time=np.arange(5) * 1e-12)
    with pytest.raises(ConfigError, match="one excitation period"):
        run_stxm_scan(st, movie, ScanPattern(15e-9, 4, 4, 1e-3), timing=sch)
