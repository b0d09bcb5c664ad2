"""Fits of the magnetic scattering ring I(q): peak position, width, domain period, correlation length.

Line shapes (:func:`fit_ring`), each on top of a background, fitted with
:func:`spinscope.fitting.fit_curve` (lmfit underneath; uncertainties from the covariance matrix of the
least-squares fit, scaled by the reduced chi-square as lmfit does):

- ``"gaussian"``    ``A / (s sqrt(2 pi)) exp(-(q - q0)^2 / 2 s^2)``, FWHM ``= 2 sqrt(2 ln 2) s``;
- ``"lorentzian"``  ``(A / pi) g / ((q - q0)^2 + g^2)``, FWHM ``= 2 g``;
- ``"pseudovoigt"`` ``(1 - eta) Gaussian + eta Lorentzian`` with a common FWHM and ``0 <= eta <= 1``.

``A`` is the integrated peak area [intensity x 1/m]. Backgrounds: ``"constant"`` ``c``, ``"linear"``
``c + m (q - q_ref)`` (the default: over the limited q window around a ring, the small-angle charge
scattering under it is smooth and a straight line is the least committal), ``"power"``
``c + B (q / q_ref)^(-n)`` (a Porod-like decay when the window reaches down towards the beam stop).

Derived quantities
------------------
- Domain period ``p = 2 pi / q0`` (stripe domains of period ``p`` scatter at ``q = 2 pi / p``) in the
  small-angle limit. Given the ``wavelength``, :func:`fit_ring` uses the exact grating condition of
  transmission through a thin film instead: a period ``p`` scatters to the transverse wave vector
  ``k_perp = k sin(2 theta) = 2 pi / p``, and with ``q = 2 k sin(theta)``, ``k_perp = q cos(theta)``, so
  ``p = 2 pi / (q0 cos(theta0))`` (:func:`transverse_period`; ``cos(theta)`` differs from 1 by
  ``~ (q lambda / 4 pi)^2 / 2``, 1e-3 at 2 theta = 5 deg). The correlation length then uses the FWHM in
  ``k_perp``, ``FWHM_q cos(2 theta0) / cos(theta0)``.
- Correlation length ``xi = 2 / FWHM_q``. This is the decay length of the exponential pair
  correlation ``exp(-|r| / xi)`` whose Fourier transform is a Lorentzian of half width ``1 / xi``; it
  is applied to every line shape as a definition. (Some papers quote ``2 pi / FWHM_q`` instead, larger
  by the factor ``pi``.)
- First-order peak position ``q1``: the ``q0`` of the fit of the first-order ring (window chosen by
  ``q_range``), or, model-free, the background-free centroid (:func:`peak_centroid`).
- Integrated intensity ``S = integral I(q) dq`` over a q window (trapezoidal rule) and
  ``M(t) = sqrt(S(t) / S_ref)``, ``S_ref`` the mean of ``S`` over the delays before ``t0``
  (Lunin et al., Light Sci. Appl. 14, 394 (2025): the scattered intensity is quadratic in the
  magnetisation, so its square root follows ``|M|``).
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from spinscope.errors import ConfigError, DataRangeError
from spinscope.fitting import FitResult, Param, fit_curve
from spinscope.timing import FWHM_PER_SIGMA

__all__ = [
    "RING_SHAPES",
    "transverse_period",
    "BACKGROUNDS",
    "fit_ring",
    "fit_rings",
    "integrated_intensity",
    "magnetisation_trace",
    "peak_centroid",
]

RING_SHAPES = ("gaussian", "lorentzian", "pseudovoigt")
BACKGROUNDS = ("constant", "linear", "power")

#: Guard of the line shapes' denominators (as in lmfit's line shapes).
_TINY = 1.0e-15
_SQRT_2PI = math.sqrt(2.0 * math.pi)
#: Message of a model that is not finite somewhere in the window (the fit stops; lmfit's wording).
_NONFINITE = (
    "The model function generated NaN values and the fit aborted! Please check your model function "
    "and/or set boundaries on parameters where applicable. In cases like this, using "
    "\"nan_policy='omit'\" will probably not work."
)


def transverse_period(q, wavelength: float):
    """Period ``2 pi / k_perp`` of a structure in a thin film that scatters to momentum transfer ``q``.

    Parameters
    ----------
    q
        Momentum transfer ``4 pi sin(theta) / lambda`` [1/m].
    wavelength
        Photon wavelength [m].

    Returns
    -------
    float or numpy.ndarray
        ``lambda / sin(2 theta)`` with ``theta = asin(q lambda / 4 pi)`` [m].
    """
    s = np.asarray(q, dtype=float) * wavelength / (4.0 * math.pi)
    if np.any((s <= 0) | (s >= 1)):
        raise DataRangeError(f"q: expected 0 < q < 4 pi / lambda, got {q!r}", field="q")
    out = wavelength / np.sin(2.0 * np.arcsin(s))
    return float(out) if out.ndim == 0 else out


def _profile_arrays(profile, sigma=None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(q [1/m], I, sigma or None) from a Dataset (intensity, sigma), a DataArray or a tuple."""
    if isinstance(profile, xr.Dataset):
        if "intensity" not in profile:
            raise ConfigError("profile: expected a Dataset with an 'intensity' variable", field="profile")
        if sigma is None and "sigma" in profile:
            sigma = profile["sigma"].values
        profile = profile["intensity"]
    if isinstance(profile, xr.DataArray):
        if profile.dims != ("q",):
            raise ConfigError(f"profile: expected one dim 'q', got {profile.dims}", field="profile")
        units = profile["q"].attrs.get("units", "1/m")
        if units not in ("1/m", "m^-1", "m**-1"):
            raise ConfigError(f"profile: coordinate q must be in '1/m', got {units!r}", field="profile")
        q = np.asarray(profile["q"].values, dtype=float)
        y = np.asarray(profile.values, dtype=float)
    else:
        try:
            q, y = (np.asarray(v, dtype=float) for v in profile)
        except (TypeError, ValueError):
            raise ConfigError(
                "profile: expected an xarray profile with dim 'q' or a (q [1/m], intensity) pair",
                field="profile",
            ) from None
    s = None if sigma is None else np.asarray(sigma, dtype=float)
    if q.shape != y.shape or q.ndim != 1 or (s is not None and s.shape != q.shape):
        raise ConfigError("profile: q, intensity and sigma must be 1D arrays of one length", field="profile")
    return q, y, s


