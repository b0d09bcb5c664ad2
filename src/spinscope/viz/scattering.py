"""Figures and movies of small-angle magnetic scattering delay scans.

- :func:`plot_detector_image`: one detector frame on a logarithmic colour scale, with the beam centre,
  the first-order ring (``q1`` drawn where it lands on the detector, exact geometry) and the masked
  pixels overlaid.
- :func:`plot_radial_profiles`: radial profiles ``I(q)`` versus delay as a colour map (delay on the
  vertical axis, the ring window marked) beside a waterfall of selected profiles.
- :func:`plot_time_traces`: ``M(t)`` and ``q1(t)`` with their error bars and the fitted
  IRF-convolved demagnetisation curves (:func:`spinscope.curves.demag_curve`).
- :func:`write_movie`: detector images versus delay as an animated GIF, or as an MP4 when
  ``imageio-ffmpeg`` is installed (:func:`movie_format` says which).

Every figure function returns the :class:`matplotlib.figure.Figure` when no path is given, else
writes its file atomically (:func:`spinscope.atomic.atomic_path`) and returns the path. The global
matplotlib backend is never touched and ``matplotlib.pyplot`` is never imported.
Figures show q in 1/nm and delays in fs, ps or ns (whichever suits the range); the data stay SI.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from matplotlib import colormaps
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse

from spinscope.curves import demag_curve
from spinscope.errors import ConfigError
from spinscope.progress import Progress
from spinscope.viz._output import finish, movie_format, new_figure, render_rgb, write_rgb_movie

__all__ = [
    "movie_format",
    "plot_detector_image",
    "plot_radial_profiles",
    "plot_time_traces",
    "write_movie",
]

#: Display scale of q: 1/nm per 1/m.
_Q_NM = 1e-9


def _time_unit(span: float) -> tuple[float, str]:
    """(factor, label) that shows times of this span [s] with readable numbers."""
    span = abs(float(span))
    if span < 5e-12:
        return 1e15, "fs"
    if span < 5e-9:
        return 1e12, "ps"
    if span < 5e-6:
        return 1e9, "ns"
    return 1e6, "us"


def _log_limits(img: np.ndarray, valid: np.ndarray) -> tuple[float, float]:
    """Colour limits of a log display: 1st and 99.9th percentiles of the positive valid pixels."""
    v = img[valid & np.isfinite(img) & (img > 0)]
    if v.size == 0:
        return 0.1, 1.0
    lo, hi = np.percentile(v, [1.0, 99.9])
    lo = max(float(lo), float(v.min()), 1e-12)
    hi = max(float(hi), lo * 10.0)
    return lo, hi


def plot_detector_image(
    image,
    path: str | Path | None = None,
    *,
    geometry=None,
    q_rings: Sequence[float] = (),
    mask=None,
    title: str = "",
    overwrite: bool = False,
) -> Figure | Path:
    """Draw a detector frame on a log scale with the ring(s), the beam centre and the mask.

    Parameters
    ----------
    image
        One frame ``(y, x)`` [counts or ADU]; non-positive pixels are shown at the bottom of the scale.
    path
        Output image [file path]; the format follows the suffix (``.png``, ``.pdf``, ``.svg``).
        None returns the figure instead.
    geometry
        :class:`spinscope.analysis.azimuthal.DetectorGeometry` with a beam centre; needed to draw the
        centre and the rings.
    q_rings
        Momentum transfers [1/m] drawn as rings (ellipses for non-square pixels) where they land on
        the detector (``r = L tan(2 asin(q lambda / 4 pi))``).
    mask
        Boolean ``(y, x)``, True for excluded pixels, shown in translucent cyan.
    title
        Figure title.
    overwrite
        Replace an existing file.

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
        The figure when ``path`` is None, else the written file.
    """
    img = np.asarray(image, dtype=float)
    if img.ndim != 2:
        raise ConfigError(f"image: expected one frame (y, x), got shape {img.shape}", field="image")
    bad = np.zeros(img.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if bad.shape != img.shape:
        raise ConfigError(f"mask: shape {bad.shape} differs from the image {img.shape}", field="mask")
    lo, hi = _log_limits(img, ~bad)
    fig = new_figure(figsize=(6.4, 5.4))
    ax = fig.add_subplot()
    shown = np.clip(np.where(np.isfinite(img), img, lo), lo, hi)
    im = ax.imshow(shown, origin="lower", cmap="magma", norm=LogNorm(vmin=lo, vmax=hi),
                   interpolation="nearest")
    fig.colorbar(im, ax=ax, label="intensity [counts/pixel]")
    if bad.any():
        overlay = np.zeros((*img.shape, 4))
        overlay[bad] = (0.0, 0.85, 1.0, 0.45)
        ax.imshow(overlay, origin="lower", interpolation="nearest")
    if geometry is not None and geometry.center is not None:
        cx, cy = geometry.center
        ax.plot([cx], [cy], marker="+", color="w", ms=10, mew=1.2, label="beam centre")
        py, px = geometry.pixel_size
        for k, q in enumerate(q_rings):
            r = geometry.q_to_radius(float(q))
            if not math.isfinite(r):
                continue
            ax.add_patch(
                Ellipse(
                    (cx, cy), 2 * r / px, 2 * r / py, fill=False, ec="w", lw=1.0, ls="--",
                    label=(f"q = {q * _Q_NM:.4g} 1/nm (period {2 * math.pi / q * 1e9:.4g} nm)"
                           if k == 0 else None),
                )
            )
        ax.legend(loc="upper right", fontsize=7, framealpha=0.6)
    ax.set_xlim(-0.5, img.shape[1] - 0.5)
    ax.set_ylim(-0.5, img.shape[0] - 0.5)
    ax.set_xlabel("column [pixel]")
    ax.set_ylabel("row [pixel]")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return finish(fig, path, overwrite=overwrite)


def plot_radial_profiles(
    profiles: xr.Dataset,
    path: str | Path | None = None,
    *,
    q_window: tuple[float, float] | None = None,
    background=None,
    n_lines: int = 8,
    title: str = "",
    overwrite: bool = False,
) -> Figure | Path:
    """Draw radial profiles ``I(q)`` versus delay: a colour map and a waterfall of selected delays.

    Parameters
    ----------
    profiles
        Dataset with ``intensity`` over ``(delay, q)``, ``q`` [1/m] and ``delay`` [s] coordinates.
    path
        Output image [file path]; None returns the figure instead.
    q_window
        ``(q_min, q_max)`` of the ring analysis [1/m], marked on both panels.
    background
        Background ``B(q)`` [intensity] (a number or an array over ``q``) subtracted before display.
    n_lines
        Number of profiles in the waterfall (evenly spread over the delays).
    title
        Figure title.
    overwrite
        Replace an existing file.

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
        The figure when ``path`` is None, else the written file.
    """
    if not isinstance(profiles, xr.Dataset) or "intensity" not in profiles:
        raise ConfigError("profiles: expected a Dataset with 'intensity' over (delay, q)", field="profiles")
    if set(profiles["intensity"].dims) != {"delay", "q"}:
        raise ConfigError(
            f"profiles: expected dims (delay, q), got {profiles['intensity'].dims}", field="profiles"
        )
    inten = profiles["intensity"].transpose("delay", "q").values.astype(float)
    if background is not None:
        inten = inten - np.broadcast_to(np.asarray(background, dtype=float), inten.shape[-1:])
    q = np.asarray(profiles["q"].values, dtype=float) * _Q_NM
    d = np.asarray(profiles["delay"].values, dtype=float)
    f, unit = _time_unit(np.ptp(d) if d.size > 1 else abs(d[0]) if d.size else 1e-12)
    fig = new_figure(figsize=(11, 4.6))
    ax0, ax1 = fig.subplots(1, 2)
    # colour map: rows in delay order, labelled by delay (delays need not be evenly spaced)
    order = np.argsort(d, kind="stable")
    finite = inten[np.isfinite(inten)]
    vmin, vmax = (np.percentile(finite, [1, 99.5]) if finite.size else (0.0, 1.0))
    mesh = ax0.pcolormesh(q, np.arange(d.size), inten[order], shading="nearest", cmap="viridis",
                          vmin=vmin, vmax=vmax)
    fig.colorbar(mesh, ax=ax0, label="intensity [counts/pixel]")
    ticks = np.unique(np.linspace(0, d.size - 1, min(d.size, 8)).round().astype(int))
    ax0.set_yticks(ticks)
    ax0.set_yticklabels([f"{d[order][k] * f:.4g}" for k in ticks])
    ax0.set_xlabel("q [1/nm]")
    ax0.set_ylabel(f"delay [{unit}]")
    cmap = colormaps["plasma"]
    sel = np.unique(np.linspace(0, d.size - 1, max(1, min(n_lines, d.size))).round().astype(int))
    for j, k in enumerate(sel):
        i = order[k]
        ax1.plot(q, inten[i], color=cmap(j / max(1, len(sel) - 1) * 0.9), lw=1.0,
                 label=f"{d[i] * f:.4g} {unit}")
    for ax in (ax0, ax1):
        if q_window is not None:
            for qq in q_window:
                ax.axvline(qq * _Q_NM, color="0.5" if ax is ax1 else "w", ls=":", lw=0.9)
    ax1.set_xlabel("q [1/nm]")
    ax1.set_ylabel("intensity [counts/pixel]")
    ax1.legend(fontsize=7, title="delay", title_fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return finish(fig, path, overwrite=overwrite)


def _model_curve(fit: Mapping[str, Any] | None, t: np.ndarray) -> np.ndarray | None:
    """The fitted demagnetisation curve on the delays ``t`` [s], or None without a usable fit."""
    if not fit:
        return None
    need = ("t0", "amplitude", "tau_m")
    if any(fit.get(k) is None for k in need):
        return None
    tau_r = fit.get("tau_r")
    return demag_curve(
        t,
        t0=float(fit["t0"]),
        amplitude=float(fit["amplitude"]),
        tau_m=float(fit["tau_m"]),
        tau_r=math.inf if tau_r is None else float(tau_r),
        fwhm=float(fit.get("fwhm") or 0.0),
        slow_fraction=float(fit.get("slow_fraction") or 0.0),
        tau_slow=math.inf if fit.get("tau_slow") is None else float(fit["tau_slow"]),
        m0=float(fit.get("m0") or 1.0),
    )


def plot_time_traces(
    traces: xr.Dataset,
    path: str | Path | None = None,
    *,
    fit: Mapping[str, Any] | None = None,
    fit_q1: Mapping[str, Any] | None = None,
    title: str = "",
    overwrite: bool = False,
) -> Figure | Path:
    """Draw ``M(t)`` and ``q1(t)`` with error bars and their fitted curves.

    Parameters
    ----------
    traces
        Dataset along ``delay`` [s] with ``m`` (and ``m_err``) [dimensionless] and, when present,
        ``q1`` (and ``q1_err``) [1/m].
    path
        Output image [file path]; None returns the figure instead.
    fit
        Result of :func:`spinscope.analysis.timetrace.fit_demagnetisation` for ``M(t)``
        (``t0``, ``amplitude``, ``tau_m``, ``tau_r``, ``fwhm``, ``m0`` [SI]); drawn when given.
    fit_q1
        Result of :func:`spinscope.analysis.timetrace.fit_q1_trace` (with ``q1_ref`` [1/m]); drawn
        when given.
    title
        Figure title.
    overwrite
        Replace an existing file.

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
        The figure when ``path`` is None, else the written file.
    """
    if not isinstance(traces, xr.Dataset) or "m" not in traces or "delay" not in traces.coords:
        raise ConfigError("traces: expected a Dataset with 'm' along a 'delay' coordinate [s]",
                          field="traces")
    d = np.asarray(traces["delay"].values, dtype=float)
    f, unit = _time_unit(np.ptp(d) if d.size > 1 else 1e-12)
    dense = np.linspace(d.min(), d.max(), 600) if d.size else d
    has_q = "q1" in traces and np.isfinite(traces["q1"].values).any()
    fig = new_figure(figsize=(7, 6.4 if has_q else 3.6))
    axes = fig.subplots(2 if has_q else 1, 1, sharex=True, squeeze=False)
    ax = axes[0, 0]
    m_err = traces["m_err"].values if "m_err" in traces else None
    ax.errorbar(d * f, traces["m"].values, yerr=m_err, fmt="o", ms=3, color="C0", ecolor="0.6",
                elinewidth=0.8, label=r"$M(t) = \sqrt{\int I\,dq \,/\, \int I_{ref}\,dq}$")
    curve = _model_curve(fit, dense)
    if curve is not None:
        lab = f"fit: tau_m = {fit['tau_m'] * 1e12:.3g} ps, A = {fit['amplitude']:.3f}"
        if fit.get("tau_r") is not None:
            lab += f", tau_r = {fit['tau_r'] * 1e12:.3g} ps"
        ax.plot(dense * f, curve, color="C3", lw=1.3, label=lab)
        ax.axvline(float(fit["t0"]) * f, color="0.6", ls=":", lw=0.8)
    ax.axhline(1.0, color="0.8", lw=0.6)
    ax.set_ylabel("M / M(t < t0)")
    ax.legend(fontsize=7, loc="best")
    if has_q:
        ax = axes[1, 0]
        q1 = traces["q1"].values * _Q_NM
        q1_err = traces["q1_err"].values * _Q_NM if "q1_err" in traces else None
        ax.errorbar(d * f, q1, yerr=q1_err, fmt="s", ms=3, color="C2", ecolor="0.6", elinewidth=0.8,
                    label="q1 (ring fit)")
        if fit_q1 and fit_q1.get("q1_ref"):
            qc = _model_curve(fit_q1, dense)
            if qc is not None:
                ax.plot(dense * f, qc * float(fit_q1["q1_ref"]) * _Q_NM, color="C3", lw=1.3,
                        label=f"fit: relative shift {-fit_q1['amplitude']:+.3g}")
            ax.axhline(float(fit_q1["q1_ref"]) * _Q_NM, color="0.8", lw=0.6)
        ax.set_ylabel("q1 [1/nm]")
        ax.legend(fontsize=7, loc="best")
    axes[-1, 0].set_xlabel(f"delay [{unit}]")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return finish(fig, path, overwrite=overwrite)


# ----------------------------------------------------------------------------------------------
# movie


def _bin_frames(stack: np.ndarray, b: int) -> np.ndarray:
    if b <= 1:
        return stack
    n, ny, nx = stack.shape
    ny2, nx2 = (ny // b) * b, (nx // b) * b
    return stack[:, :ny2, :nx2].reshape(n, ny2 // b, b, nx2 // b, b).mean(axis=(2, 4))


def write_movie(
    frames,
    path: str | Path,
    *,
    delays=None,
    mask=None,
    fps: float = 5.0,
    cmap: str = "magma",
    log_scale: bool = True,
    max_size: int = 512,
    progress: bool | Callable[[], Any] = False,
    overwrite: bool = False,
) -> Path:
    """Write detector images versus delay as a movie (GIF, or MP4 with imageio-ffmpeg).

    Parameters
    ----------
    frames
        Stack ``(delay, y, x)`` [counts]: numpy array or DataArray (its ``delay`` coordinate [s] labels
        the frames when ``delays`` is not given).
    path
        Output file [file path]: ``.gif``, or ``.mp4`` (needs ``imageio-ffmpeg``).
    delays
        Delay of each frame [s], printed on the frame.
    mask
        Boolean ``(y, x)``, True for excluded pixels (drawn at the bottom of the colour scale).
    fps
        Frames per second [1/s].
    cmap
        Matplotlib colour map.
    log_scale
        Logarithmic colour scale (one scale for the whole movie).
    max_size
        Frames are block-averaged so that the larger side is at most this [pixels].
    progress
        ``True`` shows a progress bar on stderr; a callable is called once per frame written.
    overwrite
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ConfigError
        A stack that is not 3D, a suffix other than ``.gif``/``.mp4``, or ``.mp4`` without
        ``imageio-ffmpeg``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise ConfigError(f"path: movie must end in .gif or .mp4, got {path.name!r}", field="path")
    if suffix == ".mp4" and movie_format() != "mp4":
        raise ConfigError(
            f"path: writing {path.name} needs imageio-ffmpeg (pip install imageio-ffmpeg); use .gif",
            field="path",
        )
    stack, delays = _movie_stack(frames, delays, mask, fps)
    b = max(1, int(math.ceil(max(stack.shape[1:]) / max(16, int(max_size)))))
    stack, norm = _movie_scale(_bin_frames(stack, b), log_scale)
    fig, im, label = _movie_canvas(stack, cmap, norm)
    f, unit = _time_unit(np.ptp(delays) if delays is not None and np.size(delays) > 1 else 1e-12)

    images = []
    with _frame_ticker(progress, stack.shape[0]) as tick:
        for i in range(stack.shape[0]):
            im.set_data(stack[i])
            label.set_text(f"delay {delays[i] * f:.4g} {unit}" if delays is not None else f"frame {i}")
            images.append(render_rgb(fig))
            if tick is not None:
                tick()
    return write_rgb_movie(np.stack(images), path, fps=fps, overwrite=overwrite)


