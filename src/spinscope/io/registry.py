"""The reader registry: one entry point, :func:`open_dataset`, for every file format spinscope reads.

In the manner of xarray's backend entry points, each format is a :class:`Backend` that declares a
``name``, a one-line ``description``, the file ``extensions`` it usually carries,
``guess_can_open(path)`` (cheap: the extension, a magic number or the NeXus classes in an HDF5 file;
never raises) and ``open(path, **options)`` returning an :class:`xarray.Dataset`.
:func:`open_dataset` dispatches: to ``engine=`` when given, else to the first backend, in registry
order, whose ``guess_can_open`` is true. When none claims the file, a
:class:`~spinscope.errors.FileFormatError` names the file and the known formats.

Registry order (most specific first):

============  =====================================================================
engine        files
============  =====================================================================
hdr_xim       ``.hdr`` header + ``.xim`` images / ``.xsp`` spectra (ALS, CLS, MAXYMUS)
ovf           OOMMF/MuMax3 OVF 0.99, 1.0, 2.0 (``.ovf .omf .ohf .oef .ovc``; or a ``# OOMMF`` first line)
llg_movie     movie of ``spinscope llg run`` (``.nc``: netCDF4/HDF5, or netCDF3 of earlier versions)
nxstxm        NeXus NXstxm (PolLux, spinscope's simulated STXM, other STXMs)
spinscope     NeXus written by :func:`spinscope.io.write_nexus`
nexus         any other NeXus file (an NXentry with an NXdata)
tiff          TIFF frames (``.tif``, ``.tiff``)
sif           Andor Solis ``.sif`` frames
spe           Princeton Instruments ``.spe`` frames
hdf5          plain HDF5 with one frame stack (no NXentry)
============  =====================================================================

Third-party readers register with :func:`register_backend`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xarray as xr

from spinscope.errors import FileFormatError, SpinscopeError
from spinscope.io._hdf5 import check_file, decode, find_hdf5_signature, name_the_file, nx_class
from spinscope.io.hdr_xim import read_hdr_xim
from spinscope.io.lab import read_lab_frames
from spinscope.io.netcdf import KIND as _LLG_KIND
from spinscope.io.netcdf import is_netcdf3, read_llg_movie
from spinscope.io.nexus import read_nexus
from spinscope.io.nxstxm import read_nxstxm
from spinscope.io.ovf import read_ovf

__all__ = [
    "Backend",
    "guess_engine",
    "hdf5_kind",
    "list_engines",
    "open_dataset",
    "register_backend",
]


class Backend:
    """One file format: how to recognise it and how to read it into an :class:`xarray.Dataset`.

    Parameters
    ----------
    name
        Engine name (``open_dataset(path, engine=name)``).
    description
        One line saying which files it reads.
    extensions
        Usual file-name suffixes, lower case with the dot (``(".ovf", ".omf")``).
    guess
        ``guess(path) -> bool``: whether the file looks like this format (must not raise).
    reader
        ``reader(path, **options) -> xarray.Dataset``.
    """

    def __init__(self, name: str, description: str, extensions: tuple[str, ...],
                 guess: Callable[[Path], bool], reader: Callable[..., xr.Dataset]):
        self.name = name
        self.description = description
        self.extensions = tuple(e.lower() for e in extensions)
        self._guess = guess
        self._reader = reader

    def guess_can_open(self, path: str | os.PathLike) -> bool:
        """Whether this backend recognises ``path`` [file path] (never raises)."""
        try:
            return bool(self._guess(Path(path)))
        except Exception:  # a guess must never fail: the reader gives the error
            return False

    def open(self, path: str | os.PathLike, **options: Any) -> xr.Dataset:
        """Read ``path`` [file path]; ``options`` go to the format's reader."""
        out = self._reader(Path(path), **options)
        if isinstance(out, xr.DataArray):
            out = _as_dataset(out)
        return out

    def __repr__(self) -> str:
        return f"Backend({self.name!r}: {self.description})"


_REGISTRY: dict[str, Backend] = {}


def register_backend(backend: Backend, *, before: str | None = None) -> None:
    """Add (or replace) a backend; ``before`` puts it ahead of that engine in the guessing order."""
    _REGISTRY.pop(backend.name, None)
    if before is None or before not in _REGISTRY:
        _REGISTRY[backend.name] = backend
        return
    items = list(_REGISTRY.items())
    i = [k for k, _ in items].index(before)
    items.insert(i, (backend.name, backend))
    _REGISTRY.clear()
    _REGISTRY.update(items)