def _window(q, y, s, q_range):
    ok = np.isfinite(q) & np.isfinite(y)
    if s is not None:
        ok &= np.isfinite(s) & (s > 0)
    if q_range is not None:
        lo, hi = (float(v) for v in q_range)
        if not hi > lo:
            raise ConfigError(f"q_range: expected q_min < q_max [1/m], got {q_range!r}", field="q_range")
        ok &= (q >= lo) & (q <= hi)
    return q[ok], y[ok], (None if s is None else s[ok])


def fit_ring(
    profile,
    *,
    shape: str = "lorentzian",
    background: str = "linear",
    q_range: tuple[float, float] | None = None,
    sigma=None,
    wavelength: float | None = None,
) -> dict[str, float]:
    """Fit one scattering ring with a peak plus background.

    Parameters
    ----------
    profile
        Radial profile: the Dataset of :meth:`~spinscope.analysis.azimuthal.AzimuthalIntegrator.integrate`
        (one frame; its ``sigma`` weights the fit), a DataArray with dim ``q`` [1/m], or a pair
        ``(q [1/m], intensity)``.
    shape
        ``"gaussian"``, ``"lorentzian"`` or ``"pseudovoigt"``.
    background
        ``"constant"``, ``"linear"`` or ``"power"`` (see module docstring).
    q_range
        ``(q_min, q_max)`` window of the fit [1/m]; default: the whole profile.
    sigma
        Errors of the intensities (overrides the Dataset's ``sigma``); unweighted fit when absent.
    wavelength
        Photon wavelength [m]; given, the period and correlation length follow the exact transverse
        wave vector ``k_perp = q cos(theta)`` (module notes) instead of ``q``.

    Returns
    -------
    dict
        ``amplitude`` (peak area [intensity x 1/m]), ``height`` [intensity], ``q0`` [1/m], ``fwhm``
        [1/m], ``eta`` (pseudo-Voigt Lorentzian fraction; 1 or 0 for the pure shapes), ``period``
        ``2 pi / q0`` (``2 pi / k_perp`` with ``wavelength``) [m], ``correlation_length`` ``2 / fwhm``
        [m], each with ``<name>_err``, plus
        ``redchi`` and ``npoints``. The background parameters are returned as ``bkg_<name>``.

    Raises
    ------
    DataRangeError
        Fewer points than twice the number of parameters, or a fit that does not converge to a peak
        inside the window.
    """
    q, y, s = _fit_points(profile, sigma, q_range, shape, background)
    # scale to order-one numbers: x = q / q_scale, intensities / y_scale
    q_scale = float(np.median(np.abs(q))) or 1.0
    x = q / q_scale
    y_scale = float(np.max(np.abs(y))) or 1.0
    yy = y / y_scale
    ss = None if s is None else s / y_scale

    bkg, bpars = _background_model(background, x, yy)
    peak, params, derived = _peak_model(shape, x, yy)
    params.update(bpars)
    try:
        res = fit_curve(_sum_model(peak, bkg), x, yy, params, sigma=ss, derived=derived)
    except (ValueError, TypeError) as exc:
        raise DataRangeError(f"profile: ring fit failed ({exc})", field="profile") from None
    if not res.success:
        raise DataRangeError(f"profile: ring fit did not converge ({res.message})", field="profile")

    out = _peak_values(res, shape, q_scale, y_scale)
    out.update(_derived_lengths(out, wavelength))
    out.update(_background_values(res.values, q_scale, y_scale))
    out["redchi"] = res.redchi
    out["npoints"] = int(q.size)
    q0 = out["q0"]
    if not (q.min() < q0 < q.max()):
        raise DataRangeError(
            f"profile: fitted ring centre {q0:.4g} 1/m is outside the window {q.min():.4g} .. {q.max():.4g}",
            field="q_range",
        )
    return out


