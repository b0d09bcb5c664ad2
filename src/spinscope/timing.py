"""Gaussian timing: rms width <-> FWHM, and the attenuation of a periodic signal sampled by Gaussian pulses.

A Gaussian of standard deviation ``sigma`` has full width at half maximum
``FWHM = 2 sqrt(2 ln 2) sigma = 2.3548 sigma``. A sinusoid of frequency ``f`` averaged over a
normalised Gaussian pulse (an X-ray bunch of rms duration ``sigma``) keeps the amplitude of the
pulse's Fourier transform,

.. math::

    A(f) = \\exp\\left(-\\tfrac12 (2 \\pi f \\sigma)^2\\right),

and independent Gaussian timing jitter ``sigma_j`` adds in quadrature, ``sigma^2 -> sigma^2 +
sigma_j^2`` (:func:`sampling_attenuation`; 0.706 for 6.25 GHz and 50 ps FWHM). The harmonic ``q`` of a
period ``T`` has ``f = q / T``.

This module is on the ground floor: it imports only numpy.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "FWHM_PER_SIGMA",
    "FWHM_TO_SIGMA",
    "fwhm_to_sigma",
    "harmonic_attenuation",
    "sampling_attenuation",
    "sigma_to_fwhm",
]

#: FWHM / rms of a Gaussian, ``2 sqrt(2 ln 2) = 2.3548`` [dimensionless].
FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))
#: rms / FWHM of a Gaussian, ``1 / (2 sqrt(2 ln 2)) = 0.42466`` [dimensionless].
FWHM_TO_SIGMA = 1.0 / FWHM_PER_SIGMA


def sigma_to_fwhm(sigma):
    """Full width at half maximum of a Gaussian of rms width ``sigma``.

    Parameters
    ----------
    sigma
        Standard deviation [any unit].

    Returns
    -------
    float or numpy.ndarray
        ``2 sqrt(2 ln 2) sigma`` [same unit].
    """
    return FWHM_PER_SIGMA * np.asarray(sigma) if np.ndim(sigma) else FWHM_PER_SIGMA * float(sigma)


def fwhm_to_sigma(fwhm):
    """rms width of a Gaussian of full width at half maximum ``fwhm``.

    Parameters
    ----------
    fwhm
        Full width at half maximum [any unit].

    Returns
    -------
    float or numpy.ndarray
        ``fwhm / (2 sqrt(2 ln 2))`` [same unit].
    """
    return np.asarray(fwhm) / FWHM_PER_SIGMA if np.ndim(fwhm) else float(fwhm) / FWHM_PER_SIGMA


def sampling_attenuation(frequency, bunch_rms, jitter_rms=0.0):
    """Amplitude factor of a sinusoid sampled with Gaussian pulses and Gaussian timing jitter.

    Parameters
    ----------
    frequency
        Signal frequency ``f`` [Hz] (or any inverse unit of the widths).
    bunch_rms
        rms duration of the pulse ``sigma`` [s].
    jitter_rms
        rms timing jitter between excitation and pulses ``sigma_j`` [s]; adds in quadrature.

    Returns
    -------
    float or numpy.ndarray
        ``exp(-(2 pi f)^2 (sigma^2 + sigma_j^2) / 2)`` [dimensionless]; a float when all inputs are
        scalars.
    """
    s2 = np.asarray(bunch_rms, dtype=float) ** 2 + np.asarray(jitter_rms, dtype=float) ** 2
    out = np.exp(-0.5 * (2.0 * np.pi * np.asarray(frequency, dtype=float)) ** 2 * s2)
    return float(out) if out.ndim == 0 else out


def harmonic_attenuation(harmonic, period: float, sigma: float):
    """:func:`sampling_attenuation` of the harmonics ``q`` of a period ``T``: ``f = q / T``.

    Written as ``exp(-(2 pi q sigma / T)^2 / 2)`` (the filter of the band-limited smearing kernels,
    evaluated in this order so that their results are bit-identical to before they shared it).

    Parameters
    ----------
    harmonic
        Harmonic numbers ``q`` [dimensionless] (scalar or array).
    period
        Period ``T`` [s].
    sigma
        rms of the Gaussian smearing (bunch length and jitter in quadrature) [s].

    Returns
    -------
    numpy.ndarray
        Amplitude factors [dimensionless], of the shape of ``harmonic``.
    """
    return np.exp(-0.5 * (2.0 * np.pi * np.asarray(harmonic) * sigma / period) ** 2)
