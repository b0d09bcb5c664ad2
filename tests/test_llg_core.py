"""LLG core: demagnetising tensor, exchange, anisotropy, macrospin dynamics, Kittel, |m|."""

from __future__ import annotations

import math

import numpy as np
import pytest

import spinscope.micromagnetics as mm
from spinscope.micromagnetics import GAMMA, MU0
from spinscope.micromagnetics.demag import DemagField, demag_tensor

#: Exchange (permalloy, 13 pJ/m) and demagnetisation.
_PERMALLOY_TERMS = (mm.Exchange(1.3e-11), mm.Demag())


# ------------------------------------------------------------------ demag tensor
def test_cube_self_demag_is_one_third():
    t = demag_tensor((1, 1, 1), (2e-9, 2e-9, 2e-9))
    assert np.allclose(t[:3, 0, 0, 0], 1 / 3, atol=1e-14)
    assert np.allclose(t[3:, 0, 0, 0], 0, atol=1e-14)


@pytest.mark.parametrize("d", [(5e-9, 5e-9, 3e-9), (1e-9, 2e-9, 4e-9), (3e-9, 3e-9, 0.5e-9)])
def test_self_term_trace_is_one(d):
    t = demag_tensor((1, 1, 1), d)
    assert t[:3, 0, 0, 0].sum() == pytest.approx(1.0, abs=1e-13)


def test_uniform_cube_of_cells_has_demag_factors_one_third():
    n = 6
    demag = DemagField((n, n, n), (1e-9, 1e-9, 1e-9))
    for c in range(3):
        M = np.zeros((3, n, n, n))
        M[c] = 1.0
        H = demag.field(M)
        assert -H[c].mean() == pytest.approx(1 / 3, abs=1e-12)
        others = [k for k in range(3) if k != c]
        assert np.abs(H[others].mean(axis=(1, 2, 3))).max() < 1e-12


def test_fft_convolution_equals_direct_sum():
    nx, ny, nz = 4, 3, 3
    d = (2e-9, 1.5e-9, 1e-9)
    demag = DemagField((nz, ny, nx), d)
    M = np.random.default_rng(1).normal(size=(3, nz, ny, nx))
    H = demag.field(M).copy()
    T = demag_tensor((nx, ny, nz), d)
    parity = [(1, 1, 1), (1, 1, 1), (1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)]
    idx = {(0, 0): 0, (1, 1): 1, (2, 2): 2, (0, 1): 3, (1, 0): 3, (0, 2): 4, (2, 0): 4,
           (1, 2): 5, (2, 1): 5}
    Hd = np.zeros_like(M)
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                for z2 in range(nz):
                    for y2 in range(ny):
                        for x2 in range(nx):
                            oz, oy, ox = z - z2, y - y2, x - x2
                            for i in range(3):
                                for j in range(3):
                                    c = idx[(i, j)]
                                    pz, py, px = parity[c]
                                    s = (pz if oz < 0 else 1) * (py if oy < 0 else 1) * \
                                        (px if ox < 0 else 1)
                                    Hd[i, z, y, x] -= s * T[c, abs(oz), abs(oy), abs(ox)] * \
                                        M[j, z2, y2, x2]
    assert np.abs(H - Hd).max() < 1e-13 * np.abs(Hd).max()


def test_newell_and_far_field_forms_agree():
    d = (5e-9, 4e-9, 3e-9)
    near = demag_tensor((16, 16, 3), d, far=np.inf)
    with np.errstate(all="ignore"):
        far = demag_tensor((16, 16, 3), d, far=1e-30)
    for r in (6, 8, 12, 15):
        a, b = near[:, 1, r, r], far[:, 1, r, r]
        assert np.abs(a - b).max() < 1e-7 * np.abs(a).max()


def test_thin_film_limit_nzz_sums_to_one():
    # sum of N over all source cells of a large single-layer film -> film demag factors (0, 0, 1)
    n = 300
    t = demag_tensor((n, n, 1), (1.0, 1.0, 0.05))
    w = np.full((n, n), 4.0)
    w[0, :] = 2.0
    w[:, 0] = 2.0
    w[0, 0] = 1.0
    sums = [(t[c, 0] * w).sum() for c in range(3)]
    # truncation tail ~ dz / (2 L) ~ 1e-4
    assert sums[2] == pytest.approx(1.0, abs=5e-4)
    assert abs(sums[0]) < 5e-4 and abs(sums[1]) < 5e-4


