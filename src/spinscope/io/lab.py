"""Readers of lab area-detector files: Andor .sif, Princeton .spe, TIFF, folders of frames, HDF5.

Every reader returns an :class:`xarray.DataArray` of detector counts with dims ``(frame, y, x)`` (or
``(delay, y, x)`` when delays are known, ``(y, x)`` for a single frame without delay), float32 or the
file's integer type, and the metadata the file carries as attributes (units in the names):

- ``source_file``, ``format``;
- ``exposure_time_s``, ``detector_temperature_K`` where the file records them;
- a per-frame coordinate ``timestamp`` [s] (relative to the first frame) where the file records one;
- the geometry, where known from the file or given by the caller: ``photon_energy_eV``,
  ``distance_m``, ``pixel_size_m`` ``[py, px]``, ``beam_center_px`` ``[column, row]``. A value given by
  the caller replaces the file's (a warning says so when they differ).
  ``spinscope.analysis.azimuthal.DetectorGeometry.from_attrs`` turns these attributes into a geometry.

Formats
-------
``.sif`` (Andor Solis)
    Read with ``sif_parser`` (extra ``lab``). Exposure [s], detector temperature [deg C -> K] and the
    per-frame time stamps [us -> s] come from the header.
``.spe`` (Princeton Instruments WinView / LightField)
    Read by this module from the SPE 3.0 specification (no extra package; ``spexread`` 0.2.2 fails on
    SPE 3.0 files carrying per-frame time stamps, which lab pump-probe scans record): a 4100-byte header
    (``xdim`` uint16 at byte 42, ``datatype`` int16 at 108, ``ydim`` uint16 at 656, XML footer offset
    uint64 at 678, ``NumFrames`` int32 at 1446, ``file_header_ver`` float32 at 1992), the frames from
    byte 4100, and, for version 3, the XML footer whose ``DataFormat`` gives the pixel format, the
    region size and the frame stride (frames may carry per-frame metadata such as time stamps after
    the pixels). Legacy (2.x) files give exposure (``exp_sec`` at 10) and temperature
    (``DetTemperature`` at 36, deg C) from the header. Files with several regions of interest are
    refused.
``.tif`` / ``.tiff``
    Single- or multi-page TIFF and TIFF stacks via ``tifffile`` (one series of 2D pages). A file
    without frames, with a broken list of pages, or with fewer frames than its ImageJ
    (``images=``), OME (SizeZ x SizeC x SizeT) or tifffile (``shape``) metadata declare is refused.
folder
    Every frame file of one format in it, sorted naturally (``frame2`` before ``frame10``), stacked.
``.h5`` / ``.hdf5`` / ``.nxs`` / ``.nx``
    A dataset by path (``dataset="/entry/data/data"``), else the NeXus default signal, else the only
    dataset with two or more dimensions. NXdetector fields next to it (``distance``,
    ``x_pixel_size``, ``y_pixel_size``, ``beam_center_x``, ``beam_center_y`` with their units) and an
    ``energy`` / ``incident_energy`` / ``wavelength`` in the same entry give the geometry; a 1D
    ``delay`` dataset beside the frames with as many values gives the delays. A length without a
    ``units`` attribute is taken as mm, with a warning naming it (NeXus would say metres, but such
    files in the wild, e.g. EPICS areaDetector at APS, hold mm). A virtual dataset or external link
    whose source files are missing is a :class:`~spinscope.errors.FileFormatError` (nothing is read).

Delay files (:func:`read_delays`): one delay per line, a number with a unit (``0.5 ps``) or a bare
number in seconds; ``#`` starts a comment.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import struct
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import tifffile
import xarray as xr

from spinscope.errors import FileFormatError, SpinscopeError, UnitError
from spinscope.io._hdf5 import check_file, check_links, decode, length_factor, open_hdf5, wrap_errors
from spinscope.units import HC_EV_M, parse_quantity

__all__ = [
    "FRAME_SUFFIXES",
    "read_delays",
    "read_hdf5_frames",
    "read_lab_frames",
    "read_sif",
    "read_spe",
    "read_tiff",
]

FRAME_SUFFIXES = {
    ".sif": "sif",
    ".spe": "spe",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".h5": "hdf5",
    ".hdf5": "hdf5",
    ".nxs": "hdf5",
    ".nx": "hdf5",
}

#: 0 deg C in K (ITS-90 definition of the Celsius scale).
ZERO_CELSIUS_K = 273.15


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise FileFormatError(f"{path}: no such file or folder", path=str(path))


def _check_frame_file(path: Path) -> None:
    """A frame file must exist and be a regular file (a FIFO or device is refused, never opened)."""
    _check_exists(path)
    check_file(path)


def _short(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:160]


# ----------------------------------------------------------------------------------------------
# delays


def read_delays(path: str | os.PathLike) -> np.ndarray:
    """Read a delays file: one delay per line, ``0.5 ps`` or a bare number in seconds.

    Parameters
    ----------
    path
        Text file [file path]; blank lines and ``#`` comments (whole-line or trailing) are ignored.

    Returns
    -------
    numpy.ndarray
        The delays [s], in file order.

    Raises
    ------
    FileFormatError
        Missing or unreadable file, a line that is not a time, or no delays at all.
    """
    p = check_file(path, missing="no such delays file")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(
            f"{p}: not a readable text file of delays ({_short(exc)})", path=str(p)
        ) from None
    out = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            out.append(parse_quantity(line, "time", field="delay"))
        except UnitError:
            raise FileFormatError(
                f"{p} line {lineno}: expected a delay such as '0.5 ps' or a number in seconds, got {line!r}",
                path=str(p),
            ) from None
    if not out:
        raise FileFormatError(f"{p}: no delays in the file (expected one delay per line)", path=str(p))
    return np.asarray(out, dtype=float)


# ----------------------------------------------------------------------------------------------
# TIFF


class _Collect(logging.Handler):
    """Keeps the messages a library logs while one file is read."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _tifffile_log():
    """tifffile logs (does not raise) a broken chain of pages; collect what it logs meanwhile."""
    log = logging.getLogger("tifffile")
    handler = _Collect()
    log.addHandler(handler)
    try:
        yield handler.messages
    finally:
        log.removeHandler(handler)


