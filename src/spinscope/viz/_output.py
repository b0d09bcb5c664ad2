"""Shared plumbing of the figure and movie writers: figures, atomic saving, movie encoding.

Figures are built with matplotlib's object-oriented API: a :class:`matplotlib.figure.Figure` with a
:class:`~matplotlib.backends.backend_agg.FigureCanvasAgg` attached. Neither ``matplotlib.pyplot`` nor
the global backend is touched, so a notebook keeps its own backend (inline plots keep appearing) and
the figures are not registered with pyplot's figure manager (nothing to close, nothing leaks).
"""

from __future__ import annotations

from pathlib import Path

import imageio.v3 as iio
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from spinscope.atomic import atomic_path
from spinscope.errors import ConfigError, OutputError

__all__ = ["finish", "movie_format", "new_figure", "render_rgb", "save_figure", "write_rgb_movie"]


def new_figure(**kwargs) -> Figure:
    """A new figure with an Agg canvas attached; the global matplotlib backend is left alone.

    Parameters
    ----------
    **kwargs
        Passed to :class:`matplotlib.figure.Figure` (``figsize`` [inch], ``dpi`` [dots per inch],
        ``layout``...).

    Returns
    -------
    matplotlib.figure.Figure
        The figure; draw into it with ``fig.add_subplot``/``fig.subplots``.
    """
    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    return fig


def render_rgb(fig: Figure) -> np.ndarray:
    """Draw a figure on its Agg canvas and return the pixels.

    Parameters
    ----------
    fig
        Figure made by :func:`new_figure` (or any figure with an Agg canvas).

    Returns
    -------
    numpy.ndarray
        ``uint8`` array ``(height, width, 3)`` [RGB], a copy of the canvas buffer.
    """
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def save_figure(fig: Figure, path: str | Path, *, overwrite: bool, dpi: int = 110) -> Path:
    """Save a figure atomically; the format follows the suffix.

    Parameters
    ----------
    fig
        Matplotlib figure.
    path
        Output file [path]; ``.png``, ``.pdf``, ``.svg``...
    overwrite
        Replace an existing file.
    dpi
        Resolution of raster formats [dots per inch].

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    OutputExistsError
        The file exists and ``overwrite`` is false.
    OutputError
        A suffix matplotlib cannot write (checked before anything is written).
    """
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    known = fig.canvas.get_supported_filetypes()
    if fmt not in known:
        raise OutputError(f"{path}: cannot write a figure as '.{fmt}'; expected one of "
                          f"{', '.join('.' + k for k in sorted(known))}", path=str(path))
    with atomic_path(path, overwrite=overwrite) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi)
    return path


def finish(fig: Figure, path: str | Path | None, *, overwrite: bool, dpi: int = 110) -> Figure | Path:
    """End a plotting function: the figure itself without a path, else the file written atomically.

    Parameters
    ----------
    fig
        The finished figure.
    path
        Output file [path], or None to return the figure (a notebook displays it).
    overwrite
        Replace an existing file.
    dpi
        Resolution of raster formats [dots per inch].

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
        ``fig`` when ``path`` is None, else the written file.
    """
    if path is None:
        return fig
    return save_figure(fig, path, overwrite=overwrite, dpi=dpi)


def movie_format() -> str:
    """Container movies use by default: ``"mp4"`` with ``imageio-ffmpeg`` installed, else ``"gif"``.

    Returns
    -------
    str
        ``"mp4"`` or ``"gif"``.
    """
    try:
        import imageio_ffmpeg  # noqa: F401  (optional extra ``movie``)
    except ImportError:
        return "gif"
    return "mp4"


def write_rgb_movie(frames: np.ndarray, path: str | Path, *, fps: float, overwrite: bool) -> Path:
    """Encode RGB frames as an animated GIF or an MP4 (H.264), atomically.

    Parameters
    ----------
    frames
        ``uint8`` array ``(n, height, width, 3)`` [RGB].
    path
        Output file [path]; the suffix (``.gif`` or ``.mp4``) chooses the container.
    fps
        Frames per second [1/s].
    overwrite
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ConfigError
        For a suffix other than ``.gif``/``.mp4``, or ``.mp4`` without ``imageio-ffmpeg``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    allowed = (".gif", ".mp4") if movie_format() == "mp4" else (".gif",)
    if suffix not in allowed:
        raise ConfigError(
            f"{path}: cannot write {suffix or 'suffix-less'} movies here; use one of {allowed}"
            + ("" if movie_format() == "mp4" else " (MP4 needs: pip install 'spinscope[movie]')"),
            path=str(path),
        )
    with atomic_path(path, overwrite=overwrite) as tmp:
        if suffix == ".gif":
            iio.imwrite(tmp, frames, extension=".gif", duration=1000.0 / float(fps), loop=0)
        else:  # the temporary name does not end in .mp4: name the container for ffmpeg
            iio.imwrite(tmp, frames, extension=".mp4", plugin="FFMPEG", fps=float(fps),
                        codec="libx264", macro_block_size=16, output_params=["-f", "mp4"])
    return path
