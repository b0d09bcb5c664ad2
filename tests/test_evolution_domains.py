"""Texture dynamics after the pump: per-pixel demagnetisation, wall broadening, expansion, movie contract."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spinscope.errors import ConfigError
from spinscope.evolution.domains import TextureDynamics, TextureModels, demag_map
from spinscope.sample.textures import dominant_period, stripe_domains
from spinscope.ultrafast import Pump, solve_pixels

N, CELL, PERIOD, WALL = 64, 5e-9, 40e-9, 3e-9


@pytest.fixture(scope="module")
def dmap():
    y = (np.arange(N) - N // 2) * CELL
    pump = Pump(fluence=10.0, duration=40e-15, spot_fwhm=0.5e-6)  # spot comparable to the grid: a gradient
    return demag_map("CoTb", pump, y, y, t_range=(-0.5e-12, 3e-12), irf_fwhm=60e-15, nodes=16, lookup=8)


def test_demag_map_matches_direct_solution(dmap):
    # before the pump the reduced magnetisation is 1; afterwards each pixel follows its own absorbed energy
    assert np.allclose(dmap.mu(-0.4e-12), 1.0, atol=1e-6)
    mu = dmap.mu(1.0e-12)
    assert mu.shape == (2, N, N)
    assert mu[:, N // 2, N // 2].max() < mu[:, 0, 0].min()  # the spot centre is quenched most
    # the centre pixel against a direct integration of its absorbed energy (then the same IRF convolution)
    u = float(dmap.energy_map[N // 2, N // 2])
    res = solve_pixels("CoTb", np.array([u]), dmap.times, pump=Pump(fluence=10.0, duration=40e-15))
    from scipy.ndimage import gaussian_filter1d

    sig = 60e-15 / 2.3548 / (dmap.times[1] - dmap.times[0])
    direct = gaussian_filter1d(res["m"][:, :, 0] / res["system"].m_eq0, sig, axis=0, mode="nearest",
                               truncate=5)
    i = int(np.searchsorted(dmap.times, 1.0e-12))
    t_i = dmap.times[i]
    assert np.allclose(dmap.mu(t_i)[:, N // 2, N // 2], direct[i], atol=5e-3)


def test_cross_correlation_smooths_the_onset():
    y = (np.arange(8) - 4) * CELL
    pump = Pump(fluence=10.0, duration=40e-15)
    sharp = demag_map("CoTb", pump, y, y, t_range=(-0.5e-12, 1e-12), irf_fwhm=0.0, nodes=4, lookup=4)
    wide = demag_map("CoTb", pump, y, y, t_range=(-0.5e-12, 1e-12), irf_fwhm=400e-15, nodes=4, lookup=4)
    t = -0.2e-12  # before the pump: only the broad cross-correlation reaches back here
    assert sharp.mu(t)[1].mean() == pytest.approx(1.0, abs=1e-6)
    assert wide.mu(t)[1].mean() < 1.0 - 1e-4


def test_dilation_model():
    m = TextureModels(wall_velocity=100.0, max_expansion=0.05, recovery_time=math.inf)
    t = np.array([-1e-12, 0.0, 1e-15, 1e-9])
    s = m.dilation(t, t0=0.0, period=100e-9)
    assert s[0] == 0 and s[1] == 0
    assert s[2] / 1e-15 == pytest.approx(2 * 100.0 / 100e-9, rel=1e-4)  # dp/dt = 2 v initially
    assert s[3] == pytest.approx(0.05, rel=1e-9)  # saturates at s_max
    rec = TextureModels(thermal_expansion=0.02, thermal_time=100e-12, recovery_time=1e-9)
    tt = 300e-12
    assert rec.dilation(tt, t0=0.0, period=1.0) == pytest.approx(
        0.02 * (1 - math.exp(-3)) * math.exp(-0.3), rel=1e-12)
    with pytest.raises(ConfigError, match="max_expansion"):
        TextureModels(wall_velocity=10.0)
    with pytest.raises(ConfigError, match="wall_broadening"):
        TextureModels(wall_broadening=-1.0)


def test_expansion_and_broadening_of_stripes(dmap):
    tex = stripe_domains((N, N), CELL, PERIOD, wall_width=WALL)
    models = TextureModels(wall_broadening=0.5, wall_velocity=1000.0, max_expansion=0.1)
    dyn = TextureDynamics(tex, dmap, WALL, PERIOD, models)
    off = dyn.projection(None)
    # pump off: the texture itself, the RE sublattice (Tb) antiparallel to Co
    assert np.allclose(off[0], tex.sel(component="z").values)
    assert np.allclose(off[1], -off[0])
    t = 2.5e-12
    s = dyn.dilation(t)
    assert s > 0.05
    st = dyn.state(t)
    # the period grows by (1 + s): the structure-factor peak of the dilated texture follows
    mz = st[0, ..., 2] / np.abs(st[0, ..., 2]).max()
    big = tex.copy(data=np.stack([0 * mz, 0 * mz, mz], axis=-1))
    # on a 64-cell grid the peak moves by whole Fourier bins: compare within one bin
    dq = 1.0 / (N * CELL)
    assert abs(1 / dominant_period(big) - 1 / (PERIOD * (1 + s))) <= dq
    # walls broaden with the quench: more cells with |m_z| < 0.5 than in the unpumped texture
    broad = TextureDynamics(tex, dmap, WALL, PERIOD, TextureModels(wall_broadening=0.5))
    t = 1e-12
    mu = dmap.mu(t)
    mz = broad.projection(t)[0] / mu[0]
    # m_z = tanh(d / w) with w = w0 (1 + b (1 - mean mu)): recover w from one cell next to a wall
    d0 = WALL * np.arctanh(np.clip(tex.sel(component="z").values, -1 + 1e-12, 1 - 1e-12))
    w_expected = WALL * (1 + 0.5 * (1 - mu.mean(axis=0)))
    sel = np.abs(d0) < 2 * WALL
    assert np.allclose(mz[sel], np.tanh(d0[sel] / w_expected[sel]), atol=1e-12)
    assert w_expected.min() > 1.05 * WALL


def test_movie_contract(dmap):
    tex = stripe_domains((N, N), CELL, PERIOD, wall_width=WALL)
    dyn = TextureDynamics(tex, dmap, WALL, PERIOD, TextureModels(wall_broadening=0.2))
    movie = dyn.movie([-0.3e-12, 0.5e-12, 2e-12])
    assert movie.dims == ("time", "species", "y", "x", "component")
    assert list(movie["species"].values) == ["Co", "Tb"]
    assert movie["time"].attrs["units"] == "s"
    # the movie equals the state used by the forward model (up to the m_eq0 normalisation)
    st = dyn.state(0.5e-12)
    ratio = movie.isel(time=1).values / np.where(st == 0, np.nan, st)
    ok = np.isfinite(ratio) & (np.abs(st) > 1e-3)
    # per species the movie is in the own-frame m (times m_eq0 is not applied there: both are reduced)
    assert np.allclose(ratio[ok], 1.0, rtol=1e-9)
    with pytest.raises(ConfigError, match="texture"):
        TextureDynamics(stripe_domains((32, 32), CELL, PERIOD, wall_width=WALL), dmap, WALL, PERIOD)
