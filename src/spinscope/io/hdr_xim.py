"""Reader of the STXM ``.hdr`` header + ``.xim`` image / ``.xsp`` spectrum files (ALS, CLS, SLS,
MAXYMUS at BESSY II).

The header is a nested ``Key = value;`` text: values are numbers, ``true``/``false``, quoted
strings, ``{ ... }`` blocks of further ``Key = value;`` pairs, or tuples ``(n, a, b, ...)`` whose
first element counts the items that follow (items may themselves be blocks). CRLF and LF line
endings are both accepted. :func:`parse_hdr` turns it into nested dicts and lists (the count of a
tuple is checked and dropped; every block must close and every value end with ``;``).

A header cut short is refused, never read as another scan: :func:`check_header` requires what the
scan type needs (``ScanDefinition`` with ``Type``, ``Regions`` and ``Channels``; a ``StackAxis``
when the flags say ``Image Stack``; the point's position for a point scan) and the ``ImageScan``
block, which the STXM software writes last (a header cut before it has lost the scanning stage,
the ring current or the positions), and checks the counts the header declares twice
(``SpatialRegions`` vs ``Regions``, ``XPoints``/``YPoints`` vs the axis points, the points of a
single ``EnergyRegions`` entry vs the stack or spectrum axis).

Data files, beside the header and named after its stem:

- images: one plain-text ``.xim`` per frame and channel, rows of tab-separated integer counts
  (trailing tab allowed). Channel letters ``a``, ``b``, ... follow the header's ``Channels``;
  stacks are ``STEM_a000.xim``, ``STEM_a001.xim``, ...; single images ``STEM_a.xim`` (multi-region
  scans ``STEM_a0.xim``). The first row of a file is the *last* ``QAxis`` point (images are
  written top-down, as the ALS and MAXYMUS analysis codes read them); the reader flips the rows so
  that ``counts[..., i, :]`` lies at ``QAxis.Points[i]``.
- point spectra: ``STEM_0.xsp``, one line per energy: ``energy<TAB>counts<TAB>...`` (one column
  per channel).

Units follow the header (``Unit`` of each axis; positions in um -> m). The dwell time (``Dwell``,
ms in these files) becomes ``count_time`` [s]. The stack axis is read from ``StackAxis`` and
identified by ``ImageScan.ScanningStage``: ``MagnetField`` -> dim ``field`` (values and units as
the header gives them; the motor block is named in the attributes), energy -> ``energy`` [eV],
zone plate -> ``z`` [m]. The photon energy of a scan that does not sweep it is the
``Monochromator.LastPosition`` (a scalar coordinate).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from spinscope.datamodel import STACK_DIMS, validate_stack
from spinscope.errors import DataModelError, FileFormatError
from spinscope.io._hdf5 import check_file, length_factor, name_the_file

__all__ = ["check_header", "parse_hdr", "read_hdr", "read_hdr_xim", "read_xim", "read_xsp"]

#: Deepest nesting of blocks/tuples accepted in a header.
MAX_DEPTH = 64

_TOKEN = re.compile(
    r'\s*(?:(?P<str>"[^"\r\n]*")|(?P<punct>[{}()=;,])|(?P<word>[^\s{}()=;,"]+)|(?P<bad>"))'
)


class _HdrSyntax(Exception):
    def __init__(self, line: int, msg: str):
        super().__init__(msg)
        self.line = line
        self.msg = msg


def _tokenize(text: str) -> list[tuple[str, Any, int]]:
    tokens: list[tuple[str, Any, int]] = []
    pos, line, n = 0, 1, len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None:  # only trailing whitespace left
            line += text.count("\n", pos)
            break
        start_ws = text.count("\n", pos, m.start(m.lastgroup)) if m.lastgroup else 0
        line += start_ws
        kind = m.lastgroup
        val = m.group(kind)
        if kind == "bad":
            raise _HdrSyntax(line, "unterminated string (missing closing '\"' on this line)")
        tokens.append((kind, val, line))
        pos = m.end()
    tokens.append(("end", None, line))
    return tokens


def _scalar(word: str) -> Any:
    low = word.lower()
    if low == "true":
        return True
    if low == "false":
        return False
    try:
        return int(word)
    except ValueError:
        pass
    try:
        return float(word)
    except ValueError:
        return word


class _Parser:
    def __init__(self, tokens):
        self.t = tokens
        self.i = 0

    def peek(self):
        return self.t[self.i]

    def next(self):
        tok = self.t[self.i]
        if tok[0] != "end":
            self.i += 1
        return tok

    def expect(self, val: str, context: str):
        kind, v, line = self.next()
        if kind != "punct" or v != val:
            got = "end of file" if kind == "end" else repr(v)
            raise _HdrSyntax(line, f"expected {val!r} {context}, got {got}")

    def members(self, depth: int, closing: str | None) -> dict:
        out: dict[str, Any] = {}
        while True:
            kind, v, line = self.peek()
            if kind == "end":
                if closing is not None:
                    raise _HdrSyntax(line, f"unexpected end of file: missing {closing!r}")
                return out
            if kind == "punct" and v == closing:
                self.next()
                return out
            if kind == "punct" and v == ";":  # stray separator
                self.next()
                continue
            if kind != "word":
                raise _HdrSyntax(line, f"expected a key, got {v!r}")
            key = self.next()[1]
            self.expect("=", f"after key {key!r}")
            out[key] = self.value(depth, key)
            kind, v, line = self.peek()
            if kind == "punct" and v == ";":
                self.next()
            elif kind == "end" and closing is None:
                # every value of a header ends with ';': a header without it was cut short
                raise _HdrSyntax(line, f"unexpected end of file: missing ';' after the value of {key!r}")
            elif not (kind == "punct" and v == closing):
                got = "end of file" if kind == "end" else repr(v)
                raise _HdrSyntax(line, f"expected ';' after the value of {key!r}, got {got}")

    def value(self, depth: int, key: str) -> Any:
        if depth > MAX_DEPTH:
            raise _HdrSyntax(self.peek()[2], f"nesting deeper than {MAX_DEPTH} levels")
        kind, v, line = self.next()
        if kind == "str":
            return v[1:-1]
        if kind == "word":
            return _scalar(v)
        if kind == "punct" and v == "{":
            return self.members(depth + 1, "}")
        if kind == "punct" and v == "(":
            return self.tuple(depth + 1, key, line)
        got = "end of file" if kind == "end" else repr(v)
        raise _HdrSyntax(line, f"expected a value for {key!r}, got {got}")

    def tuple(self, depth: int, key: str, line0: int) -> list:
        items: list[Any] = []
        while True:
            kind, v, line = self.peek()
            if kind == "punct" and v == ")":
                self.next()
                break
            items.append(self.value(depth, key))
            kind, v, line = self.next()
            if kind == "punct" and v == ")":
                break
            if not (kind == "punct" and v == ","):
                got = "end of file" if kind == "end" else repr(v)
                raise _HdrSyntax(line, f"expected ',' or ')' in the tuple of {key!r}, got {got}")
        if not items:
            return []
        count = items[0]
        if not isinstance(count, int) or isinstance(count, bool) or count != len(items) - 1:
            raise _HdrSyntax(
                line0,
                f"tuple of {key!r} announces {count!r} items but holds {len(items) - 1}",
            )
        return items[1:]


def parse_hdr(text: str, *, source: str = "<header>") -> dict:
    """Parse the text of a STXM ``.hdr`` header into nested dicts and lists.

    Parameters
    ----------
    text
        The header text (CRLF or LF line endings).
    source
        Name used in error messages (the file).

    Returns
    -------
    dict
        Key -> value, where blocks are dicts, tuples are lists (without their count), quoted
        strings are ``str`` and numbers ``int``/``float``.

    Raises
    ------
    FileFormatError
        ``SOURCE: line N: ...`` naming what was expected.
    """
    try:
        return _Parser(_tokenize(text)).members(0, None)
    except _HdrSyntax as exc:
        raise FileFormatError(f"{source}: line {exc.line}: {exc.msg}", path=source) from None


def read_hdr(path: str | os.PathLike) -> dict:
    """Read and parse a ``.hdr`` file (see :func:`parse_hdr`)."""
    p = check_file(path)
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if "\x00" in text:
        raise FileFormatError(f"{p}: not a text header (contains NUL bytes)", path=str(p))
    return parse_hdr(text, source=str(p))


# --------------------------------------------------------------------------------------------------
# data files


def _read_table(path: Path, what: str) -> np.ndarray:
    """Rows of tab/space-separated numbers; trailing separators allowed."""
    if not path.exists():
        raise FileFormatError(f"{path}: missing {what} file", path=str(path))
    check_file(path)  # a FIFO or device would block or never end
    try:
        text = path.read_bytes().decode("ascii")
    except UnicodeDecodeError:
        raise FileFormatError(f"{path}: not a plain-text {what} file", path=str(path)) from None
    rows: list[list[float]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        try:
            rows.append([float(x) for x in parts])
        except ValueError:
            raise FileFormatError(
                f"{path}: line {n}: expected tab-separated numbers in the {what} file",
                path=str(path),
            ) from None
    if not rows:
        raise FileFormatError(f"{path}: empty {what} file", path=str(path))
    width = len(rows[0])
    for n, r in enumerate(rows, start=1):
        if len(r) != width:
            raise FileFormatError(
                f"{path}: row {n} has {len(r)} values, row 1 has {width} (ragged {what} file)",
                path=str(path),
            )
    return np.array(rows)


def read_xim(path: str | os.PathLike, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Read one ``.xim`` frame as written (first row = top of the image = last QAxis point).

    Parameters
    ----------
    path
        The ``.xim`` file.
    shape
        Expected (rows, columns) = (QAxis points, PAxis points).

    Returns
    -------
    numpy.ndarray
        int64 counts (float64 if the file holds non-integers), in file row order.
    """
    p = Path(path)
    arr = _read_table(p, ".xim image")
    if shape is not None and arr.shape != tuple(shape):
        raise FileFormatError(
            f"{p}: image has shape {arr.shape}, expected {tuple(shape)} (QAxis x PAxis points)",
            path=str(p),
        )
    if np.all(arr == np.round(arr)) and np.all(np.abs(arr) < 2**62):
        return arr.astype(np.int64)
    return arr