@contextmanager
def _frame_ticker(progress: bool | Callable[[], Any], n: int) -> Iterator[Callable[[], Any] | None]:
    """The per-frame callback of ``progress``: a progress bar of ``n`` frames on stderr (``True``,
    closed on leaving), the callable itself, or ``None``."""
    if progress is True:
        bar = Progress(True).__enter__()
        bar.stage("movie", total=n)
        try:
            yield bar.advance
        finally:
            bar.__exit__(None, None, None)
    elif callable(progress):
        yield progress
    else:
        yield None


def _movie_stack(frames, delays, mask, fps) -> tuple[np.ndarray, Any]:
    """The checked stack ``(delay, y, x)`` [counts] with masked pixels set to NaN, and the delays [s]
    (from a DataArray's ``delay`` coordinate when not given); ``fps`` [1/s] is checked too."""
    if isinstance(frames, xr.DataArray):
        if delays is None and "delay" in frames.coords and frames["delay"].ndim == 1:
            delays = frames["delay"].values
        frames = frames.values
    stack = np.asarray(frames, dtype=float)
    if stack.ndim != 3 or stack.shape[0] < 1:
        raise ConfigError(f"frames: expected a stack (delay, y, x), got shape {stack.shape}", field="frames")
    if not (math.isfinite(float(fps)) and float(fps) > 0):
        raise ConfigError(f"fps: expected a positive frame rate [1/s], got {fps!r}", field="fps")
    if delays is not None and np.size(delays) != stack.shape[0]:
        raise ConfigError(f"delays: {np.size(delays)} delays for {stack.shape[0]} frames", field="delays")
    bad = None if mask is None else np.asarray(mask, dtype=bool)
    if bad is not None:
        if bad.shape != stack.shape[1:]:
            raise ConfigError(f"mask: shape {bad.shape} differs from the frames {stack.shape[1:]}",
                              field="mask")
        stack = np.where(bad[None], np.nan, stack)
    return stack, delays