def _sum_model(peak, bkg):
    """``model(x, **values)``: peak plus background, refusing a non-finite result (the fit stops)."""

    def model(xx, **v):
        out = peak(xx, v) + bkg(xx, v)
        if not np.all(np.isfinite(out)):
            raise ValueError(_NONFINITE)
        return out

    return model


def _fit_points(profile, sigma, q_range, shape: str, background: str):
    """(q [1/m], I, sigma or None) inside the window, after checking the models and the point count."""
    if shape not in RING_SHAPES:
        raise ConfigError(f"shape: expected one of {RING_SHAPES}, got {shape!r}", field="shape")
    if background not in BACKGROUNDS:
        raise ConfigError(
            f"background: expected one of {BACKGROUNDS}, got {background!r}", field="background"
        )
    q, y, s = _window(*_profile_arrays(profile, sigma), q_range)
    npar = 3 + (1 if shape == "pseudovoigt" else 0) + {"constant": 1, "linear": 2, "power": 3}[background]
    if q.size < 2 * npar:
        raise DataRangeError(
            f"profile: {q.size} valid points in the fit window; need at least {2 * npar}", field="q_range"
        )
    return q, y, s


def _background_model(background: str, x: np.ndarray, yy: np.ndarray):
    """Background function ``f(x, values)`` (parameters ``b_*``, ``p_*``) and its start values."""
    if background == "constant":
        return _constant_background, {"b_c": Param(float(np.min(yy)))}
    if background == "linear":
        slope = (yy[-1] - yy[0]) / (x[-1] - x[0]) if x[-1] != x[0] else 0.0
        start = {"b_slope": Param(slope), "b_intercept": Param(float(yy[0] - slope * x[0]))}
        return _linear_background, start
    return _power_background, {
        "b_c": Param(float(np.min(yy)) * 0.5),
        "p_amplitude": Param(float(yy[0]) * x[0] ** 2),
        "p_exponent": Param(-2.0, max=0.0),
    }


def _constant_background(x, v):
    return v["b_c"] * np.ones(np.shape(x))


def _linear_background(x, v):
    return v["b_slope"] * x + v["b_intercept"]