def _points(axis: dict, name: str, hdr_path: Path) -> np.ndarray:
    pts = axis.get("Points")
    if not isinstance(pts, list) or not pts:
        raise FileFormatError(f"{hdr_path}: {name} has no Points", path=str(hdr_path))
    try:
        return np.array([float(v) for v in pts])
    except (TypeError, ValueError):
        raise FileFormatError(f"{hdr_path}: {name}.Points are not numbers", path=str(hdr_path)) from None


def _axis_dim(name: str) -> str | None:
    n = name.lower().replace("_", " ").strip()
    if "energy" in n:
        return "energy"
    if n in ("sample x", "x", "samplex", "fine x", "coarse x") or n.endswith(" x"):
        return "x"
    if n in ("sample y", "y", "sampley", "fine y", "coarse y") or n.endswith(" y"):
        return "y"
    if "zone" in n or n in ("sample z", "z", "samplez") or n.endswith(" z"):
        return "z"
    if "field" in n or "magnet" in n:
        return "field"
    return None


def _axis_coord(dim: str, values: np.ndarray, unit: str, where: str, hdr_path: Path):
    if dim in ("x", "y", "z"):
        f = length_factor(unit)
        if f is None:
            raise FileFormatError(
                f"{hdr_path}: {where}: expected a length unit, got {unit!r}", path=str(hdr_path)
            )
        return values * f, "m"
    if dim == "energy":
        if unit in ("eV", ""):
            return values, "eV"
        if unit.lower() == "kev":
            return values * 1e3, "eV"
        raise FileFormatError(
            f"{hdr_path}: {where}: expected an energy in eV, got {unit!r}", path=str(hdr_path)
        )
    return values, unit


