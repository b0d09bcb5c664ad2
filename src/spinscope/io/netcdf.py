"""spinscope's LLG movie files: netCDF4 (HDF5) written with xarray's ``h5netcdf`` engine.

A movie of :func:`spinscope.micromagnetics.scenario.run_scenario` (the reduced magnetisation ``m``
with dims ``(time, [z,] y, x, component)``, coordinates in SI and ``m_avg`` (time, component)) is
stored as one netCDF4 file, which is also plain HDF5: h5py, h5web and silx open it, and xarray reads
it back with ``engine="h5netcdf"``. ``m`` is kept in float64, compressed (gzip level 4 with the
shuffle filter) and chunked one frame per chunk, so reading one frame reads one chunk. The root
group carries NeXus NXdata attributes (``NX_class``, ``signal``, ``axes``) so NeXus-aware viewers
plot ``m`` against its coordinates, and ``spinscope_kind = "llg_movie"``, by which
:mod:`spinscope.io.registry` recognises the file.

Files written by spinscope before this format (netCDF3 classic, xarray's ``scipy`` engine) are still
read (:func:`read_llg_movie`).
"""

from __future__ import annotations

import os
from pathlib import Path

import xarray as xr

from spinscope.errors import FileFormatError

__all__ = ["KIND", "NETCDF3_MAGIC", "is_netcdf3", "read_llg_movie", "write_llg_netcdf"]

#: Value of the root attribute ``spinscope_kind`` of an LLG movie file.
KIND = "llg_movie"
#: First bytes of a netCDF3 file (classic and 64-bit offset formats).
NETCDF3_MAGIC = (b"CDF\x01", b"CDF\x02")
#: Root attributes the writer adds and the reader removes (they describe the file, not the movie).
_FILE_ATTRS = ("spinscope_kind", "NX_class", "signal", "axes", "Conventions")
#: gzip level of the magnetisation (1 fast .. 9 small).
COMPLEVEL = 4


def is_netcdf3(path: str | os.PathLike) -> bool:
    """Whether ``path`` [file path] starts with the netCDF3 magic number (never raises)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4) in NETCDF3_MAGIC
    except OSError:
        return False


def _safe_attrs(ds: xr.Dataset) -> None:
    """netCDF has no booleans: store boolean attributes as 0/1 (in place)."""
    for attrs in (ds.attrs, *(ds[name].attrs for name in ds.variables)):
        for k, v in list(attrs.items()):
            if isinstance(v, bool):
                attrs[k] = int(v)


def write_llg_netcdf(movie: xr.DataArray, path: str | os.PathLike, *,
                     complevel: int = COMPLEVEL, dtype: str | None = None) -> Path:
    """Write a magnetisation movie as a compressed netCDF4/HDF5 file (not atomic: the caller
    passes a temporary path, see :func:`spinscope.atomic.atomic_path`).

    Parameters
    ----------
    movie
        Reduced magnetisation [1] with a ``time`` dim [s] (and ``x``, ``y``, ``z`` [m],
        ``component``); its coordinates (``m_avg``) and attributes are written too.
    path
        Output file [file path]; replaced if it exists.
    complevel
        gzip level of ``m`` and ``m_avg`` (0: no compression).
    dtype
        Storage type of ``m``: None keeps the movie's (float64 from the engines, lossless);
        ``"float32"`` stores it rounded to about 6e-8 [1] and reads back as float32: about 3 times
        smaller compressed, since float64 solver output barely compresses (the FMR example:
        24.2 MB raw, 19.3 MB float64 gzip-4, 8.2 MB float32 gzip-4 for 101 frames).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    ds = movie.to_dataset(name="m")
    _safe_attrs(ds)
    ds.attrs.update({"spinscope_kind": KIND, "NX_class": "NXdata", "signal": "m",
                     "axes": [str(d) for d in movie.dims], "Conventions": "CF-1.8"})
    comp = {"zlib": True, "complevel": int(complevel), "shuffle": True} if complevel else {}
    frame = tuple(1 if d == "time" else int(n) for d, n in movie.sizes.items())
    encoding = {"m": {**comp, "chunksizes": frame, **({"dtype": dtype} if dtype else {})}}
    if "m_avg" in ds.variables:
        encoding["m_avg"] = dict(comp)
    ds.to_netcdf(path, engine="h5netcdf", encoding=encoding)
    return Path(path)


def read_llg_movie(path: str | os.PathLike) -> xr.Dataset:
    """Read an LLG movie file into memory: netCDF4/HDF5 (this version) or netCDF3 (earlier ones).

    Parameters
    ----------
    path
        A ``.nc`` movie of ``spinscope llg run`` [file path].

    Returns
    -------
    xarray.Dataset
        ``m`` (the movie, reduced magnetisation [1]) with its coordinates and attributes as
        written; ``attrs["signal"] = "m"``; ``encoding["format"]`` is ``"netCDF4"`` or
        ``"netCDF3"``. The file is closed.

    Raises
    ------
    FileFormatError
        Not an LLG movie (no ``m`` variable), or a file xarray cannot read (the message says why).
    """
    p = Path(path)
    old = is_netcdf3(p)
    engine = "scipy" if old else "h5netcdf"
    try:
        with xr.open_dataset(p, engine=engine, decode_times=False) as f:
            ds = f.load()
    except (OSError, ValueError, ImportError, KeyError, TypeError) as exc:
        raise FileFormatError(f"{p}: cannot read as an LLG movie ({engine}): {exc}",
                              path=str(p)) from None
    if "m" not in ds.data_vars:
        raise FileFormatError(f"{p}: no variable 'm'; not a spinscope LLG movie", path=str(p))
    for k in _FILE_ATTRS:
        ds.attrs.pop(k, None)
    ds["m"].attrs.setdefault("units", "")
    ds.attrs["signal"] = "m"
    ds.encoding["format"] = "netCDF3" if old else "netCDF4"
    return ds
