"""Figures and movies of micromagnetic (LLG) runs: <m>(t) and a movie of m_z or the in-plane angle.

The input is the movie of :func:`spinscope.micromagnetics.scenario.run_scenario` or one read back
with :func:`spinscope.io.open_dataset` (``ds["m"]``): the reduced magnetisation [1] with dims
``(time, [z,] y, x, component)``, coordinates in SI (time [s], x, y [m]) and optionally the
coordinate ``m_avg`` (time, component). A 3-D mesh is averaged over ``z`` for the movie.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from spinscope.errors import ConfigError
from spinscope.viz._output import finish, new_figure, render_rgb, write_rgb_movie

__all__ = ["llg_figure_paths", "llg_movie_frames", "plot_m_average", "write_llg_figures",
           "write_llg_movie"]

_COLOURS = {"x": "tab:red", "y": "tab:green", "z": "tab:blue"}
_QUANTITIES = ("mz", "angle")


def _as_movie(movie: xr.DataArray | xr.Dataset) -> xr.DataArray:
    if isinstance(movie, xr.Dataset):
        movie = movie["m"]
    if "time" not in movie.dims or "component" not in movie.dims:
        raise ConfigError(f"expected a magnetisation movie with dims time and component, got "
                          f"{tuple(movie.dims)}", field="movie")
    return movie


def _average(movie: xr.DataArray) -> xr.DataArray:
    """<m>(t) [1]: the ``m_avg`` coordinate when present, else the mean over the mesh."""
    if "m_avg" in movie.coords:
        return movie["m_avg"].transpose("time", "component")
    space = [d for d in movie.dims if d not in ("time", "component")]
    return movie.mean(space).transpose("time", "component")


def _time_scale(t: np.ndarray) -> tuple[float, str]:
    """Factor and unit label for times [s]: ps below 1 ns, else ns."""
    span = float(np.nanmax(np.abs(t))) if t.size else 0.0
    return (1e12, "ps") if span < 1e-9 else (1e9, "ns")


def plot_m_average(movie: xr.DataArray | xr.Dataset, path: str | Path | None = None, *,
                   title: str | None = None, overwrite: bool = False, dpi: int = 110
                   ) -> Figure | Path:
    """Spatially averaged magnetisation components <m_x>, <m_y>, <m_z> versus time.

    The top panel shows the three components on a common axis [1]; the bottom panel shows each
    component's change from its first frame (same colours), so small precessions (FMR) stay
    visible.

    Parameters
    ----------
    movie
        LLG movie (DataArray ``m`` or a Dataset holding it), time [s].
    path
        Output image [file path] (format from the suffix); None returns the figure.
    title
        Figure title; default: the scenario name from the movie's attributes.
    overwrite
        Replace an existing file.
    dpi
        Resolution of raster formats [dots per inch].

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
        The figure when ``path`` is None, else the written file.
    """
    movie = _as_movie(movie)
    avg = _average(movie)
    t = np.asarray(avg["time"].values, dtype=float)
    scale, unit = _time_scale(t)
    fig = new_figure(figsize=(7.0, 5.6), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    comps = [str(c) for c in avg["component"].values]
    vals = np.asarray(avg.values, dtype=float)
    for i, c in enumerate(comps):
        colour = _COLOURS.get(c)
        top.plot(t * scale, vals[:, i], color=colour, label=f"⟨m$_{c}$⟩")
        bottom.plot(t * scale, vals[:, i] - vals[0, i], color=colour)
    top.set_ylabel("⟨m⟩ [1]")
    top.set_ylim(-1.05, 1.05)
    top.legend(loc="lower left", ncols=3, fontsize="small")  # the lines sit at |<m>| <= 1
    bottom.set_ylabel("⟨m⟩(t) − ⟨m⟩(0) [1]")
    bottom.set_xlabel(f"time t [{unit}]")
    bottom.ticklabel_format(axis="y", style="sci", scilimits=(-2, 3), useMathText=True)
    for ax in (top, bottom):
        ax.grid(True, alpha=0.3)
    name = title if title is not None else str(movie.attrs.get("scenario", "LLG run"))
    fig.suptitle(f"{name}: average magnetisation")
    return finish(fig, path, overwrite=overwrite, dpi=dpi)


def _frame_values(movie: xr.DataArray, quantity: str) -> tuple[np.ndarray, tuple, dict]:
    """``(n, ny, nx)`` values, the frame's imshow options and the colourbar settings."""
    if quantity not in _QUANTITIES:
        raise ConfigError(f"quantity: expected one of {', '.join(_QUANTITIES)}, got {quantity!r}",
                          field="quantity")
    if "z" in movie.dims:
        movie = movie.mean("z")
    movie = movie.transpose("time", "y", "x", "component")
    comps = [str(c) for c in movie["component"].values]
    m = np.asarray(movie.values, dtype=float)
    if quantity == "mz":
        v = m[..., comps.index("z")]
        lim = float(np.nanpercentile(np.abs(v), 99.5)) if v.size else 1.0
        lim = lim if lim > 0 else 1.0
        return v, dict(cmap="RdBu_r", vmin=-lim, vmax=lim), {"label": "m$_z$ [1]"}
    v = np.degrees(np.arctan2(m[..., comps.index("y")], m[..., comps.index("x")]))
    return v, dict(cmap="twilight", vmin=-180.0, vmax=180.0), {
        "label": "in-plane angle φ = atan2(m$_y$, m$_x$) [°]", "ticks": [-180, -90, 0, 90, 180]}


