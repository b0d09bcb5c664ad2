"""Scattering geometry of a flat area detector normal to the beam: pixel -> 2 theta -> q, and back.

The one implementation used by the detector simulation (:class:`spinscope.detectors.AreaDetector`),
the analysis (:class:`spinscope.analysis.azimuthal.DetectorGeometry`) and the workflows.

Geometry (beam along +z, :mod:`spinscope.conventions`)
    The detector plane is normal to the incident beam at distance ``L`` from the sample. Pixel
    ``(i, j)`` (row, column) has its centre at ``x = (j - c_x) p_x``, ``y = (i - c_y) p_y`` from the
    beam, with the beam centre ``(c_x, c_y)`` in pixels (column, row; pixel centres at integers), and
    lies at ``r = sqrt(x^2 + y^2)`` from it.

Scattering angle and momentum transfer (exact, no small-angle approximation)
    ``2 theta = atan(r / L)``, ``|q| = 4 pi sin(theta) / lambda`` with ``lambda = h c / E``; the
    inverse is ``r = L tan(2 asin(q lambda / (4 pi)))``, defined for ``2 theta < 90 deg``. The vector
    ``q = k_out - k_in = k (x / R, y / R, L / R - 1)``, ``R = sqrt(x^2 + y^2 + L^2)``,
    ``k = 2 pi / lambda``: its transverse part ``k r / R`` is smaller than ``|q|`` by ``cos(theta)``
    and ``q_z = -2 k sin^2(theta) <= 0``. For ``r << L`` all reduce to ``q ~ 2 pi r / (lambda L)``.

This module is on the ground floor: it imports only numpy and :mod:`spinscope.units`.
"""

from __future__ import annotations

import numpy as np

from spinscope.units import energy_to_wavelength

__all__ = [
    "pixel_offsets",
    "q_components",
    "q_from_two_theta",
    "q_of_radius",
    "radius_of_q",
    "two_theta",
    "two_theta_of_q",
    "wavelength",
]


def _scalar_or_array(a: np.ndarray):
    return a if a.ndim else float(a)


#: Photon wavelength ``h c / E`` [m] from the photon energy [eV] (the one implementation is in
#: :func:`spinscope.units.energy_to_wavelength`).
wavelength = energy_to_wavelength


def pixel_offsets(shape: tuple[int, int], center: tuple[float, float],
                  pixel_size: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the pixel centres in the detector plane, relative to the beam.

    Parameters
    ----------
    shape
        Detector shape ``(ny, nx)`` [pixels].
    center
        Beam centre ``(c_x, c_y)`` (column, row) [pixels, fractional; pixel centres at integers].
    pixel_size
        Pixel pitch ``(p_y, p_x)`` along rows and columns [m].

    Returns
    -------
    dy : numpy.ndarray
        Shape ``(ny, 1)`` [m].
    dx : numpy.ndarray
        Shape ``(1, nx)`` [m] (broadcastable against ``dy``).
    """
    ny, nx = int(shape[0]), int(shape[1])
    cx, cy = float(center[0]), float(center[1])
    py, px = float(pixel_size[0]), float(pixel_size[1])
    dy = ((np.arange(ny, dtype=float) - cy) * py)[:, None]
    dx = ((np.arange(nx, dtype=float) - cx) * px)[None, :]
    return dy, dx


def two_theta(radius, distance: float):
    """Exact scattering angle ``2 theta = atan(r / L)`` of a point on a flat detector.

    Parameters
    ----------
    radius
        Distance from the beam in the detector plane ``r`` [m].
    distance
        Sample-detector distance ``L`` [m].

    Returns
    -------
    float or numpy.ndarray
        ``2 theta`` [rad].
    """
    return _scalar_or_array(np.arctan2(np.asarray(radius, dtype=float), float(distance)))


def q_from_two_theta(tth, energy):
    """Momentum transfer ``|q| = 4 pi sin(theta) / lambda`` at a scattering angle ``2 theta``.

    Parameters
    ----------
    tth
        Scattering angle ``2 theta`` [rad].
    energy
        Photon energy [eV].

    Returns
    -------
    float or numpy.ndarray
        ``|q|`` [1/m].
    """
    return _scalar_or_array(4.0 * np.pi * np.sin(0.5 * np.asarray(tth, dtype=float)) / wavelength(energy))


def two_theta_of_q(q, energy):
    """Scattering angle ``2 theta = 2 asin(q lambda / (4 pi))`` of a momentum transfer.

    Parameters
    ----------
    q
        Momentum transfer [1/m], ``0 <= q <= 4 pi / lambda``.
    energy
        Photon energy [eV].

    Returns
    -------
    float or numpy.ndarray
        ``2 theta`` [rad]; ``nan`` where ``q > 4 pi / lambda``.
    """
    s = np.asarray(q, dtype=float) * wavelength(energy) / (4.0 * np.pi)
    with np.errstate(invalid="ignore"):
        return _scalar_or_array(2.0 * np.arcsin(s))


def q_of_radius(radius, distance: float, energy):
    """Momentum transfer at radius ``r`` on a flat detector: ``4 pi sin(atan(r / L) / 2) / lambda``.

    Parameters
    ----------
    radius
        Distance from the beam in the detector plane [m].
    distance
        Sample-detector distance ``L`` [m].
    energy
        Photon energy [eV].

    Returns
    -------
    float or numpy.ndarray
        ``|q|`` [1/m].
    """
    return q_from_two_theta(two_theta(radius, distance), energy)


def radius_of_q(q, distance: float, energy):
    """Radius on a flat detector where momentum transfer ``q`` lands: ``L tan(2 asin(q lambda / 4 pi))``.

    Parameters
    ----------
    q
        Momentum transfer [1/m] (negative values are taken as 0).
    distance
        Sample-detector distance ``L`` [m].
    energy
        Photon energy [eV].

    Returns
    -------
    float or numpy.ndarray
        Radius [m]; ``inf`` where ``2 theta >= 90 deg`` (no intersection with the detector plane).
    """
    s = np.asarray(q, dtype=float) * wavelength(energy) / (4.0 * np.pi)
    with np.errstate(invalid="ignore"):
        tth = 2.0 * np.arcsin(np.clip(s, 0.0, 1.0))
        r = np.where(tth < np.pi / 2, float(distance) * np.tan(np.minimum(tth, np.pi / 2 - 1e-12)), np.inf)
    return _scalar_or_array(r)


def q_components(dx, dy, distance: float, energy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Components of the momentum transfer ``q = k_out - k_in`` at points of the detector plane.

    Parameters
    ----------
    dx, dy
        Positions relative to the beam along x (columns) and y (rows) [m] (broadcastable).
    distance
        Sample-detector distance ``L`` [m].
    energy
        Photon energy [eV].

    Returns
    -------
    qx, qy, qz : numpy.ndarray
        ``k (x / R, y / R, L / R - 1)`` with ``R = sqrt(x^2 + y^2 + L^2)`` [1/m]; ``qz <= 0``.
    """
    k = 2.0 * np.pi / wavelength(energy)
    x = np.asarray(dx, dtype=float)
    y = np.asarray(dy, dtype=float)
    big_r = np.sqrt(x**2 + y**2 + float(distance) ** 2)
    return k * x / big_r, k * y / big_r, k * (float(distance) / big_r - 1.0)