def _motor_by_name(hdr: dict, name: str) -> tuple[str, dict] | None:
    for key, val in hdr.items():
        if isinstance(val, dict) and val.get("Name") == name and "LastPosition" in val:
            return key, val
    return None


def _channels(sd: dict, hdr_path: Path) -> list[dict]:
    ch = sd.get("Channels", [])
    if not isinstance(ch, list) or not ch or not all(isinstance(c, dict) for c in ch):
        raise FileFormatError(f"{hdr_path}: ScanDefinition.Channels missing", path=str(hdr_path))
    return ch


def _frame_candidates(stem: str, letter: str, frame: int | None, region: int, n_regions: int):
    if frame is None:
        if n_regions > 1:
            return [f"{stem}_{letter}{region}.xim"]
        return [f"{stem}_{letter}.xim", f"{stem}_{letter}000.xim", f"{stem}_{letter}0.xim"]
    return [f"{stem}_{letter}{frame:03d}.xim", f"{stem}_{letter}_{frame:03d}.xim"]


def read_hdr_xim(
    path: str | os.PathLike, *, channel: str | int | None = None, region: int = 0
) -> xr.Dataset:
    """Read a STXM scan (``.hdr`` + ``.xim`` frames or ``.xsp`` spectrum) as a measured stack.

    Parameters
    ----------
    path
        The ``.hdr`` file (or one of its ``.xim``/``.xsp`` data files).
    channel
        Detector channel (name, e.g. ``"APD"``, or index) whose counts become ``counts``; default
        the first. Other channels are kept as variables named after them.
    region
        Index of the spatial region of a multi-region scan.

    Returns
    -------
    xarray.Dataset
        Images: ``counts`` with dims ``(stack?, y, x)`` — the stack dim being ``field``,
        ``energy`` or ``z`` according to ``ImageScan.ScanningStage`` — positions in m; point
        spectra: ``counts`` over ``energy`` [eV] with the point's ``x``/``y`` as scalar
        coordinates. Also ``count_time`` [s], ``ring_current`` [A] (header value at the scan
        start), and attributes ``scan_type``, ``flags``, ``start_time``, ``scanning_stage``,
        ``source_file``, ``source_format``.

    Raises
    ------
    FileFormatError
        On a malformed header (with its line number), a missing data file, or a data file of the
        wrong shape (naming the file and the expected shape).
    """
    p = _header_path(path)
    hdr = read_hdr(p)
    sd = hdr.get("ScanDefinition")
    if not isinstance(sd, dict):
        raise FileFormatError(f"{p}: no ScanDefinition block", path=str(p))
    scan_type = str(sd.get("Type", ""))
    if "Point Scan" in scan_type:
        check_header(p, hdr, point=True)
        return _read_point_scan(p, hdr, sd, channel)
    if "Image Scan" in scan_type or "Image" in str(sd.get("Flags", "")):
        check_header(p, hdr, point=False)
        return _read_image_scan(p, hdr, sd, channel, region)
    raise FileFormatError(
        f"{p}: unsupported scan type {scan_type!r} (expected an Image or Point Scan)", path=str(p)
    )