# ------------------------------------------------------------------ exchange, anisotropy
def test_exchange_field_of_a_spiral():
    mesh = mm.Mesh((40, 1, 1), (1e-9, 1e-9, 1e-9))
    k = 2 * np.pi / 20e-9
    x = mesh.coords()["x"]
    m = np.zeros((3, 1, 1, 40))
    m[0, 0, 0] = np.cos(k * x)
    m[1, 0, 0] = np.sin(k * x)
    sim = mm.Simulation(mesh, mm.Material(Ms=8e5), [mm.Exchange(1.3e-11)], m0=m)
    H = sim.effective_field()
    lap = -(2 - 2 * np.cos(k * 1e-9)) / 1e-18
    expect = 2 * 1.3e-11 / (MU0 * 8e5) * lap * m
    assert np.allclose(H[:, 0, 0, 1:-1], expect[:, 0, 0, 1:-1], rtol=1e-10, atol=1e-6)


def test_anisotropy_field_and_energy():
    mesh = mm.Mesh((1, 1, 1), (2e-9, 2e-9, 2e-9))
    sim = mm.Simulation(mesh, mm.Material(Ms=1e6), [mm.UniaxialAnisotropy(5e5, axis=(0, 0, 1))],
                        m0=(0, math.sin(0.3), math.cos(0.3)))
    H = sim.effective_field()
    assert H[2, 0, 0, 0] == pytest.approx(2 * 5e5 / (MU0 * 1e6) * math.cos(0.3))
    e = sim.energy()
    assert e["anisotropy"] == pytest.approx(-5e5 * math.cos(0.3) ** 2 * 8e-27)


# ------------------------------------------------------------------ macrospin
def _macrospin(B, alpha, m0, duration, n=401, **kw):
    mesh = mm.Mesh((1, 1, 1), (2e-9, 2e-9, 2e-9))
    sim = mm.Simulation(mesh, mm.Material(Ms=8e5, alpha=alpha), [mm.StaticField(np.array(B))],
                        m0=m0, **kw)
    mv = sim.run(duration, n_frames=n, max_err=1e-8)
    return mv.time.values, mv.values.reshape(len(mv.time), 3), sim


def test_macrospin_larmor_precession():
    B = 0.1
    t, m, _ = _macrospin((0, 0, B), 0.0, (1, 0, 0), 0.2e-9)
    phi = np.unwrap(np.arctan2(m[:, 1], m[:, 0]))
    omega = np.polyfit(t, phi, 1)[0]
    # dm/dt = -gamma m x B: m turns counter-clockwise about +B (x -> y for B along z)
    assert omega == pytest.approx(GAMMA * B, rel=1e-6)
    assert np.allclose(m[:, 2], 0, atol=1e-9)


def test_macrospin_gilbert_decay():
    B, alpha = 0.2, 0.05
    theta0 = 1.0
    t, m, _ = _macrospin((0, 0, B), alpha, (math.sin(theta0), 0, math.cos(theta0)), 0.5e-9)
    theta = np.arccos(np.clip(m[:, 2], -1, 1))
    rate = GAMMA * alpha * B / (1 + alpha**2)
    expect = 2 * np.arctan(np.tan(theta0 / 2) * np.exp(-rate * t))
    assert np.abs(theta - expect).max() < 1e-6
    phi = np.unwrap(np.arctan2(m[:, 1], m[:, 0]))
    assert np.polyfit(t, phi, 1)[0] == pytest.approx(GAMMA * B / (1 + alpha**2), rel=1e-6)


def test_anisotropy_resonance_macrospin():
    Ku, Ms = 3e5, 8e5
    mesh = mm.Mesh((1, 1, 1), (2e-9, 2e-9, 2e-9))
    tilt = 0.01
    sim = mm.Simulation(mesh, mm.Material(Ms=Ms, alpha=0.0), [mm.UniaxialAnisotropy(Ku)],
                        m0=(math.sin(tilt), 0, math.cos(tilt)))
    mv = sim.run(0.1e-9, n_frames=401, max_err=1e-9)
    m = mv.values.reshape(-1, 3)
    omega = np.polyfit(mv.time.values, np.unwrap(np.arctan2(m[:, 1], m[:, 0])), 1)[0]
    # small-angle precession about the anisotropy field mu0 H_K cos(theta) = 2 Ku cos(theta) / Ms
    assert omega / (2 * math.pi) == pytest.approx(
        GAMMA / (2 * math.pi) * 2 * Ku / Ms * math.cos(tilt), rel=1e-6)


def _frequency(t, y):
    y = y - y.mean()
    s = np.sign(y)
    idx = np.nonzero(s[1:] * s[:-1] < 0)[0]
    tz = t[idx] - y[idx] * (t[idx + 1] - t[idx]) / (y[idx + 1] - y[idx])
    return (len(tz) - 1) / (2 * (tz[-1] - tz[0]))


def test_kittel_frequency_of_a_thin_film():
    # a 10 um x 10 um x 2 nm film (8 x 8 cells through the FFT demag): uniform mode at Kittel
    B, Ms = 0.05, 8e5
    mesh = mm.Mesh.from_size((10e-6, 10e-6, 2e-9), (8, 8, 1))
    tilt = 0.01
    sim = mm.Simulation(mesh, mm.Material(Ms=Ms, alpha=0.0),
                        [mm.Exchange(1.3e-11), mm.Demag(), (B, 0.0, 0.0)], warn_mesh=False,
                        m0=(math.cos(tilt), math.sin(tilt), 0.0))
    mv = sim.run(1.0e-9, n_frames=2001, max_err=1e-7)
    my = mv["m_avg"].values[:, 1]
    f = _frequency(mv.time.values, my)
    fk = mm.kittel_frequency(B, Ms)
    assert abs(f / fk - 1) < 0.01, (f, fk)


