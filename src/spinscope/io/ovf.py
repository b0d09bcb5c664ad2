"""OVF 1.0 and 2.0 files (OOMMF, MuMax3, mumax+): read, write, and a folder of snapshots as a movie.

Formats (OOMMF manual, "OVF file format"):

- OVF 2.0 (``# OOMMF OVF 2.0``): ``valuedim`` components per node; binary data little-endian,
  preceded by the check value 1234567.0 (``Binary 4``) or 123456789012345.0 (``Binary 8``).
- OVF 1.0 (``# OOMMF: rectangular mesh v1.0``): always 3 components; binary data big-endian with
  the same check values; values are multiplied by ``valuemultiplier``.
- OVF 0.99 (``# OOMMF: rectangular mesh v0.99``, the manual's "OVF 0.0"): read as OVF 1.0; binary
  data in either byte order (told by the check value). ``meshunit: unknown`` (written by some codes)
  gives a warning and coordinates taken as m.
- Any file name: ``.ovf``, ``.omf`` (magnetisation), ``.ohf`` (field), ``.oef`` (energy density) are
  the same format.
- ``Text`` data: whitespace separated numbers, one node per line (``#`` comments allowed).

Nodes are stored x fastest, then y, then z. The returned :class:`xarray.DataArray` has dims
``(z, y, x, component)`` (``z`` dropped when there is a single layer unless ``squeeze=False``),
coordinates ``x = xbase + i * xstepsize`` etc. [m, with ``units``] (``xmin + (i + 1/2) * xstepsize``
when the header has no ``xbase``; a zero step size gives a warning) and ``attrs`` holding the
header (``title``, ``valueunits``, ``valuelabels``, ``time`` from ``# Desc: Total simulation time``
or ``# Desc: Time (s)``, ``desc`` lines, ``ovf_version``, ``format``).

This module depends only on numpy and xarray, the package's error classes and the length units
of ``io._hdf5``.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import xarray as xr

from spinscope.atomic import atomic_path, read_manifest
from spinscope.errors import FileFormatError
from spinscope.io._hdf5 import check_file, length_factor

__all__ = ["read_ovf", "read_ovf_folder", "write_ovf"]

_CHECK4 = 1234567.0
_CHECK8 = 123456789012345.0


def _fmt(v) -> str:
    """A number as Go's %v would print it (shortest repr, e-notation with two-digit exponent)."""
    if isinstance(v, int | np.integer):
        return str(int(v))
    v = float(v)
    if v == int(v) and abs(v) < 1e21:
        return str(int(v))
    r = repr(v)
    return r


def _parse_header(fh, path) -> tuple[dict, str]:
    first = fh.readline()
    if not first:
        raise FileFormatError(f"{path}: empty file, expected an OVF header", path=str(path))
    head = first.decode("latin-1").strip().lower()
    compact = head.replace(" ", "")
    label: float = 1
    if compact == "#oommfovf2.0":
        label = 2
    elif compact == "#oommf:rectangularmeshv1.0" or (head.startswith("# oommf") and "1.0" in head):
        label = 1
    elif compact == "#oommf:rectangularmeshv0.99":
        # "OVF 0.0" of the OOMMF manual: the OVF 1.0 header and data (binary byte order by check value)
        label = 0.99
    else:
        raise FileFormatError(
            f"{path}: not an OVF file (first line {first[:60]!r}; expected '# OOMMF OVF 2.0', "
            "'# OOMMF: rectangular mesh v1.0' or 'v0.99')", path=str(path))
    hdr: dict = {"ovf_version": label, "desc": []}
    while True:
        raw = fh.readline()
        if not raw:
            raise FileFormatError(f"{path}: truncated OVF header (no '# Begin: Data' line)",
                                  path=str(path))
        line = raw.decode("latin-1").rstrip("\r\n")
        s = line.split("##", 1)[0].strip()
        if not s.startswith("#"):
            if not s:
                continue
            raise FileFormatError(f"{path}: unexpected line in OVF header: {line[:60]!r}",
                                  path=str(path))
        body = s.lstrip("#").strip()
        if ":" not in body:
            continue
        key, value = body.split(":", 1)
        key = key.strip().lower()
        value = value.strip()
        if key == "begin" and value.lower().startswith("data"):
            fmt = value[4:].strip().lower()
            return hdr, fmt
        if key == "desc":
            hdr["desc"].append(value)
        elif key in ("begin", "end", "segment count"):
            continue
        else:
            hdr[key] = value


