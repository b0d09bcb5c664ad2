"""Closed-form model curves shared by the simulation and analysis layers.

The phenomenological demagnetisation curve
------------------------------------------
After a pump at ``t0`` the normalised magnetisation of one species is written as

.. math::

    m(t) = m_0 \\left[1 - \\Theta(t') \\sum_k A_k (1 - e^{-t'/\\tau_{m,k}})
           \\left((1 - b) e^{-t'/\\tau_r} + b\\, e^{-t'/\\tau_s}\\right)\\right],
    \\qquad t' = t - t_0,

with one (type I) or two (type II, ``amplitude_2``/``tau_m2``) demagnetisation steps of amplitudes
``A_k`` and times ``tau_m,k``, a recovery ``tau_r`` of the fraction ``1 - b`` and a slow second
recovery ``tau_s`` of the fraction ``b = slow_fraction`` (``tau_s = inf``: a long-lived plateau, the
heat-limited state). Expanding the products gives a sum of terms ``c_j Θ(t') exp(-k_j t')`` with
``k_j >= 0``, and each is convolved analytically with a normalised Gaussian instrument response of
standard deviation ``sigma = fwhm / (2 sqrt(2 ln 2))``:

.. math::

    (G_\\sigma * \\Theta e^{-k\\cdot})(t) = \\tfrac12 e^{\\sigma^2 k^2/2 - k t}
        \\operatorname{erfc}\\left(\\frac{\\sigma k - t/\\sigma}{\\sqrt 2}\\right)
      = \\tfrac12 e^{-t^2/(2\\sigma^2)}
        \\operatorname{erfcx}\\left(\\frac{\\sigma k - t/\\sigma}{\\sqrt 2}\\right),

using the first form where the erfc argument is negative and the second (scaled complementary error
function) where it is positive, so that neither overflows for any ``sigma``, ``k`` and ``t``. For
``k = 0`` this is the erf step ``(1 + erf(t / (sigma sqrt 2))) / 2``; for ``sigma = 0`` the unconvolved
curve is returned.

This module is on the ground floor: it imports only numpy, scipy and :mod:`spinscope.errors`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erfc, erfcx

from spinscope.errors import DataRangeError
from spinscope.timing import FWHM_TO_SIGMA

__all__ = [
    "FWHM_TO_SIGMA",
    "convolved_exp_step",
    "demag_curve",
    "demag_curve_terms",
    "gaussian_step",
]

#: sigma = FWHM * FWHM_TO_SIGMA for a Gaussian: 1 / (2 sqrt(2 ln 2)) (from :mod:`spinscope.timing`).


def gaussian_step(t, sigma: float):
    """Heaviside step convolved with a normalised Gaussian: ``(1 + erf(t / (sigma sqrt 2))) / 2``.

    Parameters
    ----------
    t
        Times relative to the step [s].
    sigma
        Standard deviation of the Gaussian [s]; ``0`` gives the bare step (1/2 at ``t = 0``).

    Returns
    -------
    numpy.ndarray
        Values in [0, 1] [dimensionless].
    """
    t = np.asarray(t, dtype=float)
    if sigma == 0:
        return np.where(t > 0, 1.0, np.where(t < 0, 0.0, 0.5))
    return 0.5 * erfc(-t / (sigma * math.sqrt(2.0)))


def convolved_exp_step(t, rate: float, sigma: float):
    """``Θ(t) exp(-rate t)`` convolved with a normalised Gaussian of standard deviation ``sigma``.

    Parameters
    ----------
    t
        Times relative to the step [s].
    rate
        Decay rate ``k = 1/tau`` [1/s], ``>= 0`` (``0``: a plain step).
    sigma
        Standard deviation of the Gaussian instrument response [s], ``>= 0``.

    Returns
    -------
    numpy.ndarray
        The convolved curve [dimensionless]; finite for every input (no overflow for small sigma).
    """
    t = np.asarray(t, dtype=float)
    if rate < 0 or not math.isfinite(rate):
        raise DataRangeError(f"rate: expected a finite rate >= 0, got {rate!r}", field="rate")
    if sigma == 0:
        with np.errstate(over="ignore"):
            return np.where(t > 0, np.exp(-rate * np.where(t > 0, t, 0.0)),
                            np.where(t < 0, 0.0, 0.5))
    if rate == 0:
        return gaussian_step(t, sigma)
    z = (sigma * rate - t / sigma) / math.sqrt(2.0)
    out = np.empty_like(z)
    pos = z >= 0
    # z >= 0: erfcx keeps the product bounded; exp(-t^2 / 2 sigma^2) <= 1
    out[pos] = 0.5 * np.exp(-0.5 * (t[pos] / sigma) ** 2) * erfcx(z[pos])
    # z < 0: t > sigma^2 k, so the exponent sigma^2 k^2 / 2 - k t < -sigma^2 k^2 / 2 <= 0
    neg = ~pos
    out[neg] = 0.5 * np.exp(0.5 * (sigma * rate) ** 2 - rate * t[neg]) * erfc(z[neg])
    return out


def _rate(tau: float, name: str) -> float:
    if tau is None or (isinstance(tau, float) and math.isinf(tau) and tau > 0):
        return 0.0
    tau = float(tau)
    if not (tau > 0) or math.isnan(tau):
        raise DataRangeError(f"{name}: expected a positive time [s], got {tau!r}", field=name)
    return 0.0 if math.isinf(tau) else 1.0 / tau


def demag_curve_terms(
    *,
    amplitude: float,
    tau_m: float,
    tau_r: float = math.inf,
    slow_fraction: float = 0.0,
    tau_slow: float = math.inf,
    amplitude_2: float = 0.0,
    tau_m2: float = math.inf,
) -> list[tuple[float, float]]:
    """Expand the demagnetisation curve into terms ``(c, k)`` of ``sum c Θ(t) exp(-k t)``.

    Parameters are those of :func:`demag_curve`.

    Returns
    -------
    list of (float, float)
        Coefficient [dimensionless] and rate [1/s] of each term of the quench ``f(t)``.
    """
    km = _rate(tau_m, "tau_m")
    kr = _rate(tau_r, "tau_r")
    ks = _rate(tau_slow, "tau_slow")
    if not 0.0 <= slow_fraction <= 1.0:
        raise DataRangeError(
            f"slow_fraction: expected a fraction in [0, 1], got {slow_fraction!r}",
            field="slow_fraction",
        )
    recov = [(1.0 - slow_fraction, kr), (slow_fraction, ks)]
    terms: list[tuple[float, float]] = []
    steps = [(amplitude, km)]
    if amplitude_2:
        steps.append((amplitude_2, _rate(tau_m2, "tau_m2")))
    for amp, k_dem in steps:
        if k_dem == 0:
            raise DataRangeError("tau_m: expected a finite demagnetisation time", field="tau_m")
        for frac, k_rec in recov:
            if frac == 0:
                continue
            # A (1 - e^{-k_dem t}) frac e^{-k_rec t}
            terms.append((amp * frac, k_rec))
            terms.append((-amp * frac, k_rec + k_dem))
    return terms


def demag_curve(
    t,
    *,
    t0: float = 0.0,
    amplitude: float,
    tau_m: float,
    tau_r: float = math.inf,
    fwhm: float = 0.0,
    slow_fraction: float = 0.0,
    tau_slow: float = math.inf,
    amplitude_2: float = 0.0,
    tau_m2: float = math.inf,
    m0: float = 1.0,
):
    """Phenomenological demagnetisation curve convolved with a Gaussian instrument response.

    Parameters
    ----------
    t
        Delays [s].
    t0
        Time zero of the pump (the step) [s].
    amplitude
        Quench amplitude ``A`` of the (first) demagnetisation step [fraction of ``m0``].
    tau_m
        Demagnetisation time (1/e) of the first step [s].
    tau_r
        Recovery time [s]; ``inf`` for none.
    fwhm
        FWHM of the Gaussian instrument response (pump-probe cross-correlation) [s]; 0 for none.
    slow_fraction
        Fraction ``b`` of the quench that recovers with ``tau_slow`` instead of ``tau_r`` [0..1].
    tau_slow
        Slow second recovery time [s]; ``inf`` gives a plateau.
    amplitude_2
        Amplitude of a second, slower demagnetisation step (type-II materials such as Gd) [fraction].
    tau_m2
        Demagnetisation time of the second step [s].
    m0
        Magnetisation before the pump [any unit; the result carries the same unit].

    Returns
    -------
    numpy.ndarray
        ``m(t)`` [unit of ``m0``].

    Raises
    ------
    DataRangeError
        For non-positive times or a negative FWHM.

    Size: a public physics function whose keyword-only parameters are each one physical quantity of
    the model with its unit (times [s], amplitudes [fraction], ``m0``); they are the parameters a fit
    varies by name (:func:`spinscope.analysis.fit_demagnetisation`), so they stay separate keywords.
    """
    t = np.asarray(t, dtype=float)
    if not (fwhm >= 0) or not math.isfinite(fwhm):
        raise DataRangeError(f"fwhm: expected a duration >= 0 [s], got {fwhm!r}", field="fwhm")
    sigma = fwhm * FWHM_TO_SIGMA
    terms = demag_curve_terms(
        amplitude=amplitude,
        tau_m=tau_m,
        tau_r=tau_r,
        slow_fraction=slow_fraction,
        tau_slow=tau_slow,
        amplitude_2=amplitude_2,
        tau_m2=tau_m2,
    )
    tt = t - t0
    quench = np.zeros_like(tt)
    for c, k in terms:
        quench = quench + c * convolved_exp_step(tt, k, sigma)
    return m0 * (1.0 - quench)
