r"""Feasibility of a time-resolved STXM measurement: photons, time, resolution and time resolution.

Shot-noise budget
-----------------
A relative signal ``s`` (a pump-induced or helicity-induced change of the transmitted intensity) is
found by comparing two measurements with equal exposure: the changed one, with ``N_1`` detected
photons, and the reference, ``N_2``. Photon detection is Poisson, so

    E[N_1] = N (1 + s),  Var N_1 = N (1 + s);     E[N_2] = N,  Var N_2 = N,

and the two are independent. The difference ``D = N_1 - N_2`` has

    E[D] = N s,     Var D = Var N_1 + Var N_2 = N (2 + s),

so its signal-to-noise ratio is

    SNR = N s / sqrt(N (2 + s)) = s sqrt(N / (2 + s))  ~=  s sqrt(N / 2).

(The ratio estimator ``N_1 / N_2 - 1`` has the same SNR to first order in ``1/N``.) Reaching
``SNR = k`` needs ``N = k^2 (2 + s) / s^2`` photons in *each* of the two measurements, i.e.

    photons per pixel (both measurements) = N (2 + s) = k^2 (2 + s)^2 / s^2  ~=  4 k^2 / s^2,

per time channel; ``N_ch`` time channels each need their own budget (even/odd normalisation gives
every channel its own reference turns). The inverse, :func:`snr_for_photons`, is
``k = s sqrt(N_tot) / (2 + s)``. Example: ``s = 1e-4``, ``k = 1`` needs 4e8 detected photons.

Detected photons arrive at ``Phi T eta`` per second (flux in focus ``Phi``, sample transmission
``T``, detector efficiency ``eta``). With an APD counting at most one photon per bunch the mean
``mu`` photons per bunch are recovered by inverting the pile-up; the binomial variance of that
estimate exceeds the Poisson one by ``(exp(mu) - 1) / mu`` (from ``Var p_hat = p (1 - p) / n`` and
``d mu / d p = 1 / (1 - p)``), the *pile-up penalty* that multiplies the time.

Resolution budget (rule)
------------------------
Independent blurs are added in quadrature, each expressed as a full width: the zone plate's Rayleigh
resolution ``1.22 dr``, the FWHM ``2.355 sigma`` of the residual beam/sample position jitter, and the
pixel size (the full width of the box over which the scan integrates):

    resolution = sqrt((1.22 dr)^2 + (2.355 sigma_jitter)^2 + pixel^2).

This is exact only for Gaussians and a rule of thumb otherwise (the Airy core is close to a Gaussian
of FWHM 1.03 dr). Sampling is adequate (Nyquist) when the pixel is at most half the optical resolution.

Time-resolution budget
----------------------
Bunch profile and timing jitter are Gaussian and convolve: ``sigma_t^2 = sigma_bunch^2 +
sigma_jitter^2``, ``FWHM_t = 2.355 sigma_t``, and a harmonic at ``f`` is reduced by
``exp(-(2 pi f sigma_t)^2 / 2)``.
"""

from __future__ import annotations

import math

import numpy as np

from spinscope.errors import ConfigError
from spinscope.sources.storage_ring import StorageRing
from spinscope.timing import FWHM_PER_SIGMA, sampling_attenuation

__all__ = [
    "min_detectable_signal",
    "photons_for_snr",
    "pileup_penalty",
    "plan_stxm",
    "resolution_budget",
    "snr_for_photons",
    "time_resolution_budget",
]


def _check(value, name, *, lo=0.0, strict=True, hi=None):
    v = float(value)
    ok = math.isfinite(v) and (v > lo if strict else v >= lo) and (hi is None or v <= hi)
    if not ok:
        bound = f"> {lo}" if strict else f">= {lo}"
        if hi is not None:
            bound += f" and <= {hi}"
        raise ConfigError(f"{name}: expected a value {bound}, got {value!r}")
    return v


#: Smallest relative signal the planner takes: below it the photon count (> 4e24 k^2) exceeds any
#: measurement, and ``s**2`` heads for floating-point underflow.
MIN_SIGNAL = 1e-12


def _signal(value) -> float:
    """Magnitude of a relative signal, checked against :data:`MIN_SIGNAL` and 1."""
    s = abs(float(value))
    if not (math.isfinite(s) and MIN_SIGNAL <= s <= 1.0):
        raise ConfigError(f"signal: expected a relative signal between {MIN_SIGNAL:g} and 1 in magnitude "
                          f"(such as 1e-4), got {value!r}", field="signal")
    return s