def _power_background(x, v):
    return v["b_c"] * np.ones(np.shape(x)) + v["p_amplitude"] * x ** v["p_exponent"]


def _gaussian(x, amplitude, center, sigma):
    """Normalised Gaussian of area ``amplitude`` and rms width ``sigma``."""
    return (amplitude / max(_TINY, _SQRT_2PI * sigma)) * np.exp(
        -((1.0 * x - center) ** 2) / max(_TINY, 2 * sigma**2)
    )


def _lorentzian(x, amplitude, center, sigma):
    """Lorentzian of area ``amplitude`` and half width ``sigma``."""
    return (amplitude / (1 + ((1.0 * x - center) / max(_TINY, sigma)) ** 2)) / max(_TINY, math.pi * sigma)


def _gaussian_peak(x, v):
    return _gaussian(x, v["g_amplitude"], v["g_center"], v["g_sigma"])


def _lorentzian_peak(x, v):
    return _lorentzian(x, v["g_amplitude"], v["g_center"], v["g_sigma"])


def _pseudovoigt_peak(x, v):
    """``(1 - eta) G + eta L`` with the common FWHM ``2 sigma`` (``sigma_G = sigma / sqrt(2 ln 2)``)."""
    a, c, sig, eta = v["g_amplitude"], v["g_center"], v["g_sigma"], v["g_fraction"]
    return (1 - eta) * _gaussian(x, a, c, sig / math.sqrt(2 * math.log(2))) + eta * _lorentzian(x, a, c, sig)


#: Peak function, FWHM and height (expressions in the parameters ``g_*``) of each line shape.
_PEAKS = {
    "gaussian": (
        _gaussian_peak,
        f"{FWHM_PER_SIGMA!r} * g_sigma",
        "g_amplitude / max(1e-15, g_sigma * sqrt(2 * pi))",
    ),
    "lorentzian": (_lorentzian_peak, "2 * g_sigma", "g_amplitude / max(1e-15, pi * g_sigma)"),
    "pseudovoigt": (
        _pseudovoigt_peak,
        "2 * g_sigma",
        "(1 - g_fraction) * g_amplitude / max(1e-15, g_sigma * sqrt(pi / log(2)))"
        " + g_fraction * g_amplitude / max(1e-15, pi * g_sigma)",
    ),
}


def _peak_model(shape: str, x: np.ndarray, yy: np.ndarray):
    """Peak function (parameters ``g_*``), start values from the background-subtracted maximum, and
    the derived ``g_fwhm`` and ``g_height``."""
    base = np.linspace(yy[0], yy[-1], yy.size)
    k = int(np.argmax(yy - base))
    x0 = float(x[k])
    half = (yy - base) >= 0.5 * (yy - base)[k]
    width = max(float(np.ptp(x[half])) if half.sum() > 1 else 0.0, 2.0 * float(np.median(np.diff(x))))
    height = float((yy - base)[k])
    if shape == "gaussian":
        sigma, amplitude = width / FWHM_PER_SIGMA, height * width / FWHM_PER_SIGMA * math.sqrt(2 * math.pi)
    elif shape == "lorentzian":
        sigma, amplitude = width / 2, height * math.pi * width / 2
    else:
        sigma, amplitude = width / 2, height * width
    params = {
        "g_amplitude": Param(amplitude),
        "g_center": Param(x0, float(x.min()), float(x.max())),
        "g_sigma": Param(sigma, 1e-6 * width),
    }
    if shape == "pseudovoigt":
        params["g_fraction"] = Param(0.5, 0.0, 1.0)
    peak, fwhm, height_expr = _PEAKS[shape]
    return peak, params, {"g_fwhm": fwhm, "g_height": height_expr}


