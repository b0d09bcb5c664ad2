"""Time-trace fits: injected demagnetisation parameters recovered; q1(t) shift; wall velocity."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from spinscope.analysis.timetrace import fit_demagnetisation, fit_q1_trace, wall_velocity
from spinscope.curves import demag_curve
from spinscope.errors import ConfigError, DataRangeError

# a femtosecond (HHG-like) scan: dense around t0, sparse later; delays in s
DELAYS = np.concatenate([np.linspace(-0.8e-12, 1.5e-12, 47), np.linspace(1.7e-12, 15e-12, 24)])
TRUTH = dict(t0=0.05e-12, amplitude=0.45, tau_m=0.28e-12, tau_r=6e-12, fwhm=0.05e-12)


def trace(seed, noise=0.01, **over):
    p = {**TRUTH, **over}
    rng = np.random.default_rng(seed)
    m = demag_curve(DELAYS, **p)
    err = np.full(DELAYS.size, noise)
    return m + err * rng.standard_normal(DELAYS.size), err


def test_injected_tau_m_and_amplitude_recovered():
    m, err = trace(seed=1)
    r = fit_demagnetisation(DELAYS, m, err, irf_fwhm=TRUTH["fwhm"])
    assert r["tau_m"] == pytest.approx(TRUTH["tau_m"], rel=0.10)
    assert r["amplitude"] == pytest.approx(TRUTH["amplitude"], abs=0.03)
    assert r["tau_r"] == pytest.approx(TRUTH["tau_r"], rel=0.15)
    assert r["t0"] == pytest.approx(TRUTH["t0"], abs=0.03e-12)
    assert r["fwhm_err"] == 0.0 and "fwhm" in r["fixed"]
    for key in ("tau_m", "amplitude", "tau_r", "t0"):
        assert abs(r[key] - TRUTH[key]) < 4 * r[f"{key}_err"]
    assert 0.6 < r["redchi"] < 1.5


def test_free_irf_and_uncertainties_are_honest():
    pulls = []
    for seed in range(15):
        m, err = trace(seed=50 + seed, fwhm=0.15e-12)
        r = fit_demagnetisation(DELAYS, m, err)  # IRF width fitted
        pulls.append((r["tau_m"] - TRUTH["tau_m"]) / r["tau_m_err"])
        assert r["amplitude"] == pytest.approx(TRUTH["amplitude"], abs=0.03)
        assert r["fwhm"] == pytest.approx(0.15e-12, abs=5 * r["fwhm_err"] + 0.02e-12)
    pulls = np.asarray(pulls)
    assert abs(pulls.mean()) < 3.5 / math.sqrt(pulls.size)
    assert 0.5 < pulls.std() < 1.6


def test_plateau_model_and_slow_recovery():
    m, err = trace(seed=3, tau_r=math.inf)
    r = fit_demagnetisation(DELAYS, m, err, irf_fwhm=TRUTH["fwhm"], recovery=False)
    assert r["tau_r"] is None
    assert r["tau_m"] == pytest.approx(TRUTH["tau_m"], rel=0.10)
    # a slow recovery needs delays reaching well beyond tau_slow
    t = np.concatenate([DELAYS, np.linspace(20e-12, 200e-12, 30)])
    p = {**TRUTH, "slow_fraction": 0.4, "tau_slow": 40e-12}
    rng = np.random.default_rng(4)
    m2 = demag_curve(t, **p) + 0.01 * rng.standard_normal(t.size)
    r2 = fit_demagnetisation(t, m2, np.full(t.size, 0.01), irf_fwhm=TRUTH["fwhm"], slow_recovery=True)
    for key in ("slow_fraction", "tau_slow", "tau_r", "amplitude"):
        assert abs(r2[key] - p[key]) < 4 * r2[f"{key}_err"]
    assert r2["slow_fraction_err"] < 0.1
    assert r2["amplitude"] == pytest.approx(TRUTH["amplitude"], abs=0.03)


def test_q1_shift_fit():
    rng = np.random.default_rng(7)
    q_ref = 6.3e7  # [1/m]: a ~100 nm domain period
    rel = demag_curve(DELAYS, t0=0.0, amplitude=0.03, tau_m=0.5e-12, fwhm=0.05e-12)
    err = np.full(DELAYS.size, 2e-4 * q_ref)
    q1 = q_ref * rel + err * rng.standard_normal(DELAYS.size)
    r = fit_q1_trace(DELAYS, q1, err, t0=-0.1e-12, irf_fwhm=0.05e-12, recovery=False)
    assert r["amplitude"] == pytest.approx(0.03, abs=4 * r["amplitude_err"])
    assert r["tau_m"] == pytest.approx(0.5e-12, rel=0.2)
    assert r["q1_ref"] == pytest.approx(q_ref, rel=1e-3)
    assert r["q_shift_end"] == pytest.approx(-0.03, abs=2e-3)


def test_wall_velocity_from_period_growth():
    rng = np.random.default_rng(9)
    t = np.linspace(10e-12, 500e-12, 30)
    p0, rate = 100e-9, 20.0  # the period grows 20 m/s = 20 nm/ns
    q_true = 2 * np.pi / (p0 + rate * (t - t[0]))
    err = 1e-3 * q_true
    q1 = q_true + err * rng.standard_normal(t.size)
    r = wall_velocity(t, q1, err)
    assert abs(r["period_rate"] - rate) < 4 * r["period_rate_err"]
    assert r["period_rate_err"] < 0.2 * rate
    assert r["wall_velocity"] == pytest.approx(0.5 * r["period_rate"])
    assert r["period_start"] == pytest.approx(p0, rel=5e-3)
    window = wall_velocity(t, q1, err, t_range=(100e-12, 400e-12), geometry_factor=1.0)
    assert window["npoints"] < t.size
    assert window["wall_velocity"] == window["period_rate"]


def test_bad_input():
    with pytest.raises(ConfigError, match="delays but"):
        fit_demagnetisation(DELAYS, np.ones(5))
    with pytest.raises(DataRangeError, match="at least 6"):
        fit_demagnetisation(DELAYS[:4], np.ones(4))
    with pytest.raises(DataRangeError, match="at least 3"):
        wall_velocity([1e-12, 2e-12], [6e7, 6e7])
    with pytest.raises(ConfigError, match="t0"):
        fit_q1_trace(DELAYS, np.ones(DELAYS.size))


def test_detector_stack_to_demagnetisation_time():
    """Frames -> azimuthal profiles -> M(t) = sqrt(S / S_ref) -> fit: the injected dynamics come back."""
    from spinscope.analysis.azimuthal import AzimuthalIntegrator, DetectorGeometry
    from spinscope.analysis.rings import magnetisation_trace

    # Tb N edge at ~155 eV (Fan et al., Optica 9, 399 (2022)); 2x2-binned 13.5 um pixels
    geom = DetectorGeometry(energy=155.0, distance=0.04, pixel_size=27e-6, center=(127.4, 130.2))
    shape = (256, 256)
    q = geom.q_map(shape)
    q_ring, hwhm = 0.5 * q.max(), 0.06 * q.max()
    ring = hwhm**2 / ((q - q_ring) ** 2 + hwhm**2)
    delays = np.concatenate([np.linspace(-1e-12, 1.5e-12, 26), np.linspace(1.8e-12, 12e-12, 14)])
    m_true = demag_curve(delays, **TRUTH)
    rng = np.random.default_rng(21)
    background = 2.0  # [counts/pixel] non-magnetic scattering, measured separately
    frames = rng.poisson(background + 40.0 * m_true[:, None, None] ** 2 * ring[None]).astype(np.uint16)
    da = xr.DataArray(frames, dims=("delay", "y", "x"), coords={"delay": ("delay", delays, {"units": "s"})})
    profiles = AzimuthalIntegrator(geom, shape, bins=120).integrate(da)
    window = (0.2 * q_ring, 1.8 * q_ring)
    tr = magnetisation_trace(profiles, t0=-0.3e-12, q_range=window, background=background)
    pre = tr["m"].values[delays < -0.3e-12]
    assert abs(pre.mean() - 1.0) < 3 * tr["m_err"].values[0] / math.sqrt(pre.size) + 1e-3
    r = fit_demagnetisation(delays, tr["m"].values, tr["m_err"].values, irf_fwhm=TRUTH["fwhm"])
    assert r["tau_m"] == pytest.approx(TRUTH["tau_m"], rel=0.10)
    assert r["amplitude"] == pytest.approx(TRUTH["amplitude"], abs=0.03)


def test_analyze_profiles_gives_a_json_ready_summary():
    """A scan whose ring also shifts: M(t), q1(t), period and q shift in one JSON-ready dict."""
    import json

    from spinscope.analysis.azimuthal import AzimuthalIntegrator, DetectorGeometry
    from spinscope.analysis.timetrace import analyze_profiles

    geom = DetectorGeometry(energy=155.0, distance=0.04, pixel_size=27e-6, center=(127.4, 130.2))
    shape = (256, 256)
    q = geom.q_map(shape)
    q_ref, hwhm = 0.5 * q.max(), 0.06 * q.max()
    delays = np.concatenate([np.linspace(-1e-12, 1.5e-12, 26), np.linspace(1.8e-12, 12e-12, 14)])
    m_true = demag_curve(delays, **TRUTH)
    shift = 0.02  # the ring moves 2 % to smaller q in proportion to the quench
    q_t = q_ref * (1 - shift * (1 - m_true) / TRUTH["amplitude"])
    ring = hwhm**2 / ((q[None] - q_t[:, None, None]) ** 2 + hwhm**2)
    rng = np.random.default_rng(22)
    frames = rng.poisson(2.0 + 60.0 * m_true[:, None, None] ** 2 * ring).astype(np.uint16)
    da = xr.DataArray(frames, dims=("delay", "y", "x"), coords={"delay": ("delay", delays, {"units": "s"})})
    profiles = AzimuthalIntegrator(geom, shape, bins=120).integrate(da)
    out = analyze_profiles(
        profiles, t0=-0.3e-12, q_range=(0.3 * q_ref, 1.7 * q_ref), intensity_background=2.0,
        irf_fwhm=TRUTH["fwhm"], background="constant",
    )
    json.dumps(out, allow_nan=False)  # strict JSON: no NaN or inf
    assert out["fit"]["tau_m"] == pytest.approx(TRUTH["tau_m"], rel=0.10)
    assert out["fit"]["amplitude"] == pytest.approx(TRUTH["amplitude"], abs=0.03)
    assert out["period"] == pytest.approx(2 * np.pi / q_ref, rel=0.01)
    injected = q_t[-1] / q_ref - 1
    assert out["q_shift"] == pytest.approx(injected, abs=4 * out["q1_err"][-1] / q_ref)
    assert len(out["m"]) == len(out["delay"]) == len(out["q1"]) == delays.size


def test_wall_velocity_uses_the_exact_transverse_period_when_given_the_wavelength():
    import numpy as np

    from spinscope.analysis.timetrace import wall_velocity

    lam = 8.24e-9  # ~150 eV
    t = np.linspace(1e-12, 5e-12, 9)
    period = 120e-9 + 50.0 * t  # the period grows at 50 m/s
    q = 4 * np.pi * np.sin(np.arcsin(lam / period) / 2) / lam  # exact thin-film grating condition
    exact = wall_velocity(t, q, np.full(t.size, 1e3), wavelength=lam)
    assert exact["period_rate"] == pytest.approx(50.0, rel=1e-9)
    assert exact["wall_velocity"] == pytest.approx(25.0, rel=1e-9)
    # 2 pi / q is short by cos(theta): the small-angle rate is off at the 1e-3 level here
    approx = wall_velocity(t, q, np.full(t.size, 1e3))
    assert abs(approx["period_rate"] / 50.0 - 1) > 1e-4


def test_auto_recovery_model_picks_two_recoveries_only_when_the_data_need_them():
    import numpy as np

    from spinscope.analysis.timetrace import fit_demagnetisation
    from spinscope.curves import demag_curve

    rng = np.random.default_rng(3)
    t = np.concatenate([np.linspace(-3e-12, 3e-12, 61), np.linspace(3.5e-12, 60e-12, 80)])
    sig = 0.003
    common = dict(t0=0.0, amplitude=0.5, tau_m=0.3e-12, tau_r=1.5e-12, fwhm=0.1e-12)
    two = demag_curve(t, **common, slow_fraction=0.6, tau_slow=50e-12) + rng.normal(0, sig, t.size)
    one = demag_curve(t, **common) + rng.normal(0, sig, t.size)
    f2 = fit_demagnetisation(t, two, np.full(t.size, sig), irf_fwhm=0.1e-12, slow_recovery="auto")
    f1 = fit_demagnetisation(t, one, np.full(t.size, sig), irf_fwhm=0.1e-12, slow_recovery="auto")
    assert f2["recovery_model"] == "two" and f1["recovery_model"] == "single"
    assert f2["tau_m"] == pytest.approx(0.3e-12, rel=0.1)
    assert f2["tau_r"] == pytest.approx(1.5e-12, rel=0.15)
    assert f2["slow_fraction"] == pytest.approx(0.6, abs=0.1)
    assert f1["tau_r"] == pytest.approx(1.5e-12, rel=0.1)
    with pytest.raises(Exception, match="slow_recovery"):
        fit_demagnetisation(t, one, slow_recovery="sometimes")
