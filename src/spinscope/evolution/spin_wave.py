"""Analytic movie of a spin wave radiated by a spin-torque nanocontact.

A dc current through a nanocontact (radius ``r_c``, ~50-100 nm) on a magnetic film drives the
magnetisation under the contact into auto-oscillation; in an obliquely or in-plane magnetised film the
mode propagates away as a radial spin wave (Bonetti et al., Phys. Rev. Lett. 105, 217204 (2010);
imaged by time-resolved STXM at 6.25 GHz, reviewed in Bonetti, J. Phys.: Condens. Matter 29, 133004
(2017)). The model here is the outgoing cylindrical wave

    psi(r, t) = 2 pi f t - k (r - r_c)_+ + phi_0,            k = 2 pi / wavelength,
    theta(r)  = theta_0                                      for r <= r_c,
              = theta_0 sqrt(r_c / r) exp(-(r - r_c) / l)    for r > r_c,

(``sqrt(r_c/r)``: energy conservation of a 2-D cylindrical wave; ``l``: decay length by damping) and
the magnetisation precesses on a cone of half-angle ``theta`` about the equilibrium direction ``e0``:

    m = cos(theta) e0 + sin(theta) [cos(psi) e1 + sin(psi) e2],      e1 x e2 = e0,

i.e. counter-clockwise about ``e0`` (the Larmor sense of ``dm/dt = -gamma m x B`` with ``B || e0``).
The phase velocity is ``f * wavelength``. For an in-plane equilibrium ``e0 = x`` one has ``e2 = z``:
normal-incidence (out-of-plane) XMCD sees ``m_z = sin(theta) sin(psi)``, a dynamic contrast whose
amplitude, relative to the static contrast of ``m || z``, is ``sin(theta)``.
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from spinscope.datamodel import magnetisation_field
from spinscope.errors import ConfigError
from spinscope.units import check_positive as _pos

__all__ = ["precession_basis", "spin_wave_movie", "spin_wave_phase", "spin_wave_cone"]


def precession_basis(equilibrium) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Right-handed basis ``(e0, e1, e2)`` of a precession about ``equilibrium``.

    ``e1`` is the direction of ``z x e0`` (or ``x`` when ``e0 || z``), ``e2 = e0 x e1``. For
    ``e0 = x``: ``e1 = y``, ``e2 = z``.
    """
    e0 = np.asarray(equilibrium, dtype=float)
    if e0.shape != (3,) or not np.all(np.isfinite(e0)) or np.linalg.norm(e0) == 0:
        raise ConfigError(f"equilibrium: expected a non-zero 3-vector, got {equilibrium!r}")
    e0 = e0 / np.linalg.norm(e0)
    e1 = np.cross([0.0, 0.0, 1.0], e0)
    if np.linalg.norm(e1) < 1e-9:
        e1 = np.array([1.0, 0.0, 0.0])
    e1 = e1 / np.linalg.norm(e1)
    e2 = np.cross(e0, e1)
    return e0, e1, e2


def spin_wave_phase(r, t, *, frequency, wavelength, contact_radius, phase0=0.0):
    """Precession phase ``psi = 2 pi f t - k (r - r_c)_+ + phi_0`` [rad] (broadcast of ``r``, ``t``)."""
    k = 2.0 * math.pi / _pos(wavelength, "wavelength")
    rr = np.maximum(np.asarray(r, dtype=float) - float(contact_radius), 0.0)
    return 2.0 * math.pi * _pos(frequency, "frequency") * np.asarray(t, dtype=float) - k * rr + phase0


def spin_wave_cone(r, *, cone_angle, contact_radius, decay_length):
    """Cone half-angle theta(r) [rad]: constant under the contact, then ``sqrt(r_c/r) exp(-(r-r_c)/l)``."""
    r = np.asarray(r, dtype=float)
    rc = _pos(contact_radius, "contact_radius")
    l_dec = _pos(decay_length, "decay_length")
    out = np.where(r <= rc, 1.0, np.sqrt(rc / np.maximum(r, rc)) * np.exp(-(r - rc) / l_dec))
    return float(cone_angle) * out


def spin_wave_movie(
    *,
    size: float,
    cell: float,
    times,
    frequency: float = 6.25e9,
    wavelength: float = 150e-9,
    cone_angle: float = math.radians(1.0),
    contact_radius: float = 50e-9,
    decay_length: float = 300e-9,
    equilibrium=(1.0, 0.0, 0.0),
    phase0: float = 0.0,
) -> xr.DataArray:
    """Magnetisation movie of a radial spin wave from a nanocontact at the centre of a square field.

    Parameters
    ----------
    size
        Side of the square field of view [m].
    cell
        Cell size [m] (resolve the wavelength: at least ~8 cells per wavelength).
    times
        Frame times [s] (1-D).
    frequency
        Precession frequency f [Hz] (6.25 GHz: Bonetti et al. 2010 / STXM review).
    wavelength
        Spin-wave wavelength [m].
    cone_angle
        Cone half-angle under the contact theta_0 [rad].
    contact_radius
        Nanocontact radius r_c [m].
    decay_length
        Amplitude decay length l [m].
    equilibrium
        Equilibrium direction e0 (normalised), default in plane along x.
    phase0
        Phase at the contact edge at t = 0 [rad].

    Returns
    -------
    xarray.DataArray
        The movie contract ``(time, y, x, component)``; attributes list every parameter and the
        ``phase_velocity`` [m/s].
    """
    lam = _pos(wavelength, "wavelength")
    dx = _pos(cell, "cell")
    n = int(round(_pos(size, "size") / dx))
    if n < 2 or n > 4096:
        raise ConfigError(f"cell: {n} cells across the field of view; expected 2..4096")
    if lam < 4 * dx:
        raise ConfigError(
            f"cell: {dx:.3g} m does not resolve the wavelength {lam:.3g} m; use <= {lam / 8:.3g} m")
    t = np.atleast_1d(np.asarray(times, dtype=float))
    coords = (np.arange(n) - (n - 1) / 2.0) * dx
    r = np.hypot(coords[None, :], coords[:, None])
    e0, e1, e2 = precession_basis(equilibrium)
    theta = spin_wave_cone(r, cone_angle=cone_angle, contact_radius=contact_radius,
                           decay_length=decay_length)
    psi = spin_wave_phase(r[None], t[:, None, None], frequency=frequency, wavelength=lam,
                          contact_radius=contact_radius, phase0=phase0)
    ct, st = np.cos(theta)[None, ..., None], np.sin(theta)[None, ..., None]
    m = ct * e0 + st * (np.cos(psi)[..., None] * e1 + np.sin(psi)[..., None] * e2)
    attrs = {
        "model": "radial spin wave from a nanocontact",
        "frequency": float(frequency),
        "wavelength": lam,
        "phase_velocity": float(frequency) * lam,
        "cone_angle": float(cone_angle),
        "contact_radius": float(contact_radius),
        "decay_length": float(decay_length),
        "equilibrium": [float(v) for v in e0],
        "phase0": float(phase0),
        "reference": "Bonetti et al., Phys. Rev. Lett. 105, 217204 (2010); Bonetti, J. Phys.: "
        "Condens. Matter 29, 133004 (2017)",
    }
    return magnetisation_field(m, x=coords, y=coords, time=t, attrs=attrs)
