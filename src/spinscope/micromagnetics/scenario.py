"""Load and run a scenario (:class:`spinscope.config.micromagnetics.LLGConfig`) on an engine."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from spinscope.atomic import (
    MANIFEST_NAME,
    OutputError,
    atomic_path,
    atomic_write_text,
    claim_output,
    config_fingerprint,
    make_folder,
    write_manifest,
)
from spinscope.config.kinds import load_config
from spinscope.config.micromagnetics import LLGConfig
from spinscope.io.netcdf import write_llg_netcdf
from spinscope.io.ovf import write_ovf
from spinscope.micromagnetics.build import build_simulation
from spinscope.micromagnetics.engine import get_engine
from spinscope.micromagnetics.simulation import CheckpointFile

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["build_simulation", "load_scenario", "run_scenario", "scenario_fingerprint", "write_movie"]

#: Attribute of a movie of :func:`run_scenario`: when its run started [s since the epoch]; not written.
_STARTED = "run_started"
#: Names of the frames of an OVF-folder movie.
_FRAME = re.compile(r"m\d{6}\.ovf")


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
        Checkpoint file (``.npz``) written during the run, and whether to continue from it. It
        carries the fingerprint of ``cfg`` (:func:`scenario_fingerprint`) and the spinscope version;
        resuming one made with another configuration or version is refused.
    workers
        Threads for the FFTs.
    engine
        Name of the engine (:data:`~spinscope.micromagnetics.engine.ENGINES`); ``None``: the
        scenario's ``engine``.

    Returns
    -------
    xarray.DataArray
        The magnetisation movie with the coordinate ``m_avg`` and the attributes
        ``config_fingerprint`` and ``run_started`` [s since the epoch; read by :func:`write_movie`,
        not written].

    Raises
    ------
    ParameterError
        ``engine``: an unknown engine name.
    FileFormatError
        ``resume``: the checkpoint is not one, is truncated, or was made with another configuration
        or spinscope version (the message names it).
    """
    eng = get_engine(cfg.engine if engine is None else engine)
    started = time.time()
    fp, keys = scenario_fingerprint(cfg)
    if checkpoint is not None:
        checkpoint = CheckpointFile(checkpoint, fingerprint=fp, keys=keys)
    movie = eng.run(cfg, base_dir=base_dir, progress=progress, checkpoint=checkpoint,
                    resume=resume, workers=workers)
    movie.attrs["config_fingerprint"] = fp
    movie.attrs[_STARTED] = started
    return movie


def scenario_fingerprint(cfg: LLGConfig) -> tuple[str, dict[str, str]]:
    """Fingerprint of a scenario (:func:`spinscope.atomic.config_fingerprint`) for its checkpoints.

    ``run.checkpoint_every`` is left out: how often a run is saved does not change its result.

    Returns
    -------
    tuple of (str, dict)
        SHA-256 of the canonical JSON [hex digest] and the fingerprint of each top-level key.
    """
    data = cfg.model_dump(mode="json")
    if isinstance(data.get("run"), dict):
        data["run"] = {k: v for k, v in data["run"].items() if k != "checkpoint_every"}
    return config_fingerprint(data)


def write_movie(movie: xr.DataArray, out: Path) -> list[Path]:
    """Write a magnetisation movie: a ``.nc`` file (netCDF4/HDF5, written atomically) or a folder
    of OVF 2.0 snapshots ``m000000.ovf ...`` with ``table.txt`` (t [s] and <m>) and ``manifest.json``.

    The ``.nc`` file (:func:`spinscope.io.netcdf.write_llg_netcdf`) keeps ``m`` in float64,
    gzip-compressed (level 4, shuffle) one frame per chunk; h5py, h5web and silx open it, and
    :func:`spinscope.io.open_dataset` (engine ``llg_movie``) or ``xarray.open_dataset(path,
    engine="h5netcdf")`` read it back.

    The output is claimed for the duration (:func:`spinscope.atomic.claim_output`): a second run
    writing the same output fails, and a movie of :func:`run_scenario` does not replace an output
    that another run wrote after it started. A folder gets ``manifest.json`` with ``complete = false`` before
    the first frame and ``complete = true`` with the frame count, the configuration fingerprint and
    the spinscope version after the last file, so an interrupted write reads as incomplete
    (:func:`spinscope.io.ovf.read_ovf_folder`); frames of an earlier, longer movie are removed.

    Parameters
    ----------
    movie
        The movie of :func:`run_scenario`.
    out
        Output path: ends in ``.nc`` for netCDF4/HDF5, anything else is a folder.

    Returns
    -------
    list of pathlib.Path
        The files written (the table and the manifest not counted).

    Raises
    ------
    OutputError
        The output cannot be written (names the path and the reason) or another run writes it.
    """
    out = Path(out)
    started = movie.attrs.get(_STARTED)
    if started is not None:
        movie = movie.copy(deep=False)
        movie.attrs = {k: v for k, v in movie.attrs.items() if k != _STARTED}
    with claim_output(out):
        _refuse_newer(out, started)
        if out.suffix == ".nc":
            with atomic_path(out, overwrite=True) as tmp:
                write_llg_netcdf(movie, tmp)
            return [out]
        return _write_ovf_folder(movie, out)


def _refuse_newer(out: Path, started: float | None) -> None:
    """Refuse an output that another run wrote after this run started [s since the epoch]: two runs
    into one output, the second must not silently replace the first."""
    if started is None:
        return
    mark = out / MANIFEST_NAME if out.suffix != ".nc" else out
    try:
        written = mark.stat().st_mtime
    except OSError:
        return
    if written > started:
        when = time.strftime("%H:%M:%S", time.localtime(written))
        raise OutputError(f"{out}: another run wrote this output at {when}, while this run was "
                          "running; not replacing it: choose another -o", path=str(out))


def _write_ovf_folder(movie: xr.DataArray, out: Path) -> list[Path]:
    """The OVF-folder branch of :func:`write_movie` (the caller holds the claim)."""
    make_folder(out)
    n = movie.sizes["time"]
    info = {"kind": "spinscope llg movie", "frames": n,
            "config_fingerprint": movie.attrs.get("config_fingerprint")}
    write_manifest(out, complete=False, **info)
    files = []
    for i in range(n):
        fr = movie.isel(time=i)
        files.append(write_ovf(out / f"m{i:06d}.ovf", fr.drop_vars("m_avg", errors="ignore"),
                               format="binary4", title="m", time=float(fr["time"])))
    keep = {p.name for p in files}
    for old in out.iterdir():
        if _FRAME.fullmatch(old.name) and old.name not in keep and not old.is_dir():
            old.unlink()
    if "m_avg" in movie.coords:
        tab = np.column_stack([movie["time"].values, movie["m_avg"].values])
        buf = io.StringIO()
        np.savetxt(buf, tab, header="t (s)\tmx ()\tmy ()\tmz ()", delimiter="\t")
        atomic_write_text(out / "table.txt", buf.getvalue())
    write_manifest(out, complete=True, **info)
    return files
