"""Figures of spectra: optical constants and helicity-resolved transmission across edges."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from spinscope.viz._output import finish, new_figure

__all__ = ["plot_transmission_contrast"]


def plot_transmission_contrast(
    panels: list[tuple[str, xr.Dataset]],
    path: str | Path | None = None,
    *,
    title: str = "",
    overwrite: bool = False,
) -> Figure | Path:
    """Draw optical constants, transmission and XMCD contrast for several energy ranges.

    Parameters
    ----------
    panels
        ``(label, dataset)`` pairs, one column each; datasets as returned by
        :func:`spinscope.workflows.transmission.stack_transmission`.
    path
        Output image [file path]; the format follows the suffix (``.png``, ``.pdf``, ``.svg``).
        None returns the figure instead.
    title
        Figure title.
    overwrite
        Replace an existing file.

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
        The figure when ``path`` is None, else the written file.
    """
    n = len(panels)
    fig = new_figure(figsize=(4.2 * n, 8.4))
    axes = fig.subplots(3, n, sharex="col", squeeze=False)
    for col, (label, ds) in enumerate(panels):
        e = ds["energy"].values
        ax = axes[0, col]
        ax.plot(e, ds["beta"] * 1e3, color="C0", label=r"$\beta$")
        ax.plot(e, ds["delta"] * 1e3, color="C1", label=r"$\delta$")
        ax.plot(e, ds["beta_m"] * 1e3, color="C0", ls="--", label=r"$\beta_m$")
        ax.plot(e, ds["delta_m"] * 1e3, color="C1", ls="--", label=r"$\delta_m$")
        ax.axhline(0, color="0.7", lw=0.5)
        ax.set_title(label)
        ax.set_ylabel(r"optical constants [$10^{-3}$]" if col == 0 else "")
        ax.legend(fontsize=7, loc="best")
        ax = axes[1, col]
        ax.semilogy(e, ds["transmission_plus"], label="helicity +1")
        ax.semilogy(e, ds["transmission_minus"], label="helicity -1")
        ax.set_ylabel("transmission" if col == 0 else "")
        ax.legend(fontsize=7)
        ax = axes[2, col]
        ax.plot(e, ds["transmission_asymmetry"], color="C3", label=r"$(T_+-T_-)/(T_++T_-)$")
        ax.set_xlabel("photon energy [eV]")
        ax.set_ylabel("XMCD asymmetry" if col == 0 else "")
        ax2 = ax.twinx()
        ax2.plot(e, ds["contrast_figure_of_merit"], color="C2", lw=0.8, label="figure of merit")
        ax2.set_ylabel(r"$|T_+-T_-|/\sqrt{T_++T_-}$", color="C2", fontsize=8)
        best = int(np.nanargmax(ds["contrast_figure_of_merit"].values))
        ax2.axvline(e[best], color="C2", ls=":", lw=0.8)
        ax.axhline(0, color="0.7", lw=0.5)
        ax.legend(fontsize=7, loc="upper left")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return finish(fig, path, overwrite=overwrite)