def _peak_values(res: FitResult, shape: str, q_scale: float, y_scale: float) -> dict[str, float]:
    """Amplitude, q0, height, FWHM and eta with errors, back in the units of the profile."""

    def val(name: str, scale: float) -> tuple[float, float]:
        err = res.errors.get(name)
        err = err if err is not None and np.isfinite(err) else np.nan
        return float(res.values[name]) * scale, float(err) * abs(scale)

    out: dict[str, float] = {}
    out["amplitude"], out["amplitude_err"] = val("g_amplitude", y_scale * q_scale)
    out["q0"], out["q0_err"] = val("g_center", q_scale)
    out["height"], out["height_err"] = val("g_height", y_scale)
    out["fwhm"], out["fwhm_err"] = val("g_fwhm", q_scale)
    if shape == "pseudovoigt":
        out["eta"], out["eta_err"] = val("g_fraction", 1.0)
    else:
        out["eta"], out["eta_err"] = (1.0 if shape == "lorentzian" else 0.0), 0.0
    return out


def _derived_lengths(peak: dict[str, float], wavelength: float | None) -> dict[str, float]:
    """Period and correlation length [m] with errors from ``q0`` and ``fwhm`` (module notes)."""
    q0, dq0 = peak["q0"], peak["q0_err"]
    # d k_perp / d q = cos(2 theta) / cos(theta) (k_perp = k sin 2 theta, q = 2 k sin theta); 1 without
    # the wavelength (small-angle limit)
    if wavelength is not None and 0 < q0 * wavelength / (4.0 * math.pi) < 1:
        th = math.asin(q0 * wavelength / (4.0 * math.pi))
        k_perp = q0 * math.cos(th)
        slope = math.cos(2.0 * th) / math.cos(th)
    else:
        k_perp, slope = q0, 1.0
    fwhm_k = peak["fwhm"] * slope
    return {
        "period": 2.0 * math.pi / k_perp,
        "period_err": 2.0 * math.pi * slope * dq0 / k_perp**2,
        "correlation_length": 2.0 / fwhm_k,
        "correlation_length_err": 2.0 * peak["fwhm_err"] * slope / fwhm_k**2,
    }


def _background_values(values: dict[str, float], q_scale: float, y_scale: float) -> dict[str, float]:
    """Fitted background parameters as ``bkg_<name>`` in the units of the profile."""
    out: dict[str, float] = {}
    for name, value in values.items():
        if name.startswith(("b_", "p_")):
            scale = y_scale
            if name == "b_slope":
                scale = y_scale / q_scale
            elif name == "p_exponent":
                scale = 1.0
            elif name == "p_amplitude":
                # y = B x^n with x = q / q_scale: keep B in intensity units at q = q_scale
                scale = y_scale
            out[f"bkg_{name[2:]}"] = float(value) * scale
    if "bkg_amplitude" in out:
        out["bkg_q_ref"] = q_scale
    return out


def fit_rings(
    profiles: xr.Dataset,
    *,
    dim: str = "delay",
    shape: str = "lorentzian",
    background: str = "linear",
    q_range: tuple[float, float] | None = None,
    wavelength: float | None = None,
) -> xr.Dataset:
    """Fit the ring of every profile along ``dim`` (e.g. ``q1(t)``, the width and period versus delay).

    Parameters
    ----------
    profiles
        Dataset with ``intensity`` (and ``sigma``) over ``(dim, q)``.
    dim
        The dimension to loop over.
    shape, background, q_range, wavelength
        As :func:`fit_ring`.

    Returns
    -------
    xarray.Dataset
        Variables ``q1``, ``fwhm``, ``amplitude``, ``period``, ``correlation_length`` and their
        ``*_err`` along ``dim`` (NaN where a fit failed), with units attributes.
    """
    if dim not in profiles.dims:
        raise ConfigError(f"profiles: no dim {dim!r} (dims {tuple(profiles.dims)})", field="profiles")
    keys = {
        "q0": ("q1", "1/m"),
        "fwhm": ("fwhm", "1/m"),
        "amplitude": ("amplitude", profiles["intensity"].attrs.get("units", "") + " 1/m"),
        "period": ("period", "m"),
        "correlation_length": ("correlation_length", "m"),
    }
    n = profiles.sizes[dim]
    vals = {f"{k}{suf}": np.full(n, np.nan) for k in keys for suf in ("", "_err")}
    for i in range(n):
        try:
            r = fit_ring(profiles.isel({dim: i}), shape=shape, background=background, q_range=q_range,
                         wavelength=wavelength)
        except DataRangeError:
            continue
        for k in vals:
            vals[k][i] = r[k]
    data = {}
    for k, (name, unit) in keys.items():
        data[name] = (dim, vals[k], {"units": unit})
        data[f"{name}_err"] = (dim, vals[f"{k}_err"], {"units": unit})
    coords = {dim: profiles[dim]} if dim in profiles.coords else {}
    return xr.Dataset(data, coords=coords, attrs={"shape": shape, "background": background})


