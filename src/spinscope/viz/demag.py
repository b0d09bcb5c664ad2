"""Figures of ultrafast demagnetisation: m(t) per species and the bath temperatures of one pixel."""

from __future__ import annotations

from pathlib import Path

import xarray as xr
from matplotlib.figure import Figure

from spinscope.viz._output import finish, new_figure

__all__ = ["plot_demag"]


def plot_demag(ds: xr.Dataset, path: str | Path | None = None, *, overwrite: bool = False) -> Figure | Path:
    """Draw m(t)/m(T0) per species and the electron, phonon (and spin) temperatures.

    Parameters
    ----------
    ds
        Output of :func:`spinscope.ultrafast.simulate_demagnetisation` (single pixel): ``delay`` [s],
        ``Te``, ``Tp`` (and ``Ts``) [K], ``m`` over ``species`` with ``m_eq0`` [dimensionless].
    path
        Image file [file path]; the format follows the suffix (``.png``, ``.pdf``, ``.svg``).
        None returns the figure instead.
    overwrite
        Replace an existing file.

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
        The figure when ``path`` is None, else the written file.
    """
    t_ps = (ds["delay"].values - float(ds.attrs.get("pump_t0", 0.0))) * 1e12
    fig = new_figure(figsize=(6.4, 6.0), layout="constrained")
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    if "m" in ds:
        for i, name in enumerate(ds["species"].values):
            m0 = float(ds["m_eq0"].values[i])
            ax1.plot(t_ps, ds["m"].values[:, i] / m0, label=str(name))
        ax1.axhline(0.0, color="0.6", lw=0.8)
        ax1.legend()
    ax1.set_ylabel("m / m(T0)")
    ax1.set_title(f"{ds.attrs.get('material')} ({ds.attrs.get('model')}), "
                  f"{ds.attrs.get('fluence', 0) / 10:.3g} mJ/cm$^2$")
    ax2.plot(t_ps, ds["Te"].values, label="T$_e$")
    ax2.plot(t_ps, ds["Tp"].values, label="T$_p$")
    if "Ts" in ds:
        ax2.plot(t_ps, ds["Ts"].values, label="T$_s$")
    ax2.set_ylabel("temperature [K]")
    ax2.set_xlabel("delay [ps]")
    ax2.legend()
    if t_ps[-1] > 30:
        ax2.set_xscale("symlog", linthresh=1.0)
    return finish(fig, path, overwrite=overwrite, dpi=100)
