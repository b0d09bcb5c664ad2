"""Files in and out: NeXus/HDF5 writer and reader, readers of real beamline and lab formats.

:func:`open_dataset` reads any supported file into the spinscope data model (choosing the reader by
extension and content); :func:`summarize_file` describes it in a JSON-ready dict (``spinscope
info``). The readers import h5py only when called, so ``import spinscope.io`` stays light.

==========================  =================  =============================================
file                        kind               reader
==========================  =================  =============================================
spinscope NeXus (``.nxs``)  ``spinscope``      :func:`spinscope.io.nexus.read_nexus`
NXstxm HDF5 (PolLux, ...)   ``nxstxm``         :func:`spinscope.io.nxstxm.read_nxstxm`
other NeXus/HDF5 NXdata     ``nexus``          :func:`spinscope.io.nexus.read_nexus`
``.hdr`` + ``.xim``/.xsp    ``hdr_xim``        :func:`spinscope.io.hdr_xim.read_hdr_xim`
``.ovf``/``.omf``           ``ovf``            ``spinscope.io.ovf.read_ovf`` (when installed)
==========================  =================  =============================================
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from spinscope.errors import FileFormatError

__all__ = ["detect_kind", "open_dataset", "read_nexus", "summarize_file", "write_nexus"]

_HDR_SUFFIXES = (".hdr", ".xim", ".xsp")
_OVF_SUFFIXES = (".ovf", ".omf")


def detect_kind(path: str | os.PathLike) -> str:
    """Kind of a data file: ``spinscope``, ``nxstxm``, ``nexus``, ``hdr_xim`` or ``ovf``.

    Raises
    ------
    FileFormatError
        If the file is missing, unreadable or of no supported kind.
    """
    from spinscope.io._hdf5 import check_file, find_hdf5_signature, open_hdf5

    p = check_file(path)
    suffix = p.suffix.lower()
    if suffix in _HDR_SUFFIXES:
        return "hdr_xim"
    if suffix in _OVF_SUFFIXES:
        return "ovf"
    if find_hdf5_signature(p) is None:
        if p.stat().st_size == 0:
            raise FileFormatError(f"{p}: empty file", path=str(p))
        raise FileFormatError(
            f"{p}: unrecognised file format (not an HDF5 file, and not .hdr/.xim/.xsp/.ovf)",
            path=str(p),
        )
    from spinscope.io._hdf5 import wrap_errors
    from spinscope.io.nxstxm import is_nxstxm

    with open_hdf5(p) as f, wrap_errors(p):
        if is_nxstxm(f):
            return "nxstxm"
        for key in f:
            g = f.get(key)
            nx = g.attrs.get("NX_class") if g is not None else None
            if isinstance(nx, bytes):
                nx = nx.decode("utf-8", "replace")
            if nx == "NXentry":
                data = g.get("data")
                if data is not None and "spinscope_order" in data.attrs:
                    return "spinscope"
                return "nexus"
    raise FileFormatError(f"{p}: HDF5 file without an NXentry group (not NeXus)", path=str(p))


def _read_ovf(path: Path):
    try:
        mod = importlib.import_module("spinscope.io.ovf")
    except ModuleNotFoundError as exc:
        if exc.name != "spinscope.io.ovf":
            raise
        raise FileFormatError(f"{path}: OVF support not installed", path=str(path)) from None
    return mod.read_ovf(path)


def open_dataset(path: str | os.PathLike):
    """Read a supported data file into the spinscope data model.

    Parameters
    ----------
    path
        A spinscope NeXus file, an NXstxm file, a ``.hdr`` (or its ``.xim``/``.xsp``), or an
        OVF/OMF file [file path].

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        Measured data as the stack contract (:mod:`spinscope.datamodel`); spinscope NeXus files as
        written; OVF files as the OVF reader returns them (a magnetisation field).

    Raises
    ------
    FileFormatError
        If the file is missing or of no supported kind, or malformed.
    """
    p = Path(path)
    kind = detect_kind(p)
    if kind == "hdr_xim":
        from spinscope.io.hdr_xim import read_hdr_xim

        return read_hdr_xim(p)
    if kind == "ovf":
        return _read_ovf(p)
    if kind == "nxstxm":
        from spinscope.io.nxstxm import read_nxstxm

        return read_nxstxm(p)
    from spinscope.io.nexus import read_nexus

    return read_nexus(p)


def summarize_file(path: str | os.PathLike) -> dict:
    """Describe a data file (see :func:`spinscope.io.summary.summarize_file`)."""
    from spinscope.io.summary import summarize_file as _summarize

    return _summarize(path)


def read_nexus(path: str | os.PathLike):
    """Read a spinscope NeXus file (see :func:`spinscope.io.nexus.read_nexus`)."""
    from spinscope.io.nexus import read_nexus as _read

    return _read(path)


def write_nexus(path: str | os.PathLike, data, **kwargs):
    """Write a Dataset/DataArray to NeXus (see :func:`spinscope.io.nexus.write_nexus`)."""
    from spinscope.io.nexus import write_nexus as _write

    return _write(path, data, **kwargs)