def list_engines() -> dict[str, Backend]:
    """The registered backends, in guessing order (engine name -> :class:`Backend`)."""
    return dict(_REGISTRY)


def _known() -> str:
    return ", ".join(f"{b.name} ({' '.join(b.extensions) or 'by content'})" for b in _REGISTRY.values())


def guess_engine(path: str | os.PathLike) -> str:
    """Name of the backend that reads ``path`` [file path].

    Raises
    ------
    FileFormatError
        If the file is missing, empty or a folder, or no backend recognises it (the message lists
        the known formats).
    """
    p = check_file(path)
    if p.stat().st_size == 0:
        raise FileFormatError(f"{p}: empty file", path=str(p))
    for b in _REGISTRY.values():
        if b.guess_can_open(p):
            return b.name
    raise FileFormatError(
        f"{p}: unrecognised file format; known formats are {_known()}", path=str(p)
    )


def open_dataset(path: str | os.PathLike, *, engine: str | None = None, **options: Any) -> xr.Dataset:
    """Read any supported data file into an :class:`xarray.Dataset`.

    Parameters
    ----------
    path
        The file [file path].
    engine
        Backend name (see :func:`list_engines`); default: guessed from the file.
    **options
        Passed to the backend's reader (e.g. ``entry=``/``detector=`` for ``nxstxm``,
        ``channel=`` for ``hdr_xim``, ``dataset=`` for ``hdf5``, ``squeeze=`` for ``ovf``).

    Returns
    -------
    xarray.Dataset
        Measured stacks follow :mod:`spinscope.datamodel` (coordinates in SI, energies in eV);
        ``encoding["engine"]`` names the backend that read it, ``encoding["source"]`` the file.

    Raises
    ------
    FileFormatError
        Missing, unrecognised or malformed file, or an unknown ``engine``.
    """
    p = Path(path)
    if engine is None:
        name = guess_engine(p)
    else:
        if engine not in _REGISTRY:
            raise FileFormatError(
                f"{p}: unknown engine {engine!r}; known engines are {', '.join(_REGISTRY)}", path=str(p)
            )
        check_file(p)
        name = engine
    try:
        ds = _REGISTRY[name].open(p, **options)
    except SpinscopeError as exc:  # every reader error names the file
        named = name_the_file(exc, p)
        if named is exc:
            raise
        raise named from exc
    ds.encoding["engine"] = name
    ds.encoding.setdefault("source", str(p))
    return ds


def _as_dataset(da: xr.DataArray) -> xr.Dataset:
    name = da.name if isinstance(da.name, str) and da.name else "data"
    ds = da.to_dataset(name=name)
    ds.attrs = dict(da.attrs)
    return ds


# --------------------------------------------------------------------------------------------------
# guesses


def _suffix(p: Path) -> str:
    return p.suffix.lower()


def _head(p: Path, n: int = 64) -> bytes:
    with open(check_file(p), "rb") as fh:  # a FIFO or device is refused, never opened
        return fh.read(n)


@functools.lru_cache(maxsize=64)
def _hdf5_kind_cached(path: str, mtime_ns: int, size: int) -> str | None:
    import h5py

    if find_hdf5_signature(path) is None:
        return None
    try:
        f = h5py.File(path, "r", locking=False)
    except Exception:
        return "hdf5"  # unreadable: the hdf5 reader says why (truncated, corrupt)
    with f:
        try:
            return _nexus_kind(f)
        except Exception:  # corrupt structure: the hdf5 reader says what is wrong
            return "hdf5"


def _nexus_kind(f) -> str:
    """``llg_movie`` (root attribute ``spinscope_kind``), else ``nxstxm``, ``spinscope``, ``nexus``
    or ``hdf5`` from the NXentry groups of an open file."""
    import h5py

    if str(decode(f.attrs.get("spinscope_kind", ""))) == _LLG_KIND:
        return _LLG_KIND
    kind = "hdf5"
    for key in f:
        try:
            g = f.get(key)
        except Exception:  # a broken link at the top level
            continue
        if not isinstance(g, h5py.Group) or nx_class(g) != "NXentry":
            continue
        if "definition" in g:
            try:
                if str(decode(g["definition"][()])).strip() == "NXstxm":
                    return "nxstxm"
            except Exception:  # an unreadable definition: not NXstxm
                pass
        data = g.get("data")
        if isinstance(data, h5py.Group) and "spinscope_order" in data.attrs:
            return "spinscope"
        kind = "nexus"
    return kind


