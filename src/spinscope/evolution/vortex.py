"""Analytic movie of a magnetic vortex gyrating in a thin disk or square (Thiele model).

A thin soft-magnetic disk (radius ``R``, thickness ``L``, ``L/R << 1``) holds a vortex: the
magnetisation curls in the plane with chirality ``c = +-1`` and turns out of the plane in a core of
radius ``b`` with polarity ``p = +-1``. An in-plane field displaces the core; released or driven, the
core moves on the gyrotropic orbit described by Thiele's equation

    G ez x dX/dt - D dX/dt - dW/dX = 0,        |G| = 2 pi L Ms / gamma,

with a restoring potential ``W = kappa |X|^2 / 2``. Its free frequency, in the side-charges-free
(two-vortex) model of Guslienko et al., J. Appl. Phys. 91, 8037 (2002), for thin disks, is

    omega_G = kappa / |G| = (20 / 9) gamma mu0 Ms (L / R) / (4 pi)

(the paper's Gaussian-unit ``(20/9) gamma Ms beta`` with ``Ms`` in emu/cm^3 written in SI: 398 MHz
for a 40 nm x 1 um permalloy disk). The damping ratio is ``d = D / |G| = alpha (2 + ln(R / b)) / 2``
(Guslienko, Appl. Phys. Lett. 89, 022510 (2006)). Writing ``X = x + i y``, the linear steady state
under a force oscillating at ``omega`` is the sum of a co- and a counter-rotating orbit,

    X(t) = F/(2|G|) [e^{i w t} / (omega_G - p w + i d w) + e^{-i w t} / (omega_G + p w - i d w)],

which for ``w = omega_G`` is a circle travelled counter-clockwise (seen from +z) for ``p = +1``. The
force of a field ``H`` along x pushes the core along ``c ez x H``: the part of the disk whose
magnetisation is parallel to the field grows. The orbit is scaled so that its largest radius is the
given ``gyration_radius`` (the amplitude an experiment measures; it sets the drive strength).

Profile of the shifted vortex: the in-plane direction follows the two-vortex (side-charges-free)
construction of Guslienko et al. (2002): with ``z = x + i y``,

    m_x + i m_y  ~  i c (z - X) (R^2 - conj(X) z),

which curls around the core at ``X`` and is exactly tangent to the edge ``|z| = R`` (no side
charges; the image vortex at ``R^2 / conj(X)`` lies outside). The core follows the Usov-Peschany
ansatz (Usov & Peschany, J. Magn. Magn. Mater. 118, L290 (1993)): ``theta(rho) = 2 arctan(rho/b)``
for ``rho < b`` and ``pi/2`` outside, ``m_z = p cos theta``, with core radius
``b = 0.68 l_ex^(2/3) L^(1/3)`` and ``l_ex = sqrt(2 A / (mu0 Ms^2))``. Cells outside the disk hold
no material: ``m = 0`` there (the contract's empty cells).
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from spinscope.constants import GAMMA_E, MU0
from spinscope.datamodel import magnetisation_field
from spinscope.errors import ConfigError
from spinscope.units import check_positive as _pos

__all__ = [
    "GAMMA_E",
    "MU0",
    "core_radius",
    "damping_ratio",
    "exchange_length",
    "gyrotropic_frequency",
    "landau_profile",
    "thiele_orbit",
    "vortex_gyration_movie",
    "vortex_profile",
]



def exchange_length(ms: float, exchange: float) -> float:
    """Magnetostatic exchange length ``sqrt(2 A / (mu0 Ms^2))`` [m].

    Parameters
    ----------
    ms
        Saturation magnetisation [A/m].
    exchange
        Exchange stiffness A [J/m].
    """
    return math.sqrt(2.0 * _pos(exchange, "exchange") / (MU0 * _pos(ms, "ms") ** 2))


def core_radius(thickness: float, ms: float, exchange: float) -> float:
    """Vortex core radius ``b = 0.68 l_ex^(2/3) L^(1/3)`` [m] (Usov & Peschany, JMMM 118, L290 (1993)).

    Parameters
    ----------
    thickness
        Disk thickness L [m].
    ms
        Saturation magnetisation [A/m].
    exchange
        Exchange stiffness [J/m].
    """
    lex = exchange_length(ms, exchange)
    return 0.68 * lex ** (2.0 / 3.0) * _pos(thickness, "thickness") ** (1.0 / 3.0)


def gyrotropic_frequency(radius: float, thickness: float, ms: float, gamma: float = GAMMA_E) -> float:
    """Gyrotropic frequency of a vortex in a thin disk, ``f_G = omega_G / 2 pi`` [Hz].

    ``omega_G = (20/9) gamma mu0 Ms (L/R) / (4 pi)``: Guslienko et al., J. Appl. Phys. 91, 8037
    (2002), side-charges-free model, valid for ``L/R << 1``.

    Parameters
    ----------
    radius
        Disk radius R [m].
    thickness
        Disk thickness L [m].
    ms
        Saturation magnetisation [A/m].
    gamma
        Gyromagnetic ratio [rad/(s T)].
    """
    beta = _pos(thickness, "thickness") / _pos(radius, "radius")
    return (20.0 / 9.0) * gamma * MU0 * _pos(ms, "ms") * beta / (4.0 * math.pi) / (2.0 * math.pi)


def damping_ratio(alpha: float, radius: float, core: float) -> float:
    """Thiele damping ratio ``D/|G| = alpha (2 + ln(R/b)) / 2`` (Guslienko, APL 89, 022510 (2006))."""
    a = _pos(alpha, "alpha", "a non-negative damping", allow_zero=True)
    return a * (2.0 + math.log(_pos(radius, "radius") / _pos(core, "core"))) / 2.0


def thiele_orbit(t, *, drive_frequency, gyrotropic_frequency, damping_ratio, polarity=1, chirality=1,
                 gyration_radius, drive_direction=0.0):
    """Steady-state core position of a vortex driven by a linear rf field (Thiele equation).

    Parameters
    ----------
    t
        Times [s] (any shape).
    drive_frequency
        Drive frequency f [Hz].
    gyrotropic_frequency
        Free gyrotropic frequency f_G [Hz].
    damping_ratio
        D/|G| [dimensionless].
    polarity, chirality
        Core polarity p and curl c (+1 or -1).
    gyration_radius
        Largest distance of the core from the centre over a period [m].
    drive_direction
        Angle of the rf field in the plane from +x [rad]; the field is ``H cos(2 pi f t)``.

    Returns
    -------
    numpy.ndarray
        Complex core position ``x + i y`` [m], shape of ``t``.
    """
    p, c = _sign(polarity, "polarity"), _sign(chirality, "chirality")
    w = 2.0 * math.pi * _pos(drive_frequency, "drive_frequency")
    wg = 2.0 * math.pi * _pos(gyrotropic_frequency, "gyrotropic_frequency")
    d = float(damping_ratio)
    force = 1j * c * np.exp(1j * float(drive_direction))  # direction c ez x H
    t = np.asarray(t, dtype=float)
    co = np.exp(1j * w * t) / (wg - p * w + 1j * d * w)
    counter = np.exp(-1j * w * t) / (wg + p * w - 1j * d * w)
    x = force * (co + counter)
    # scale to the requested amplitude: the orbit is an ellipse with semi-axes |a| + |b|, | |a|-|b| |
    a = abs(1.0 / (wg - p * w + 1j * d * w))
    b = abs(1.0 / (wg + p * w - 1j * d * w))
    return x * (_pos(gyration_radius, "gyration_radius") / (a + b))


def _sign(v, name):
    if v not in (1, -1):
        raise ConfigError(f"{name}: expected +1 or -1, got {v!r}")
    return int(v)


def vortex_profile(x, y, *, radius, core, centre=0j, polarity=1, chirality=1):
    """Unit magnetisation of a (shifted) vortex in a disk, two-vortex model with Usov core.

    Parameters
    ----------
    x, y
        Cell coordinates [m] (1-D; the disk is centred at the origin).
    radius
        Disk radius R [m].
    core
        Core radius b [m].
    centre
        Complex core position(s) X [m]; an array of shape ``(T,)`` gives a movie.
    polarity, chirality
        p and c (+1 or -1).

    Returns
    -------
    numpy.ndarray
        ``(T?, ny, nx, 3)``; zero outside the disk.
    """
    p, c = _sign(polarity, "polarity"), _sign(chirality, "chirality")
    big_r, b = _pos(radius, "radius"), _pos(core, "core")
    xc = np.atleast_1d(np.asarray(centre, dtype=complex))
    z = np.asarray(x, dtype=float)[None, None, :] + 1j * np.asarray(y, dtype=float)[None, :, None]
    X = xc[:, None, None]
    if np.any(np.abs(xc) >= big_r - b):
        raise ConfigError("gyration_radius: the core would leave the disk; choose a smaller amplitude")
    inplane = 1j * c * (z - X) * (big_r**2 - np.conj(X) * z)
    mag = np.abs(inplane)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.where(mag > 0, inplane / np.where(mag > 0, mag, 1.0), 0.0)
    rho = np.abs(z - X)
    # Usov-Peschany: tan(theta/2) = rho/b inside the core
    s2 = (rho / b) ** 2
    cos_t = np.where(rho < b, (1.0 - s2) / (1.0 + s2), 0.0)
    sin_t = np.where(rho < b, 2.0 * (rho / b) / (1.0 + s2), 1.0)
    m = np.empty((*u.shape, 3))
    m[..., 0] = sin_t * u.real
    m[..., 1] = sin_t * u.imag
    m[..., 2] = p * cos_t
    # exactly at the core centre the in-plane direction is undefined but sin theta = 0 there
    inside = np.abs(z) <= big_r
    m *= inside[..., None]
    return m if np.ndim(centre) else m[0]


def landau_profile(x, y, *, half_width, core, centre=0j, polarity=1, chirality=1):
    """Unit magnetisation of a Landau (closure) state with its vortex core at ``centre`` in a square.

    Four triangular domains, each magnetised along its edge of the square (counter-clockwise for
    ``c = +1``), meet in 90 deg walls that run from the core to the corners (sharp walls; the
    displaced-core Landau pattern imaged by Choe et al., Science 304, 420 (2004)). The core has the
    Usov-Peschany profile of :func:`vortex_profile`. Cells outside the square are empty (m = 0).

    Parameters
    ----------
    x, y
        Cell coordinates [m] (1-D; the square is centred at the origin).
    half_width
        Half the side of the square [m].
    core
        Core radius [m].
    centre
        Complex core position(s) [m]; an array of shape ``(T,)`` gives a movie.
    polarity, chirality
        +1 or -1.

    Returns
    -------
    numpy.ndarray
        ``(T?, ny, nx, 3)``.
    """
    p, c = _sign(polarity, "polarity"), _sign(chirality, "chirality")
    a, b = _pos(half_width, "half_width"), _pos(core, "core")
    xc = np.atleast_1d(np.asarray(centre, dtype=complex))
    if np.any(np.maximum(np.abs(xc.real), np.abs(xc.imag)) >= a - b):
        raise ConfigError("gyration_radius: the core would leave the square; choose a smaller amplitude")
    z = np.asarray(x, dtype=float)[None, None, :] + 1j * np.asarray(y, dtype=float)[None, :, None]
    X = xc[:, None, None]
    d = z - X
    corners = np.array([a - 1j * a, a + 1j * a, -a + 1j * a, -a - 1j * a])  # ccw from bottom-right
    # the edge domain a point belongs to: between the directions (from the core) of two corners
    ang = np.angle(d)
    cang = np.angle(corners[None, :] - xc[:, None])  # (T, 4)
    tangents = np.array([1j, -1.0, -1j, 1.0])  # right, top, left, bottom edges (ccw tangents)
    u = np.zeros(d.shape, dtype=complex)
    for k in range(4):  # domain k lies between corner k and corner k+1 (counter-clockwise)
        lo = cang[:, k][:, None, None]
        hi = cang[:, (k + 1) % 4][:, None, None]
        inside = np.mod(ang - lo, 2 * np.pi) < np.mod(hi - lo, 2 * np.pi)
        u = np.where(inside, tangents[k] * c, u)
    rho = np.abs(d)
    s2 = (rho / b) ** 2
    cos_t = np.where(rho < b, (1.0 - s2) / (1.0 + s2), 0.0)
    sin_t = np.where(rho < b, 2.0 * (rho / b) / (1.0 + s2), 1.0)
    m = np.empty((*d.shape, 3))
    m[..., 0] = sin_t * u.real
    m[..., 1] = sin_t * u.imag
    m[..., 2] = p * cos_t
    inside_sq = (np.abs(z.real) <= a) & (np.abs(z.imag) <= a)
    m *= inside_sq[..., None]
    return m if np.ndim(centre) else m[0]


def _movie_grid(r: float, dx: float, margin: float) -> np.ndarray:
    """Cell centres [m] of the square grid of a movie: the disk of radius ``r`` [m] plus a ``margin``
    (fraction of the diameter), cells of ``dx`` [m], at most 4096 per side."""
    half = r * (1.0 + 2.0 * float(margin))
    n = int(math.ceil(2.0 * half / dx))
    if n > 4096:
        raise ConfigError(f"cell: {n} x {n} cells for this disk; choose a larger cell")
    return (np.arange(n) - (n - 1) / 2.0) * dx


def _movie_profile(shape: str, coords, r: float, b: float, xc, polarity: int, chirality: int):
    """Frames ``(time, y, x, 3)`` of a ``"disk"`` (radius ``r`` [m]) or ``"square"`` (half side ``r``)
    with core radius ``b`` [m] at the complex core positions ``xc`` [m]."""
    if shape == "disk":
        return vortex_profile(coords, coords, radius=r, core=b, centre=xc, polarity=polarity,
                              chirality=chirality)
    if shape == "square":
        return landau_profile(coords, coords, half_width=r, core=b, centre=xc, polarity=polarity,
                              chirality=chirality)
    raise ConfigError(f"shape: expected 'disk' or 'square', got {shape!r}")


def vortex_gyration_movie(
    *,
    radius: float,
    thickness: float,
    cell: float,
    times,
    drive_frequency: float | None = None,
    gyration_radius: float = 50e-9,
    ms: float = 800e3,
    exchange: float = 13e-12,
    alpha: float = 0.01,
    polarity: int = 1,
    chirality: int = 1,
    drive_direction: float = 0.0,
    margin: float = 0.05,
    shape: str = "disk",
) -> xr.DataArray:
    """Magnetisation movie of a vortex driven into gyration in a thin disk.

    Parameters
    ----------
    radius
        Disk radius R [m].
    thickness
        Disk thickness L [m] (sets the gyrotropic frequency and the core radius).
    cell
        Cell size of the square grid [m].
    times
        Frame times [s] (1-D, increasing).
    drive_frequency
        rf field frequency [Hz]; ``None`` drives at the gyrotropic frequency (resonance).
    gyration_radius
        Largest core displacement over a period [m].
    ms
        Saturation magnetisation [A/m] (permalloy 800 kA/m, e.g. Guslienko et al. 2002).
    exchange
        Exchange stiffness [J/m] (permalloy 13 pJ/m, muMAG standard problem 4 value).
    alpha
        Gilbert damping [dimensionless] (permalloy ~0.01).
    polarity, chirality
        Core polarity and curl (+1 or -1).
    drive_direction
        In-plane angle of the rf field from +x [rad].
    margin
        Empty border around the disk, as a fraction of the diameter.
    shape
        ``"disk"`` (radius R) or ``"square"`` (side 2R, Landau closure state,
        :func:`landau_profile`); the square's gyrotropic frequency is approximated by that of the
        inscribed disk (Guslienko's formula is derived for disks).

    Returns
    -------
    xarray.DataArray
        The magnetisation-movie contract ``(time, y, x, component)``, unit vectors inside the disk,
        zero outside; attributes give every parameter plus ``gyrotropic_frequency``,
        ``core_radius`` and ``damping_ratio`` and the core positions ``core_x``, ``core_y`` [m] as
        coordinates on ``time``.

    Size: a public physics function whose keyword-only parameters are each one physical quantity with
    its unit (geometry [m], drive [Hz, rad], material constants [A/m, J/m, 1]) or a sign of the
    vortex; they are recorded one by one in the attributes, so they stay separate keywords. The
    length is this docstring: the body (about 30 lines) delegates the grid and the profile.
    """
    r = _pos(radius, "radius")
    dx = _pos(cell, "cell")
    t = np.atleast_1d(np.asarray(times, dtype=float))
    if t.ndim != 1 or t.size < 1:
        raise ConfigError("times: expected a 1-D array of frame times [s]")
    coords = _movie_grid(r, dx, margin)
    b = core_radius(thickness, ms, exchange)
    fg = gyrotropic_frequency(r, thickness, ms)
    d = damping_ratio(alpha, r, b)
    f = fg if drive_frequency is None else _pos(drive_frequency, "drive_frequency")
    xc = thiele_orbit(t, drive_frequency=f, gyrotropic_frequency=fg, damping_ratio=d, polarity=polarity,
                      chirality=chirality, gyration_radius=gyration_radius,
                      drive_direction=drive_direction)
    m = _movie_profile(shape, coords, r, b, xc, polarity, chirality)
    attrs = {
        "model": "vortex gyration (Thiele, two-vortex side-charges-free profile, Usov core)",
        "radius": r, "shape": shape, "thickness": float(thickness), "ms": float(ms),
        "exchange": float(exchange), "alpha": float(alpha), "polarity": int(polarity),
        "chirality": int(chirality), "drive_frequency": f, "gyration_radius": float(gyration_radius),
        "gyrotropic_frequency": fg, "core_radius": b, "damping_ratio": d,
        "reference": "Guslienko et al., J. Appl. Phys. 91, 8037 (2002); Usov & Peschany, JMMM 118, "
        "L290 (1993)",
    }
    da = magnetisation_field(m, x=coords, y=coords, time=t, attrs=attrs)
    return da.assign_coords(
        core_x=("time", xc.real, {"units": "m"}), core_y=("time", xc.imag, {"units": "m"})
    )