def _movie_scale(stack: np.ndarray, log_scale: bool):
    """One colour scale for the whole movie: the stack clipped to it (NaN at the bottom) and its norm."""
    valid = np.isfinite(stack)
    if log_scale:
        lo, hi = _log_limits(stack, valid)
        return np.clip(np.where(valid, stack, lo), lo, hi), LogNorm(vmin=lo, vmax=hi)
    v = stack[valid]
    lo, hi = (np.percentile(v, [0.5, 99.8]) if v.size else (0.0, 1.0))
    return np.where(valid, stack, lo), Normalize(vmin=lo, vmax=max(hi, lo + 1e-12))


def _movie_canvas(stack: np.ndarray, cmap: str, norm):
    """Figure, image and delay label of a movie frame; the canvas is a multiple of 16 pixels."""
    ny, nx = stack.shape[1:]
    # canvas size in pixels: a multiple of 16 (video codecs work on 16 x 16 macro blocks)
    dpi = 100
    side = min(640.0, max(320.0, float(max(nx, ny))))  # image side on the canvas [canvas pixels]
    width = int(16 * math.ceil(side * nx / max(nx, ny) / 0.96 / 16))
    height = int(16 * math.ceil(side * ny / max(nx, ny) / 0.88 / 16))
    fig = new_figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.88))
    ax.set_axis_off()
    im = ax.imshow(stack[0], origin="lower", cmap=cmap, norm=norm, interpolation="nearest")
    label = fig.text(0.5, 0.95, "", ha="center", va="center", fontsize=12)
    return fig, im, label
