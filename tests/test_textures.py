"""Domain textures: stripe scattering vector, labyrinth period, wall profiles, Bloch/Neel, bubbles."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import curve_fit

from spinscope.datamodel import validate_magnetisation
from spinscope.errors import ConfigError
from spinscope.sample import stack
from spinscope.sample.textures import (
    bubble_lattice,
    dominant_period,
    labyrinth_domains,
    radial_structure_factor,
    stripe_domains,
    texture_from_array,
)


def _norm(da):
    return np.sqrt((da.values**2).sum(axis=-1))


@pytest.mark.parametrize("angle", [0.0, np.pi / 2])
def test_stripe_fft_peaks_exactly_at_2pi_over_p(angle):
    p, cell = 16e-9, 1e-9
    t = stripe_domains((128, 256), cell, p, wall_width=2e-9, angle=angle)
    validate_magnetisation(t)
    mz = t.sel(component="z").values
    power = np.abs(np.fft.fft2(mz - mz.mean())) ** 2
    qy = 2 * np.pi * np.fft.fftfreq(128, cell)
    qx = 2 * np.pi * np.fft.fftfreq(256, cell)
    iy, ix = np.unravel_index(np.argmax(power), power.shape)
    q_peak = np.hypot(qy[iy], qx[ix])
    assert q_peak == pytest.approx(2 * np.pi / p, rel=1e-12)
    # direction of the wavevector follows the angle
    assert abs(np.arctan2(abs(qy[iy]), abs(qx[ix])) - angle) < 1e-12
    assert dominant_period(t) == pytest.approx(p, rel=1e-12)


@pytest.mark.parametrize("wall_type", ["bloch", "neel"])
def test_unit_norm_everywhere(wall_type):
    for t in (
        stripe_domains((64, 96), 1.5e-9, 30e-9, wall_width=3e-9, angle=0.4, wall_type=wall_type),
        labyrinth_domains((128, 128), 2e-9, 40e-9, wall_width=3e-9, wall_type=wall_type, rng=3),
        bubble_lattice((96, 96), 1e-9, 30e-9, 8e-9, wall_width=2e-9, wall_type=wall_type),
    ):
        assert np.max(np.abs(_norm(t) - 1.0)) < 1e-12
        assert t.attrs["units"] == ""
        assert t["x"].attrs["units"] == "m" and t["y"].attrs["units"] == "m"


def test_wall_profile_is_tanh_with_requested_width():
    w, p, cell = 3.0e-9, 64e-9, 0.25e-9
    t = stripe_domains((4, 512), cell, p, wall_width=w)
    x = t["x"].values
    mz = t.sel(component="z").values[0]
    # the wall at x = 0 (m_z rising through zero); fit within +- p/4
    sel = np.abs(x) < p / 4 - 2 * cell
    def model(xx, ww, xx0):
        return np.tanh((xx - xx0) / ww)

    (w_fit, x0), _ = curve_fit(model, x[sel], mz[sel], p0=(2e-9, 1e-10))
    assert w_fit == pytest.approx(w, rel=1e-3)
    assert abs(x0) < 1e-3 * cell


def test_labyrinth_wall_width_from_profile():
    # across walls of the labyrinth: m_z against the signed distance from the zero crossing
    w, p, cell = 4e-9, 64e-9, 1e-9
    t = labyrinth_domains((256, 256), cell, p, wall_width=w, rng=11)
    mz = t.sel(component="z").values
    # slope of m_z at the wall centre is 1 / w for a tanh wall: estimate where |m_z| < 0.3
    gy, gx = np.gradient(mz, cell, cell)
    g = np.hypot(gx, gy)[np.abs(mz) < 0.3]
    slope_expected = (1 - mz[np.abs(mz) < 0.3] ** 2) / w
    ratio = np.median(g / slope_expected)
    assert ratio == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize("angle", [0.0, np.deg2rad(30.0)])
def test_bloch_in_plane_perpendicular_neel_parallel_to_wall_normal(angle):
    n_hat = np.array([np.cos(angle), np.sin(angle)])
    common = dict(wall_width=3e-9, angle=angle)
    bloch = stripe_domains((96, 96), 1e-9, 48e-9, wall_type="bloch", **common).values
    neel = stripe_domains((96, 96), 1e-9, 48e-9, wall_type="neel", **common).values
    wall = np.abs(bloch[..., 2]) < 0.5
    assert wall.sum() > 100
    for m, parallel in ((bloch, False), (neel, True)):
        ip = m[wall][:, :2]
        mag = np.hypot(ip[:, 0], ip[:, 1])
        dot = ip @ n_hat / mag
        if parallel:
            np.testing.assert_allclose(np.abs(dot), 1.0, atol=1e-12)
        else:
            np.testing.assert_allclose(dot, 0.0, atol=1e-12)


def test_neel_chirality_is_a_single_rotation_sense():
    # chirality +1: cycloid m = (sin theta, 0, cos theta) with theta increasing along +x
    t = stripe_domains((4, 128), 1e-9, 32e-9, wall_width=2e-9, wall_type="neel", chirality=1)
    m = t.values[0]
    theta = np.unwrap(np.arctan2(m[:, 0], m[:, 2]))
    assert np.all(np.diff(theta) > 0)
    t2 = stripe_domains((4, 128), 1e-9, 32e-9, wall_width=2e-9, wall_type="neel", chirality=-1)
    np.testing.assert_array_equal(t2.values[..., 0], -t.values[..., 0])


def test_labyrinth_structure_factor_peaks_at_requested_period():
    p, cell = 64e-9, 2e-9
    for seed in (0, 1):
        t = labyrinth_domains((512, 512), cell, p, wall_width=4e-9, rng=seed)
        assert dominant_period(t) == pytest.approx(p, rel=0.02)
        q, s = radial_structure_factor(t)
        assert q[np.argmax(s)] == pytest.approx(2 * np.pi / p, rel=0.05)  # the peak annulus itself
    # an anisotropic grid and another period
    t = labyrinth_domains((256, 320), (2e-9, 2.5e-9), 50e-9, wall_width=3e-9, rng=5)
    assert dominant_period(t) == pytest.approx(50e-9, rel=0.02)


def test_labyrinth_is_seeded():
    # speed (512 x 512) is measured in benchmarks/bench_materials.py
    a = labyrinth_domains((512, 512), 2e-9, 64e-9, wall_width=4e-9, rng=42)
    b = labyrinth_domains((512, 512), 2e-9, 64e-9, wall_width=4e-9, rng=np.random.default_rng(42))
    assert a.values.tobytes() == b.values.tobytes()
    c = labyrinth_domains((512, 512), 2e-9, 64e-9, wall_width=4e-9, rng=43)
    assert a.values.tobytes() != c.values.tobytes()
    assert a.attrs["seed"] == 42
    d = labyrinth_domains((64, 64), 2e-9, 20e-9, wall_width=2e-9, rng=None)
    again = labyrinth_domains((64, 64), 2e-9, 20e-9, wall_width=2e-9, rng=d.attrs["seed"])
    assert d.values.tobytes() == again.values.tobytes()


@pytest.mark.parametrize("net", [0.0, 0.3, -0.5])
def test_labyrinth_net_magnetisation(net):
    t = labyrinth_domains((256, 256), 2e-9, 40e-9, wall_width=2e-9, net_magnetisation=net, rng=2)
    mz = t.sel(component="z").values
    up = (mz > 0).mean()
    assert up - (1 - up) == pytest.approx(net, abs=2.0 / mz.size)
    assert mz.mean() == pytest.approx(net, abs=0.03)


def test_bubble_lattice_hexagonal_peaks():
    dx = 1e-9
    dy = dx * np.sqrt(3) / 2
    a = 16 * dx
    t = bubble_lattice((128, 128), (dy, dx), a, 5e-9, wall_width=1e-9)
    mz = t.sel(component="z").values
    power = np.abs(np.fft.fft2(mz - mz.mean())) ** 2
    qy = 2 * np.pi * np.fft.fftfreq(128, dy)[:, None] * np.ones((1, 128))
    qx = 2 * np.pi * np.fft.fftfreq(128, dx)[None, :] * np.ones((128, 1))
    order = np.argsort(power.ravel())[::-1][:6]
    qs = np.hypot(qy.ravel()[order], qx.ravel()[order])
    np.testing.assert_allclose(qs, 4 * np.pi / (np.sqrt(3) * a), rtol=1e-12)
    ang = np.sort(np.degrees(np.arctan2(qy.ravel()[order], qx.ravel()[order])) % 360)
    np.testing.assert_allclose(np.diff(ang), 60.0, atol=1e-9)
    # six-fold: the six first-order peaks carry the same power, up to the sampling of the round walls
    # on the rectangular (dy != dx) grid (measured 3e-4)
    np.testing.assert_allclose(power.ravel()[order], power.ravel()[order][0], rtol=2e-3)
    # bubble cores point down, background up
    assert mz[64, 64] < -0.99 and mz.mean() > 0


def test_texture_from_array_validation():
    rng = np.random.default_rng(0)
    v = rng.normal(size=(8, 10, 3))
    with pytest.raises(ConfigError, match="unit vectors"):
        texture_from_array(v, 1e-9)
    t = texture_from_array(v, "2 nm", normalise=True)
    assert np.max(np.abs(_norm(t) - 1)) < 1e-12
    assert float(t["x"][1] - t["x"][0]) == pytest.approx(2e-9)
    with pytest.raises(ConfigError, match="shape"):
        texture_from_array(np.ones((4, 4, 2)), 1e-9)
    with pytest.raises(ConfigError, match="NaN"):
        texture_from_array(np.full((4, 4), np.nan), 1e-9)
    with pytest.raises(ConfigError, match=r"\[-1, 1\]"):
        texture_from_array(np.full((4, 4), 1.5), 1e-9)
    mz = stripe_domains((8, 64), 1e-9, 16e-9, wall_width=2e-9).sel(component="z").values
    t2 = texture_from_array(mz, 1e-9)
    np.testing.assert_allclose(t2.sel(component="z").values, mz)
    assert np.max(np.abs(_norm(t2) - 1)) < 1e-12


def test_bad_parameters_raise_config_errors():
    with pytest.raises(ConfigError, match="period"):
        stripe_domains((8, 8), 1e-9, -5e-9, wall_width=1e-9)
    with pytest.raises(ConfigError, match="wall_width"):
        stripe_domains((8, 8), 1e-9, 8e-9, wall_width=5e-9)
    with pytest.raises(ConfigError, match="wall_type"):
        stripe_domains((8, 8), 1e-9, 8e-9, wall_width=1e-9, wall_type="ising")
    with pytest.raises(ConfigError, match="radius"):
        bubble_lattice((8, 8), 1e-9, 10e-9, 6e-9, wall_width=1e-9)
    with pytest.raises(ConfigError, match="rng"):
        labyrinth_domains((16, 16), 1e-9, 8e-9, wall_width=1e-9, rng="x")
    with pytest.raises(ConfigError, match="net_magnetisation"):
        labyrinth_domains((16, 16), 1e-9, 8e-9, wall_width=1e-9, net_magnetisation=1.0)


def test_film_on_membrane_reuses_config_models():
    s = stack.film_on_membrane(
        [("Ta", "3 nm"), ("Co80Tb20", "20 nm", True), ("Ta", "3 nm")], membrane_thickness="50 nm"
    )
    assert [layer.material for layer in s.layers] == ["Si3N4", "Ta", "Co80Tb20", "Ta"]
    assert stack.total_thickness(s) == pytest.approx(76e-9)
    assert stack.magnetic_thickness(s) == pytest.approx(20e-9)
    s2 = stack.film_on_membrane([("Co", 1e-8, True)], membrane_first=False)
    assert s2.layers[-1].material == "Si3N4"
    with pytest.raises(ConfigError, match=r"layers\[0\]"):
        stack.film_on_membrane([("Ta", "-3 nm")])


def test_texture_from_an_ovf_file_is_resampled_and_tiled(tmp_path):
    """A MuMax3-like OVF snapshot on 4 nm cells becomes a texture on 2.5 nm cells over a larger field:
    the stripe period and the wall profile survive the resampling and periodic tiling."""
    from spinscope.io.ovf import write_ovf
    from spinscope.sample.textures import stripe_domains, texture_from_file

    src = stripe_domains((64, 64), 4e-9, 64e-9, wall_width=6e-9)  # 4 periods across 256 nm
    path = write_ovf(tmp_path / "m.ovf", src.expand_dims(z=[0.0]).transpose("z", "y", "x", "component"))
    tex = texture_from_file(path, shape=(256, 256), cell=2.5e-9)  # 640 nm: 10 periods, tiled
    assert tex.dims == ("y", "x", "component")
    assert np.allclose(np.linalg.norm(tex.values, axis=-1), 1.0)
    assert dominant_period(tex) == pytest.approx(64e-9, rel=0.01)
    assert tex.attrs["source_file"] == str(path)
    # a missing file is a one-line error
    from spinscope.errors import FileFormatError

    with pytest.raises(FileFormatError, match="no such texture file"):
        texture_from_file(tmp_path / "absent.ovf", shape=(8, 8), cell=1e-9)