def hdf5_kind(path: str | os.PathLike) -> str | None:
    """``llg_movie``, ``nxstxm``, ``spinscope``, ``nexus`` or ``hdf5`` for an HDF5 file, ``None``
    if not HDF5.

    NXentry groups are recognised whether ``NX_class`` is a string or a one-element array (GDA).
    """
    p = Path(path)
    st = p.stat()
    return _hdf5_kind_cached(str(p.resolve()), st.st_mtime_ns, st.st_size)


def _is_kind(kind: str) -> Callable[[Path], bool]:
    return lambda p: hdf5_kind(p) == kind


_OVF_SUFFIXES = (".ovf", ".omf", ".ohf", ".oef", ".ovc")


def _guess_ovf(p: Path) -> bool:
    return _suffix(p) in _OVF_SUFFIXES or _head(p, 16).lower().startswith(b"# oommf")


def _guess_llg_movie(p: Path) -> bool:
    """A spinscope LLG movie: netCDF4/HDF5 marked ``spinscope_kind``, or a netCDF3 ``.nc`` file."""
    if is_netcdf3(p):
        return True
    return hdf5_kind(p) == _LLG_KIND


def _guess_tiff(p: Path) -> bool:
    return _suffix(p) in (".tif", ".tiff") or _head(p, 4) in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def _guess_sif(p: Path) -> bool:
    return _suffix(p) == ".sif" or _head(p, 35) == b"Andor Technology Multi-Channel File"


def _guess_spe(p: Path) -> bool:
    return _suffix(p) == ".spe"


# --------------------------------------------------------------------------------------------------
# readers


def _read_hdr_xim(p: Path, **options) -> xr.Dataset:
    return read_hdr_xim(p, **options)


def _read_ovf(p: Path, **options) -> xr.Dataset:
    da = read_ovf(p, **options)
    ds = _as_dataset(da)
    ds.attrs["signal"] = next(iter(ds.data_vars))
    return ds


def _read_llg_movie(p: Path, **options) -> xr.Dataset:
    return read_llg_movie(p, **options)


def _read_nxstxm(p: Path, **options) -> xr.Dataset:
    return read_nxstxm(p, **options)


def _read_nexus(p: Path, **options) -> xr.Dataset:
    return read_nexus(p, **options)


def _read_frames(p: Path, **options) -> xr.Dataset:
    return _as_dataset(read_lab_frames(p, **options))


def _register_builtins() -> None:
    for b in (
        Backend("hdr_xim", "STXM .hdr header with .xim images or .xsp spectra (ALS, CLS, SLS, MAXYMUS)",
                (".hdr", ".xim", ".xsp"), lambda p: _suffix(p) in (".hdr", ".xim", ".xsp"), _read_hdr_xim),
        Backend("ovf", "OOMMF/MuMax3 vector or scalar field (OVF 0.99, 1.0, 2.0)",
                _OVF_SUFFIXES, _guess_ovf, _read_ovf),
        Backend("llg_movie", "magnetisation movie of 'spinscope llg run' (netCDF4/HDF5; netCDF3 of "
                "earlier versions)", (".nc",), _guess_llg_movie, _read_llg_movie),
        Backend("nxstxm", "NeXus NXstxm scan (PolLux and other STXMs, spinscope's simulated STXM)",
                (".hdf5", ".h5", ".nxs"), _is_kind("nxstxm"), _read_nxstxm),
        Backend("spinscope", "NeXus file written by spinscope.io.write_nexus",
                (".nxs", ".h5"), _is_kind("spinscope"), _read_nexus),
        Backend("nexus", "other NeXus file (its first NXdata group)",
                (".nxs", ".nx", ".h5", ".hdf5"), _is_kind("nexus"), _read_nexus),
        Backend("tiff", "TIFF frames (single or multi-page)", (".tif", ".tiff"), _guess_tiff, _read_frames),
        Backend("sif", "Andor Solis .sif frames", (".sif",), _guess_sif, _read_frames),
        Backend("spe", "Princeton Instruments .spe frames (SPE 2.x, 3.0)", (".spe",), _guess_spe,
                _read_frames),
        Backend("hdf5", "plain HDF5 file with one frame stack (or dataset=)",
                (".h5", ".hdf5"), _is_kind("hdf5"), _read_frames),
    ):
        register_backend(b)


_register_builtins()
