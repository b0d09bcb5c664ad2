"""Ring fits: parameters recovered within their errors, stripe period, M(t) with error propagation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from spinscope.analysis.rings import (
    fit_ring,
    fit_rings,
    integrated_intensity,
    magnetisation_trace,
    peak_centroid,
)
from spinscope.errors import ConfigError, DataRangeError

Q = np.linspace(1.0e7, 1.2e8, 260)  # [1/m]: 10 .. 120 um^-1, a typical small-angle window
GAUSS_FWHM = 2 * math.sqrt(2 * math.log(2))


def peak(q, shape, area, q0, fwhm, eta=0.5):
    s = fwhm / GAUSS_FWHM
    g = area / (s * math.sqrt(2 * math.pi)) * np.exp(-0.5 * ((q - q0) / s) ** 2)
    lor = area / math.pi * (fwhm / 2) / ((q - q0) ** 2 + (fwhm / 2) ** 2)
    return {"gaussian": g, "lorentzian": lor, "pseudovoigt": (1 - eta) * g + eta * lor}[shape]


BACKGROUNDS = {
    "constant": lambda q: 40.0 + 0 * q,
    "linear": lambda q: 90.0 - 4.0e-7 * q,
    "power": lambda q: 15.0 + 200.0 * (q / 1e7) ** -1.7,
}


def noisy(model, seed):
    rng = np.random.default_rng(seed)
    sigma = np.sqrt(model)
    return model + sigma * rng.standard_normal(model.size), sigma


@pytest.mark.parametrize("shape", ["gaussian", "lorentzian", "pseudovoigt"])
@pytest.mark.parametrize("background", ["constant", "linear", "power"])
def test_known_parameters_recovered_within_errors(shape, background):
    q0, fwhm, area = 6.0e7, 1.2e7, 3000.0 * 1.2e7
    model = peak(Q, shape, area, q0, fwhm, eta=0.4) + BACKGROUNDS[background](Q)
    y, sigma = noisy(model, seed=11)
    r = fit_ring((Q, y), shape=shape, background=background, sigma=sigma)
    # 3.5 sigma: nine fits in this parametrisation, each with three checks
    assert abs(r["q0"] - q0) < 3.5 * r["q0_err"]
    assert abs(r["fwhm"] - fwhm) < 3.5 * r["fwhm_err"]
    assert abs(r["amplitude"] - area) < 3.5 * r["amplitude_err"]
    assert 0.6 < r["redchi"] < 1.5
    assert r["period"] == pytest.approx(2 * math.pi / r["q0"])
    assert r["correlation_length"] == pytest.approx(2 / r["fwhm"])
    assert r["period_err"] == pytest.approx(2 * math.pi * r["q0_err"] / r["q0"] ** 2)
    if shape == "pseudovoigt":
        assert abs(r["eta"] - 0.4) < 3.5 * r["eta_err"]


def test_uncertainties_are_honest():
    """Over many noise draws the pulls (fit - truth) / error have unit spread."""
    q0, fwhm, area = 5.0e7, 1.0e7, 2.0e10
    model = peak(Q, "lorentzian", area, q0, fwhm) + BACKGROUNDS["linear"](Q)
    pulls = []
    for seed in range(40):
        y, sigma = noisy(model, seed=100 + seed)
        r = fit_ring((Q, y), shape="lorentzian", background="linear", sigma=sigma)
        pulls.append([(r["q0"] - q0) / r["q0_err"], (r["fwhm"] - fwhm) / r["fwhm_err"]])
    pulls = np.asarray(pulls)
    # the standard deviation of 40 unit-normal pulls lies in [0.72, 1.28] with > 99 % probability
    assert np.all(np.abs(pulls.std(axis=0) - 1) < 0.28)
    assert np.all(np.abs(pulls.mean(axis=0)) < 3 / math.sqrt(40))


def test_stripe_pattern_period_recovered():
    """Stripes of period p (tanh walls, tilted by 30 deg) scatter at q = 2 pi / p."""
    n, dx, period = 256, 10e-9, 97e-9
    y, x = (np.indices((n, n)) - n / 2) * dx
    u = x * math.cos(math.pi / 6) + y * math.sin(math.pi / 6)
    wall = 6e-9
    m = np.tanh(np.sin(2 * math.pi * u / period) * period / (2 * math.pi * wall))
    window = np.outer(np.hanning(n), np.hanning(n))  # finite illumination, suppresses leakage
    intensity = np.abs(np.fft.fftshift(np.fft.fft2(m * window))) ** 2
    k = 2 * math.pi * np.fft.fftshift(np.fft.fftfreq(n, dx))
    kr = np.hypot(*np.meshgrid(k, k, indexing="ij"))
    dk = k[1] - k[0]
    edges = np.arange(0, kr.max(), dk)
    idx = np.digitize(kr.ravel(), edges) - 1
    npix = np.bincount(idx, minlength=edges.size)[: edges.size - 1]
    sums = np.bincount(idx, weights=intensity.ravel(), minlength=edges.size)[: edges.size - 1]
    qc = 0.5 * (edges[1:] + edges[:-1])
    with np.errstate(invalid="ignore"):
        prof = xr.DataArray(sums / npix, dims="q", coords={"q": ("q", qc, {"units": "1/m"})})
    q_true = 2 * math.pi / period
    r = fit_ring(prof, shape="gaussian", background="constant", q_range=(0.6 * q_true, 1.4 * q_true))
    assert r["period"] == pytest.approx(period, rel=0.01)
    # the centroid of the first-order ring agrees too
    q1, _ = peak_centroid(prof, q_range=(0.7 * q_true, 1.3 * q_true))
    assert 2 * math.pi / q1 == pytest.approx(period, rel=0.01)


def profiles_versus_delay(m_of_t, seed, *, counts=2000.0):
    """Ring intensity proportional to M^2 on a flat background; Poisson-like noise."""
    rng = np.random.default_rng(seed)
    q0, fwhm = 6e7, 1.5e7
    delays = np.linspace(-2e-12, 8e-12, len(m_of_t))
    shape1 = peak(Q, "lorentzian", 1.0, q0, fwhm)
    shape1 = counts * shape1 / shape1.max()
    model = np.asarray(m_of_t)[:, None] ** 2 * shape1[None, :]
    sigma = np.sqrt(model + 1.0)
    data = model + sigma * rng.standard_normal(model.shape)
    return xr.Dataset(
        {"intensity": (("delay", "q"), data, {"units": "counts/pixel"}), "sigma": (("delay", "q"), sigma)},
        coords={"delay": ("delay", delays, {"units": "s"}), "q": ("q", Q, {"units": "1/m"})},
    )


def test_magnetisation_trace_recovers_m_with_honest_errors():
    m_true = np.array([1, 1, 1, 1, 0.95, 0.7, 0.6, 0.62, 0.66, 0.7, 0.75, 0.8])
    pulls, pre = [], []
    for seed in range(20):
        ds = profiles_versus_delay(m_true, seed)
        tr = magnetisation_trace(ds, t0=-0.5e-12)
        assert tr["m"].dims == ("delay",)
        pulls.append((tr["m"].values - m_true) / tr["m_err"].values)
        pre.append(tr["m"].values[:4])
    pulls = np.asarray(pulls)
    # the reference is the mean of the first four points, which correlates them with it: test the rest
    post = pulls[:, 4:].ravel()
    assert abs(post.mean()) < 4 / math.sqrt(post.size)
    assert 0.7 < post.std() < 1.3
    # M = 1 within noise before t0
    pre = np.asarray(pre)
    assert abs(pre.mean() - 1.0) < 1e-3
    assert np.all(np.abs(pre - 1.0) < 5 * np.median(tr["m_err"].values[:4]))


def test_integrated_intensity_and_errors():
    ds = profiles_versus_delay(np.ones(3), seed=3)
    out = integrated_intensity(ds)
    q = ds["q"].values
    expected = np.trapezoid(ds["intensity"].values, q, axis=1)
    np.testing.assert_allclose(out["integral"].values, expected, rtol=1e-12)
    w = np.gradient(q)  # uniform grid: trapezoid weights dq (half at the ends)
    w[0] = w[-1] = 0.5 * (q[1] - q[0])
    np.testing.assert_allclose(
        out["integral_err"].values, np.sqrt((ds["sigma"].values ** 2) @ w**2), rtol=1e-12
    )


def test_fit_rings_over_delay_tracks_a_shift():
    rng = np.random.default_rng(8)
    delays = np.array([-1e-12, 0.0, 1e-12, 2e-12])
    q0s = np.array([6.0e7, 6.0e7, 5.7e7, 5.5e7])
    rows, sig = [], []
    for q0 in q0s:
        model = peak(Q, "lorentzian", 4e10, q0, 1.2e7) + 30.0
        s = np.sqrt(model)
        rows.append(model + s * rng.standard_normal(Q.size))
        sig.append(s)
    ds = xr.Dataset(
        {"intensity": (("delay", "q"), np.asarray(rows)), "sigma": (("delay", "q"), np.asarray(sig))},
        coords={"delay": ("delay", delays, {"units": "s"}), "q": ("q", Q, {"units": "1/m"})},
    )
    out = fit_rings(ds, shape="lorentzian", background="linear")
    assert out["q1"].attrs["units"] == "1/m"
    assert np.all(np.abs(out["q1"].values - q0s) < 4 * out["q1_err"].values)
    np.testing.assert_allclose(out["period"].values, 2 * np.pi / out["q1"].values)


def test_bad_input():
    with pytest.raises(ConfigError, match="shape"):
        fit_ring((Q, Q), shape="voigt")
    with pytest.raises(ConfigError, match="background"):
        fit_ring((Q, Q), background="spline")
    with pytest.raises(DataRangeError, match="points"):
        fit_ring((Q[:5], Q[:5]))
    ds = profiles_versus_delay(np.ones(4), seed=1)
    with pytest.raises(DataRangeError, match="before t0"):
        magnetisation_trace(ds, t0=-10e-12)
