"""Figures and movies of STXM results: contrast images, amplitude/phase mode maps, contrast movies.

Movies are written with imageio: animated GIF always; MP4 only when the optional ``imageio-ffmpeg``
plugin is installed (:func:`movie_formats`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib import colormaps
from matplotlib.figure import Figure

from spinscope.errors import ConfigError
from spinscope.viz._output import finish, movie_format, new_figure, write_rgb_movie

__all__ = ["movie_formats", "plot_contrast", "plot_mode_maps", "write_movie"]


def _extent(da: xr.DataArray):
    x = np.asarray(da["x"].values, dtype=float) * 1e6
    y = np.asarray(da["y"].values, dtype=float) * 1e6
    dx = (x[1] - x[0]) if x.size > 1 else 1.0
    dy = (y[1] - y[0]) if y.size > 1 else 1.0
    return [x[0] - dx / 2, x[-1] + dx / 2, y[0] - dy / 2, y[-1] + dy / 2]


def _figure(ncols: int):
    fig = new_figure(figsize=(4.2 * ncols, 3.8))
    return fig, fig.subplots(1, ncols, squeeze=False)[0]


def plot_contrast(images: dict[str, xr.DataArray], path: str | Path | None = None, *, title: str = "",
                  overwrite: bool = False) -> Figure | Path:
    """Draw 2-D images (``y``, ``x`` in m) side by side, e.g. intensity and XMCD asymmetry.

    Parameters
    ----------
    images
        Panel title -> image DataArray (dims ``y``, ``x``).
    path
        Output image [file path] (format from the suffix); None returns the figure instead.
    title
        Figure title.
    overwrite
        Replace an existing file.

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
        The figure when ``path`` is None, else the written file.
    """
    fig, axes = _figure(len(images))
    for ax, (name, da) in zip(axes, images.items(), strict=True):
        da = da.transpose("y", "x")
        v = np.asarray(da.values, dtype=float)
        sym = "asymmetry" in name or "ratio" in name or "difference" in name
        lim = float(np.nanpercentile(np.abs(v), 99.5)) if sym else None
        im = ax.imshow(v, origin="lower", extent=_extent(da), cmap="RdBu_r" if sym else "gray",
                       vmin=-lim if sym else None, vmax=lim if sym else None)
        ax.set_title(name)
        ax.set_xlabel("x [um]")
        ax.set_ylabel("y [um]")
        fig.colorbar(im, ax=ax, shrink=0.8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return finish(fig, path, overwrite=overwrite)


def plot_mode_maps(maps: xr.Dataset, path: str | Path | None = None, *, title: str = "",
                   overwrite: bool = False) -> Figure | Path:
    """Amplitude and phase maps (output of :func:`spinscope.analysis.xmcd.fourier_maps`).

    The phase is drawn with a cyclic colour map and faded where the amplitude is small.

    Parameters
    ----------
    maps
        Dataset with ``amplitude`` [asymmetry] and ``phase`` [rad] over ``(y, x)`` [m]; its
        ``frequency`` attribute [Hz] titles the amplitude panel.
    path
        Output image [file path] (format from the suffix); None returns the figure instead.
    title
        Figure title.
    overwrite
        Replace an existing file.

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
        The figure when ``path`` is None, else the written file.
    """
    fig, axes = _figure(2)
    amp = maps["amplitude"].transpose("y", "x")
    ph = maps["phase"].transpose("y", "x")
    ext = _extent(amp)
    im0 = axes[0].imshow(amp.values, origin="lower", extent=ext, cmap="magma")
    axes[0].set_title(f"amplitude at {maps.attrs.get('frequency', float('nan')) / 1e9:.4g} GHz")
    fig.colorbar(im0, ax=axes[0], shrink=0.8)
    a = np.asarray(amp.values, dtype=float)
    alpha = np.clip(a / (np.nanpercentile(a, 99) or 1.0), 0, 1)
    im1 = axes[1].imshow(ph.values, origin="lower", extent=ext, cmap="twilight", vmin=-np.pi, vmax=np.pi,
                         alpha=alpha)
    axes[1].set_title("phase [rad]")
    fig.colorbar(im1, ax=axes[1], shrink=0.8)
    for ax in axes:
        ax.set_xlabel("x [um]")
        ax.set_ylabel("y [um]")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return finish(fig, path, overwrite=overwrite)


def movie_formats() -> tuple[str, ...]:
    """Movie suffixes this installation can write.

    Returns
    -------
    tuple of str
        ``(".gif",)``, plus ``".mp4"`` with imageio-ffmpeg installed.
    """
    return (".gif", ".mp4") if movie_format() == "mp4" else (".gif",)


def write_movie(movie: xr.DataArray, path: str | Path, *, dim: str = "delay", fps: float = 4.0,
                overwrite: bool = False) -> Path:
    """Write a contrast movie (dims ``dim``, ``y``, ``x``) as an animated GIF (or MP4).

    Frames share one symmetric colour scale (blue-white-red), upscaled to at least 256 pixels.

    Parameters
    ----------
    movie
        The movie.
    path
        ``.gif`` (always) or ``.mp4`` (needs imageio-ffmpeg) [file path].
    dim
        Frame dim.
    fps
        Frames per second [1/s].
    overwrite
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    p = Path(path)
    if p.suffix.lower() not in movie_formats():
        raise ConfigError(f"{p}: cannot write {p.suffix!r} movies here; use one of {movie_formats()}")
    v = np.asarray(movie.transpose(dim, "y", "x").values, dtype=float)[:, ::-1, :]
    lim = float(np.nanpercentile(np.abs(v), 99.5)) or 1.0
    rgb = colormaps["RdBu_r"]((np.nan_to_num(v) / lim + 1.0) / 2.0)[..., :3]
    up = max(1, int(np.ceil(256 / max(v.shape[1], v.shape[2]))))
    frames = (np.repeat(np.repeat(rgb, up, axis=1), up, axis=2) * 255).astype(np.uint8)
    return write_rgb_movie(frames, p, fps=fps, overwrite=overwrite)