def _incomplete(p: Path, what: str) -> FileFormatError:
    return FileFormatError(f"{p}: incomplete or truncated header: {what}", path=str(p))


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _check_counts(p: Path, sd: dict, image_scan: dict, point: bool) -> None:
    """The counts the header declares twice agree: regions, X/Y points, energy points."""
    regions = sd["Regions"]
    spatial = image_scan.get("SpatialRegions")
    if not point and isinstance(spatial, list) and spatial and len(spatial) != len(regions):
        raise _incomplete(p, f"ScanDefinition has {len(regions)} region(s), "
                             f"ImageScan.SpatialRegions {len(spatial)}")
    if not point and isinstance(spatial, list):
        for i, (reg, sreg) in enumerate(zip(regions, spatial, strict=False)):
            if not isinstance(sreg, dict):
                continue
            for axis, key in (("PAxis", "XPoints"), ("QAxis", "YPoints")):
                pts = reg.get(axis, {}).get("Points") if isinstance(reg.get(axis), dict) else None
                n = _count(sreg.get(key))
                if n is not None and isinstance(pts, list) and n != len(pts):
                    raise _incomplete(p, f"region {i}: ImageScan {key} = {n} but {axis} has "
                                         f"{len(pts)} Points")
    energy = image_scan.get("EnergyRegions")
    if not (isinstance(energy, list) and len(energy) == 1 and isinstance(energy[0], dict)):
        return
    n = _count(energy[0].get("Points"))
    if point:
        axis, name = regions[0].get("PAxis"), "PAxis"
    else:
        axis, name = sd.get("StackAxis"), "StackAxis"
    pts = axis.get("Points") if isinstance(axis, dict) else None
    if n is not None and isinstance(pts, list) and (point or "Image Stack" in str(sd.get("Flags", "")))\
            and n != len(pts):
        raise _incomplete(p, f"ImageScan.EnergyRegions announces {n} points, {name} has {len(pts)}")