def _time_from_desc(desc: list[str]) -> float | None:
    for d in desc:
        m = re.match(r"\s*total simulation time\s*:\s*([-+0-9.eE]+)", d, re.IGNORECASE)
        if m:
            return float(m.group(1))
        m = re.match(r"\s*time\s*\(s\)\s*:\s*([-+0-9.eE]+)", d, re.IGNORECASE)
        if m:
            return float(m.group(1))
    return None


def _open_ovf(p: Path):
    """The OVF file opened for binary reading; a missing or unreadable file is a FileFormatError."""
    check_file(p, missing="no such OVF file")  # a FIFO or device would block or never end
    try:
        return open(p, "rb")
    except FileNotFoundError:
        raise FileFormatError(f"{p}: no such OVF file", path=str(p)) from None
    except OSError as exc:
        raise FileFormatError(f"{p}: cannot read ({exc.strerror})", path=str(p)) from None


def _ovf_shape(hdr: dict, version: int, p: Path) -> tuple[list[int], int]:
    """Node counts ``[nx, ny, nz]`` and components per node, checked against the header's rules."""
    try:
        n = [int(hdr[k]) for k in ("xnodes", "ynodes", "znodes")]
    except (KeyError, ValueError):
        raise FileFormatError(f"{p}: OVF header lacks xnodes/ynodes/znodes", path=str(p)) \
            from None
    if min(n) < 1:
        raise FileFormatError(f"{p}: OVF node counts must be >= 1, got {n}", path=str(p))
    if hdr.get("meshtype", "rectangular").lower() != "rectangular":
        raise FileFormatError(f"{p}: only rectangular OVF meshes are supported "
                              f"(meshtype {hdr.get('meshtype')!r})", path=str(p))
    ncomp = int(_header_number(hdr, "valuedim", 3, p)) if version == 2 else 3
    if ncomp < 1:
        raise FileFormatError(f"{p}: OVF valuedim must be >= 1, got {ncomp}", path=str(p))
    return n, ncomp


def _read_ovf_binary(fh, fmt: str, hdr: dict, count: int, p: Path) -> tuple[np.ndarray, str]:
    """``count`` values of a ``Binary 4`` / ``Binary 8`` block (after its check value), and the format."""
    try:
        size = int(fmt.split()[1])
    except (IndexError, ValueError):
        raise FileFormatError(f"{p}: unknown OVF data format {fmt!r}", path=str(p)) \
            from None
    if size not in (4, 8):
        raise FileFormatError(f"{p}: OVF binary size must be 4 or 8, got {size}",
                              path=str(p))
    endian = "<" if hdr["ovf_version"] == 2 else ">"
    dt = np.dtype(f"{endian}f{size}")
    raw = fh.read(size * (count + 1))
    if len(raw) < size * (count + 1):
        raise FileFormatError(
            f"{p}: truncated OVF data ({len(raw)} bytes, expected {size * (count + 1)})",
            path=str(p))
    arr = np.frombuffer(raw, dtype=dt)
    check = _CHECK4 if size == 4 else _CHECK8
    if arr[0] != check and hdr["ovf_version"] == 0.99:
        swapped = np.frombuffer(raw, dtype=dt.newbyteorder())
        if swapped[0] == check:  # OVF 0.99 binary may be in the writer's byte order
            arr, dt = swapped, dt.newbyteorder()
    if arr[0] != check:
        other = np.frombuffer(raw[:size], dtype=dt.newbyteorder())[0]
        hint = " (byte order swapped: wrong OVF version header?)" if other == check else ""
        raise FileFormatError(
            f"{p}: wrong OVF check value {arr[0]!r}, expected {check!r}{hint}",
            path=str(p))
    return arr[1:].astype(dt.newbyteorder("=")).copy(), f"binary{size}"