def _ome_planes(xml: str | None) -> int | None:
    """SizeZ x SizeC x SizeT of the first image of an OME-XML description, or None."""
    if not xml:
        return None
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return None
    for el in root.iter():
        if _local(el.tag) == "Pixels":
            try:
                return int(el.get("SizeZ", 1)) * int(el.get("SizeC", 1)) * int(el.get("SizeT", 1))
            except (TypeError, ValueError):
                return None
    return None


def _tiff_declared(tif) -> tuple[int, str] | None:
    """Number of 2D frames the TIFF's metadata declares, and where it says so (None if silent)."""
    if tif.is_imagej:
        n = (tif.imagej_metadata or {}).get("images")
        if isinstance(n, int) and n > 0:
            return n, f"ImageJ images={n}"
    if tif.is_ome:
        n = _ome_planes(tif.ome_metadata)
        if n is not None and n > 0:
            return n, f"OME SizeZ x SizeC x SizeT = {n}"
    if tif.is_shaped:
        md = tif.shaped_metadata or ()
        shape = md[0].get("shape") if len(md) == 1 and isinstance(md[0], dict) else None
        if isinstance(shape, list) and len(shape) >= 2 and all(isinstance(v, int) for v in shape):
            return math.prod(shape[:-2]), f"shape {shape} in the description"
    return None


def _tiff_pages(p: Path) -> tuple[np.ndarray, str, tuple[int, str] | None]:
    """The pixels, axes and declared frame count of a TIFF; a broken chain of pages is an error."""
    with _tifffile_log() as logged, tifffile.TiffFile(p) as tif:
        if not tif.series:
            raise FileFormatError(f"{p}: TIFF file without images", path=str(p))
        series = tif.series[0]
        axes = series.axes
        if len(tif.series) > 1 and all(
            len(sr.shape) == 2 and sr.shape == series.shape and sr.dtype == series.dtype
            for sr in tif.series
        ):
            # pages written one by one: one 2D series per page
            data = np.stack([sr.asarray() for sr in tif.series])
            axes = "I" + axes
        else:
            data = series.asarray()
        declared = _tiff_declared(tif)
        n_pages = len(tif.pages)  # walks every page: a contiguous series reads only the first
        broken = [m for m in logged if "invalid page offset" in m or "corrupted tag list" in m]
        if broken:
            raise FileFormatError(
                f"{p}: truncated or corrupt TIFF file: the list of pages breaks after "
                f"{n_pages} page(s) ({broken[0].split('>')[-1].strip()})",
                path=str(p),
            )
    return data, axes, declared


def read_tiff(path: str | os.PathLike) -> tuple[np.ndarray, dict[str, Any]]:
    """Frames of a single- or multi-page TIFF (or a TIFF stack) as ``(frame, y, x)``.

    Parameters
    ----------
    path
        TIFF file [file path].

    Returns
    -------
    (numpy.ndarray, dict)
        The frames and the metadata found (none beyond the format for plain TIFFs).

    Raises
    ------
    FileFormatError
        Missing, truncated or corrupt file (a broken list of pages, fewer frames than the ImageJ,
        OME or tifffile metadata declare), no frames, or pages that are not 2D grey-scale images of
        one shape.
    """
    p = Path(path)
    _check_frame_file(p)
    try:
        data, axes, declared = _tiff_pages(p)
    except SpinscopeError:
        raise
    except Exception as exc:  # tifffile raises TiffFileError, ValueError, struct.error, ...
        raise FileFormatError(f"{p}: not a readable TIFF file ({_short(exc)})", path=str(p)) from None
    if data.ndim == 2:
        data = data[None]
    elif data.ndim != 3 or "S" in axes or "C" in axes:
        raise FileFormatError(
            f"{p}: expected 2D grey-scale pages (frame, y, x), got shape {data.shape} (axes {axes})",
            path=str(p),
        )
    if data.size == 0:
        raise FileFormatError(f"{p}: TIFF file holds no frames (shape {data.shape})", path=str(p))
    if declared is not None and data.shape[0] < declared[0]:
        raise FileFormatError(
            f"{p}: truncated TIFF file: {data.shape[0]} frame(s) where the metadata declare "
            f"{declared[0]} ({declared[1]})",
            path=str(p),
        )
    if data.dtype.kind not in "iuf":
        raise FileFormatError(f"{p}: expected numeric pixels, got dtype {data.dtype}", path=str(p))
    return np.ascontiguousarray(data), {"format": "tiff"}