def check_header(p: Path, hdr: dict, *, point: bool) -> None:
    """Refuse a header that lacks what its scan type needs, or whose declared counts disagree.

    A header cut at a line boundary still parses when the cut falls between two top-level
    ``Key = value;`` lines; what is lost is then the end of the header. The STXM control software
    writes ``ImageScan`` (scanning stage, spatial regions) last, after ``StorageRingCurrent``, so
    a header without it is incomplete.

    Parameters
    ----------
    p
        The header file [file path] (named in the message).
    hdr
        The parsed header (:func:`parse_hdr`).
    point
        Whether the scan is a point scan (positions needed from ``ImageScan.SpatialRegions``).

    Raises
    ------
    FileFormatError
        ``FILE: incomplete or truncated header: ...`` naming what is missing or inconsistent.
    """
    sd = hdr["ScanDefinition"]
    for key in ("Type", "Regions", "Channels"):
        if key not in sd:
            raise _incomplete(p, f"ScanDefinition has no {key}")
    regions = sd["Regions"]
    if not isinstance(regions, list) or not regions or not all(isinstance(r, dict) for r in regions):
        raise _incomplete(p, "ScanDefinition.Regions is empty")
    image_scan = hdr.get("ImageScan")
    if not isinstance(image_scan, dict):
        raise _incomplete(p, "no ImageScan block (the STXM software writes it last)")
    flags = str(sd.get("Flags", ""))
    if not point and "Image Stack" in flags and not isinstance(sd.get("StackAxis"), dict):
        raise _incomplete(p, "Flags say 'Image Stack' but ScanDefinition has no StackAxis")
    if point:
        sr = image_scan.get("SpatialRegions")
        first = sr[0] if isinstance(sr, list) and sr and isinstance(sr[0], dict) else {}
        if not all(k in first for k in ("CentreXPos", "CentreYPos")):
            raise _incomplete(p, "point scan without its position "
                                 "(ImageScan.SpatialRegions CentreXPos/CentreYPos)")
    _check_counts(p, sd, image_scan, point)


def _header_path(path: str | os.PathLike) -> Path:
    p = Path(path)
    if p.suffix.lower() == ".hdr":
        return check_file(p)
    m = re.match(r"^(.*)_(?:[a-z](?:_?\d+)?|\d+)$", p.stem)
    if p.suffix.lower() in (".xim", ".xsp") and m:
        cand = p.with_name(m.group(1) + ".hdr")
        if cand.exists():
            return cand
        raise FileFormatError(f"{p}: its header {cand.name} is missing", path=str(p))
    return check_file(p)