def _read_ovf_text(fh, count: int, p: Path) -> np.ndarray:
    """``count`` values of a ``Text`` data block (whitespace separated, ``#`` comments allowed)."""
    text = fh.read().decode("latin-1")
    if "# end: data" not in text.lower():
        # a text file cut inside the data could end in a shortened number: never read it
        raise FileFormatError(f"{p}: truncated OVF text data (no '# End: Data' line)", path=str(p))
    nums = []
    for line in text.splitlines():
        s = line.split("#", 1)[0].strip()
        if s:
            nums.append(s)
    try:
        values = np.array(" ".join(nums).split(), dtype=float)
    except ValueError:
        raise FileFormatError(f"{p}: non-numeric value in OVF text data", path=str(p)) \
            from None
    if values.size < count:
        raise FileFormatError(f"{p}: truncated OVF text data ({values.size} values, "
                              f"expected {count})", path=str(p))
    return values[:count]


def _mesh_scale(hdr: dict, p: Path) -> float:
    """Metres per mesh unit (``meshunit``; m with a warning, addressed to read_ovf's caller, when unknown)."""
    unit = hdr.get("meshunit", "m")
    scale = length_factor(unit)
    if scale is None:
        warnings.warn(f"{p}: meshunit {unit!r} is not a length unit; coordinates taken as m",
                      UserWarning, stacklevel=3)
        scale = 1.0
    return scale


def _ovf_attrs(hdr: dict, version: int, ncomp: int, step: list[float], fmt_name: str,
               p: Path) -> tuple[dict, list[str]]:
    """The DataArray attrs made from the header, and the component labels."""
    if version == 2:
        units = hdr.get("valueunits", "").split()
        labels = hdr.get("valuelabels", "").split()
    else:
        units = [hdr.get("valueunit", "")] * 3
        labels = []
    comp_labels = ["x", "y", "z"] if ncomp == 3 else [str(i) for i in range(ncomp)]
    unit = units[0] if units and len(set(units)) == 1 else " ".join(units)
    if unit == "1":  # MuMax3 writes "1" for the dimensionless reduced magnetisation
        unit = ""
    attrs = {
        "long_name": hdr.get("title") or "OVF data",
        "title": hdr.get("title", ""),
        "valueunits": " ".join(units),
        "units": unit,
        "valuelabels": " ".join(labels),
        "desc": "\n".join(hdr["desc"]),
        "ovf_version": hdr["ovf_version"],
        "format": fmt_name,
        "cell_size": step,
        "source": str(p),
    }
    t = _time_from_desc(hdr["desc"])
    if t is not None:
        attrs["time"] = t
    return attrs, comp_labels


def read_ovf(path, *, squeeze: bool = True):
    """Read an OVF 1.0 or 2.0 file (text, binary 4 or binary 8).

    Parameters
    ----------
    path
        The ``.ovf`` / ``.omf`` file.
    squeeze
        Drop the ``z`` dimension of a single-layer file (and the ``component`` dimension of a
        scalar file).

    Returns
    -------
    xarray.DataArray
        ``(z, y, x, component)`` values in the file's ``valueunits`` (multiplied by OVF 1.0's
        ``valuemultiplier``), coordinates in m (``meshunit`` m assumed when absent).

    Raises
    ------
    FileFormatError
        Missing, truncated or malformed file, wrong check value.
    """
    p = Path(path)
    with _open_ovf(p) as fh:
        hdr, fmt = _parse_header(fh, p)
        version = 2 if hdr["ovf_version"] == 2 else 1
        n, ncomp = _ovf_shape(hdr, version, p)
        count = n[0] * n[1] * n[2] * ncomp
        # a damaged header must not make us allocate more than the file can hold
        if count > p.stat().st_size:
            raise FileFormatError(f"{p}: truncated OVF data (the header announces {count} values, the file "
                                  f"has {p.stat().st_size} bytes)", path=str(p))
        if fmt.startswith("binary"):
            values, fmt_name = _read_ovf_binary(fh, fmt, hdr, count, p)
        elif fmt.startswith("text") or fmt == "":
            values, fmt_name = _read_ovf_text(fh, count, p), "text"
        else:
            raise FileFormatError(f"{p}: unknown OVF data format {fmt!r}", path=str(p))
    if version == 1:
        mult = _header_number(hdr, "valuemultiplier", 1.0, p)
        if mult != 1.0:
            values = values * mult
    data = values.reshape(n[2], n[1], n[0], ncomp)
    step, base = _mesh(hdr, n, p)
    scale = _mesh_scale(hdr, p)
    coords = {
        a: (a, (base[i] + np.arange(n[i]) * step[i]) * scale, {"units": "m"})
        for i, a in enumerate("xyz")
    }
    attrs, comp_labels = _ovf_attrs(hdr, version, ncomp, step, fmt_name, p)
    da = xr.DataArray(
        data,
        dims=("z", "y", "x", "component"),
        coords={**coords, "component": ("component", np.array(comp_labels), {"units": ""})},
        name=hdr.get("title") or "value",
        attrs=attrs,
    )
    if squeeze:
        if n[2] == 1:
            da = da.isel(z=0, drop=True)
        if ncomp == 1:
            da = da.isel(component=0, drop=True)
    return da


