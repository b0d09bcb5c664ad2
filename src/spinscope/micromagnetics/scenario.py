"""Load and run a scenario (:class:`spinscope.config.micromagnetics.LLGConfig`) on an engine."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from spinscope.config.kinds import load_config
from spinscope.config.micromagnetics import LLGConfig
from spinscope.io.ovf import write_ovf
from spinscope.micromagnetics.build import build_simulation
from spinscope.micromagnetics.engine import get_engine

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["build_simulation", "load_scenario", "run_scenario", "write_movie"]


def load_scenario(path) -> LLGConfig:
    """Load and validate a scenario TOML file (:class:`~spinscope.config.micromagnetics.LLGConfig`)."""
    return load_config(path, LLGConfig)


def run_scenario(cfg: LLGConfig, *, base_dir=".", progress: bool = False, checkpoint=None,
                 resume: bool = False, workers: int | None = None,
                 engine: str | None = None) -> xr.DataArray:
    """Relax (if asked) and run a scenario on its engine; returns the magnetisation movie.

    Parameters
    ----------
    cfg
        The scenario.
    base_dir
        Folder for relative paths in the scenario (geometry mask, initial OVF file).
    progress
        Show a progress bar.
    checkpoint, resume
        Checkpoint file (``.npz``) written during the run, and whether to continue from it.
    workers
        Threads for the FFTs.
    engine
        Name of the engine (:data:`~spinscope.micromagnetics.engine.ENGINES`); ``None``: the
        scenario's ``engine``.

    Returns
    -------
    xarray.DataArray
        The magnetisation movie with the coordinate ``m_avg``.

    Raises
    ------
    ParameterError
        ``engine``: an unknown engine name.
    """
    eng = get_engine(cfg.engine if engine is None else engine)
    return eng.run(cfg, base_dir=base_dir, progress=progress, checkpoint=checkpoint,
                   resume=resume, workers=workers)


def _netcdf_safe(ds) -> None:
    """netCDF has no booleans: store boolean attributes as 0/1 (in place)."""
    for attrs in (ds.attrs, *(ds[name].attrs for name in ds.variables)):
        for k, v in list(attrs.items()):
            if isinstance(v, bool):
                attrs[k] = int(v)


def write_movie(movie: xr.DataArray, out: Path) -> list[Path]:
    """Write a magnetisation movie: a ``.nc`` file (netCDF, written atomically) or a folder of
    OVF 2.0 snapshots ``m000000.ovf ...`` with ``table.txt`` (t [s] and <m>).

    Parameters
    ----------
    movie
        The movie of :func:`run_scenario`.
    out
        Output path: ends in ``.nc`` for netCDF, anything else is a folder.

    Returns
    -------
    list of pathlib.Path
        The files written (the table not counted).
    """
    out = Path(out)
    if out.suffix == ".nc":
        ds = movie.to_dataset(name="m")
        _netcdf_safe(ds)
        tmp = out.with_name(out.name + ".part")
        ds.to_netcdf(tmp, engine="scipy")
        tmp.replace(out)
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(movie.sizes["time"]):
        fr = movie.isel(time=i)
        files.append(write_ovf(out / f"m{i:06d}.ovf", fr.drop_vars("m_avg", errors="ignore"),
                               format="binary4", title="m", time=float(fr["time"])))
    if "m_avg" in movie.coords:
        tab = np.column_stack([movie["time"].values, movie["m_avg"].values])
        np.savetxt(out / "table.txt", tab, header="t (s)\tmx ()\tmy ()\tmz ()", delimiter="\t")
    return files
