"""Fits of time traces: M(t) and q1(t) after the pump, and the domain-wall velocity from q1(t).

The model is the phenomenological demagnetisation curve of :func:`spinscope.curves.demag_curve`
(a step at ``t0``, demagnetisation ``tau_m`` of amplitude ``A``, recovery ``tau_r``, optional slow
recovery ``tau_slow`` of a fraction ``b``), convolved analytically with a Gaussian instrument response
of FWHM ``fwhm`` (the pump-probe cross-correlation). lmfit (through :func:`spinscope.fitting.fit_curve`)
minimises the (weighted) residuals; the uncertainties are the square roots of the diagonal of the
covariance matrix, scaled by the reduced chi-square (lmfit's default), so they reflect the scatter of
the data when the errors given are off by a constant factor.

Times are fitted in scaled units (the delay range / 100) for a well-conditioned problem and returned
in SI (s).

Domain-wall velocity (:func:`wall_velocity`): the first-order ring sits at ``q1 = 2 pi / p`` with ``p``
the domain period. Fan et al., Optica 9, 399 (2022) observed the ring moving to smaller q after the
pump, i.e. domain expansion. Geometric assumption made here: within each period one domain (of the
favoured orientation) widens while the other keeps its width, so the period grows as fast as the
widening domain, ``dp/dt = dw/dt``, and the widening domain's two walls move apart, each with speed
``v = (1/2) dp/dt`` (``geometry_factor = 0.5``). ``dp/dt`` is the slope of a weighted straight-line fit
of ``p(t) = 2 pi / q1(t)`` over a chosen delay window.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from spinscope.analysis.rings import fit_ring, fit_rings, magnetisation_trace, transverse_period
from spinscope.curves import demag_curve
from spinscope.errors import ConfigError, DataRangeError
from spinscope.fitting import Param, fit_curve
from spinscope.serialise import to_jsonable
from spinscope.units import check_positive

__all__ = [
    "analyze_profiles",
    "fit_demagnetisation",
    "fit_q1_trace",
    "wall_velocity",
]


def _arrays(delay, values, errors) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    t = np.asarray(delay, dtype=float).ravel()
    y = np.asarray(values, dtype=float).ravel()
    if t.shape != y.shape:
        raise ConfigError(
            f"delay: {t.size} delays but {y.size} values; expected one value per delay", field="delay"
        )
    e = None
    if errors is not None:
        e = np.asarray(errors, dtype=float).ravel()
        if e.shape != t.shape:
            raise ConfigError(f"errors: {e.size} errors for {t.size} delays", field="errors")
    ok = np.isfinite(t) & np.isfinite(y)
    if e is not None:
        ok &= np.isfinite(e) & (e > 0)
    order = np.argsort(t[ok], kind="stable")
    return t[ok][order], y[ok][order], (None if e is None else e[ok][order])


def _positive_time(value: Any, name: str) -> float:
    return check_positive(value, name, "a duration >= 0 [s]", allow_zero=True)


def fit_demagnetisation(
    delay,
    m,
    m_err=None,
    *,
    t0: float | None = None,
    fix_t0: bool = False,
    irf_fwhm: float | None = None,
    fit_irf: bool = False,
    recovery: bool = True,
    slow_recovery: bool | str = False,
    fit_m0: bool = True,
    amplitude_range: tuple[float, float] = (0.0, 1.5),
) -> dict[str, Any]:
    """Fit a magnetisation trace with the IRF-convolved demagnetisation curve.

    Parameters
    ----------
    delay
        Pump-probe delays [s].
    m
        Normalised magnetisation ``M(t) / M(t < t0)`` (or any trace with a pre-pump level ``m0``)
        [dimensionless].
    m_err
        One-sigma errors of ``m``; unweighted fit when absent.
    t0
        Starting value of time zero [s] (fixed with ``fix_t0``); default: where the trace first
        drops half way to its minimum.
    fix_t0
        Keep ``t0`` fixed.
    irf_fwhm
        FWHM of the Gaussian instrument response [s]; ``None``: fitted (as with ``fit_irf``) from a
        start of 1/10 of the fall time.
    fit_irf
        Fit the IRF FWHM starting from ``irf_fwhm`` instead of keeping it fixed.
    recovery
        Include the recovery ``tau_r``; without it the quench is a plateau.
    slow_recovery
        Add a slow recovery ``tau_slow`` of a fraction ``slow_fraction`` of the quench; ``"auto"`` fits
        with and without it and keeps the model with the lower Bayesian information criterion (the
        recovery after an ultrafast quench is rarely one exponential: electron-phonon equilibration,
        then heat flow out of the film).
    fit_m0
        Fit the pre-pump level ``m0`` (else fixed to 1).
    amplitude_range
        Bounds of the quench amplitude ``A`` [fraction of ``m0``]; negative values allow a rise.

    Returns
    -------
    dict
        ``t0``, ``tau_m``, ``amplitude``, ``tau_r``, ``fwhm``, ``m0`` (and ``slow_fraction``,
        ``tau_slow`` with ``slow_recovery``), each with ``<name>_err``, in SI (s for times); a
        parameter not in the model is ``None`` and a fixed one has error ``0.0``. Also ``redchi``,
        ``npoints``, ``success``, ``fixed`` (names of fixed parameters), ``aic`` and ``bic``
        (information criteria of the fit) and ``recovery_model`` (``"single"`` or ``"two"``).

    Raises
    ------
    DataRangeError
        Fewer points than twice the free parameters, no delays before the step, or a failed fit.

    Notes
    -----
    Size: eleven parameters. The eight keyword-only options are independent choices of the model
    (which parameters vary, which recovery terms exist, the amplitude bounds), each given by keyword
    by the workflows, the tests and :func:`fit_q1_trace` (which forwards them); bundling them into an
    object would only move the same list into every call. The length is this docstring: the code
    is about thirty lines, the rest lives in helpers over a private options record.
    """
    opts = _DemagOptions(t0, fix_t0, irf_fwhm, fit_irf, recovery, slow_recovery, fit_m0, amplitude_range)
    if slow_recovery == "auto":
        return _fit_demag_auto(delay, m, m_err, opts)
    if slow_recovery not in (True, False):
        raise ConfigError(f"slow_recovery: expected True, False or 'auto', got {slow_recovery!r}",
                          field="slow_recovery")

    t, y, e = _arrays(delay, m, m_err)
    if t.size < 6:
        raise DataRangeError(f"delay: {t.size} usable points; need at least 6 for a fit", field="delay")
    ts = float(np.ptp(t)) / 100.0
    if not ts > 0:
        raise DataRangeError("delay: all delays are equal; nothing to fit", field="delay")
    x = t / ts
    params = _demag_start(x, y, ts, opts)
    nfree = sum(1 for p in params.values() if p.vary)
    if t.size < 2 * nfree:
        raise DataRangeError(
            f"delay: {t.size} points for {nfree} free parameters; need at least {2 * nfree}", field="delay"
        )
    try:
        res = fit_curve(_demag_model, x, y, params, sigma=e, method="leastsq")
    except (ValueError, ArithmeticError) as exc:
        raise DataRangeError(f"m: demagnetisation fit failed ({exc})", field="m") from None
    if not res.success:
        raise DataRangeError(f"m: demagnetisation fit did not converge ({res.message})", field="m")
    out = _demag_values(res, params, ts, opts)
    out["npoints"] = int(t.size)
    out["success"] = bool(res.success)
    out["fixed"] = [name for name in _DEMAG_NAMES if name in params and not params[name].vary]
    return out


@dataclass(frozen=True)
class _DemagOptions:
    """The model options of :func:`fit_demagnetisation` (same names and meanings)."""

    t0: float | None
    fix_t0: bool
    irf_fwhm: float | None
    fit_irf: bool
    recovery: bool
    slow_recovery: bool | str
    fit_m0: bool
    amplitude_range: tuple[float, float]

    def keywords(self, slow_recovery: bool) -> dict[str, Any]:
        return dict(t0=self.t0, fix_t0=self.fix_t0, irf_fwhm=self.irf_fwhm, fit_irf=self.fit_irf,
                    recovery=self.recovery, slow_recovery=slow_recovery, fit_m0=self.fit_m0,
                    amplitude_range=self.amplitude_range)


#: Parameters of the demagnetisation curve in the order of the result dict.
_DEMAG_NAMES = ("t0", "tau_m", "amplitude", "tau_r", "fwhm", "m0", "slow_fraction", "tau_slow")
#: Those that are times (fitted in units of the delay range / 100).
_DEMAG_TIMES = ("t0", "tau_m", "tau_r", "tau_slow", "fwhm")


def _fit_demag_auto(delay, m, m_err, opts: _DemagOptions) -> dict[str, Any]:
    """``slow_recovery="auto"``: one or two recovery times, whichever has the lower BIC."""
    single = fit_demagnetisation(delay, m, m_err, **opts.keywords(False))
    if not opts.recovery:
        return single
    try:
        two = fit_demagnetisation(delay, m, m_err, **opts.keywords(True))
    except DataRangeError:
        return single
    return two if two["success"] and two["bic"] < single["bic"] else single


def _demag_start(x: np.ndarray, y: np.ndarray, ts: float, opts: _DemagOptions) -> dict[str, Param]:
    """Starting values and bounds of the curve's parameters on the scaled delays ``x = t / ts``."""
    amplitude_range = opts.amplitude_range
    m_pre = float(np.median(y[: max(2, x.size // 10)]))
    k_min = int(np.argmin(y)) if amplitude_range[0] >= 0 else int(np.argmax(np.abs(y - m_pre)))
    depth = m_pre - float(y[k_min])
    if opts.t0 is None:
        half = np.flatnonzero(np.abs(y[: k_min + 1] - m_pre) >= 0.5 * abs(depth))
        x0 = float(x[half[0]]) if half.size else float(x[k_min])
    else:
        x0 = float(opts.t0) / ts
    before = x < x0
    if not before.any() and not opts.fix_t0:
        raise DataRangeError(
            "delay: no delay before the drop; cannot determine M before t0", field="delay"
        )
    fall = max(float(x[k_min] - x0), float(np.median(np.diff(x))))
    params: dict[str, Param] = {}
    params["t0"] = Param(x0, float(x.min()) - 10 * fall, float(x.max()), vary=not opts.fix_t0)
    amp0 = float(np.clip(depth / (m_pre or 1.0), *amplitude_range)) if depth else 0.1
    params["amplitude"] = Param(amp0, amplitude_range[0], amplitude_range[1])
    params["tau_m"] = Param(max(fall / 2.0, 1e-3), 1e-6)
    if opts.recovery:
        params["tau_r"] = Param(max(10.0 * fall, (float(x.max()) - x0) / 3.0), 1e-6)
    if opts.slow_recovery:
        params["tau_slow"] = Param(10.0 * (float(x.max()) - x0), 1e-6)
        params["slow_fraction"] = Param(0.3, 0.0, 1.0)
    if opts.irf_fwhm is None:
        params["fwhm"] = Param(fall / 10.0, 0.0)
    else:
        params["fwhm"] = Param(_positive_time(opts.irf_fwhm, "irf_fwhm") / ts, 0.0, vary=opts.fit_irf)
    params["m0"] = Param(m_pre if opts.fit_m0 else 1.0, vary=opts.fit_m0)
    return params


def _demag_model(xv, **v) -> np.ndarray:
    """:func:`spinscope.curves.demag_curve` of the fit parameters (absent terms switched off)."""
    return demag_curve(
        xv,
        t0=v["t0"],
        amplitude=v["amplitude"],
        tau_m=v["tau_m"],
        tau_r=v.get("tau_r", math.inf),
        fwhm=v["fwhm"],
        slow_fraction=v.get("slow_fraction", 0.0),
        tau_slow=v.get("tau_slow", math.inf),
        m0=v["m0"],
    )


def _demag_values(res, params: dict[str, Param], ts: float, opts: _DemagOptions) -> dict[str, Any]:
    """Fitted values and errors in SI (``None`` for terms not in the model, 0 for fixed ones)."""
    out: dict[str, Any] = {}
    for name in _DEMAG_NAMES:
        if name not in res.values:
            if name in ("slow_fraction", "tau_slow") and not opts.slow_recovery:
                continue
            out[name], out[f"{name}_err"] = None, None
            continue
        f = ts if name in _DEMAG_TIMES else 1.0
        out[name] = res.values[name] * f
        if not params[name].vary:
            out[f"{name}_err"] = 0.0
        else:
            err = res.errors[name]
            out[f"{name}_err"] = (float("nan") if err is None else err) * f
    if opts.t0 is not None and opts.fix_t0:
        out["t0"] = float(opts.t0)
    out["redchi"] = float(res.redchi)
    out["aic"] = float(res.aic)
    out["bic"] = float(res.bic)
    out["recovery_model"] = "two" if opts.slow_recovery else "single"
    return out


def fit_q1_trace(
    delay,
    q1,
    q1_err=None,
    *,
    t0: float | None = None,
    reference: float | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Fit the relative ring shift ``q1(t) / q1_ref`` with the same IRF-convolved curve.

    Parameters
    ----------
    delay
        Delays [s].
    q1
        First-order peak position [1/m].
    q1_err
        Its errors [1/m].
    t0
        Time zero [s]: the delays before it give ``q1_ref`` (their weighted mean) unless ``reference``
        is given; also the fit's start value of ``t0``.
    reference
        ``q1`` of the unpumped sample [1/m].
    **kwargs
        Passed to :func:`fit_demagnetisation` (``irf_fwhm``, ``recovery``, ...).

    Returns
    -------
    dict
        As :func:`fit_demagnetisation`, where ``amplitude`` is the relative drop of ``q1``
        (positive: the ring moves to smaller q, the period grows), plus ``q1_ref`` [1/m] and
        ``q_shift_end``, the relative change ``q1 / q1_ref - 1`` at the latest delay.
    """
    t, y, e = _arrays(delay, q1, q1_err)
    if reference is None:
        if t0 is None:
            raise ConfigError("t0: give t0 or the reference q1 to normalise q1(t)", field="t0")
        pre = t < t0
        if not pre.any():
            raise DataRangeError(f"delay: no delay before t0 = {t0:.4g} s to normalise q1", field="delay")
        w = None if e is None else 1.0 / e[pre] ** 2
        reference = float(np.average(y[pre], weights=w))
    ref = check_positive(reference, "reference", "q1_ref > 0 [1/m]")
    kwargs.setdefault("amplitude_range", (-0.5, 0.5))
    out = fit_demagnetisation(t, y / ref, None if e is None else e / ref, t0=t0, **kwargs)
    out["q1_ref"] = ref
    out["q_shift_end"] = float(y[-1] / ref - 1.0)
    return out


def wall_velocity(
    delay,
    q1,
    q1_err=None,
    *,
    t_range: tuple[float, float] | Sequence[float] | None = None,
    geometry_factor: float = 0.5,
    wavelength: float | None = None,
) -> dict[str, float]:
    """Domain-period growth rate ``dp/dt`` from ``q1(t)`` and the implied wall velocity.

    Parameters
    ----------
    delay
        Delays [s].
    q1
        First-order peak position [1/m].
    q1_err
        Its errors [1/m] (weights of the line fit; unweighted without).
    t_range
        ``(t_min, t_max)`` [s] of the straight-line fit of ``p(t) = 2 pi / q1(t)``; default: all
        delays.
    geometry_factor
        ``v = geometry_factor * dp/dt``; 0.5 for one widening domain per period whose two walls move
        apart (module docstring).
    wavelength
        Photon wavelength [m]. When given, the period is the exact transverse period
        ``lambda / sin(2 theta)`` of a thin film (:func:`spinscope.analysis.rings.transverse_period`)
        instead of ``2 pi / q1``, which is short by ``cos(theta)``.

    Returns
    -------
    dict
        ``period_rate`` ``dp/dt`` [m/s] and ``period_rate_err``, ``wall_velocity`` [m/s] and
        ``wall_velocity_err``, ``period_start`` (the line at ``t_min``) [m] with its error, ``npoints``.
        Errors from the weighted least-squares covariance, scaled by the reduced chi-square when it
        exceeds one.
    """
    t, y, e = _arrays(delay, q1, q1_err)
    if t_range is not None:
        lo, hi = (float(v) for v in t_range)
        sel = (t >= lo) & (t <= hi)
        t, y, e = t[sel], y[sel], (None if e is None else e[sel])
    if t.size < 3:
        raise DataRangeError(f"t_range: {t.size} delays in the window; need at least 3", field="t_range")
    if np.any(y <= 0):
        raise DataRangeError("q1: expected positive peak positions [1/m]", field="q1")
    p, pe = _periods(y, e, wavelength)
    coef, cov = _line_fit(t, p, pe)
    rate, rate_err = float(coef[1]), float(math.sqrt(cov[1, 1]))
    g = float(geometry_factor)
    return {
        "period_rate": rate,
        "period_rate_err": rate_err,
        "wall_velocity": g * rate,
        "wall_velocity_err": abs(g) * rate_err,
        "period_start": float(coef[0]),
        "period_start_err": float(math.sqrt(cov[0, 0])),
        "npoints": int(t.size),
    }


def _periods(q1: np.ndarray, q1_err: np.ndarray | None, wavelength: float | None):
    """Domain period [m] and its error (or ``None``) from ``q1`` [1/m] (:func:`wall_velocity`)."""
    if wavelength is None:
        return 2.0 * np.pi / q1, (None if q1_err is None else 2.0 * np.pi * q1_err / q1**2)
    p = np.asarray(transverse_period(q1, wavelength), dtype=float)
    # p = lambda / sin(2 theta), theta = asin(q lambda / 4 pi):
    # dp/dq = -2 lambda cos(2 theta) / sin(2 theta)^2 * (lambda / 4 pi) / cos(theta)
    theta = np.arcsin(q1 * wavelength / (4.0 * np.pi))
    dpdq = (-2.0 * wavelength * np.cos(2 * theta) / np.sin(2 * theta) ** 2
            * wavelength / (4.0 * np.pi) / np.cos(theta))
    return p, (None if q1_err is None else np.abs(dpdq) * q1_err)


def _line_fit(t: np.ndarray, p: np.ndarray, pe: np.ndarray | None):
    """Weighted straight line ``p = c0 + c1 (t - t[0])``: coefficients and their covariance, scaled
    by the reduced chi-square without errors or when it exceeds one."""
    a = np.stack([np.ones_like(t), t - t[0]], axis=1)
    w = np.ones_like(t) if pe is None else 1.0 / pe
    coef, *_ = np.linalg.lstsq(a * w[:, None], p * w, rcond=None)
    cov = np.linalg.inv((a * w[:, None]).T @ (a * w[:, None]))
    resid = (p - a @ coef) * w
    dof = t.size - 2
    chi2 = float(resid @ resid) / dof if dof > 0 else float("nan")
    if pe is None:
        cov = cov * chi2
    elif chi2 > 1:
        cov = cov * chi2
    return coef, cov


def analyze_profiles(
    profiles,
    *,
    t0: float = 0.0,
    q_range: tuple[float, float] | None = None,
    shape: str = "lorentzian",
    background: str = "linear",
    intensity_background: float | None = None,
    irf_fwhm: float | None = None,
    recovery: bool = True,
) -> dict[str, Any]:
    """From radial profiles versus delay to the numbers of a delay scan, as one JSON-ready dict.

    Parameters
    ----------
    profiles
        Dataset with ``intensity`` (and ``sigma``) over ``(delay, q)``, as returned by
        :meth:`spinscope.analysis.azimuthal.AzimuthalIntegrator.integrate` on a ``(delay, y, x)`` stack.
    t0
        Nominal time zero [s]: delays before it are the unpumped reference of ``M(t)`` and ``q1``.
    q_range
        ``(q_min, q_max)`` [1/m] of the first-order ring (integral and fits); default: all bins.
    shape, background
        Line shape and background of the ring fits (:func:`spinscope.analysis.rings.fit_ring`).
    intensity_background
        Constant non-magnetic intensity subtracted before ``integral I dq`` [intensity].
    irf_fwhm
        Instrument response FWHM [s] (fixed); ``None``: fitted.
    recovery
        Include the recovery time ``tau_r`` in the fits.

    Returns
    -------
    dict
        ``fit`` (:func:`fit_demagnetisation` of ``M(t)``), ``fit_q1`` (:func:`fit_q1_trace`, or
        ``None`` when it fails), ``period`` and ``correlation_length`` [m] with ``*_err`` from the ring
        of the mean reference profile, ``delay`` [s], ``m``, ``m_err``, ``q1``, ``q1_err`` [1/m] (lists),
        ``q_shift`` (relative change of ``q1`` at the latest delay) and ``wall`` (:func:`wall_velocity`
        over the delays after ``t0 + 3 tau_m``, or ``None``). Non-finite numbers become ``None``.
    """
    delays = np.asarray(profiles["delay"].values, dtype=float)
    trace = magnetisation_trace(profiles, t0=t0, q_range=q_range, background=intensity_background)
    fit = fit_demagnetisation(
        delays, trace["m"].values, trace["m_err"].values, t0=t0, irf_fwhm=irf_fwhm, recovery=recovery
    )
    rings = fit_rings(profiles, shape=shape, background=background, q_range=q_range)
    ring = _reference_ring(profiles, delays < t0, shape=shape, background=background, q_range=q_range)
    q1, q1_err = rings["q1"].values, rings["q1_err"].values
    ok = np.isfinite(q1) & np.isfinite(q1_err) & (q1_err > 0)
    fit_q1: dict[str, Any] | None
    try:
        fit_q1 = fit_q1_trace(
            delays[ok], q1[ok], q1_err[ok], t0=t0, irf_fwhm=irf_fwhm, recovery=recovery
        )
    except (DataRangeError, ConfigError):
        fit_q1 = None
    wall = _late_wall_velocity(delays, q1, q1_err, ok & (delays > fit["t0"] + 3.0 * fit["tau_m"]))
    q_shift = _q1_shift(delays, q1, q1_err, ok, t0)

    def clean(d: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if d is None else {k: to_jsonable(v) for k, v in d.items()}

    return {
        "fit": clean(fit),
        "fit_q1": clean(fit_q1),
        "period": to_jsonable(ring["period"]),
        "period_err": to_jsonable(ring["period_err"]),
        "correlation_length": to_jsonable(ring["correlation_length"]),
        "correlation_length_err": to_jsonable(ring["correlation_length_err"]),
        "q_shift": to_jsonable(q_shift),
        "wall": clean(wall),
        "delay": to_jsonable(delays.tolist()),
        "m": to_jsonable(trace["m"].values.tolist()),
        "m_err": to_jsonable(trace["m_err"].values.tolist()),
        "q1": to_jsonable(q1.tolist()),
        "q1_err": to_jsonable(q1_err.tolist()),
    }


def _reference_ring(profiles, before: np.ndarray, **fit_options) -> dict[str, float]:
    """:func:`fit_ring` of the mean profile over the delays ``before`` (errors added in quadrature)."""
    ref = profiles.isel(delay=np.flatnonzero(before))
    mean_ref = ref.mean("delay")
    if "sigma" in ref:
        mean_ref["sigma"] = np.sqrt((ref["sigma"] ** 2).sum("delay")) / ref.sizes["delay"]
    return fit_ring(mean_ref, **fit_options)


def _late_wall_velocity(delays, q1, q1_err, late: np.ndarray) -> dict[str, float] | None:
    """:func:`wall_velocity` over the ``late`` delays; ``None`` with fewer than 3 or when it fails."""
    if late.sum() < 3:
        return None
    try:
        return wall_velocity(delays[late], q1[late], q1_err[late])
    except DataRangeError:
        return None


def _q1_shift(delays, q1, q1_err, ok: np.ndarray, t0: float) -> float:
    """Relative change of ``q1`` at the latest usable delay against the weighted mean before ``t0``."""
    pre = ok & (delays < t0)
    q_ref = float(np.average(q1[pre], weights=1 / q1_err[pre] ** 2)) if pre.any() else float("nan")
    last = np.flatnonzero(ok)
    return float(q1[last[-1]] / q_ref - 1.0) if last.size and math.isfinite(q_ref) else float("nan")