def _mesh(hdr: dict, n: list[int], path) -> tuple[list[float], list[float]]:
    """Cell sizes and first-node positions along x, y, z, in mesh units.

    The first node lies at ``xbase``; a header without ``xbase`` (allowed by OVF 2.0) puts it at
    ``xmin + xstepsize / 2``, the centre of the first cell (``step / 2`` when ``xmin`` is absent too).
    A zero step size (MuMax3 writes one for some outputs) is replaced by ``(xmax - xmin) / xnodes``
    when the header gives a non-empty range, with a warning either way.
    """
    step = [_header_number(hdr, f"{a}stepsize", 1.0, path) for a in "xyz"]
    for i, a in enumerate("xyz"):
        if step[i] != 0:
            continue
        lo = _header_number(hdr, f"{a}min", 0.0, path)
        hi = _header_number(hdr, f"{a}max", 0.0, path)
        if hi > lo:
            step[i] = (hi - lo) / n[i]
            warnings.warn(f"{path}: OVF header {a}stepsize is 0; using ({a}max - {a}min) / {a}nodes = "
                          f"{step[i]:g}", UserWarning, stacklevel=3)
        else:
            warnings.warn(f"{path}: OVF header {a}stepsize is 0 and gives no {a} range: the {a} "
                          "coordinates are all equal (cell size unknown)", UserWarning, stacklevel=3)
    base = []
    for i, a in enumerate("xyz"):
        if f"{a}base" in hdr:
            base.append(_header_number(hdr, f"{a}base", 0.0, path))
        else:
            base.append(_header_number(hdr, f"{a}min", 0.0, path) + step[i] / 2)
    return step, base


def _header_number(hdr: dict, key: str, default: float, path) -> float:
    """A finite number from the OVF header (``default`` when absent); a damaged value is a FileFormatError."""
    value = hdr.get(key, default)
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise FileFormatError(f"{path}: OVF header {key} = {value!r} is not a number", path=str(path)) \
            from None
    if not np.isfinite(out):
        raise FileFormatError(f"{path}: OVF header {key} = {value!r} is not finite", path=str(path))
    return out


def _to_zyxc(da) -> tuple[np.ndarray, dict]:
    """Array (z, y, x, c) and coordinate arrays from a DataArray or ndarray."""
    if hasattr(da, "dims"):
        dims = list(da.dims)
        for d in dims:
            if d not in ("z", "y", "x", "component"):
                raise FileFormatError(f"write_ovf: unexpected dimension {d!r} "
                                      "(select one time frame first)")
        a = da
        if "component" not in dims:
            a = a.expand_dims(component=["v"], axis=-1)
        if "z" not in dims:
            a = a.expand_dims(z=1, axis=0)
        a = a.transpose("z", "y", "x", "component")
        coords = {k: np.asarray(a[k].values, dtype=float) for k in ("x", "y", "z")
                  if k in a.coords and a[k].dtype.kind in "fiu"}
        return np.asarray(a.values), coords
    arr = np.asarray(da)
    if arr.ndim == 3:
        arr = arr[None]
    return arr, {}


