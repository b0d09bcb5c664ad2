"""Magnetic domain textures of thin films: stripes, labyrinths (mazes), bubble lattices, arrays.

Every generator is a pure function that returns the magnetisation contract of
:func:`spinscope.datamodel.magnetisation_field`: an :class:`xarray.DataArray` with dims
``(y, x, component)``, coordinates ``y``/``x`` in m (cell centres, centred on 0), ``component``
labelled ``("x", "y", "z")`` and unit vectors (``units == ""``).

Domain walls
    Across a wall the out-of-plane component follows the tanh profile of a 180 degree wall,
    ``m_z = tanh(d / w)``, where ``d`` is the signed distance to the wall centre along its normal and
    ``w`` is the *wall-width parameter* (``w = sqrt(A/K_eff)`` of Hubert & Schaefer, *Magnetic Domains*,
    Springer 1998, sec. 3.6; the Lilley width is ``pi w``). The in-plane component has the magnitude
    ``sqrt(1 - m_z^2) = 1/cosh(d/w)`` and lies

    - along the wall normal for a **Neel** wall, ``m_ip = -chirality * n_hat``,
    - perpendicular to it for a **Bloch** wall, ``m_ip = -chirality * (z_hat x n_hat)``,

    where ``n_hat = grad(m_z) / |grad(m_z)|`` points from the down into the up domain. With
    ``chirality = +1`` a Neel stripe pattern is a cycloid ``m = (sin theta n_hat, cos theta)`` with
    ``theta`` increasing along ``n_hat`` (one rotation sense throughout, as imposed by an interfacial
    Dzyaloshinskii-Moriya interaction). ``|m| = 1`` holds exactly in every cell.

Labyrinths
    Relaxation of the Swift-Hohenberg model (J. Swift & P. C. Hohenberg, Phys. Rev. A 15, 319 (1977)),
    ``d psi/dt = eps psi - (q0^2 + laplacian)^2 psi / q0^4 - psi^3``, from seeded random noise, by a
    semi-implicit pseudo-spectral scheme (stiff linear operator implicit, ``eps psi - psi^3`` explicit).
    Close to onset (small ``eps``) it forms the disordered stripe "labyrinth" of the modulated phases of
    perpendicular magnetic films and other dipolar systems (M. Seul & D. Andelman, Science 267, 476
    (1995)), with the dominant wavenumber ``q0 = 2 pi / period``. The relaxation runs on a grid coarsened
    to about eight cells per period and is Fourier-interpolated to the requested grid (exact for the
    band-limited field). The relaxed ``psi`` is cut at the level that gives the requested up/down area
    fraction and mapped to the tanh wall profile through the signed distance estimate
    ``d = arctan(q0 (psi - c) / |grad psi|) / q0`` (exact for a sinusoidal ``psi``).

Bubble lattices
    Circular domains of radius ``R`` on a hexagonal (triangular) lattice of nearest-neighbour distance
    ``period``, with the same wall profile along the radius.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.fft as sfft
import xarray as xr
from scipy.ndimage import map_coordinates

from spinscope.datamodel import magnetisation_field
from spinscope.errors import ConfigError, FileFormatError
from spinscope.io import read_nexus
from spinscope.io.ovf import read_ovf
from spinscope.rng import generator_and_seed
from spinscope.units import parse_positive

__all__ = [
    "WALL_TYPES",
    "bubble_lattice",
    "dominant_period",
    "labyrinth_domains",
    "radial_structure_factor",
    "stripe_domains",
    "texture_from_array",
    "texture_from_file",
]

#: Allowed domain-wall types.
WALL_TYPES = ("bloch", "neel")

#: Cells per period of the coarse grid the Swift-Hohenberg relaxation runs on (spectral accuracy of
#: the stripe profile is ample at 8; the relaxation cost falls with its square).
_SH_CELLS_PER_PERIOD = 8


# --------------------------------------------------------------------------------------------------
# argument helpers


def _shape(shape: Any) -> tuple[int, int]:
    try:
        ny, nx = (int(v) for v in shape)
    except (TypeError, ValueError):
        raise ConfigError(f"shape: expected two integers (ny, nx), got {shape!r}") from None
    if ny < 2 or nx < 2:
        raise ConfigError(f"shape: expected at least 2 x 2 cells, got {shape!r}")
    return ny, nx


def _cell(cell: Any) -> tuple[float, float]:
    """Cell size as (dy, dx) [m] from a scalar, a string or a pair."""
    if isinstance(cell, str) or np.ndim(cell) == 0:
        d = parse_positive(cell, "length", "cell")
        return d, d
    if len(cell) != 2:
        raise ConfigError(f"cell: expected one length or a pair (dy, dx), got {cell!r}")
    return (parse_positive(cell[0], "length", "cell[0] (dy)"),
            parse_positive(cell[1], "length", "cell[1] (dx)"))


def _wall(wall_type: str, chirality: int) -> tuple[str, int]:
    wt = str(wall_type).lower().replace("é", "e")
    if wt not in WALL_TYPES:
        raise ConfigError(f"wall_type: expected one of {WALL_TYPES}, got {wall_type!r}")
    if chirality not in (1, -1):
        raise ConfigError(f"chirality: expected +1 or -1, got {chirality!r}")
    return wt, int(chirality)


def _coords(n: int, d: float) -> np.ndarray:
    """Cell-centre coordinates [m], centred so that index n // 2 sits at 0."""
    return (np.arange(n) - n // 2) * d


def _assemble(
    dist: np.ndarray,
    gy: np.ndarray,
    gx: np.ndarray,
    *,
    wall_width: float,
    wall_type: str,
    chirality: int,
) -> np.ndarray:
    """Unit vectors from the signed wall distance and the direction of its gradient.

    Parameters
    ----------
    dist
        Signed distance to the nearest wall centre [m], positive in up (m_z > 0) domains.
    gy, gx
        Components of (a vector along) ``grad(dist)`` [any unit].
    wall_width
        Wall-width parameter ``w`` of ``m_z = tanh(d / w)`` [m].
    wall_type
        ``"bloch"`` or ``"neel"``.
    chirality
        +1 or -1.

    Returns
    -------
    numpy.ndarray
        Shape ``dist.shape + (3,)``, ``|m| = 1``.
    """
    u = np.clip(dist / wall_width, -300.0, 300.0)
    mz = np.tanh(u)
    s = 1.0 / np.cosh(u)
    gn = np.hypot(gx, gy)
    ok = gn > 0
    safe = np.where(ok, gn, 1.0)
    nx_ = np.where(ok, gx / safe, 1.0)
    ny_ = np.where(ok, gy / safe, 0.0)
    if wall_type == "neel":
        ex, ey = -chirality * nx_, -chirality * ny_
    else:  # bloch: z_hat x n_hat = (-n_y, n_x)
        ex, ey = chirality * ny_, -chirality * nx_
    return np.stack([s * ex, s * ey, mz], axis=-1)


def _finish(m: np.ndarray, ny: int, nx: int, dy: float, dx: float, attrs: dict) -> xr.DataArray:
    return magnetisation_field(m, x=_coords(nx, dx), y=_coords(ny, dy), attrs=attrs)


# --------------------------------------------------------------------------------------------------
# stripes


def stripe_domains(
    shape: Sequence[int],
    cell: Any,
    period: Any,
    *,
    wall_width: Any,
    angle: float = 0.0,
    wall_type: str = "bloch",
    chirality: int = 1,
    phase: float = 0.0,
) -> xr.DataArray:
    """Stripe domains of equal up/down width with tanh walls.

    Parameters
    ----------
    shape
        Number of cells ``(ny, nx)``.
    cell
        Cell size [m]: one value, or ``(dy, dx)``; strings such as ``"2 nm"`` accepted.
    period
        Stripe period (one up plus one down domain) [m].
    wall_width
        Wall-width parameter ``w`` of ``m_z = tanh(d / w)`` [m].
    angle
        Direction of the wall normal (the modulation wavevector) from +x towards +y [rad].
    wall_type
        ``"bloch"`` (in-plane moment along the wall) or ``"neel"`` (along the wall normal).
    chirality
        Rotation sense of the wall moments, +1 or -1 (see the module notes).
    phase
        Phase of the modulation at the origin [rad]; walls sit where ``sin(q.r + phase) = 0``.

    Returns
    -------
    xarray.DataArray
        Unit magnetisation ``(y, x, component)``. A grid whose size is a multiple of the period along
        the modulation scatters exactly at ``q = 2 pi / period``.
    """
    ny, nx = _shape(shape)
    dy, dx = _cell(cell)
    p = parse_positive(period, "length", "period")
    w = parse_positive(wall_width, "length", "wall_width")
    wt, ch = _wall(wall_type, chirality)
    if w > p / 4:
        raise ConfigError(
            f"wall_width: {w:.3g} m exceeds a quarter period ({p / 4:.3g} m); use thinner walls"
        )
    y = _coords(ny, dy)[:, None]
    x = _coords(nx, dx)[None, :]
    ca, sa = math.cos(angle), math.sin(angle)
    arg = 2 * np.pi * (x * ca + y * sa) / p + phase
    # signed distance to the nearest wall (a triangle wave of slope 1, |d| <= p/4), exact
    dist = p / (2 * np.pi) * np.arcsin(np.clip(np.sin(arg), -1.0, 1.0))
    sgn = np.where(np.cos(arg) >= 0, 1.0, -1.0)
    m = _assemble(dist, sgn * sa, sgn * ca, wall_width=w, wall_type=wt, chirality=ch)
    attrs = {
        "texture": "stripes",
        "period": p,
        "wall_width": w,
        "wall_type": wt,
        "chirality": ch,
        "angle": float(angle),
    }
    return _finish(m, ny, nx, dy, dx, attrs)


# --------------------------------------------------------------------------------------------------
# labyrinth




def _coarsening(n: int, cells_per_period: float) -> int:
    """Largest factor f dividing n with at least _SH_CELLS_PER_PERIOD coarse cells per period."""
    fmax = int(cells_per_period // _SH_CELLS_PER_PERIOD)
    for f in range(max(fmax, 1), 0, -1):
        if n % f == 0 and (n // f) % 2 == 0:
            return f
    return 1


def _fourier_upsample(spec: np.ndarray, nyc: int, nxc: int, ny: int, nx: int) -> np.ndarray:
    """Zero-pad an rfft2 spectrum of an (nyc, nxc) grid onto (ny, nx/2+1) (same normalisation)."""
    out = np.zeros((ny, nx // 2 + 1), dtype=spec.dtype)
    hy = nyc // 2
    hx = nxc // 2
    out[:hy, :hx] = spec[:hy, :hx]
    out[ny - hy :, :hx] = spec[nyc - hy :, :hx]
    return out * ((ny * nx) / (nyc * nxc))


@dataclass(frozen=True)
class _SwiftHohenberg:
    """Semi-implicit relaxation of the Swift-Hohenberg model (Swift & Hohenberg, Phys. Rev. A 15, 319
    (1977)) in units of the selected wavenumber ``q0 = 2 pi / period``.

    Attributes
    ----------
    epsilon
        Distance from onset [dimensionless].
    steps
        Number of time steps.
    time_step
        Time step in units of ``1 / q0^4`` [dimensionless].
    """

    epsilon: float
    steps: int
    time_step: float

    def __post_init__(self) -> None:
        if not (self.epsilon > 0 and self.steps >= 1 and self.time_step > 0):
            raise ConfigError("epsilon, steps and time_step must be positive")

    def relax(self, ny: int, nx: int, dy: float, dx: float, period: float, gen) -> np.ndarray:
        """Half-plane spectrum ``(ny, nx // 2 + 1)`` of the relaxed order parameter on the full grid.

        The model runs on a grid coarsened to a few cells per ``period`` [m] (cells ``dy``, ``dx``
        [m]) from white noise of ``gen``, then is Fourier-upsampled to ``(ny, nx)``.
        """
        epsilon, time_step = self.epsilon, self.time_step
        fy, fx = _coarsening(ny, period / dy), _coarsening(nx, period / dx)
        nyc, nxc = ny // fy, nx // fx
        q0 = 2 * np.pi / period
        ky = 2 * np.pi * sfft.fftfreq(nyc, dy * fy) / q0
        kx = 2 * np.pi * sfft.rfftfreq(nxc, dx * fx) / q0
        k2 = ky[:, None] ** 2 + kx[None, :] ** 2
        denom = 1.0 + time_step * (1.0 - k2) ** 2
        psi = 0.1 * gen.standard_normal((nyc, nxc))
        spec = sfft.rfft2(psi)
        for _ in range(int(self.steps)):
            psi = sfft.irfft2(spec, s=(nyc, nxc))
            spec = (spec + time_step * sfft.rfft2(epsilon * psi - psi**3)) / denom
        return spec if (fy, fx) == (1, 1) else _fourier_upsample(spec, nyc, nxc, ny, nx)


def _labyrinth_distance(full, ny: int, nx: int, dy: float, dx: float, period: float, net: float):
    """Signed distance to the walls [m] and the order parameter's gradient ``(gy, gx)`` from its
    spectrum ``full``; the cut level puts the area fraction ``(1 + net) / 2`` in up domains."""
    q0 = 2 * np.pi / period
    kyf = 2 * np.pi * sfft.fftfreq(ny, dy)
    kxf = 2 * np.pi * sfft.rfftfreq(nx, dx)
    psi = sfft.irfft2(full, s=(ny, nx))
    gy = sfft.irfft2(1j * kyf[:, None] * full, s=(ny, nx))
    gx = sfft.irfft2(1j * kxf[None, :] * full, s=(ny, nx))
    # cut level: the fraction (1 + net) / 2 of the area is up
    level = float(np.quantile(psi, (1.0 - float(net)) / 2.0))
    gn = np.hypot(gx, gy)
    return np.arctan2(q0 * (psi - level), gn) / q0, gy, gx


def labyrinth_domains(
    shape: Sequence[int],
    cell: Any,
    period: Any,
    *,
    wall_width: Any,
    wall_type: str = "bloch",
    chirality: int = 1,
    net_magnetisation: float = 0.0,
    rng: np.random.Generator | int | None = None,
    epsilon: float = 0.1,
    steps: int = 500,
    time_step: float = 4.0,
) -> xr.DataArray:
    """Labyrinth (maze) domains from the relaxation of a Swift-Hohenberg model.

    Parameters
    ----------
    shape
        Number of cells ``(ny, nx)``; the texture is periodic in both directions.
    cell
        Cell size [m]: one value, or ``(dy, dx)``.
    period
        Dominant period of the labyrinth (up plus down domain width) [m]; at least 4 cells.
    wall_width
        Wall-width parameter ``w`` of ``m_z = tanh(d / w)`` [m].
    wall_type
        ``"bloch"`` or ``"neel"``.
    chirality
        +1 or -1.
    net_magnetisation
        Area fraction of up minus down domains, in (-1, 1) [dimensionless]; set by the level at which
        the relaxed order parameter is cut.
    rng
        Random generator, integer seed or ``None`` (a fresh seed is drawn and recorded in
        ``attrs["seed"]``). The same seed gives the same bytes.
    epsilon
        Distance from onset of the Swift-Hohenberg model [dimensionless]; small values give nearly
        sinusoidal, well-selected stripes.
    steps
        Number of semi-implicit time steps.
    time_step
        Time step in units of ``1 / q0^4`` [dimensionless].

    Returns
    -------
    xarray.DataArray
        Unit magnetisation ``(y, x, component)``; ``attrs`` record the model parameters and the seed.

    Size: eleven parameters: the grid, the texture's physical lengths [m] and wall kind, the seed
    and the model's three controls, each independent and recorded by name in ``attrs``; the
    relaxation itself is ``_SwiftHohenberg``.
    """
    ny, nx = _shape(shape)
    dy, dx = _cell(cell)
    p = parse_positive(period, "length", "period")
    w = parse_positive(wall_width, "length", "wall_width")
    wt, ch = _wall(wall_type, chirality)
    if p < 4 * max(dx, dy):
        raise ConfigError(f"period: {p:.3g} m spans fewer than 4 cells; use a finer cell or a longer period")
    if w > p / 4:
        raise ConfigError(
            f"wall_width: {w:.3g} m exceeds a quarter period ({p / 4:.3g} m); use thinner walls"
        )
    if not -1.0 < float(net_magnetisation) < 1.0:
        raise ConfigError(f"net_magnetisation: expected a value in (-1, 1), got {net_magnetisation!r}")
    model = _SwiftHohenberg(epsilon, steps, time_step)
    gen, seed = generator_and_seed(rng)
    full = model.relax(ny, nx, dy, dx, p, gen)
    dist, gy, gx = _labyrinth_distance(full, ny, nx, dy, dx, p, net_magnetisation)
    m = _assemble(dist, gy, gx, wall_width=w, wall_type=wt, chirality=ch)
    attrs = {
        "texture": "labyrinth", "model": "Swift-Hohenberg (Swift & Hohenberg, Phys. Rev. A 15, 319 (1977))",
        "period": p, "wall_width": w, "wall_type": wt, "chirality": ch,
        "net_magnetisation": float(net_magnetisation), "epsilon": float(epsilon), "steps": int(steps),
        "time_step": float(time_step),
        "seed": seed if seed is not None else "",  # "" when a Generator was passed in
    }
    return _finish(m, ny, nx, dy, dx, attrs)


# --------------------------------------------------------------------------------------------------
# bubbles


def _nearest_site(y, x, a: float, angle: float):
    """Nearest site of a hexagonal lattice (period ``a`` [m], first vector at ``angle`` [rad] from
    +x, a site at the origin) to each point ``(y, x)`` [m].

    Returns
    -------
    tuple of numpy.ndarray
        Squared distance [m^2] and the offsets ``rx``, ``ry`` [m] of each point from its site.
    """
    a1 = a * np.array([math.cos(angle), math.sin(angle)])
    a2 = a * np.array([math.cos(angle + np.pi / 3), math.sin(angle + np.pi / 3)])
    inv = np.linalg.inv(np.column_stack([a1, a2]))
    f1 = inv[0, 0] * x + inv[0, 1] * y
    f2 = inv[1, 0] * x + inv[1, 1] * y
    b1, b2 = np.floor(f1), np.floor(f2)
    best = np.full(np.broadcast_shapes(f1.shape, f2.shape), np.inf)
    rx = np.zeros_like(best)
    ry = np.zeros_like(best)
    for i in (0.0, 1.0):
        for j in (0.0, 1.0):
            cx = (b1 + i) * a1[0] + (b2 + j) * a2[0]
            cy = (b1 + i) * a1[1] + (b2 + j) * a2[1]
            ddx, ddy = x - cx, y - cy
            r2 = ddx**2 + ddy**2
            take = r2 < best
            best = np.where(take, r2, best)
            rx = np.where(take, ddx, rx)
            ry = np.where(take, ddy, ry)
    return best, rx, ry


def bubble_lattice(
    shape: Sequence[int],
    cell: Any,
    period: Any,
    radius: Any,
    *,
    wall_width: Any,
    wall_type: str = "bloch",
    chirality: int = 1,
    core: int = -1,
    angle: float = 0.0,
) -> xr.DataArray:
    """Circular bubble domains on a hexagonal lattice.

    Parameters
    ----------
    shape
        Number of cells ``(ny, nx)``.
    cell
        Cell size [m]: one value, or ``(dy, dx)``. A hexagonal lattice is periodic on the grid when,
        for example, ``dy = dx * sqrt(3) / 2`` and the period is an even number of ``dx``.
    period
        Nearest-neighbour distance of the bubble centres [m].
    radius
        Bubble radius (the wall centre) [m]; less than half the period.
    wall_width
        Wall-width parameter ``w`` of ``m_z = tanh(d / w)`` [m].
    wall_type
        ``"bloch"`` or ``"neel"``.
    chirality
        +1 or -1.
    core
        ``m_z`` sign in the bubbles, +1 or -1; the background has the opposite sign.
    angle
        Direction of the first lattice vector from +x [rad]; a bubble sits at the origin.

    Returns
    -------
    xarray.DataArray
        Unit magnetisation ``(y, x, component)``.
    """
    ny, nx = _shape(shape)
    dy, dx = _cell(cell)
    a = parse_positive(period, "length", "period")
    r0 = parse_positive(radius, "length", "radius")
    w = parse_positive(wall_width, "length", "wall_width")
    wt, ch = _wall(wall_type, chirality)
    if core not in (1, -1):
        raise ConfigError(f"core: expected +1 or -1, got {core!r}")
    if r0 >= a / 2:
        raise ConfigError(f"radius: {r0:.3g} m must be less than half the period ({a / 2:.3g} m)")
    best, rx, ry = _nearest_site(_coords(ny, dy)[:, None], _coords(nx, dx)[None, :], a, angle)
    r = np.sqrt(best)
    dist = core * (r0 - r)
    m = _assemble(dist, -core * ry, -core * rx, wall_width=w, wall_type=wt, chirality=ch)
    attrs = {
        "texture": "bubble_lattice",
        "period": a,
        "radius": r0,
        "wall_width": w,
        "wall_type": wt,
        "chirality": ch,
        "core": int(core),
        "angle": float(angle),
    }
    return _finish(m, ny, nx, dy, dx, attrs)


# --------------------------------------------------------------------------------------------------
# arrays


def texture_from_array(
    m: Any,
    cell: Any,
    *,
    normalise: bool = False,
    tol: float = 1e-3,
    wall_type: str = "bloch",
    chirality: int = 1,
) -> xr.DataArray:
    """A texture from a numpy array of unit vectors or of ``m_z`` alone.

    Parameters
    ----------
    m
        Array ``(ny, nx, 3)`` of (x, y, z) components, or ``(ny, nx)`` of ``m_z`` in [-1, 1] (the
        in-plane part of magnitude ``sqrt(1 - m_z^2)`` is then placed along or across
        ``grad(m_z)`` as for a ``wall_type`` wall).
    cell
        Cell size [m]: one value, or ``(dy, dx)``.
    normalise
        Rescale vectors to unit length (zero vectors are an error) instead of requiring ``|m| = 1``.
    tol
        Allowed deviation of ``|m|`` from 1 when ``normalise`` is false [dimensionless].
    wall_type
        ``"bloch"`` or ``"neel"`` (scalar input only).
    chirality
        +1 or -1 (scalar input only).

    Returns
    -------
    xarray.DataArray
        Unit magnetisation ``(y, x, component)``.

    Raises
    ------
    ConfigError
        For a wrong shape, non-finite values, ``|m_z| > 1`` or ``|m| != 1``.
    """
    arr = np.asarray(m)
    if arr.dtype.kind not in "fiu":
        raise ConfigError(f"m: expected a real array, got dtype {arr.dtype}")
    arr = arr.astype(float)
    if arr.ndim == 3 and arr.shape[-1] == 3:
        ny, nx = _shape(arr.shape[:2])
    elif arr.ndim == 2:
        ny, nx = _shape(arr.shape)
    else:
        raise ConfigError(f"m: expected shape (ny, nx, 3) or (ny, nx), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ConfigError("m: contains NaN or infinite values")
    dy, dx = _cell(cell)
    if arr.ndim == 2:
        wt, ch = _wall(wall_type, chirality)
        if np.any(np.abs(arr) > 1.0 + tol):
            raise ConfigError(f"m: m_z must lie in [-1, 1], got values up to {np.abs(arr).max():.6g}")
        mz = np.clip(arr, -1.0, 1.0)
        gy, gx = np.gradient(mz, dy, dx)
        s = np.sqrt(1.0 - mz**2)
        unit = _assemble(np.zeros_like(mz), gy, gx, wall_width=1.0, wall_type=wt, chirality=ch)
        out = np.stack([s * unit[..., 0], s * unit[..., 1], mz], axis=-1)
        src = "m_z array"
    else:
        norm = np.sqrt((arr**2).sum(axis=-1))
        if normalise:
            if np.any(norm == 0):
                raise ConfigError(f"m: {int((norm == 0).sum())} cells have zero length; cannot normalise")
            out = arr / norm[..., None]
        else:
            bad = np.abs(norm - 1.0) > tol
            if np.any(bad):
                raise ConfigError(
                    f"m: expected unit vectors (|m| = 1 within {tol:g}); {int(bad.sum())} cells have |m| "
                    f"from {norm[bad].min():.6g} to {norm[bad].max():.6g} (pass normalise=True to rescale)"
                )
            out = arr / norm[..., None]
        src = "vector array"
    return _finish(out, ny, nx, dy, dx, {"texture": "array", "source": src})


# --------------------------------------------------------------------------------------------------
# characterisation


def radial_structure_factor(texture: xr.DataArray, *, component: str = "z") -> tuple[np.ndarray, np.ndarray]:
    """Azimuthally averaged structure factor ``|FFT(m_c - <m_c>)|^2`` of one component.

    Parameters
    ----------
    texture
        A magnetisation field ``(y, x, component)``.
    component
        ``"x"``, ``"y"`` or ``"z"``.

    Returns
    -------
    q : numpy.ndarray
        Mean ``|q|`` of each annulus [1/m] (bins one ``2 pi / L`` wide, ``L`` the larger box side).
    s : numpy.ndarray
        Mean ``|FFT|^2`` in each annulus [arbitrary units].
    """
    f = np.asarray(texture.sel(component=component).values, dtype=float)
    ny, nx = f.shape
    dy = float(texture["y"][1] - texture["y"][0])
    dx = float(texture["x"][1] - texture["x"][0])
    power = np.abs(np.fft.fft2(f - f.mean())) ** 2
    qy = 2 * np.pi * np.fft.fftfreq(ny, dy)
    qx = 2 * np.pi * np.fft.fftfreq(nx, dx)
    qq = np.hypot(qy[:, None], qx[None, :])
    dq = 2 * np.pi / max(ny * dy, nx * dx)
    idx = np.rint(qq / dq).astype(np.int64).ravel()
    cnt = np.bincount(idx)
    keep = cnt > 0
    s = np.bincount(idx, power.ravel())[keep] / cnt[keep]
    q = np.bincount(idx, qq.ravel())[keep] / cnt[keep]
    return q[1:], s[1:]


def dominant_period(texture: xr.DataArray, *, component: str = "z") -> float:
    """Dominant period ``2 pi / q_peak`` of a texture from its structure factor.

    ``q_peak`` is the power-weighted mean ``|q|`` of the Fourier modes in the annulus where the radial
    structure factor (:func:`radial_structure_factor`) is largest and in its two neighbours: exact for
    stripes on a commensurate grid, the centre of the ring for a labyrinth.

    Parameters
    ----------
    texture
        A magnetisation field ``(y, x, component)``.
    component
        Component whose structure factor is used.

    Returns
    -------
    float
        The period [m].
    """
    f = np.asarray(texture.sel(component=component).values, dtype=float)
    ny, nx = f.shape
    dy = float(texture["y"][1] - texture["y"][0])
    dx = float(texture["x"][1] - texture["x"][0])
    power = np.abs(np.fft.fft2(f - f.mean())) ** 2
    qq = np.hypot(2 * np.pi * np.fft.fftfreq(ny, dy)[:, None], 2 * np.pi * np.fft.fftfreq(nx, dx)[None, :])
    dq = 2 * np.pi / max(ny * dy, nx * dx)
    idx = np.rint(qq / dq).astype(np.int64)
    cnt = np.bincount(idx.ravel())
    s = np.bincount(idx.ravel(), power.ravel()) / np.maximum(cnt, 1)
    s[0] = 0.0
    i = int(np.argmax(s))
    sel = (idx >= i - 1) & (idx <= i + 1)
    qp = float((power[sel] * qq[sel]).sum() / power[sel].sum())
    return float(2 * np.pi / qp)


def texture_from_file(path: Any, *, shape: tuple[int, int], cell: Any, time_index: int = -1) -> xr.DataArray:
    """A texture read from a magnetisation file and resampled onto a simulation grid.

    The file is an OVF 1.0/2.0 snapshot (MuMax3, OOMMF, mumax+, spinscope) or a spinscope NeXus file
    holding a magnetisation (a variable with a ``component`` dim). A movie contributes the snapshot at
    ``time_index``; a multi-layer file is averaged through its thickness. The field is resampled by
    bilinear interpolation and tiled periodically when the grid is larger than the file (micromagnetic
    textures of extended films are computed with periodic boundaries), then normalised to unit length.

    Parameters
    ----------
    path
        File [path].
    shape
        Grid ``(ny, nx)`` [cells].
    cell
        Grid cell size [m]: one value or ``(dy, dx)``.
    time_index
        Snapshot of a movie (default: the last).

    Returns
    -------
    xarray.DataArray
        Unit magnetisation ``(y, x, component)`` on the grid.

    Raises
    ------
    FileFormatError
        For a missing or unreadable file, or one without a magnetisation.
    ConfigError
        For cells without magnetisation (zero vectors), which a film texture cannot have.
    """
    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"{p}: no such texture file", path=str(p))
    if p.suffix.lower() in (".ovf", ".omf", ".ohf"):
        da = read_ovf(p)
    else:
        ds = read_nexus(p)
        found = [v for v in ds.data_vars.values() if "component" in v.dims]
        if not found:
            raise FileFormatError(f"{p}: no magnetisation (a variable with a 'component' dim)", path=str(p))
        da = found[0]
    if "time" in da.dims:
        da = da.isel(time=time_index)
    if "species" in da.dims:
        da = da.sum("species")
    if "z" in da.dims:
        da = da.mean("z")
    m = np.asarray(da.transpose("y", "x", "component").values, dtype=float)
    dy_f = float(np.diff(da["y"].values[:2])[0]) if da.sizes["y"] > 1 else 1.0
    dx_f = float(np.diff(da["x"].values[:2])[0]) if da.sizes["x"] > 1 else 1.0
    dy, dx = _cell(cell)
    ny, nx = _shape(shape)
    yy, xx = np.meshgrid(np.arange(ny) * dy / dy_f, np.arange(nx) * dx / dx_f, indexing="ij")
    out = np.stack(
        [map_coordinates(m[..., c], [yy, xx], order=1, mode="grid-wrap") for c in range(3)], axis=-1
    )
    norm = np.linalg.norm(out, axis=-1)
    if np.any(norm < 1e-9 * max(float(np.max(norm)), 1e-300)):
        raise ConfigError(f"{p}: the texture has cells without magnetisation; a film texture needs |m| > 0 "
                          "everywhere (crop the file to the magnetic region)")
    tex = texture_from_array(out / norm[..., None], (dy, dx))
    tex.attrs["source_file"] = str(p)
    return tex