def photons_for_snr(signal, snr):
    """Detected photons per pixel (both measurements, one time channel) for SNR ``k`` on ``s``.

    Parameters
    ----------
    signal
        Relative signal s; its magnitude is used, between 1e-12 and 1 [dimensionless].
    snr
        Wanted signal-to-noise ratio k (> 0).

    Returns
    -------
    float
        ``k^2 (2 + s)^2 / s^2`` photons (see the module docstring for the derivation).
    """
    s = _signal(signal)
    k = _check(snr, "snr")
    return k**2 * (2.0 + s) ** 2 / s**2


def snr_for_photons(signal, photons):
    """SNR reached on relative signal ``s`` with ``photons`` detected in both measurements together.

    Returns
    -------
    float
        ``s sqrt(photons) / (2 + s)`` (inverse of :func:`photons_for_snr`).
    """
    s = abs(float(signal))
    n = _check(photons, "photons")
    return s * math.sqrt(n) / (2.0 + s)


def min_detectable_signal(snr, photons):
    """Smallest relative signal seen at SNR ``k`` with ``photons`` (both measurements).

    Returns
    -------
    float
        Root of ``s sqrt(N) / (2 + s) = k``: ``s = 2 k / (sqrt(N) - k)`` (inf if ``sqrt(N) <= k``).
    """
    k = _check(snr, "snr")
    rn = math.sqrt(_check(photons, "photons"))
    return 2.0 * k / (rn - k) if rn > k else math.inf


