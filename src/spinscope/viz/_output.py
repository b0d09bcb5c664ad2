"""Shared plumbing of the figure and movie writers: headless pyplot, atomic saving, movie encoding."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spinscope.atomic import atomic_path

__all__ = ["movie_format", "pyplot", "save_figure", "write_rgb_movie"]


def pyplot():
    """Return ``matplotlib.pyplot`` on the non-interactive Agg backend (unless one is already chosen)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: str | Path, *, overwrite: bool, dpi: int = 110) -> Path:
    """Save a figure atomically (format from the suffix) and close it.

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
    """
    plt = pyplot()
    path = Path(path)
    try:
        with atomic_path(path, overwrite=overwrite) as tmp:
            fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", dpi=dpi)
    finally:
        plt.close(fig)
    return path


def movie_format() -> str:
    """Container movies use by default: ``"mp4"`` with ``imageio-ffmpeg`` installed, else ``"gif"``.

    Returns
    -------
    str
        ``"mp4"`` or ``"gif"``.
    """
    try:
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        return "gif"
    return "mp4"


def write_rgb_movie(frames: np.ndarray, path: str | Path, *, fps: float, overwrite: bool) -> Path:
    """Encode RGB frames as an animated GIF or an MP4 (H.264), atomically.

    Parameters
    ----------
    frames
        ``uint8`` array ``(n, height, width, 3)``.
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
    import imageio.v3 as iio

    from spinscope.errors import ConfigError

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