# ----------------------------------------------------------------------------------------------
# Andor SIF


def read_sif(path: str | os.PathLike) -> tuple[np.ndarray, dict[str, Any]]:
    """Frames of an Andor ``.sif`` file via ``sif_parser``.

    Parameters
    ----------
    path
        SIF file [file path].

    Returns
    -------
    (numpy.ndarray, dict)
        Frames ``(frame, y, x)`` float32 [counts] and metadata: ``exposure_time_s``,
        ``detector_temperature_K``, ``timestamps_s`` (per frame, from the first), ``binning``.

    Raises
    ------
    FileFormatError
        Missing, truncated or corrupt file, or ``sif_parser`` not installed.
    """
    p = Path(path)
    _check_frame_file(p)
    try:
        import sif_parser
    except ImportError:  # pragma: no cover - depends on the extra
        raise FileFormatError(
            f"{p}: reading .sif needs the sif-parser package (pip install 'spinscope[lab]')", path=str(p)
        ) from None
    _check_sif_header(p)
    try:
        data, info = sif_parser.np_open(str(p))
    except SyntaxError:
        raise FileFormatError(f"{p}: not an Andor SIF file (bad magic header)", path=str(p)) from None
    except Exception as exc:  # ValueError (truncated), UnicodeDecodeError, IndexError, ...
        raise FileFormatError(f"{p}: corrupt or truncated SIF file ({_short(exc)})", path=str(p)) from None
    data = np.asarray(data)
    if data.ndim != 3 or data.shape[0] < 1 or min(data.shape[1:]) < 1:
        raise FileFormatError(f"{p}: SIF file holds no 2D frames (shape {data.shape})", path=str(p))
    meta: dict[str, Any] = {"format": "sif"}
    exp = info.get("ExposureTime")
    if isinstance(exp, int | float) and math.isfinite(exp) and exp >= 0:
        meta["exposure_time_s"] = float(exp)
    temp = info.get("DetectorTemperature")
    if isinstance(temp, int | float) and math.isfinite(temp) and -273.15 <= temp < 1000:
        meta["detector_temperature_K"] = float(temp) + ZERO_CELSIUS_K
    stamps = [info.get(f"timestamp_of_{i}") for i in range(data.shape[0])]
    if all(isinstance(s, int | float) for s in stamps):
        ts = np.asarray(stamps, dtype=float) * 1e-6  # sif time stamps are in microseconds
        meta["timestamps_s"] = ts - ts[0]
    if "ybin" in info and "xbin" in info:
        meta["binning"] = [int(info["ybin"]), int(info["xbin"])]
    return data, meta


class _EOFGuard:
    """File wrapper that raises EOFError on a read at the end of the file.

    sif_parser's header tokeniser loops forever on a truncated header (it reads byte by byte until a
    space); with this guard it stops.
    """

    def __init__(self, fh):
        self._fh = fh

    def read(self, n: int = -1) -> bytes:
        data = self._fh.read(n)
        if n != 0 and not data:
            raise EOFError("end of file inside the SIF header")
        return data

    def readline(self, *args) -> bytes:
        data = self._fh.readline(*args)
        if not data:
            raise EOFError("end of file inside the SIF header")
        return data

    def __getattr__(self, name: str):
        return getattr(self._fh, name)


def _check_sif_header(p: Path) -> None:
    """Parse the SIF header with an EOF guard and check the file holds the frames it announces."""
    try:
        from sif_parser._sif_open import _open
    except ImportError:  # pragma: no cover - private API moved: rely on np_open alone
        return
    try:
        with open(p, "rb") as fh:
            tile, size, n_frames, _info = _open(_EOFGuard(fh))
    except SyntaxError:
        raise FileFormatError(f"{p}: not an Andor SIF file (bad magic header)", path=str(p)) from None
    except EOFError:
        raise FileFormatError(f"{p}: truncated SIF file (the header ends early)", path=str(p)) from None
    except Exception as exc:
        raise FileFormatError(f"{p}: corrupt SIF header ({_short(exc)})", path=str(p)) from None
    width, height = int(size[0]), int(size[1])
    if n_frames < 1 or width < 1 or height < 1 or not tile:
        raise FileFormatError(
            f"{p}: SIF header announces {n_frames} frames of {height} x {width} pixels; "
            "expected at least one",
            path=str(p),
        )
    need = int(tile[-1][2]) + width * height * 4
    have = p.stat().st_size
    if need > have:
        raise FileFormatError(
            f"{p}: truncated SIF file: {n_frames} frames of {height} x {width} float32 need {need} bytes, "
            f"the file has {have}",
            path=str(p),
        )