def _trapz_weights(q: np.ndarray) -> np.ndarray:
    w = np.zeros_like(q)
    d = np.diff(q)
    w[:-1] += 0.5 * d
    w[1:] += 0.5 * d
    return w


def integrated_intensity(
    profiles,
    *,
    q_range: tuple[float, float] | None = None,
    background: float | np.ndarray | None = None,
) -> xr.Dataset:
    """``S = integral I(q) dq`` over a q window, with its propagated error.

    Parameters
    ----------
    profiles
        Dataset with ``intensity`` (and ``sigma``) over ``(..., q)`` [intensity], ``q`` in 1/m.
    q_range
        ``(q_min, q_max)`` [1/m] of the integral; default: all finite bins.
    background
        Constant or per-``q`` background subtracted before integrating [intensity] (e.g. the
        non-magnetic scattering measured far above the ordering temperature).

    Returns
    -------
    xarray.Dataset
        ``integral`` and ``integral_err`` [intensity x 1/m] over the leading dims. Bins that are NaN
        in any profile (empty bins) are left out of every profile, so the window is the same for all.
    """
    if not isinstance(profiles, xr.Dataset) or "intensity" not in profiles:
        raise ConfigError("profiles: expected a Dataset with 'intensity' over q", field="profiles")
    inten = profiles["intensity"]
    q = np.asarray(profiles["q"].values, dtype=float)
    other = [d for d in inten.dims if d != "q"]
    y = inten.transpose(*other, "q").values.reshape(-1, q.size)
    s = (
        profiles["sigma"].transpose(*other, "q").values.reshape(-1, q.size)
        if "sigma" in profiles
        else np.zeros_like(y)
    )
    if background is not None:
        y = y - np.broadcast_to(np.asarray(background, dtype=float), (q.size,))
    sel = np.all(np.isfinite(y), axis=0) & np.all(np.isfinite(s), axis=0)
    if q_range is not None:
        lo, hi = (float(v) for v in q_range)
        sel &= (q >= lo) & (q <= hi)
    if sel.sum() < 2:
        raise DataRangeError("q_range: fewer than two finite bins to integrate", field="q_range")
    w = _trapz_weights(q[sel])
    integral = y[:, sel] @ w
    err = np.sqrt((s[:, sel] ** 2) @ (w**2))
    shp = tuple(inten.sizes[d] for d in other)
    unit = inten.attrs.get("units", "") + " 1/m"
    coords = {k: v for k, v in profiles.coords.items() if k != "q" and set(v.dims) <= set(other)}
    return xr.Dataset(
        {
            "integral": (other, integral.reshape(shp), {"units": unit}),
            "integral_err": (other, err.reshape(shp), {"units": unit}),
        },
        coords=coords,
        attrs={"q_min": float(q[sel][0]), "q_max": float(q[sel][-1])},
    )