def _ovf_write_time(da, attrs: dict, time: float | None) -> float | None:
    """The time to write: ``time`` if given, else the array's scalar ``time`` coordinate or attribute."""
    if time is None:
        if hasattr(da, "coords") and "time" in da.coords and da["time"].size == 1:
            time = float(da["time"].values)
        elif "time" in attrs:
            time = float(attrs["time"])
    return time


def _ovf_write_mesh(coords: dict, attrs: dict, cell_size, shape: tuple[int, int, int]):
    """Steps, first-node positions, mins and maxs along x, y, z [m] of the mesh to write.

    The step comes from ``cell_size``, else the ``cell_size`` attribute, else the coordinates,
    else 1; ``shape`` is ``(nx, ny, nz)``.
    """
    steps, bases = [], []
    for i, a in enumerate("xyz"):
        c = coords.get(a)
        if cell_size is not None:
            st = float(cell_size[i])
        elif "cell_size" in attrs:
            st = float(attrs["cell_size"][i])
        elif c is not None and c.size >= 2:
            st = float(c[1] - c[0])
        else:
            st = 1.0
        steps.append(st)
        bases.append(float(c[0]) if c is not None and c.size >= 1 else st / 2)
    mins = [b - s / 2 for b, s in zip(bases, steps, strict=True)]
    maxs = [m + s * k for m, s, k in zip(mins, steps, shape, strict=True)]
    return steps, bases, mins, maxs


def _ovf2_header(name: str, mesh, shape: tuple[int, int, int], nc: int, attrs: dict,
                 time: float | None, valueunits: str | None, valuelabels: str | None) -> list[str]:
    """The header lines of an OVF 2.0 file; ``mesh`` is ``(steps, bases, mins, maxs)``."""
    steps, bases, mins, maxs = mesh
    lines = ["# OOMMF OVF 2.0", "# Segment count: 1", "# Begin: Segment", "# Begin: Header",
             f"# Title: {name}", "# meshtype: rectangular", "# meshunit: m"]
    lines += [f"# {a}min: {_fmt(v)}" for a, v in zip("xyz", mins, strict=True)]
    lines += [f"# {a}max: {_fmt(v)}" for a, v in zip("xyz", maxs, strict=True)]
    if valuelabels is None:
        valuelabels = attrs.get("valuelabels") or (
            " ".join(f"{name}_{c}" for c in "xyz") if nc == 3 else
            " ".join(f"{name}_{i}" for i in range(nc)))
    if valueunits is None:
        vu = attrs.get("valueunits") or attrs.get("units") or "1"
        valueunits = vu if len(vu.split()) == nc else " ".join([vu.split()[0]] * nc)
    lines += [f"# valuedim: {nc}", f"# valuelabels: {valuelabels}",
              f"# valueunits: {valueunits}"]
    if time is not None:
        lines.append(f"# Desc: Total simulation time:  {_fmt(time)}  s")
    lines += [f"# {a}base: {_fmt(v)}" for a, v in zip("xyz", bases, strict=True)]
    lines += [f"# {a}nodes: {k}" for a, k in zip("xyz", shape, strict=True)]
    lines += [f"# {a}stepsize: {_fmt(v)}" for a, v in zip("xyz", steps, strict=True)]
    lines.append("# End: Header")
    return lines