# ----------------------------------------------------------------------------------------------
# Princeton SPE

#: SPE header datatype codes -> numpy dtypes (SPE 3.0 specification, "datatype" at byte 108).
_SPE_DTYPES = {0: "<f4", 1: "<i4", 2: "<i2", 3: "<u2", 5: "<f8", 6: "<u1", 8: "<u4"}
#: LightField pixelFormat names -> numpy dtypes.
_SPE_PIXEL_FORMATS = {
    "monochromeunsigned16": "<u2",
    "monochromeunsigned32": "<u4",
    "monochromefloating32": "<f4",
}
_SPE_HEADER = 4100


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _spe3_frame_format(p: Path, root, nframes: int) -> tuple[np.dtype, int, int | None, int, int]:
    """Pixel type, frame count, frame stride [bytes] (None: packed), width and height of a 3.0 footer."""
    frame_block = None
    for el in root.iter():
        if _local(el.tag) == "DataBlock" and el.get("type") == "Frame":
            frame_block = el
            break
    if frame_block is None:
        raise FileFormatError(
            f"{p}: SPE 3.0 footer has no DataFormat/DataBlock of type Frame", path=str(p)
        )
    regions = [c for c in frame_block if _local(c.tag) == "DataBlock" and c.get("type") == "Region"]
    if len(regions) != 1:
        raise FileFormatError(
            f"{p}: {len(regions)} regions of interest per frame; expected exactly one", path=str(p)
        )
    try:
        pix = frame_block.get("pixelFormat", "").lower()
        if pix not in _SPE_PIXEL_FORMATS:
            raise FileFormatError(
                f"{p}: unknown SPE pixelFormat {frame_block.get('pixelFormat')!r}", path=str(p)
            )
        dtype = np.dtype(_SPE_PIXEL_FORMATS[pix])
        nframes = int(frame_block.get("count", nframes))
        stride = int(frame_block.get("stride", 0)) or None
        xdim = int(regions[0].get("width"))
        ydim = int(regions[0].get("height"))
    except (TypeError, ValueError) as exc:
        raise FileFormatError(f"{p}: malformed SPE 3.0 DataFormat ({_short(exc)})", path=str(p)) from None
    return dtype, nframes, stride, xdim, ydim


def _read_spe3_footer(p: Path, xml_offset: int, size: int, nframes: int):
    """Frame format of an SPE 3.0 file from its XML footer, and where the exposure-start time stamp lies.

    Returns ``(dtype, nframes, stride, xdim, ydim, timestamp_field)``; ``timestamp_field`` is
    ``(byte offset in the frame, bits, ticks per second)`` or None.
    """
    if not (_SPE_HEADER <= xml_offset < size):
        raise FileFormatError(
            f"{p}: SPE 3.0 XML footer offset {xml_offset} lies outside the file ({size} bytes)",
            path=str(p),
        )
    with open(p, "rb") as fh:
        fh.seek(xml_offset)
        footer = fh.read()
    try:
        root = ET.fromstring(footer)
    except ET.ParseError as exc:
        raise FileFormatError(f"{p}: corrupt SPE 3.0 XML footer ({exc})", path=str(p)) from None
    dtype, nframes, stride, xdim, ydim = _spe3_frame_format(p, root, nframes)
    # per-frame metadata after the pixels: TimeStamp(ExposureStarted) with resolution ticks/s
    timestamp_field = None
    offset = xdim * ydim * dtype.itemsize
    for el in root.iter():
        if _local(el.tag) == "MetaBlock":
            for item in el:
                bits = int(item.get("bitDepth", "64"))
                if _local(item.tag) == "TimeStamp" and item.get("event") == "ExposureStarted":
                    timestamp_field = (offset, bits, float(item.get("resolution", "1")))
                offset += bits // 8
            break
    return dtype, nframes, stride, xdim, ydim, timestamp_field


def _spe2_format(p: Path, head: bytes, meta: dict[str, Any]) -> np.dtype:
    """Pixel type of an SPE 2.x file; puts the exposure time and detector temperature into ``meta``."""
    dtype_code = struct.unpack_from("<h", head, 108)[0]
    if dtype_code not in _SPE_DTYPES:
        raise FileFormatError(f"{p}: unknown SPE datatype code {dtype_code} at byte 108", path=str(p))
    dtype = np.dtype(_SPE_DTYPES[dtype_code])
    exp = struct.unpack_from("<f", head, 10)[0]
    temp = struct.unpack_from("<f", head, 36)[0]
    if math.isfinite(exp) and exp > 0:
        meta["exposure_time_s"] = float(exp)
    if math.isfinite(temp) and -273.15 < temp < 1000 and temp != 0:
        meta["detector_temperature_K"] = float(temp) + ZERO_CELSIUS_K
    return dtype