def magnetisation_trace(
    profiles: xr.Dataset,
    *,
    t0: float = 0.0,
    q_range: tuple[float, float] | None = None,
    background: float | np.ndarray | None = None,
    reference: xr.Dataset | None = None,
) -> xr.Dataset:
    """``M(t) = sqrt(S(t) / S_ref)`` from radial profiles versus delay (Lunin et al. 2025).

    Parameters
    ----------
    profiles
        Dataset with ``intensity`` (and ``sigma``) over ``(delay, q)``; ``delay`` coordinate [s].
    t0
        Time zero [s]: the delays ``< t0`` form the unpumped reference ``S_ref`` (their mean).
    q_range
        ``(q_min, q_max)`` of the integral [1/m]; default: all finite bins.
    background
        Background subtracted from every profile before integrating [intensity].
    reference
        Pump-off profiles (any leading dims, averaged) used for ``S_ref`` instead of the delays
        before ``t0``.

    Returns
    -------
    xarray.Dataset
        ``m`` and ``m_err`` [dimensionless], ``integral`` and ``integral_err`` along ``delay``, and
        ``s_ref``, ``s_ref_err`` in the attributes. ``m = sqrt(max(S / S_ref, 0))``. The error is
        ``m / 2 * sqrt((dS / S)^2 + (dS_ref / S_ref)^2)`` (the correlation of a pre-``t0`` point with
        the reference it is part of is neglected); where ``S <= 0`` it is ``sqrt(dS / S_ref)``.

    Raises
    ------
    DataRangeError
        Without delays before ``t0`` (and no ``reference``), or a non-positive reference integral.
    """
    if "delay" not in profiles.dims or "delay" not in profiles.coords:
        raise ConfigError("profiles: expected a 'delay' dim with a coordinate [s]", field="profiles")
    s = integrated_intensity(profiles, q_range=q_range, background=background)
    if q_range is None:
        q_range = (s.attrs["q_min"], s.attrs["q_max"])
    if reference is not None:
        r = integrated_intensity(reference, q_range=q_range, background=background)
        ri, re = np.atleast_1d(r["integral"].values), np.atleast_1d(r["integral_err"].values)
    else:
        before = np.asarray(profiles["delay"].values, dtype=float) < t0
        if not before.any():
            raise DataRangeError(
                f"delay: no delay before t0 = {t0:.4g} s to normalise M(t); give a pump-off reference",
                field="delay",
            )
        ri, re = s["integral"].values[before], s["integral_err"].values[before]
    s_ref = float(np.mean(ri))
    s_ref_err = float(np.sqrt(np.sum(re**2)) / ri.size)
    if not s_ref > 0:
        raise DataRangeError(
            f"reference: integrated intensity {s_ref:.4g} is not positive", field="reference"
        )
    integ = s["integral"].values
    ierr = s["integral_err"].values
    ratio = integ / s_ref
    m = np.sqrt(np.maximum(ratio, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.sqrt((ierr / np.abs(integ)) ** 2 + (s_ref_err / s_ref) ** 2)
        # at S <= 0 the linearised error diverges: quote the M of a one-sigma integral instead
        m_err = np.where(m > 0, 0.5 * m * rel, np.sqrt(ierr / s_ref))
    out = s.copy()
    out["m"] = ("delay", m, {"units": "", "long_name": "M(t) / M(t < t0)"})
    out["m_err"] = ("delay", m_err, {"units": ""})
    out.attrs.update({"s_ref": s_ref, "s_ref_err": s_ref_err, "t0": float(t0)})
    return out


def peak_centroid(
    profile,
    *,
    q_range: tuple[float, float],
    sigma=None,
) -> tuple[float, float]:
    """Model-free first-order peak position: the centroid of ``I(q) - baseline`` in a window.

    Parameters
    ----------
    profile
        One radial profile (as :func:`fit_ring`).
    q_range
        ``(q_min, q_max)`` around the first-order ring [1/m]; the straight line through the end
        points of the window is the baseline.
    sigma
        Errors of the intensities (default: the Dataset's ``sigma``).

    Returns
    -------
    (float, float)
        ``q1`` and its propagated error [1/m] (NaN error without intensity errors).
    """
    q, y, s = _window(*_profile_arrays(profile, sigma), q_range)
    if q.size < 3:
        raise DataRangeError("q_range: fewer than three points around the peak", field="q_range")
    base = y[0] + (y[-1] - y[0]) * (q - q[0]) / (q[-1] - q[0])
    z = y - base
    w = _trapz_weights(q)
    tot = float(np.sum(z * w))
    if not tot > 0:
        raise DataRangeError("profile: no peak above the baseline in q_range", field="q_range")
    q1 = float(np.sum(q * z * w) / tot)
    if s is None:
        return q1, float("nan")
    # d q1 / d y_i = w_i (q_i - q1) / tot (end points also move the baseline; neglected)
    err = float(np.sqrt(np.sum((w * (q - q1) * s) ** 2)) / tot)
    return q1, err