def _common(p: Path, hdr: dict, sd: dict, channel, names: list[str]) -> tuple[int, dict, dict]:
    if channel is None:
        ich = 0
    elif isinstance(channel, int):
        ich = channel
    elif channel in names:
        ich = names.index(channel)
    else:
        raise FileFormatError(f"{p}: no channel {channel!r}; channels are {names}", path=str(p))
    if not 0 <= ich < len(names):
        raise FileFormatError(f"{p}: channel index {ich} out of range {names}", path=str(p))
    attrs: dict[str, Any] = {
        "source_format": "hdr_xim",
        "source_file": str(p),
        "scan_type": str(sd.get("Type", "")),
        "flags": str(sd.get("Flags", "")),
        "channel": names[ich],
    }
    if isinstance(hdr.get("Time"), str):
        attrs["start_time"] = hdr["Time"]
    image_scan = hdr.get("ImageScan") if isinstance(hdr.get("ImageScan"), dict) else {}
    if isinstance(image_scan.get("ScanType"), str):
        attrs["line_scan_type"] = image_scan["ScanType"]
    extra: dict[str, Any] = {}
    dwell = sd.get("Dwell")
    if isinstance(dwell, int | float) and not isinstance(dwell, bool):
        extra["count_time"] = xr.Variable(
            (), float(dwell) * 1e-3, {"units": "s", "long_name": "dwell time per pixel"}
        )
    ring = hdr.get("StorageRingCurrent")
    if isinstance(ring, int | float) and not isinstance(ring, bool):
        extra["ring_current"] = xr.Variable(
            (), float(ring) * 1e-3,
            {"units": "A", "long_name": "storage-ring current at the scan start (header)"},
        )
    return ich, attrs, extra


def _mono_energy(hdr: dict) -> float | None:
    mono = hdr.get("Monochromator")
    if isinstance(mono, dict) and isinstance(mono.get("LastPosition"), int | float):
        return float(mono["LastPosition"])
    return None


def _image_axes(p: Path, sd: dict, region: int) -> tuple[int, tuple, tuple]:
    """Number of regions, and ``(dim, values, unit, name)`` of the PAxis and QAxis of ``region``."""
    regions = sd.get("Regions")
    if not isinstance(regions, list) or not regions or not all(isinstance(r, dict) for r in regions):
        raise FileFormatError(f"{p}: ScanDefinition.Regions missing", path=str(p))
    if not 0 <= region < len(regions):
        raise FileFormatError(f"{p}: no region {region}; the scan has {len(regions)}", path=str(p))
    reg = regions[region]
    axes = {}
    for key in ("PAxis", "QAxis"):
        ax = reg.get(key)
        if not isinstance(ax, dict):
            raise FileFormatError(f"{p}: region {region} has no {key}", path=str(p))
        name = str(ax.get("Name", key))
        dim = _axis_dim(name)
        if dim is None:
            raise FileFormatError(f"{p}: {key} {name!r} is not a known axis", path=str(p))
        vals = _points(ax, f"{key}", p)
        coord, unit = _axis_coord(dim, vals, str(ax.get("Unit", "")), key, p)
        axes[key] = (dim, coord, unit, name)
    if axes["PAxis"][0] == axes["QAxis"][0]:
        raise FileFormatError(f"{p}: PAxis and QAxis are both {axes['PAxis'][0]!r}", path=str(p))
    return len(regions), axes["PAxis"], axes["QAxis"]


def _stack_coord(p: Path, hdr: dict, sd: dict, attrs: dict, coords: dict[str, Any]) -> str | None:
    """The stack dim of an image stack (None for a single image); puts its coordinate into ``coords``
    and the scanning stage (and its motor) into ``attrs``."""
    image_scan = hdr.get("ImageScan") if isinstance(hdr.get("ImageScan"), dict) else {}
    stack = sd.get("StackAxis")
    if not (isinstance(stack, dict) and "Image Stack" in str(sd.get("Flags", "")) or (
        isinstance(stack, dict) and not bool(image_scan.get("SingleEnergy", True))
    )):
        return None
    svals = _points(stack, "StackAxis", p)
    stage = image_scan.get("ScanningStage")
    stage = str(stage) if stage is not None else str(stack.get("Name", "Energy"))
    attrs["scanning_stage"] = stage
    stack_dim = _axis_dim(stage) or "stage"
    sunit = str(stack.get("Unit", ""))
    motor = _motor_by_name(hdr, stage)
    if motor is not None:
        attrs["stage_motor"] = motor[0]
    if stack_dim == "field":
        long = f"magnetic-field stage {stage!r} (units as given by the beamline)"
        coords["field"] = xr.Variable(("field",), svals, {"units": sunit, "long_name": long})
    else:
        sv, su = _axis_coord(stack_dim, svals, sunit or ("eV" if stack_dim == "energy" else ""),
                             "StackAxis", p)
        coords[stack_dim] = xr.Variable((stack_dim,), sv, {"units": su, "long_name": stage})
    return stack_dim