def _ovf1_header(name: str, mesh, shape: tuple[int, int, int], arr: np.ndarray, attrs: dict,
                 time: float | None, valueunits: str | None) -> list[str]:
    """The header lines of an OVF 1.0 file; ``mesh`` is ``(steps, bases, mins, maxs)``."""
    steps, bases, mins, maxs = mesh
    vu = valueunits or attrs.get("units") or "1"
    lines = ["# OOMMF: rectangular mesh v1.0", "# Segment count: 1", "# Begin: Segment",
             "# Begin: Header", f"# Title: {name}"]
    if time is not None:
        lines.append(f"# Desc: Time (s) : {_fmt(time)}")
    lines += ["# meshtype: rectangular", "# meshunit: m"]
    lines += [f"# {a}base: {_fmt(v)}" for a, v in zip("xyz", bases, strict=True)]
    lines += [f"# {a}stepsize: {_fmt(v)}" for a, v in zip("xyz", steps, strict=True)]
    lines += [f"# {a}nodes: {k}" for a, k in zip("xyz", shape, strict=True)]
    lines += [f"# {a}min: {_fmt(v)}" for a, v in zip("xyz", mins, strict=True)]
    lines += [f"# {a}max: {_fmt(v)}" for a, v in zip("xyz", maxs, strict=True)]
    mags = np.sqrt(np.sum(np.asarray(arr, dtype=float) ** 2, axis=-1))
    lines += [f"# valueunit: {vu.split()[0]}", "# valuemultiplier: 1",
              f"# ValueRangeMinMag: {_fmt(max(float(mags.min()), 1e-30))}",
              f"# ValueRangeMaxMag: {_fmt(float(mags.max()))}",
              "# End: Header"]
    return lines


def _write_ovf_data(fh, arr: np.ndarray, format: str, version: int, nc: int) -> None:
    """The data block (``Text``, or a check value and ``Binary 4/8`` values) and the segment's end."""
    flat = np.asarray(arr).reshape(-1)
    if format == "text":
        fh.write(b"# Begin: Data Text\n")
        rows = np.asarray(flat, dtype=float).reshape(-1, nc)
        fh.write("".join(" ".join(repr(float(v)) for v in r) + "\n" for r in rows)
                 .encode("ascii"))
        fh.write(b"# End: Data Text\n")
    else:
        size = 8 if format == "binary8" else 4
        endian = "<" if version == 2 else ">"
        dt = np.dtype(f"{endian}f{size}")
        fh.write(f"# Begin: Data Binary {size}\n".encode("ascii"))
        fh.write(np.array([_CHECK8 if size == 8 else _CHECK4], dtype=dt).tobytes())
        fh.write(np.asarray(flat).astype(dt).tobytes())
        fh.write(f"\n# End: Data Binary {size}\n".encode("ascii"))
    fh.write(b"# End: Segment\n")


def write_ovf(path, da, *, format: str = "binary8", version: int = 2, title: str | None = None,
              time: float | None = None, cell_size=None, valueunits: str | None = None,
              valuelabels: str | None = None) -> Path:
    """Write an OVF file.

    Parameters
    ----------
    path
        Output file.
    da
        ``xarray.DataArray`` with dims among ``(z, y, x, component)`` (coordinates give the cell
        size and origin), or a numpy array ``(z?, y, x, c)``.
    format
        ``"binary8"``, ``"binary4"`` or ``"text"``.
    version
        2 (OVF 2.0, little-endian) or 1 (OVF 1.0, big-endian, 3 components only).
    title
        Header title (default: the array's name).
    time
        Simulation time written as ``# Desc: Total simulation time: T s`` [s] (default: the
        array's ``time`` coordinate or attribute, if any).
    cell_size
        ``(dx, dy, dz)`` [m] when the array has no coordinates.
    valueunits, valuelabels
        Header fields (defaults from attrs, else ``"1"`` and ``"<title>_x ..."``).

    Returns
    -------
    pathlib.Path
        The written file. Binary formats round-trip bit-exactly (binary8 for float64 data).
    """
    if format not in ("binary8", "binary4", "text"):
        raise FileFormatError(f"write_ovf: format must be 'binary8', 'binary4' or 'text', got "
                              f"{format!r}")
    if version not in (1, 2):
        raise FileFormatError(f"write_ovf: version must be 1 or 2, got {version!r}")
    attrs = dict(getattr(da, "attrs", {}) or {})
    time = _ovf_write_time(da, attrs, time)
    arr, coords = _to_zyxc(da)
    nz, ny, nx, nc = arr.shape
    if version == 1 and nc != 3:
        raise FileFormatError("write_ovf: OVF 1.0 holds 3-component vectors only; use version=2")
    shape = (nx, ny, nz)
    mesh = _ovf_write_mesh(coords, attrs, cell_size, shape)
    name = title if title is not None else (attrs.get("title") or getattr(da, "name", None) or "m")
    name = str(name)
    if version == 2:
        lines = _ovf2_header(name, mesh, shape, nc, attrs, time, valueunits, valuelabels)
    else:
        lines = _ovf1_header(name, mesh, shape, arr, attrs, time, valueunits)
    p = Path(path)
    with atomic_path(p, overwrite=True) as tmp, open(tmp, "wb") as fh:
        fh.write(("\n".join(lines) + "\n").encode("ascii"))
        _write_ovf_data(fh, arr, format, version, nc)
    return p