def test_norm_conserved_and_energy_decreases():
    mesh = mm.Mesh.from_size((200e-9, 50e-9, 3e-9), (40, 10, 1))
    sim = mm.Simulation(mesh, mm.Material(Ms=8e5, alpha=0.5), [mm.Exchange(1.3e-11), mm.Demag()],
                        m0=mm.random_state(mesh, 3))
    energies = []
    mv = sim.run(50e-12, n_frames=11, observer=lambda s, t: energies.append(s.energy()["total"]))
    norms = np.linalg.norm(mv.values, axis=-1)
    assert np.abs(norms - 1).max() < 1e-12
    assert np.all(np.diff(energies) < 0)


def test_energy_conserved_without_damping():
    mesh = mm.Mesh.from_size((100e-9, 25e-9, 3e-9), (20, 5, 1))
    sim = mm.Simulation(mesh, mm.Material(Ms=8e5, alpha=0.0), [mm.Exchange(1.3e-11), mm.Demag()],
                        m0=(1, 0.3, 0.2))
    e0 = sim.energy()["total"]
    sim.run(50e-12, n_frames=3, max_err=1e-7)
    assert sim.energy()["total"] == pytest.approx(e0, rel=1e-5)


def test_relax_methods_agree_and_converge():
    mesh = mm.Mesh.from_size((200e-9, 50e-9, 3e-9), (40, 10, 1))
    results = []
    for method in ("damping", "minimize", "auto"):
        sim = mm.Simulation(mesh, mm.Material(Ms=8e5), _PERMALLOY_TERMS, m0=(1, 0.25, 0.1))
        r = sim.relax(method=method, max_torque=1e-6)
        assert r["converged"], (method, r)
        assert sim.t == 0.0
        results.append(sim.average())
    assert np.allclose(results[0], results[1], atol=2e-4)
    assert np.allclose(results[0], results[2], atol=2e-4)


def test_masks_and_empty_cells():
    mesh = mm.Mesh.from_size((100e-9, 60e-9, 5e-9), (20, 12, 1))
    for mask in (mm.disk(mesh, 30e-9), mm.ellipse(mesh, 50e-9, 20e-9),
                 mm.rectangle(mesh, 60e-9, 30e-9), mm.ring(mesh, 10e-9, 30e-9),
                 mm.from_array(mesh, np.eye(12, 20, dtype=bool))):
        assert mask.shape == mesh.shape and mask.any()
        sim = mm.Simulation(mesh, mm.Material(Ms=8e5), _PERMALLOY_TERMS, mask=mask,
                            m0=(0.6, 0.8, 0))
        mv = sim.run(5e-12, n_frames=2)
        vals = mv.values[-1]
        assert np.all(vals[~mask[0]] == 0)
        assert np.allclose(np.linalg.norm(vals[mask[0]], axis=-1), 1)
    assert mm.ellipse(mesh, 50e-9, 20e-9).sum() > mm.disk(mesh, 20e-9).sum()


def test_movie_contract():
    from spinscope.datamodel import validate_magnetisation

    mesh = mm.Mesh.from_size((40e-9, 20e-9, 6e-9), (8, 4, 2))
    sim = mm.Simulation(mesh, mm.Material(Ms=8e5), _PERMALLOY_TERMS, m0=(1, 0, 0))
    mv = sim.run(2e-12, n_frames=3)
    validate_magnetisation(mv)
    assert mv.dims == ("time", "z", "y", "x", "component")
    assert mv.time.attrs["units"] == "s" and mv.x.attrs["units"] == "m"
    assert list(mv.component.values) == ["x", "y", "z"]
    assert mv.x.values.mean() == pytest.approx(0.0, abs=1e-20)
    film = mm.Simulation(mm.Mesh.from_size((40e-9, 20e-9, 3e-9), (8, 4, 1)), mm.Material(Ms=8e5),
                         _PERMALLOY_TERMS)
    assert film.run(1e-12, n_frames=2).dims == ("time", "y", "x", "component")


def test_z_convolution_methods_agree():
    M = np.random.default_rng(2).normal(size=(3, 5, 6, 7))
    a = DemagField((5, 6, 7), (3e-9, 2e-9, 2.5e-9), z_method="fft").field(M).copy()
    b = DemagField((5, 6, 7), (3e-9, 2e-9, 2.5e-9), z_method="direct").field(M).copy()
    assert np.abs(a - b).max() < 1e-13 * np.abs(a).max()