def _channel_images(p: Path, k: int, cname: str, ich: int, n_frames: int | None, region: int,
                    n_regions: int, shape: tuple[int, int]) -> np.ndarray | None:
    """The ``.xim`` images of channel ``k`` (stacked when ``n_frames``), rows flipped to increasing y;
    None when an image of a channel other than the selected ``ich`` is missing."""
    stem = p.with_suffix("").name
    letter = chr(ord("a") + k)
    frames = []
    for fr in range(n_frames) if n_frames is not None else [None]:
        cands = _frame_candidates(stem, letter, fr, region, n_regions)
        found = next((p.parent / c for c in cands if (p.parent / c).exists()), None)
        if found is None:
            if k != ich:
                return None
            raise FileFormatError(
                f"{p.parent / cands[0]}: missing .xim image (frame {fr if fr is not None else 0} "
                f"of channel {cname!r}, expected shape {shape} = QAxis x PAxis points)",
                path=str(p.parent / cands[0]),
            )
        frames.append(read_xim(found, shape)[::-1, :])
    return np.stack(frames) if n_frames is not None else frames[0]


def _read_image_scan(p: Path, hdr: dict, sd: dict, channel, region: int) -> xr.Dataset:
    """An image or image-stack scan (``region`` of a multi-region scan): every channel's ``.xim``
    images on the (stack, QAxis, PAxis) grid, the selected channel as ``counts``."""
    n_regions, (pdim, pvals, punit, pname), (qdim, qvals, qunit, qname) = _image_axes(p, sd, region)
    chans = _channels(sd, p)
    names = [str(c.get("Name", f"ch{i}")) for i, c in enumerate(chans)]
    ich, attrs, extra = _common(p, hdr, sd, channel, names)
    coords: dict[str, Any] = {}
    stack_dim = _stack_coord(p, hdr, sd, attrs, coords)
    if "energy" not in coords and "energy" not in (pdim, qdim):
        e = _mono_energy(hdr)
        if e is not None:
            coords["energy"] = xr.Variable(
                (), e, {"units": "eV", "long_name": "photon energy (Monochromator.LastPosition)"}
            )

    longs = {"x": "sample x", "y": "sample y", "z": "zone-plate z", "energy": "photon energy"}
    coords[qdim] = xr.Variable((qdim,), qvals, {"units": qunit, "long_name": longs.get(qdim, qname)})
    coords[pdim] = xr.Variable((pdim,), pvals, {"units": punit, "long_name": longs.get(pdim, pname)})
    shape = (qvals.size, pvals.size)
    n_frames = coords[stack_dim].size if stack_dim else None

    data_vars: dict[str, Any] = {}
    for k, cname in enumerate(names):
        arr = _channel_images(p, k, cname, ich, n_frames, region, n_regions, shape)
        if arr is None:
            continue
        units = str(chans[k].get("Unit", chans[k].get("UnitName", "counts"))) or "counts"
        vname = "counts" if k == ich else cname
        dims = ((stack_dim,) if stack_dim else ()) + (qdim, pdim)
        data_vars[vname] = xr.Variable(dims, arr, {"units": units, "long_name": f"{cname} counts"})
    data_vars.update(extra)
    ds = xr.Dataset(data_vars, coords=coords, attrs=attrs)
    dims = list(ds["counts"].dims)
    order = [d for d in STACK_DIMS if d in dims] + [d for d in dims if d not in STACK_DIMS]
    ds = ds.transpose(*order)
    if all(d in STACK_DIMS for d in dims):
        _validated(p, ds)
    return ds