def _check_manifest(d: Path, files: list[Path] | None) -> None:
    """A folder written by spinscope (it has ``manifest.json``) must be complete, with as many
    frames as its manifest lists; folders of other programs (MuMax3, OOMMF) have none of ours."""
    try:
        man = read_manifest(d)
    except FileFormatError:  # not JSON: another program's manifest
        return
    if man is None or "spinscope_version" not in man:
        return
    if man.get("complete") is not True:
        raise FileFormatError(f"{d}: incomplete movie: the spinscope run writing it did not finish "
                              f"(manifest.json says complete = false); rerun it", path=str(d))
    n = man.get("frames")
    if files is not None and isinstance(n, int) and n != len(files):
        raise FileFormatError(f"{d}: holds {len(files)} OVF files but its manifest.json lists {n} "
                              "frames; the folder was changed after it was written", path=str(d))


def read_ovf_folder(folder, pattern: str = "*.ov[f]", *, time_step: float | None = None):
    """Read a folder of OVF snapshots (e.g. MuMax3's ``m000000.ovf ...``) as a movie.

    Parameters
    ----------
    folder
        Folder with the files (sorted by name).
    pattern
        Glob of the files (default ``*.ovf``; ``*.omf`` for OOMMF magnetisation files).
    time_step
        Interval between files [s] used when a file carries no time in its header.

    Returns
    -------
    xarray.DataArray
        Dims ``(time, z?, y, x, component)``; the ``time`` coordinate [s] comes from each file's
        ``# Desc: Total simulation time`` (MuMax3) or ``# Desc: Time (s)`` line.

    Raises
    ------
    FileFormatError
        No file matches, the files differ in shape, or a time is missing without ``time_step``; a
        folder written by spinscope whose ``manifest.json`` is not complete or lists another number
        of frames (an interrupted run).
    """
    d = Path(folder)
    if not d.is_dir():
        raise FileFormatError(f"{d}: no such folder of OVF files", path=str(d))
    files = sorted(d.glob(pattern))
    if not files and pattern == "*.ov[f]":
        files = sorted(d.glob("*.omf"))
    if not files:
        raise FileFormatError(f"{d}: no OVF file matching {pattern!r}", path=str(d))
    _check_manifest(d, files if pattern == "*.ov[f]" else None)
    frames = [read_ovf(f) for f in files]
    shape = frames[0].shape
    for f, fr in zip(files, frames, strict=True):
        if fr.shape != shape:
            raise FileFormatError(f"{f}: shape {fr.shape} differs from the first file's {shape}",
                                  path=str(f))
    times = []
    for i, (f, fr) in enumerate(zip(files, frames, strict=True)):
        t = fr.attrs.get("time")
        if t is None:
            if time_step is None:
                raise FileFormatError(
                    f"{f}: no simulation time in the header; pass time_step", path=str(f))
            t = i * time_step
        times.append(float(t))
    movie = xr.concat([fr.drop_attrs() if hasattr(fr, "drop_attrs") else fr for fr in frames],
                      dim="time", coords="minimal", compat="override", join="override")
    movie = movie.assign_coords(time=("time", np.array(times), {"units": "s"}))
    attrs = {k: v for k, v in frames[0].attrs.items() if k not in ("time", "source", "desc")}
    attrs["files"] = [str(f) for f in files]
    movie.attrs = attrs
    for k in movie.dims:
        if k in ("x", "y", "z"):
            movie[k].attrs["units"] = "m"
    return movie
