"""One curve-fitting helper for the whole package (lmfit underneath).

:func:`fit_curve` fits ``model(x, **params)`` to data by least squares with bounded, optionally fixed
parameters and returns the values, their standard errors and the fit statistics of lmfit
(M. Newville et al., LMFIT, doi:10.5281/zenodo.11813): the covariance is scaled by the reduced
chi-square, so the errors reflect the scatter of the data when the given uncertainties are off by a
common factor. Two methods are offered:

- ``"leastsq"``: Levenberg-Marquardt (MINPACK) with lmfit's bound transformation;
- ``"least_squares"``: SciPy's trust-region reflective algorithm with native bounds (what
  ``scipy.optimize.curve_fit`` uses when bounds are given).

Quantities derived from the parameters (a peak's height or FWHM) may be given as expressions; their
values and standard errors come back with the parameters' (lmfit propagates the covariance through
them).

Used by the simulation (:mod:`spinscope.ultrafast.simulate`) and by the analysis
(:mod:`spinscope.analysis.timetrace`, :mod:`spinscope.analysis.rings`), hence on the ground floor.
``import spinscope`` does not load this module (nor lmfit).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import lmfit
import numpy as np

__all__ = ["FitResult", "Param", "fit_curve"]


@dataclass(frozen=True)
class Param:
    """Starting value, bounds and whether a parameter varies.

    Attributes
    ----------
    value
        Starting value (the fixed value when ``vary`` is false) [unit of the parameter].
    min, max
        Bounds [unit of the parameter]; infinite for none.
    vary
        Whether the fit adjusts it.
    """

    value: float
    min: float = -math.inf
    max: float = math.inf
    vary: bool = True


@dataclass(frozen=True)
class FitResult:
    """Outcome of :func:`fit_curve`.

    Attributes
    ----------
    values
        Best-fit value of every parameter (fixed ones included) and of every derived quantity, by
        name.
    errors
        Standard error of every varied parameter and every derived quantity (``None`` where lmfit
        could not estimate the covariance); fixed parameters are absent.
    success
        Whether the minimiser reports convergence.
    message
        The minimiser's message.
    rms
        Root mean square of the unweighted residual ``model - y`` [unit of y].
    redchi, aic, bic
        Reduced chi-square, Akaike and Bayesian information criteria (lmfit's definitions).
    nfev
        Number of model evaluations.
    result
        The :class:`lmfit.minimizer.MinimizerResult` itself.
    """

    values: dict[str, float]
    errors: dict[str, float | None]
    success: bool
    message: str
    rms: float
    redchi: float
    aic: float
    bic: float
    nfev: int
    result: Any


def _as_param(spec: Param | float | tuple) -> Param:
    if isinstance(spec, Param):
        return spec
    if isinstance(spec, tuple):
        return Param(*spec)
    return Param(float(spec))


def _parameters(params: Mapping[str, Param | float | tuple], derived: Mapping[str, str]) -> lmfit.Parameters:
    """lmfit parameters: those of the model in order, then the derived expressions."""
    pars = lmfit.Parameters()
    for name, spec in params.items():
        p = _as_param(spec)
        pars.add(name, value=float(p.value), min=p.min, max=p.max, vary=p.vary)
    for name, expr in derived.items():
        pars.add(name, expr=expr)
    return pars


def fit_curve(
    model: Callable[..., np.ndarray],
    x,
    y,
    params: Mapping[str, Param | float | tuple],
    *,
    sigma=None,
    method: str = "leastsq",
    max_nfev: int | None = None,
    derived: Mapping[str, str] | None = None,
) -> FitResult:
    """Least-squares fit of ``model(x, **params)`` to ``y``.

    Parameters
    ----------
    model
        Callable ``model(x, **values) -> prediction`` of the shape of ``y``.
    x
        Independent variable, passed to ``model`` unchanged.
    y
        Data [any unit].
    params
        Name -> :class:`Param` (or a starting value, or a tuple ``(value, min, max[, vary])``), in the
        order ``model`` takes them as keywords.
    sigma
        Standard uncertainties of ``y`` (the residual is divided by them); ``None``: unweighted.
    method
        ``"leastsq"`` (Levenberg-Marquardt) or ``"least_squares"`` (trust-region reflective).
    max_nfev
        Largest number of model evaluations, those of the finite-difference Jacobian included;
        ``None``: lmfit's default ``2000 (n_varied + 1)``.
    derived
        Name -> expression in the parameter names (Python syntax; ``sqrt``, ``exp``, ``log``, ``pi``,
        ``max`` and the other math functions available), e.g. ``{"fwhm": "2 * sigma"}``: evaluated at
        the best fit, with the standard error propagated from the covariance of the parameters. Not
        passed to ``model``.

    Returns
    -------
    FitResult

    Raises
    ------
    ValueError
        From the model or the minimiser (non-finite residuals, bad bounds).
    """
    y = np.asarray(y, dtype=float)
    s = None if sigma is None else np.asarray(sigma, dtype=float)
    derived = dict(derived or {})
    pars = _parameters(params, derived)

    def arguments(pv) -> dict[str, float]:
        vals = pv.valuesdict()
        return {k: v for k, v in vals.items() if k not in derived} if derived else vals

    def residual(pv) -> np.ndarray:
        r = np.asarray(model(x, **arguments(pv)), dtype=float) - y
        return r if s is None else r / s

    res = lmfit.minimize(residual, pars, method=method, max_nfev=max_nfev)
    values = {k: float(v.value) for k, v in res.params.items()}
    errors = {
        k: (None if v.stderr is None else float(v.stderr))
        for k, v in res.params.items()
        if v.vary or k in derived
    }
    unweighted = np.asarray(model(x, **arguments(res.params)), dtype=float) - y
    return FitResult(
        values=values,
        errors=errors,
        success=bool(res.success),
        message=str(res.message),
        rms=float(np.sqrt(np.mean(unweighted**2))),
        redchi=float(res.redchi),
        aic=float(res.aic),
        bic=float(res.bic),
        nfev=int(res.nfev),
        result=res,
    )