def _read_point_scan(p: Path, hdr: dict, sd: dict, channel) -> xr.Dataset:
    regions = sd.get("Regions")
    if not isinstance(regions, list) or not regions or not isinstance(regions[0], dict):
        raise FileFormatError(f"{p}: ScanDefinition.Regions missing", path=str(p))
    ax = regions[0].get("PAxis")
    if not isinstance(ax, dict) or _axis_dim(str(ax.get("Name", ""))) != "energy":
        raise FileFormatError(f"{p}: point scan without an energy PAxis", path=str(p))
    energy, _ = _axis_coord("energy", _points(ax, "PAxis", p), str(ax.get("Unit", "eV")), "PAxis", p)
    chans = _channels(sd, p)
    names = [str(c.get("Name", f"ch{i}")) for i, c in enumerate(chans)]
    ich, attrs, extra = _common(p, hdr, sd, channel, names)
    xsp = p.with_name(p.with_suffix("").name + "_0.xsp")
    table = _read_table(xsp, ".xsp spectrum")
    if table.shape[0] != energy.size or table.shape[1] < 1 + len(names):
        raise FileFormatError(
            f"{xsp}: spectrum has shape {table.shape}, expected ({energy.size}, {1 + len(names)}) "
            "(energy points x [energy + channels])",
            path=str(xsp),
        )
    if not np.allclose(table[:, 0], energy, atol=1e-3, rtol=0):
        raise FileFormatError(f"{xsp}: energies differ from the PAxis points of its header {p.name}",
                              path=str(xsp))
    coords: dict[str, Any] = {
        "energy": xr.Variable(("energy",), energy, {"units": "eV", "long_name": "photon energy"})
    }
    image_scan = hdr.get("ImageScan") if isinstance(hdr.get("ImageScan"), dict) else {}
    sr = image_scan.get("SpatialRegions")
    if isinstance(sr, list) and sr and isinstance(sr[0], dict):
        for key, dim in (("CentreXPos", "x"), ("CentreYPos", "y")):
            v = sr[0].get(key)
            if isinstance(v, int | float) and not isinstance(v, bool):
                coords[dim] = xr.Variable((), float(v) * 1e-6, {"units": "m", "long_name": f"sample {dim}"})
    data_vars: dict[str, Any] = {}
    for k, cname in enumerate(names):
        col = table[:, 1 + k]
        vals = col.astype(np.int64) if np.all(col == np.round(col)) else col
        units = str(chans[k].get("Unit", "counts")) or "counts"
        data_vars["counts" if k == ich else cname] = xr.Variable(
            ("energy",), vals, {"units": units, "long_name": f"{cname} counts"}
        )
    data_vars.update(extra)
    attrs["data_file"] = xsp.name
    ds = xr.Dataset(data_vars, coords=coords, attrs=attrs)
    return _validated(p, ds)


def _validated(p: Path, ds: xr.Dataset) -> xr.Dataset:
    """``validate_stack(ds)``; a broken contract (NaN positions, ...) is an error naming the header."""
    try:
        return validate_stack(ds)
    except DataModelError as exc:
        named = name_the_file(exc, p)
        if named is exc:
            raise
        raise named from exc


def read_xsp(path: str | os.PathLike, *, channel: str | int | None = None) -> xr.DataArray:
    """Read a point spectrum (``.xsp`` with its ``.hdr``) as a DataArray of counts over energy.

    Parameters
    ----------
    path
        The ``.xsp`` file or its ``.hdr``.
    channel
        Channel name or index (default the first).

    Returns
    -------
    xarray.DataArray
        Counts over ``energy`` [eV], with the scan attributes.
    """
    ds = read_hdr_xim(path, channel=channel)
    if ds["counts"].dims != ("energy",):
        raise FileFormatError(f"{path}: not a point spectrum (dims {ds['counts'].dims})", path=str(path))
    da = ds["counts"].copy()
    da.attrs = {**ds.attrs, **da.attrs}
    return da