def read_spe(path: str | os.PathLike) -> tuple[np.ndarray, dict[str, Any]]:
    """Frames of a Princeton Instruments ``.spe`` file (versions 2.x and 3.0).

    Parameters
    ----------
    path
        SPE file [file path].

    Returns
    -------
    (numpy.ndarray, dict)
        Frames ``(frame, y, x)`` in the file's pixel type [counts] and metadata (``spe_version``,
        ``exposure_time_s`` and ``detector_temperature_K`` for 2.x files, ``timestamps_s`` when a
        3.0 file tracks the exposure start).

    Raises
    ------
    FileFormatError
        Missing, truncated or inconsistent file, unknown pixel type, several regions of interest.
    """
    p = Path(path)
    _check_frame_file(p)
    size = p.stat().st_size
    if size < _SPE_HEADER:
        raise FileFormatError(
            f"{p}: truncated SPE file ({size} bytes; the header alone is {_SPE_HEADER} bytes)", path=str(p)
        )
    with open(p, "rb") as fh:
        head = fh.read(_SPE_HEADER)
    xdim = struct.unpack_from("<H", head, 42)[0]
    ydim = struct.unpack_from("<H", head, 656)[0]
    xml_offset = struct.unpack_from("<Q", head, 678)[0]
    nframes = struct.unpack_from("<i", head, 1446)[0]
    version = struct.unpack_from("<f", head, 1992)[0]
    meta: dict[str, Any] = {"format": "spe", "spe_version": round(float(version), 3)}
    stride = None
    timestamp_field = None
    if version >= 3.0:
        dtype, nframes, stride, xdim, ydim, timestamp_field = _read_spe3_footer(p, xml_offset, size, nframes)
    else:
        dtype = _spe2_format(p, head, meta)
    if xdim < 1 or ydim < 1 or nframes < 1:
        raise FileFormatError(
            f"{p}: SPE header gives {nframes} frames of {ydim} x {xdim} pixels; expected at least one frame",
            path=str(p),
        )
    frame_bytes = xdim * ydim * dtype.itemsize
    stride = stride or frame_bytes
    data_end = _SPE_HEADER + stride * nframes
    limit = xml_offset if version >= 3.0 else size
    if stride < frame_bytes or data_end > limit:
        raise FileFormatError(
            f"{p}: truncated SPE file: {nframes} frames of {ydim} x {xdim} {dtype} need {data_end} bytes, "
            f"the data end at {limit}",
            path=str(p),
        )
    raw = np.fromfile(p, dtype=np.uint8, count=stride * nframes, offset=_SPE_HEADER).reshape(nframes, stride)
    data = np.ascontiguousarray(raw[:, :frame_bytes]).view(dtype).reshape(nframes, ydim, xdim)
    if timestamp_field is not None:
        off, bits, res = timestamp_field
        if off + bits // 8 <= stride and bits in (32, 64) and res > 0:
            ts = np.ascontiguousarray(raw[:, off : off + bits // 8]).view(f"<i{bits // 8}").ravel() / res
            meta["timestamps_s"] = ts - ts[0]
    return data, meta


# ----------------------------------------------------------------------------------------------
# HDF5


def _read_units(ds) -> str | None:
    u = ds.attrs.get("units")
    return None if u is None else str(decode(u))


def _scalar(group, name: str):
    if name in group and hasattr(group[name], "shape"):
        try:
            v = np.asarray(group[name][()], dtype=float)
        except (TypeError, ValueError):
            return None, None
        if v.size == 1 and np.isfinite(v).all():
            return float(v.reshape(-1)[0]), _read_units(group[name])
    return None, None


def _length(group, name: str, path: Path) -> float | None:
    v, u = _scalar(group, name)
    if v is None:
        return None
    if u is None or not u.strip():
        # NeXus says metres by default, but files in the wild without units hold mm (EPICS
        # areaDetector at APS: distance 513.8, x_pixel_size 0.172 for a Pilatus)
        warnings.warn(
            f"{path}: {group.name}/{name} = {v:g} has no units attribute; assumed mm", UserWarning,
            stacklevel=4,
        )
        return v * 1e-3
    f = length_factor(u)
    if f is None:
        raise FileFormatError(f"{path}: {group.name}/{name} has unknown length units {u!r}", path=str(path))
    return v * f


def _hdf5_geometry(fh, ds, path: Path) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    parent = ds.parent
    groups = [parent]
    entry_name = "/" + ds.name.strip("/").split("/")[0] if ds.name.count("/") > 1 else "/"
    entry = fh[entry_name]

    def visit(name, obj):
        import h5py

        if isinstance(obj, h5py.Group):
            nx_class = obj.attrs.get("NX_class")
            if nx_class is not None:
                if str(decode(nx_class)) in ("NXdetector", "NXmonochromator", "NXsource", "NXbeam"):
                    groups.append(obj)

    entry.visititems(visit)
    dist = pyv = pxv = None
    bc: list[float | None] = [None, None]
    energy = None
    for g in groups:
        dist = dist if dist is not None else _length(g, "distance", path)
        pyv = pyv if pyv is not None else _length(g, "y_pixel_size", path)
        pxv = pxv if pxv is not None else _length(g, "x_pixel_size", path)
        for i, key in enumerate(("beam_center_x", "beam_center_y")):
            if bc[i] is None:
                v, u = _scalar(g, key)
                if v is not None:
                    bc[i] = (v, u)  # type: ignore[assignment]
        if energy is None:
            for key in ("energy", "incident_energy"):
                v, u = _scalar(g, key)
                if v is not None:
                    try:
                        energy = parse_quantity(f"{v} {u or 'eV'}", "energy", field=f"{g.name}/{key}")
                    except UnitError as exc:
                        raise FileFormatError(f"{path}: {exc}", path=str(path)) from None
                    break
            if energy is None:
                v, u = _scalar(g, "wavelength") if "wavelength" in g else (None, None)
                if v is not None and v > 0:
                    f = length_factor(u) if u else 1e-10  # NeXus default for wavelength is Angstrom
                    if f is not None:
                        energy = HC_EV_M / (v * f)
    if energy is not None:
        meta["photon_energy_eV"] = energy
    if dist is not None:
        meta["distance_m"] = dist
    if pyv is not None and pxv is not None:
        meta["pixel_size_m"] = [pyv, pxv]
    if bc[0] is not None and bc[1] is not None:
        cx = []
        for (v, u), size in zip(bc, (pxv, pyv), strict=True):
            if u in (None, "", "pixel", "pixels"):
                cx.append(v)
            else:
                f = length_factor(u)
                if f is None or size is None:
                    cx = []
                    break
                cx.append(v * f / size)
        if len(cx) == 2:
            meta["beam_center_px"] = cx
    return meta


def _find_dataset(fh, path: Path):
    import h5py

    # NeXus default chain: /@default -> entry/@default -> NXdata/@signal
    try:
        g = fh
        for _ in range(4):
            d = g.attrs.get("default")
            if d is None:
                break
            g = g[str(decode(d))]
            if isinstance(g, h5py.Group) and "signal" in g.attrs:
                sig = g[str(decode(g.attrs["signal"]))]
                if isinstance(sig, h5py.Dataset) and sig.ndim >= 2:
                    return sig
    except (KeyError, TypeError, ValueError):
        pass
    found: list = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.ndim >= 2 and obj.dtype.kind in "iuf":
            found.append(obj)

    fh.visititems(visit)
    if len(found) == 1:
        return found[0]
    names = ", ".join(o.name for o in found[:6]) or "none"
    raise FileFormatError(
        f"{path}: cannot tell which dataset holds the frames (candidates: {names}); pass dataset=",
        path=str(path),
    )


def read_hdf5_frames(
    path: str | os.PathLike, *, dataset: str | None = None
) -> tuple[np.ndarray, dict[str, Any]]:
    """Frames of an HDF5 / NeXus dataset as ``(frame, y, x)``, with the geometry found beside it.

    Parameters
    ----------
    path
        HDF5 file [file path].
    dataset
        Path of the dataset inside the file (``/entry/data/data``); default: see the module docstring.

    Returns
    -------
    (numpy.ndarray, dict)
        The frames (leading dims flattened into ``frame``) and metadata (geometry, ``delays_s``).

    Raises
    ------
    FileFormatError
        Not HDF5, truncated, no such dataset, fewer than two dimensions, non-numeric data.
    """
    import h5py

    p = Path(path)
    with open_hdf5(p) as fh, wrap_errors(p):
        if dataset is not None:
            if dataset not in fh or not isinstance(fh[dataset], h5py.Dataset):
                raise FileFormatError(f"{p}: no dataset {dataset!r} in the file", path=str(p))
            ds = fh[dataset]
        else:
            ds = _find_dataset(fh, p)
        if ds.ndim < 2 or ds.dtype.kind not in "iuf":
            raise FileFormatError(
                f"{p}: dataset {ds.name} is {ds.ndim}D {ds.dtype}; expected numeric frames (..., y, x)",
                path=str(p),
            )
        check_links(ds.parent, ds.name.rsplit("/", 1)[-1], p)
        if 0 in ds.shape:
            raise FileFormatError(f"{p}: dataset {ds.name} holds no frames (shape {ds.shape})", path=str(p))
        data = np.asarray(ds[()])
        data = data.reshape(-1, *data.shape[-2:])
        meta: dict[str, Any] = {"format": "hdf5", "dataset": ds.name}
        meta.update(_hdf5_geometry(fh, ds, p))
        parent = ds.parent
        for key in ("delay", "delays"):
            if key in parent and isinstance(parent[key], h5py.Dataset) and parent[key].ndim == 1:
                d = parent[key]
                if d.shape[0] == data.shape[0]:
                    units = str(decode(d.attrs.get("units", "s")))
                    try:
                        factor = parse_quantity(f"1 {units}", "time", field=f"{d.name} units")
                    except UnitError as exc:
                        raise FileFormatError(f"{p}: {exc}", path=str(p)) from None
                    meta["delays_s"] = np.asarray(d[()], dtype=float) * factor
                break
    return data, meta


# ----------------------------------------------------------------------------------------------
# folders and the entry point


def _natural_key(name: str) -> list:
    return [int(tok) if tok.isdigit() else tok.lower() for tok in re.split(r"(\d+)", name)]


def _read_one(path: Path, kind: str, dataset: str | None) -> tuple[np.ndarray, dict[str, Any]]:
    if kind == "sif":
        return read_sif(path)
    if kind == "spe":
        return read_spe(path)
    if kind == "tiff":
        return read_tiff(path)
    return read_hdf5_frames(path, dataset=dataset)


def _read_folder(path: Path, dataset: str | None) -> tuple[np.ndarray, dict[str, Any]]:
    # not is_file(): a FIFO or device named like a frame file is refused by its reader, not skipped
    files = [f for f in path.iterdir() if f.suffix.lower() in FRAME_SUFFIXES and not f.is_dir()]
    if not files:
        raise FileFormatError(
            f"{path}: no frame files in the folder (expected {', '.join(sorted(FRAME_SUFFIXES))})",
            path=str(path),
        )
    kinds = {FRAME_SUFFIXES[f.suffix.lower()] for f in files}
    if len(kinds) > 1:
        raise FileFormatError(
            f"{path}: frame files of several formats ({', '.join(sorted(kinds))}); expected one format",
            path=str(path),
        )
    kind = kinds.pop()
    files.sort(key=lambda f: _natural_key(f.name))
    frames: list[np.ndarray] = []
    meta0: dict[str, Any] | None = None
    shape = None
    for f in files:
        data, meta = _read_one(f, kind, dataset)
        if shape is None:
            shape = data.shape[1:]
            meta0 = meta
        elif data.shape[1:] != shape:
            raise FileFormatError(
                f"{f}: frame shape {data.shape[1:]} differs from {shape} of {files[0].name}; "
                "expected frames of one shape",
                path=str(f),
            )
        frames.append(data)
    assert meta0 is not None
    out_meta = {k: v for k, v in meta0.items() if k not in ("timestamps_s", "delays_s")}
    out_meta["files"] = [f.name for f in files]
    dtype = np.result_type(*frames)
    return np.concatenate([fr.astype(dtype, copy=False) for fr in frames]), out_meta


def _read_lab_data(p: Path, dataset: str | None) -> tuple[np.ndarray, dict[str, Any]]:
    """Frames ``(frame, y, x)`` and metadata of a frame file or folder (floats as float32 or float64)."""
    if p.is_dir():
        data, meta = _read_folder(p, dataset)
    else:
        kind = FRAME_SUFFIXES.get(p.suffix.lower())
        if kind is None:
            raise FileFormatError(
                f"{p}: unknown frame file type {p.suffix!r}; expected one of "
                f"{', '.join(sorted(FRAME_SUFFIXES))} or a folder",
                path=str(p),
            )
        data, meta = _read_one(p, kind, dataset)
    if data.dtype.kind == "f" and data.dtype != np.float32 and data.dtype != np.float64:
        data = data.astype(np.float32)
    return data, meta


def _given_geometry(energy: Any, distance: Any, pixel_size: Any, center: Any) -> dict[str, Any]:
    """The caller's geometry options in SI units (None where not given), keyed as the attributes."""
    given = {
        "photon_energy_eV": None if energy is None else parse_quantity(energy, "energy", field="energy"),
        "distance_m": None if distance is None else parse_quantity(distance, "length", field="distance"),
        "pixel_size_m": None,
        "beam_center_px": None,
    }
    if pixel_size is not None:
        single = isinstance(pixel_size, str) or np.ndim(pixel_size) == 0
        ps = [pixel_size, pixel_size] if single else list(pixel_size)
        if len(ps) != 2:
            raise UnitError(
                f"pixel_size: expected one length or (py, px), got {pixel_size!r}", field="pixel_size"
            )
        given["pixel_size_m"] = [parse_quantity(v, "length", field="pixel_size") for v in ps]
    if center is not None:
        c = [float(v) for v in center]
        if len(c) != 2 or not all(math.isfinite(v) for v in c):
            raise UnitError(f"center: expected (column, row) in pixels, got {center!r}", field="center")
        given["beam_center_px"] = c
    return given


def _merge_geometry(p: Path, attrs: dict[str, Any], meta: dict[str, Any], given: dict[str, Any]) -> None:
    """Put the geometry into ``attrs``: the caller's value replaces the file's (warning when they differ)."""
    for key, value in given.items():
        from_file = meta.get(key)
        if value is not None:
            if from_file is not None and not np.allclose(from_file, value, rtol=1e-6, atol=0):
                warnings.warn(
                    f"{p}: {key} = {value} given replaces {from_file} from the file",
                    UserWarning,
                    stacklevel=3,
                )
            attrs[key] = value
        elif from_file is not None:
            attrs[key] = from_file


def _lab_delays(p: Path, delays: Any, meta: dict[str, Any], n: int) -> np.ndarray | None:
    """Delays of the ``n`` frames [s] (the caller's, else the file's, else None), one per frame."""
    delay_values = None
    delay_source = str(p)
    if delays is not None:
        if isinstance(delays, str | os.PathLike) and not _looks_like_quantity(delays):
            delay_source = str(delays)
            delay_values = read_delays(delays)
        else:
            items = np.atleast_1d(np.asarray(delays, dtype=object)).ravel()
            delay_values = np.asarray([parse_quantity(d, "time", field="delays") for d in items], dtype=float)
    elif "delays_s" in meta:
        delay_values = np.asarray(meta["delays_s"], dtype=float)
    if delay_values is not None and delay_values.size != n:
        raise FileFormatError(
            f"{delay_source}: {delay_values.size} delays for {n} frames of {p.name}; "
            "expected one delay per frame",
            path=delay_source,
        )
    return delay_values


def read_lab_frames(
    path: str | os.PathLike,
    *,
    dataset: str | None = None,
    delays: Any = None,
    energy: Any = None,
    distance: Any = None,
    pixel_size: Any = None,
    center: tuple[float, float] | None = None,
) -> xr.DataArray:
    """Read frames of a lab detector file or folder into a DataArray with metadata and geometry.

    Parameters
    ----------
    path
        A ``.sif``, ``.spe``, ``.tif``/``.tiff``, HDF5/NeXus file, or a folder of frame files of one
        format [path].
    dataset
        HDF5 dataset path of the frames.
    delays
        Delays of the frames: a sequence [s] (or unit strings such as ``"0.5 ps"``), or the path of a
        delays file (:func:`read_delays`). Default: from the file where it has them.
    energy
        Photon energy [eV] (number or ``"155 eV"``).
    distance
        Sample-detector distance [m] (number or ``"5 cm"``).
    pixel_size
        Pixel pitch [m]: one number, ``(py, px)``, or unit strings (``"13.5 um"``).
    center
        Beam centre ``(column, row)`` [pixels].

    Returns
    -------
    xarray.DataArray
        Counts with dims ``(frame, y, x)``, ``(delay, y, x)`` with a ``delay`` coordinate [s], or
        ``(y, x)`` for a single frame without delay; attributes as in the module docstring.

    Raises
    ------
    FileFormatError
        Missing, corrupt or truncated files, frames of unequal shape, or a number of delays that
        does not match the number of frames.
    UnitError
        A geometry option with the wrong dimension.
    """
    p = Path(path)
    _check_exists(p)
    if not p.is_dir():
        check_file(p)  # a FIFO or device is refused before anything else
    data, meta = _read_lab_data(p, dataset)
    attrs: dict[str, Any] = {"source_file": str(p), "units": "counts"}
    for key in ("format", "dataset", "exposure_time_s", "detector_temperature_K", "binning", "spe_version"):
        if key in meta:
            attrs[key] = meta[key]
    if "files" in meta:
        attrs["files"] = list(meta["files"])
    _merge_geometry(p, attrs, meta, _given_geometry(energy, distance, pixel_size, center))
    n = data.shape[0]
    delay_values = _lab_delays(p, delays, meta, n)
    coords: dict[str, Any] = {}
    if "pixel_size_m" in attrs:
        py_, px_ = attrs["pixel_size_m"]
        coords["y"] = xr.Variable("y", np.arange(data.shape[1]) * py_, attrs={"units": "m"})
        coords["x"] = xr.Variable("x", np.arange(data.shape[2]) * px_, attrs={"units": "m"})
    lead = "delay" if delay_values is not None else "frame"
    if delay_values is not None:
        coords["delay"] = xr.Variable(
            "delay", delay_values, attrs={"units": "s", "long_name": "pump-probe delay"}
        )
    if "timestamps_s" in meta:
        stamps = np.asarray(meta["timestamps_s"], dtype=float)
        coords["timestamp"] = xr.Variable(lead, stamps, attrs={"units": "s"})
    da = xr.DataArray(data, dims=(lead, "y", "x"), coords=coords, attrs=attrs, name="counts")
    if n == 1 and delay_values is None:
        da = da.isel(frame=0, drop=True)
    return da


def _looks_like_quantity(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if Path(value).exists():
        return False
    try:
        parse_quantity(value, "time", field="delays")
    except UnitError:
        return False
    return True