def pileup_penalty(mean_photons_per_bunch):
    """Variance penalty of one-count-per-bunch detection, ``(exp(mu) - 1) / mu`` (1 at mu -> 0)."""
    mu = np.asarray(mean_photons_per_bunch, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(mu > 1e-12, np.expm1(mu) / np.where(mu > 0, mu, 1.0), 1.0 + mu / 2.0)
    return float(out) if out.ndim == 0 else out


def resolution_budget(*, outer_zone_width=None, optical_resolution=None, jitter_rms=0.0, pixel_size=0.0):
    """Spatial resolution from zone plate, position jitter and pixel size, in quadrature.

    Parameters
    ----------
    outer_zone_width
        dr [m]; the optical term is 1.22 dr. Give this or ``optical_resolution``.
    optical_resolution
        Optical resolution [m] if not from dr.
    jitter_rms
        rms residual position jitter [m].
    pixel_size
        Scan pixel size [m].

    Returns
    -------
    dict
        ``optical``, ``jitter`` (FWHM), ``pixel``, ``resolution`` [m] and ``nyquist`` (pixel <=
        optical / 2).
    """
    if optical_resolution is None:
        if outer_zone_width is None:
            raise ConfigError("resolution budget: give outer_zone_width or optical_resolution")
        optical = 1.22 * _check(outer_zone_width, "outer_zone_width")
    else:
        optical = _check(optical_resolution, "optical_resolution")
    jit = FWHM_PER_SIGMA * _check(jitter_rms, "jitter_rms", strict=False)
    pix = _check(pixel_size, "pixel_size", strict=False)
    return {
        "optical": optical,
        "jitter": jit,
        "pixel": pix,
        "resolution": math.sqrt(optical**2 + jit**2 + pix**2),
        "nyquist": bool(pix <= optical / 2.0),
    }


def time_resolution_budget(*, bunch_rms, jitter_rms=0.0, frequency=None):
    """Time resolution from bunch length and timing jitter (Gaussians in quadrature).

    Parameters
    ----------
    bunch_rms
        rms X-ray pulse duration [s].
    jitter_rms
        rms timing jitter [s].
    frequency
        Optional signal frequency [Hz] for the attenuation factor.

    Returns
    -------
    dict
        ``bunch_fwhm``, ``jitter_fwhm``, ``time_resolution`` (FWHM) [s], ``sigma`` [s], and
        ``attenuation`` when ``frequency`` is given.
    """
    sb = _check(bunch_rms, "bunch_rms", strict=False)
    sj = _check(jitter_rms, "jitter_rms", strict=False)
    sig = math.hypot(sb, sj)
    out = {
        "bunch_fwhm": FWHM_PER_SIGMA * sb,
        "jitter_fwhm": FWHM_PER_SIGMA * sj,
        "sigma": sig,
        "time_resolution": FWHM_PER_SIGMA * sig,
    }
    if frequency is not None:
        out["attenuation"] = float(sampling_attenuation(frequency, sb, sj))
    return out


def plan_stxm(
    *,
    signal: float,
    snr: float,
    flux: float,
    transmission: float = 1.0,
    detector_efficiency: float = 1.0,
    pixels: int = 1,
    channels: int = 1,
    dwell: float | None = None,
    ring: StorageRing | None = None,
) -> dict:
    """Photons and measurement time needed to see a relative signal at a given SNR in every pixel.

    Parameters
    ----------
    signal
        Relative signal s per pixel and time channel (e.g. 1e-4).
    snr
        Wanted SNR k per pixel and time channel.
    flux
        Photons per second in focus, incident on the sample [1/s].
    transmission
        Sample (and membrane) transmission T, ``0 < T <= 1``.
    detector_efficiency
        Detector quantum efficiency, ``0 < eta <= 1``.
    pixels
        Pixels in the image (1: a point measurement).
    channels
        Time channels, each needing the full budget.
    dwell
        Pixel dwell per scan [s]; must cover at least one revolution of ``ring``. With it the plan
        gives the number of scans to repeat.
    ring
        Storage ring (optional): bunch rate for the pile-up penalty, revolution for the dwell check.

    Returns
    -------
    dict
        ``photons_per_pixel`` (detected, all channels, both measurements), ``photons_per_channel``,
        ``detected_rate`` [1/s], ``time_per_pixel`` [s], ``total_time`` [s], ``snr``, ``signal``,
        and with a ring ``mean_photons_per_bunch``, ``pileup_penalty``, ``revolution_period``; with a
        dwell ``scans``.
    """
    s = _signal(signal)
    k = _check(snr, "snr")
    phi = _check(flux, "flux")
    t = _check(transmission, "transmission", hi=1.0)
    eta = _check(detector_efficiency, "detector_efficiency", hi=1.0)
    npix = _count(pixels, "pixels")
    nch = _count(channels, "channels")
    per_channel = photons_for_snr(s, k)
    per_pixel = per_channel * nch
    rate = phi * t * eta
    penalty = 1.0
    out: dict = {"signal": s, "snr": k, "flux": phi, "transmission": t, "pixels": npix, "channels": nch}
    if ring is not None:
        mu = rate / ring.bunch_rate
        penalty = pileup_penalty(mu)
        out["mean_photons_per_bunch"] = mu
        out["pileup_penalty"] = penalty
        out["revolution_period"] = ring.revolution_period
    time_per_pixel = per_pixel / rate * penalty
    out.update(
        photons_per_pixel=per_pixel,
        photons_per_channel=per_channel,
        detected_rate=rate,
        time_per_pixel=time_per_pixel,
        total_time=time_per_pixel * npix,
    )
    if dwell is not None:
        out.update(_scans(dwell, ring, time_per_pixel, npix))
    return out


def _count(value, name: str) -> int:
    """``value`` as a positive integer (pixels, channels); a ConfigError naming ``name`` otherwise."""
    n = int(value)
    if n < 1 or n != value:
        raise ConfigError(f"{name}: expected a positive integer, got {value!r}")
    return n


def _scans(dwell, ring: StorageRing | None, time_per_pixel: float, npix: int) -> dict:
    """Scans of ``dwell`` [s] per pixel that cover ``time_per_pixel`` [s] (the dwell must last one
    revolution of ``ring``): ``dwell``, ``scans`` and the resulting ``total_time`` [s]."""
    dw = _check(dwell, "dwell")
    if ring is not None and dw < ring.revolution_period * (1 - 1e-12):
        raise ConfigError(
            f"dwell: {dw:.3g} s is shorter than one revolution of {ring.name} "
            f"({ring.revolution_period:.3g} s), so not every bunch and phase is sampled; use a "
            f"dwell of at least {ring.revolution_period:.3g} s"
        )
    scans = max(1, math.ceil(time_per_pixel / dw - 1e-9))
    return {"dwell": dw, "scans": scans, "total_time": scans * dw * npix}
