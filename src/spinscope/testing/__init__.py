"""Closed forms that users may reuse in their own tests (analytic limits and reference values).

Every function here is an analytic result that spinscope's models must reproduce, and that a user can
call to check their own data or code. Several live next to the model they pin and are re-exported
here; the others are defined here.

Defined here
    :func:`beer_lambert_transmission`, :func:`stripe_peak_q`, :func:`slit_far_field`,
    :func:`larmor_frequency`, :func:`gilbert_decay_time`, :func:`airy_first_zero`.

Re-exported
    :func:`spinscope.curves.gaussian_step` (a step convolved with a Gaussian is an erf),
    :func:`spinscope.curves.convolved_exp_step`, :func:`spinscope.curves.demag_curve`,
    :func:`spinscope.conventions.transmission_asymmetry`,
    :func:`spinscope.sources.storage_ring.sampling_attenuation` (``exp(-(2 pi f sigma)^2 / 2)``),
    :func:`spinscope.optics.zone_plate.annular_airy`,
    :func:`spinscope.micromagnetics.standard_problems.kittel_frequency`,
    :func:`spinscope.evolution.vortex.gyrotropic_frequency` (thin-disk estimate).
"""

from __future__ import annotations

import importlib
import math

import numpy as np

from spinscope.constants import GAMMA_LLG

__all__ = [
    "airy_first_zero",
    "annular_airy",
    "beer_lambert_transmission",
    "convolved_exp_step",
    "demag_curve",
    "gaussian_step",
    "gilbert_decay_time",
    "gyrotropic_frequency",
    "kittel_frequency",
    "larmor_frequency",
    "sampling_attenuation",
    "slit_far_field",
    "stripe_peak_q",
    "transmission_asymmetry",
]

_REEXPORTS = {
    "gaussian_step": "spinscope.curves",
    "convolved_exp_step": "spinscope.curves",
    "demag_curve": "spinscope.curves",
    "transmission_asymmetry": "spinscope.conventions",
    "sampling_attenuation": "spinscope.sources.storage_ring",
    "annular_airy": "spinscope.optics.zone_plate",
    "kittel_frequency": "spinscope.micromagnetics.standard_problems",
    "gyrotropic_frequency": "spinscope.evolution.vortex",
}

#: Gyromagnetic ratio of the LLG equation [rad/(s T)] (mumax3/OOMMF convention, 1.7595e11; the
#: CODATA free-electron value is :data:`spinscope.constants.GAMMA_E`).
GAMMA = GAMMA_LLG


def __getattr__(name: str):
    if name in _REEXPORTS:
        return getattr(importlib.import_module(_REEXPORTS[name]), name)
    raise AttributeError(f"module 'spinscope.testing' has no attribute {name!r}")


def beer_lambert_transmission(thickness, absorption_length):
    """Transmission ``exp(-d / l_abs)`` of a homogeneous absorber.

    Parameters
    ----------
    thickness
        Thickness ``d`` [m].
    absorption_length
        Intensity absorption length ``lambda / (4 pi beta)`` [m].

    Returns
    -------
    float or numpy.ndarray
        Transmitted fraction [dimensionless].
    """
    return np.exp(-np.asarray(thickness, dtype=float) / np.asarray(absorption_length, dtype=float))


def stripe_peak_q(period):
    """Transverse momentum transfer of the first diffraction order of stripes of period ``p``.

    Parameters
    ----------
    period
        Stripe period [m].

    Returns
    -------
    float or numpy.ndarray
        ``k_perp = 2 pi / p`` [1/m] (exact for a thin film: the grating condition ``sin 2 theta = lambda/p``).
    """
    return 2.0 * np.pi / np.asarray(period, dtype=float)


def slit_far_field(k_perp, width):
    """Fraunhofer intensity of a slit, normalised to 1 in the forward direction.

    Parameters
    ----------
    k_perp
        Transverse wave vector across the slit [1/m].
    width
        Slit width ``a`` [m].

    Returns
    -------
    float or numpy.ndarray
        ``sinc^2(k a / 2)`` with ``sinc(x) = sin x / x`` [dimensionless].
    """
    x = np.asarray(k_perp, dtype=float) * float(width) / 2.0
    return np.sinc(x / np.pi) ** 2


def larmor_frequency(field, gamma: float = GAMMA):
    """Precession frequency of a moment in a flux density ``B``.

    Parameters
    ----------
    field
        Flux density ``mu0 H`` [T].
    gamma
        Gyromagnetic ratio [rad/(s T)].

    Returns
    -------
    float or numpy.ndarray
        ``f = gamma B / (2 pi)`` [Hz].
    """
    return gamma * np.asarray(field, dtype=float) / (2.0 * np.pi)


def gilbert_decay_time(field, alpha: float, gamma: float = GAMMA):
    """Relaxation time of small-angle precession of a macrospin under Gilbert damping.

    Parameters
    ----------
    field
        Flux density ``mu0 H`` along the precession axis [T].
    alpha
        Gilbert damping [dimensionless].
    gamma
        Gyromagnetic ratio [rad/(s T)].

    Returns
    -------
    float or numpy.ndarray
        ``tau = (1 + alpha^2) / (alpha gamma B)`` [s]: the transverse component decays as
        ``exp(-t / tau)``.
    """
    return (1.0 + alpha**2) / (alpha * gamma * np.asarray(field, dtype=float))


def airy_first_zero(wavelength: float, numerical_aperture: float) -> float:
    """Radius of the first dark ring of an unobstructed circular pupil in focus.

    Parameters
    ----------
    wavelength
        Wavelength [m].
    numerical_aperture
        Numerical aperture ``NA`` [dimensionless].

    Returns
    -------
    float
        ``0.6098 lambda / NA`` [m] (``1.22 lambda f / D``; ``1.22 dr`` for a zone plate).
    """
    # first zero of J1: 3.8317059702075125 (Abramowitz & Stegun, Table 9.5)
    return 3.8317059702075125 / (2.0 * math.pi) * wavelength / numerical_aperture
