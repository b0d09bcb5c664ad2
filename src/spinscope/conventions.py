"""Conventions of spinscope, written once (see ``docs/conventions.md``; each is pinned by a test).

Geometry
    The beam travels along +z; x is horizontal, y vertical, (x, y, z) right-handed. Arrays of images
    are indexed ``[..., y, x]``. Magnetisation vectors have a ``component`` dimension with the labels
    ``("x", "y", "z")``.

Waves
    Fields vary as ``exp(i (k z - omega t))``; the refractive index is ``n = 1 - delta + i beta`` with
    ``beta >= 0`` for an absorber, so the intensity decays as ``exp(-4 pi beta z / lambda)``.

Helicity
    ``helicity = +1`` is circular polarisation with the photon spin (angular momentum) along the
    propagation direction +z; ``-1`` is the opposite. ``0`` denotes linear polarisation.

Magnetic optical constants
    For helicity ``sigma`` and a unit magnetisation ``m``, the index is
    ``n_sigma = 1 - (delta + sigma (k.m) delta_m) + i (beta + sigma (k.m) beta_m)``, with ``k`` the unit
    beam direction. With this sign, ``beta_m > 0`` at the L3 edges of Fe, Co and Ni: absorption is
    larger when the photon spin is parallel to the magnetisation (Stöhr & Siegmann, *Magnetism*,
    Springer 2006, ch. 10), and the dichroic ratio of the absorption ``beta_m / beta`` is positive at L3
    and negative at L2.

XMCD asymmetry
    Of any pair of helicity signals, ``A = (S_plus - S_minus) / (S_plus + S_minus)``. Applied to the
    absorption (``mu`` or ``beta``) it equals ``beta_m / beta``; applied to *transmitted* intensities it
    is ``-tanh(4 pi beta_m (k.m) d / lambda)``: opposite in sign to the absorption asymmetry.

Units
    SI float64 inside (m, s, K, J/m^2, A/m for M and H, T for B), photon energy in eV. Units are
    parsed only at the edges (:mod:`spinscope.units`).

Dimension names
    A fixed vocabulary, :data:`DIMS`. Every coordinate carries a ``units`` attribute.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "BEAM_DIRECTION",
    "COMPONENTS",
    "DIMS",
    "DIM_UNITS",
    "HELICITIES",
    "absorption_index",
    "asymmetry",
    "transmission_asymmetry",
]

#: Unit vector of the beam direction in (x, y, z).
BEAM_DIRECTION = np.array([0.0, 0.0, 1.0])

#: Labels of the ``component`` dimension.
COMPONENTS = ("x", "y", "z")

#: Helicity labels: +1 photon spin along +z, -1 against, 0 linear.
HELICITIES = (1, -1)

#: The fixed dimension vocabulary.
DIMS = (
    "time",
    "delay",
    "energy",
    "helicity",
    "species",
    "z",
    "y",
    "x",
    "component",
    "q",
    "field",
    "line",
)

#: Units of coordinates along each dimension (``""`` for labels).
DIM_UNITS = {
    "time": "s",
    "delay": "s",
    "energy": "eV",
    "helicity": "",
    "species": "",
    "z": "m",
    "y": "m",
    "x": "m",
    "component": "",
    "q": "1/m",
    "field": "",  # a magnetic-field stage axis of a measured stack: values in the units the file gives
    "line": "m",  # distance along a line scan
}


def asymmetry(plus, minus):
    """XMCD asymmetry ``(plus - minus) / (plus + minus)`` of two helicity signals.

    Parameters
    ----------
    plus
        Signal for helicity +1 (counts, absorption, ... in any unit).
    minus
        Signal for helicity -1 (same unit as ``plus``).

    Returns
    -------
    numpy.ndarray or float
        The dimensionless asymmetry; NaN where ``plus + minus == 0``.
    """
    p = np.asarray(plus, dtype=float)
    m = np.asarray(minus, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (p - m) / (p + m)
    return out if out.ndim else float(out)


def absorption_index(beta, beta_m, *, helicity, projection=1.0):
    """Imaginary part of the index for one helicity: ``beta + helicity * projection * beta_m``.

    Parameters
    ----------
    beta
        Charge (helicity-averaged) absorption index [dimensionless].
    beta_m
        Magnetic absorption index [dimensionless].
    helicity
        +1, -1, or 0 for linear polarisation.
    projection
        ``k . m``, projection of the unit magnetisation on the beam direction [dimensionless].

    Returns
    -------
    numpy.ndarray or float
        The helicity-dependent absorption index [dimensionless].
    """
    if helicity not in (1, -1, 0):
        raise ValueError(f"helicity must be +1, -1 or 0, got {helicity!r}")
    return np.asarray(beta) + helicity * np.asarray(projection) * np.asarray(beta_m)


def transmission_asymmetry(beta, beta_m, *, thickness, wavelength, projection=1.0):
    """Asymmetry of the transmitted intensity through a uniformly magnetised film.

    Parameters
    ----------
    beta
        Charge absorption index [dimensionless].
    beta_m
        Magnetic absorption index [dimensionless].
    thickness
        Film thickness [m].
    wavelength
        Photon wavelength [m].
    projection
        ``k . m`` [dimensionless].

    Returns
    -------
    numpy.ndarray or float
        ``(T+ - T-) / (T+ + T-) = -tanh(4 pi beta_m (k.m) d / lambda)`` [dimensionless].
    """
    k4 = 4.0 * np.pi * np.asarray(thickness) / np.asarray(wavelength)
    t_plus = np.exp(-k4 * absorption_index(beta, beta_m, helicity=1, projection=projection))
    t_minus = np.exp(-k4 * absorption_index(beta, beta_m, helicity=-1, projection=projection))
    return asymmetry(t_plus, t_minus)