def llg_movie_frames(movie: xr.DataArray | xr.Dataset, *, quantity: str = "mz",
                     max_frames: int = 150, dpi: int = 80) -> np.ndarray:
    """RGB frames of a movie of m_z or of the in-plane angle, with time stamp and colourbar.

    Parameters
    ----------
    movie
        LLG movie (DataArray ``m`` or a Dataset holding it), x, y [m], time [s].
    quantity
        ``"mz"`` (out-of-plane component [1], symmetric diverging colours to the 99.5th percentile
        of |m_z| over the whole movie, so a few edge cells do not wash out the rest)
        or ``"angle"`` (in-plane angle [°], cyclic colours).
    max_frames
        At most this many frames, evenly spaced in time (the first and last kept).
    dpi
        Resolution of the frames [dots per inch].

    Returns
    -------
    numpy.ndarray
        ``uint8`` array ``(n, height, width, 3)`` [RGB].
    """
    movie = _as_movie(movie)
    n = movie.sizes["time"]
    idx = np.unique(np.linspace(0, n - 1, min(n, max(1, int(max_frames)))).round().astype(int))
    movie = movie.isel(time=idx)
    v, im_kw, cbar = _frame_values(movie, quantity)
    x = np.asarray(movie["x"].values, dtype=float) * 1e6
    y = np.asarray(movie["y"].values, dtype=float) * 1e6
    dx = x[1] - x[0] if x.size > 1 else 1e-3
    dy = y[1] - y[0] if y.size > 1 else 1e-3
    extent = [x[0] - dx / 2, x[-1] + dx / 2, y[0] - dy / 2, y[-1] + dy / 2]
    aspect = (extent[3] - extent[2]) / max(extent[1] - extent[0], 1e-12)
    fig = new_figure(figsize=(6.4, max(2.4, min(6.4, 5.2 * aspect + 1.4))), dpi=dpi,
                     layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(v[0], origin="lower", extent=extent, interpolation="nearest", **im_kw)
    ax.set_xlabel("x [µm]")
    ax.set_ylabel("y [µm]")
    fig.colorbar(image, ax=ax, label=cbar["label"], ticks=cbar.get("ticks"), shrink=0.9)
    t = np.asarray(movie["time"].values, dtype=float)
    scale, unit = _time_scale(t)
    name = str(movie.attrs.get("scenario", "LLG run"))
    frames = []
    for i in range(v.shape[0]):
        image.set_data(v[i])
        ax.set_title(f"{name}   t = {t[i] * scale:.1f} {unit}")
        frames.append(render_rgb(fig))
    return np.stack(frames)


def write_llg_movie(movie: xr.DataArray | xr.Dataset, path: str | Path, *, quantity: str = "mz",
                    fps: float = 15.0, max_frames: int = 150, overwrite: bool = False) -> Path:
    """Write a movie (``.gif``, or ``.mp4`` with ``imageio-ffmpeg``) of m_z or the in-plane angle.

    Parameters
    ----------
    movie
        LLG movie (DataArray ``m`` or a Dataset holding it).
    path
        Output movie [file path].
    quantity
        ``"mz"`` or ``"angle"`` (:func:`llg_movie_frames`).
    fps
        Frames per second of the movie [1/s].
    max_frames
        At most this many frames, evenly spaced in time.
    overwrite
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    frames = llg_movie_frames(movie, quantity=quantity, max_frames=max_frames)
    return write_rgb_movie(frames, path, fps=fps, overwrite=overwrite)


def llg_figure_paths(out: str | Path) -> tuple[Path, Path]:
    """Where :func:`write_llg_figures` writes for the output ``out`` [path]: the <m>(t) figure and
    the movie; beside a ``.nc`` file (``movie.nc`` -> ``movie.png``, ``movie.gif``), inside an OVF
    folder (``m_avg.png``, ``m_z.gif``)."""
    out = Path(out)
    if out.suffix != ".nc":
        return out / "m_avg.png", out / "m_z.gif"
    return out.with_suffix(".png"), out.with_suffix(".gif")


def write_llg_figures(movie: xr.DataArray | xr.Dataset, out: str | Path, *, quantity: str = "mz",
                      overwrite: bool = False) -> list[Path]:
    """Write the <m>(t) figure and the movie of an LLG run beside its output ``out`` [path].

    Returns
    -------
    list of pathlib.Path
        The figure and the movie (:func:`llg_figure_paths`).
    """
    png, gif = llg_figure_paths(out)
    return [plot_m_average(movie, png, overwrite=overwrite),
            write_llg_movie(movie, gif, quantity=quantity, overwrite=overwrite)]
