"""Exit wave and far field: grating condition, Parseval, Friedel symmetry, in-plane magnetisation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spinscope.detectors.area import AreaDetector
from spinscope.errors import ConfigError
from spinscope.interaction import (
    FarField,
    exit_wave,
    film_optics,
    grid_for_detector,
    illumination,
    projection,
    transverse_wavevector,
)

E = 150.47  # eV, the Tb N5 harmonic of the demo
LAYERS = [("Co80Tb20", 20e-9, 8900.0, True), ("Si3N4", 50e-9, None, False)]


@pytest.fixture(scope="module")
def optics():
    return film_optics(LAYERS, E)


def _stripes(n: int, periods: int) -> np.ndarray:
    x = np.arange(n)
    row = np.where(np.sin(2 * np.pi * periods * (x + 0.5) / n) >= 0, 1.0, -1.0)
    return np.broadcast_to(row[None, :], (n, n))


def test_uniform_film_is_beer_lambert(optics):
    p = np.zeros((2, 8, 8))
    psi = exit_wave(optics, p, +1)
    # |psi|^2 = exp(-2 k sum d beta) of the whole stack (xraydb charge constants)
    from spinscope.materials import get_material

    k = 2 * math.pi / optics.wavelength
    mu = 0.0
    for mat, d, dens, _ in LAYERS:
        mu += 2 * k * d * float(get_material(mat, density=dens).optical_constants([E])["beta"].values[0])
    assert np.allclose(np.abs(psi) ** 2, math.exp(-mu), rtol=1e-6)  # float32 transcendental functions
    # the two helicities multiply to T_c^2 for any magnetisation
    rng = np.random.default_rng(0)
    p = rng.uniform(-1, 1, (2, 8, 8))
    product = exit_wave(optics, p, +1) * exit_wave(optics, p, -1)
    assert np.allclose(product, np.exp(2 * optics.charge), rtol=1e-6)


def test_stripes_scatter_at_exact_transverse_wavevector(optics):
    det = AreaDetector(shape=(96, 96), pixel_size=40e-6, distance=0.02)
    n, cell = grid_for_detector(det, E, oversampling=2)
    ff = FarField(det, E, n, cell)
    periods = 24
    p = ff.field_of_view / periods
    mz = _stripes(n, periods)
    a = np.full((n, n), 1.0 / n)  # uniform illumination of the whole (periodic) field of view
    fields = [a * exit_wave(optics, np.stack([mz, -mz]), s) for s in (1, -1)]
    grid = ff.grid_intensity(fields)
    g = grid.copy()
    g[n // 2, n // 2] = 0
    j, i = np.unravel_index(np.argmax(g), g.shape)
    # on the grid: exactly the bin k_perp = 2 pi / p
    assert j == n // 2 and abs(i - n // 2) == periods
    assert abs(i - n // 2) * ff.dk == pytest.approx(2 * math.pi / p, rel=1e-12)
    # on the detector: the pixels that receive the first order sit at k_perp = k sin(2 theta) = 2 pi / p
    img = ff.detector_intensity(fields)
    ky, kx = transverse_wavevector(det, E)
    first = (np.abs(np.hypot(ky, kx) - 2 * math.pi / p) < 1.5 * ff.dk) & (np.abs(ky) < 1.5 * ff.dk)
    kc = float((np.abs(kx) * img)[first].sum() / img[first].sum())
    assert kc == pytest.approx(2 * math.pi / p, rel=2e-3)
    # q = 4 pi sin(theta)/lambda of the same pixels is larger by 1/cos(theta): not the grating condition
    th = 0.5 * math.asin(optics.wavelength / p)
    q = 4 * math.pi * math.sin(th) / optics.wavelength
    assert q == pytest.approx(2 * math.pi / p / math.cos(th), rel=1e-12)
    # photon numbers: Parseval on the grid; the detector collects the same first order
    assert grid.sum() == pytest.approx(float(np.mean(np.abs(fields[0] / a) ** 2)), rel=1e-12)
    orders = g[n // 2, n // 2 + periods] + g[n // 2, n // 2 - periods]
    assert img[first].sum() == pytest.approx(orders, rel=0.03)


def test_parseval_on_the_detector(optics):
    det = AreaDetector(shape=(64, 64), pixel_size=40e-6, distance=0.02)
    n, cell = grid_for_detector(det, E, oversampling=1.2)
    ff = FarField(det, E, n, cell)
    rng = np.random.default_rng(3)
    mz = np.tanh(rng.normal(size=(n, n)))
    a = illumination(n, cell, profile="gaussian", size=0.3 * ff.field_of_view)
    f = a * exit_wave(optics, np.stack([mz, -mz]), 1)
    grid = ff.grid_intensity(f)
    inside = np.zeros_like(grid, dtype=bool)
    ky, kx = transverse_wavevector(det, E)
    img = ff.detector_intensity(f, photons=1e6)
    # the grid bins the detector spans hold the photons the detector receives (interpolation, solid angle)
    kk = (np.arange(n) - n // 2) * ff.dk
    inside = (np.abs(kk)[:, None] <= np.abs(ky).max()) & (np.abs(kk)[None, :] <= np.abs(kx).max())
    assert img.sum() / 1e6 == pytest.approx(grid[inside].sum(), rel=0.02)


def test_friedel_symmetry_for_linear_polarisation(optics):
    n = 64
    rng = np.random.default_rng(1)
    from scipy.ndimage import gaussian_filter

    mz = np.tanh(5 * gaussian_filter(rng.normal(size=(n, n)), 2, mode="wrap"))
    p = np.stack([mz, -mz])
    det = AreaDetector(shape=(32, 32), pixel_size=40e-6, distance=0.02)
    ff = FarField(det, E, n, 10e-9)
    plus = ff.grid_intensity(exit_wave(optics, p, 1))
    minus = ff.grid_intensity(exit_wave(optics, p, -1))
    lin = 0.5 * (plus + minus)

    def inverted(a):  # I(-k) on the fftshifted grid (zero frequency at n // 2, n even)
        return np.roll(a[::-1, ::-1], 1, axis=(0, 1))

    ring = lin.copy()
    ring[n // 2, n // 2] = 0.0
    scale = ring.max()
    c = float(np.abs(optics.magnetic).max())  # first-order magnetic amplitude, 0.018 here
    # linear light: Friedel symmetric up to second order in the magnetic amplitude (module notes)
    assert np.max(np.abs(lin - inverted(lin))) < c**2 * scale
    # circular light carries charge-magnetic interference, first order: the pattern is not symmetric
    assert np.max(np.abs(plus - inverted(plus))) > 0.1 * c * scale


def test_in_plane_magnetisation_gives_no_magnetic_signal_at_normal_incidence(optics):
    n = 32
    x = np.arange(n)
    ang = 2 * np.pi * 4 * x / n
    m = np.zeros((n, n, 3))
    m[..., 0] = np.cos(ang)[None, :]
    m[..., 1] = np.sin(ang)[None, :]
    st = np.stack([m, -m])
    det = AreaDetector(shape=(32, 32), pixel_size=40e-6, distance=0.02)
    ff = FarField(det, E, n, 10e-9)
    flat = ff.grid_intensity(exit_wave(optics, projection(st), 1))
    off_centre = flat.copy()
    off_centre[n // 2, n // 2] = 0
    assert off_centre.max() < 1e-25 * flat.max()
    # tilting the film projects m_x on the beam: magnetic scattering appears
    tilted = film_optics(LAYERS, E, tilt=math.radians(30))
    g = ff.grid_intensity(exit_wave(tilted, projection(st, tilted.tilt), 1))
    g[n // 2, n // 2] = 0
    assert g.max() > 1e-6 * flat.max()


def test_bad_inputs(optics):
    with pytest.raises(ConfigError, match="helicity"):
        exit_wave(optics, np.zeros((2, 4, 4)), 0)
    with pytest.raises(ConfigError, match="species"):
        exit_wave(optics, np.zeros((3, 4, 4)), 1)
    with pytest.raises(ConfigError, match="magnetic"):
        film_optics([("Si3N4", 50e-9, None, False)], E)
    with pytest.raises(ConfigError, match="profile"):
        illumination(8, 1e-8, profile="square", size=1e-7)
