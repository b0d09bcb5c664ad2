"""Reader of NeXus NXstxm files (PolLux/SLS and other STXMs) into the measured-stack contract.

An NXstxm entry holds one NXdata group per detector (``counter0``, ``counter1``, ...) with the
counts as signal and its axes named by ``axes``/``AXISNAME_indices`` attributes, an NXmonitor
``control`` with the storage-ring current on the same grid, and an NXmonitor ``energy`` with the
read-back photon energy. Axis names map to spinscope dims:

======================  ========  ==========================================
file axis               dim       conversion
======================  ========  ==========================================
``energy``              energy    eV (keV converted)
``sample_x``            x         length units of the file (um, mm, ...) -> m
``sample_y``            y         idem
``zone_plate``          z         idem (focus scans)
``sample_z``            z         idem
``line_position``       line      idem; when the file gives no units, they are inferred from the
                                  ``sample_x``/``sample_y`` positions along the line
======================  ========  ==========================================

``sample_x``/``sample_y`` along a line scan become non-dimension coordinates ``x``/``y`` on ``line``;
an axis of one point (the fixed energy of an image) becomes a scalar coordinate. Other axis names
are kept as they are (and the result is then not validated against the stack contract).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from spinscope.datamodel import STACK_DIMS, validate_stack
from spinscope.errors import FileFormatError
from spinscope.io._hdf5 import check_links, decode, length_factor, open_hdf5, wrap_errors

__all__ = ["AXIS_DIMS", "is_nxstxm", "list_nxstxm", "read_nxstxm"]

#: NXstxm axis name -> spinscope dim.
AXIS_DIMS = {
    "energy": "energy",
    "sample_x": "x",
    "sample_y": "y",
    "zone_plate": "z",
    "sample_z": "z",
    "line_position": "line",
}

_CURRENT = {"a": 1.0, "ma": 1e-3, "ua": 1e-6, "µa": 1e-6, "μa": 1e-6}
_TIME = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ns": 1e-9}


def _nx_class(obj) -> str | None:
    v = obj.attrs.get("NX_class")
    return None if v is None else str(decode(v))


def _units(dset) -> str | None:
    if "units" not in dset.attrs:
        return None
    u = decode(dset.attrs["units"])
    if isinstance(u, np.ndarray):
        u = u.reshape(-1)[0] if u.size else ""
    return str(u).strip()


def _entries(f) -> list:
    import h5py

    out = []
    for key in sorted(f):
        g = f.get(key)
        if isinstance(g, h5py.Group) and _nx_class(g) == "NXentry":
            out.append(g)
    return out


def _definition(entry) -> str | None:
    if "definition" not in entry:
        return None
    v = decode(entry["definition"][()])
    return str(v)


def is_nxstxm(f) -> bool:
    """Whether the open HDF5 file ``f`` has an NXentry with ``definition = NXstxm``."""
    return any(_definition(e) == "NXstxm" for e in _entries(f))


def _detectors(entry) -> list[str]:
    import h5py

    return [
        k
        for k in sorted(entry)
        if isinstance(entry.get(k), h5py.Group) and _nx_class(entry[k]) == "NXdata"
    ]


def list_nxstxm(path: str | os.PathLike) -> dict[str, list[str]]:
    """Entries of an NXstxm file and their detector (NXdata) groups.

    Returns
    -------
    dict
        entry name -> list of detector group names.
    """
    p = Path(path)
    with open_hdf5(p) as f, wrap_errors(p):
        return {e.name.strip("/"): _detectors(e) for e in _entries(f)}


def _str_list(value) -> list[str]:
    v = decode(value)
    if isinstance(v, np.ndarray):
        return [str(x) for x in v.reshape(-1).tolist()]
    s = str(v)
    return [a.strip() for a in s.replace(",", ":").split(":") if a.strip()]


def _indices(group, name: str) -> list[int] | None:
    key = f"{name}_indices"
    if key not in group.attrs:
        return None
    return [int(i) for i in np.atleast_1d(group.attrs[key]).reshape(-1)]


def _length(values: np.ndarray, units: str | None, where: str) -> tuple[np.ndarray, str]:
    f = length_factor(units)
    if f is None and not (units or "").strip():
        # never silently metres: STXMs write um, other NeXus writers mm
        raise FileFormatError(f"{where}: no units attribute; expected a length unit (um, mm, nm, m)")
    if f is None:
        raise FileFormatError(f"{where}: expected a length unit, got {units!r}")
    return np.asarray(values, dtype=float) * f, "m"


def _energy(values: np.ndarray, units: str | None, where: str) -> np.ndarray:
    u = (units or "eV").strip()
    if u in ("eV", "ev", ""):
        return np.asarray(values, dtype=float)
    if u.lower() == "kev":
        return np.asarray(values, dtype=float) * 1e3
    raise FileFormatError(f"{where}: expected energy in eV, got units {units!r}")


def read_nxstxm(
    path: str | os.PathLike, *, entry: str | None = None, detector: str | None = None
) -> xr.Dataset:
    """Read one entry of an NXstxm file as a measured stack.

    Parameters
    ----------
    path
        The NXstxm HDF5 file [file path].
    entry
        Name of the NXentry (default: the first, in name order, whose definition is NXstxm).
    detector
        Name of the NXdata group whose signal becomes ``counts`` (default: the first in name order,
        e.g. ``counter0``). Other detectors of the same shape are kept as variables named after
        their group.

    Returns
    -------
    xarray.Dataset
        Every field the file holds on the scan grid: ``counts`` with dims among
        (delay, energy, helicity, z, line, y, x) in SI (positions in m, energy in eV), the other
        detectors, ``ring_current`` [A] from the ``control`` monitor, ``energy_readback`` [eV] from
        the ``energy`` monitor, further monitors as ``monitor_<name>``, ``count_time`` [s], the
        measured beam positions ``x_position``/``y_position`` [m] (from
        ``instrument/sample_x/data`` ... where they follow the scan grid, else a note in
        ``attrs["positions"]``; or spinscope's own variables); attributes ``scan_type``, ``title``,
        ``start_time``, ``end_time``, ``entry``, ``detector``, ``source_file``, ``source_format``.
        Files written by :func:`spinscope.io.nxstxm_writer.write_nxstxm` also
        get back their attributes (``excitation_frequency``, ``dead_bunches``, ...), ``config``
        (JSON), ``seed`` and extra variables (``bunches`` behind each count, used by the APD pile-up
        inversion of :func:`spinscope.analysis.xmcd.xmcd_images`).

    Raises
    ------
    FileFormatError
        If the file is not HDF5, has no such entry or detector, or its axes are inconsistent.
    """
    p = Path(path)
    with open_hdf5(p) as f, wrap_errors(p, "malformed NXstxm content"):
        entries = _entries(f)
        if not entries:
            raise FileFormatError(f"{p}: no NXentry group (not a NeXus file)", path=str(p))
        if entry is not None:
            chosen = [e for e in entries if e.name.strip("/") == entry.strip("/")]
            if not chosen:
                names = [e.name.strip("/") for e in entries]
                raise FileFormatError(f"{p}: no entry {entry!r}; entries are {names}", path=str(p))
            ent = chosen[0]
        else:
            stxm = [e for e in entries if _definition(e) == "NXstxm"]
            ent = (stxm or entries)[0]
        dets = _detectors(ent)
        if not dets:
            raise FileFormatError(f"{p}: no NXdata (detector) group in {ent.name}", path=str(p))
        det = detector if detector is not None else dets[0]
        if det not in dets:
            raise FileFormatError(f"{p}: no detector {det!r} in {ent.name}; have {dets}", path=str(p))
        return _read_entry(p, ent, det, dets)


def _entry_signal(p: Path, group, where: str) -> tuple[np.ndarray, list[str], list[str]]:
    """The detector group's signal (counts), its NeXus axis names and the dims they map to."""
    sig_name = str(decode(group.attrs.get("signal", "data")))
    if sig_name not in group:
        raise FileFormatError(f"{where}: signal {sig_name!r} not found", path=str(p))
    check_links(group, sig_name, p)
    if 0 in group[sig_name].shape:
        raise FileFormatError(
            f"{where}: empty scan: signal {sig_name!r} has shape {group[sig_name].shape} "
            "(no energies, lines or points)", path=str(p))
    counts = np.asarray(group[sig_name][()])
    shape = counts.shape
    axes = _str_list(group.attrs["axes"]) if "axes" in group.attrs else []
    if len(axes) != counts.ndim:
        raise FileFormatError(
            f"{where}: 'axes' {axes} do not match the {counts.ndim}-d signal {shape}", path=str(p)
        )
    dims = [AXIS_DIMS.get(a, a) for a in axes]
    if len(set(dims)) != len(dims):
        raise FileFormatError(f"{where}: axes {axes} map to repeated dims {dims}", path=str(p))
    return counts, axes, dims


def _entry_raw_fields(group, axes: list[str]) -> dict[str, tuple[np.ndarray, str | None]]:
    """Values and units of the axis fields and of the fields with ``<name>_indices`` attributes."""
    raw: dict[str, tuple[np.ndarray, str | None]] = {}
    for name in set(axes) | {k[: -len("_indices")] for k in group.attrs if k.endswith("_indices")}:
        if name in group:
            raw[name] = (np.asarray(group[name][()]), _units(group[name]))

    # line position units: inferred from the sample positions along the line when absent
    if "line_position" in raw and raw["line_position"][1] in (None, "", " "):
        raw["line_position"] = (raw["line_position"][0], _infer_line_units(raw))
    return raw


def _entry_coords(p: Path, group, where: str, axes: list[str], dims: list[str], shape: tuple,
                  raw: dict[str, tuple[np.ndarray, str | None]]) -> dict[str, Any]:
    """Coordinates: the axes, the other fields on the signal's grid (or scalars), a single energy."""
    coords: dict[str, Any] = {}
    for i, axis in enumerate(axes):
        if axis not in raw:
            raise FileFormatError(f"{where}: axis field {axis!r} missing", path=str(p))
        vals, units = raw[axis]
        if vals.ndim != 1 or vals.size != shape[i]:
            raise FileFormatError(
                f"{where}: axis {axis!r} has shape {vals.shape}, expected ({shape[i]},)",
                path=str(p),
            )
        coords[dims[i]] = _coord(axis, dims[i], (dims[i],), vals, units, where)

    for name, (vals, units) in raw.items():
        if name in axes:
            continue
        dim = AXIS_DIMS.get(name, name)
        if dim in coords:
            continue
        idx = _indices(group, name)
        if vals.size == 1:
            coords[dim] = _coord(name, dim, (), vals.reshape(()), units, where)
        elif idx is not None and vals.ndim == len(idx) and all(
            0 <= k < len(dims) and vals.shape[j] == shape[k] for j, k in enumerate(idx)
        ):
            coords[dim] = _coord(name, dim, tuple(dims[k] for k in idx), vals, units, where)

    # a single-point energy lives outside the axes (images, focus scans)
    if "energy" not in coords and "energy" in group:
        e = np.asarray(group["energy"][()])
        if e.size == 1:
            coords["energy"] = _coord(
                "energy", "energy", (), e.reshape(()), _units(group["energy"]), where
            )
    return coords


def _entry_detectors(ent, det: str, dets: list[str], dims: list[str], counts: np.ndarray) -> dict[str, Any]:
    """``counts`` of the chosen detector, and the other detectors' signals of the same shape."""
    data_vars: dict[str, Any] = {
        "counts": xr.Variable(
            dims, counts, {"units": "counts", "long_name": f"detector counts ({det})"}
        )
    }
    for other in dets:
        if other == det:
            continue
        g = ent[other]
        s = str(decode(g.attrs.get("signal", "data")))
        if s in g and g[s].shape == counts.shape:
            data_vars[other] = xr.Variable(
                dims, np.asarray(g[s][()]), {"units": "counts", "long_name": f"detector counts ({other})"}
            )
    return data_vars


def _count_time(group, dims: list[str], coords: dict[str, Any]) -> xr.Variable | None:
    """The dwell time per pixel [s]: a scalar, or along the one dim of its length (energy preferred)."""
    if "count_time" not in group:
        return None
    ct = np.asarray(group["count_time"][()], dtype=float)
    factor = _TIME.get((_units(group["count_time"]) or "s").lower(), 1.0)
    ct = ct * factor
    attrs = {"units": "s", "long_name": "dwell time per pixel"}
    if ct.size == 1:
        return xr.Variable((), ct.reshape(()), attrs)
    if ct.ndim == 1:
        match = [d for d in dims if coords[d].size == ct.size]
        pref = [d for d in match if d == "energy"] or match
        if pref:
            return xr.Variable((pref[0],), ct, attrs)
    return None


def _entry_attrs(p: Path, ent, group, det: str) -> dict[str, Any]:
    """Dataset attributes: source, entry, detector, scan type, title, times, definition, facility."""
    attrs: dict[str, Any] = {
        "source_format": "NXstxm",
        "source_file": str(p),
        "entry": ent.name.strip("/"),
        "detector": det,
    }
    if "stxm_scan_type" in group:
        attrs["scan_type"] = str(decode(group["stxm_scan_type"][()]))
    for key in ("title", "start_time", "end_time", "definition"):
        if key in ent:
            attrs[key] = str(decode(ent[key][()]))
    src = ent.get("instrument/source/name")
    if src is not None:
        attrs["facility"] = str(decode(src[()]))
    return attrs


def _read_entry(p: Path, ent, det: str, dets: list[str]) -> xr.Dataset:
    """One NXentry as a Dataset: detector ``det``'s counts on their axes, the other detectors,
    dwell time, monitors, positions and spinscope's own extras, stack dims first."""
    group = ent[det]
    where = f"{p}:{group.name}"
    counts, axes, dims = _entry_signal(p, group, where)
    shape = counts.shape
    raw = _entry_raw_fields(group, axes)
    coords = _entry_coords(p, group, where, axes, dims, shape, raw)
    data_vars = _entry_detectors(ent, det, dets, dims, counts)
    count_time = _count_time(group, dims, coords)
    if count_time is not None:
        data_vars["count_time"] = count_time
    attrs = _entry_attrs(p, ent, group, det)
    data_vars.update(_monitors(ent, dims, shape, where))
    positions, note = _positions(ent, dims, shape, raw, coords)
    data_vars.update(positions)
    if note:
        attrs["positions"] = note
    ds = xr.Dataset(data_vars, coords=coords, attrs=attrs)
    _spinscope_extras(ent, ds, p)
    order = [d for d in STACK_DIMS if d in dims] + [d for d in dims if d not in STACK_DIMS]
    ds = ds.transpose(*order, ...)
    if all(d in STACK_DIMS for d in dims):
        validate_stack(ds)
    return ds


def _monitors(ent, dims: list[str], shape: tuple, where: str) -> dict[str, xr.Variable]:
    """NXmonitor groups of the entry on the grid of the counts (``control`` -> ``ring_current``)."""
    out: dict[str, xr.Variable] = {}
    for name in sorted(ent):
        mon = ent.get(name)
        if mon is None or _nx_class(mon) != "NXmonitor" or "data" not in mon:
            continue
        values = np.asarray(mon["data"][()])
        if values.shape != shape or values.dtype.kind not in "iuf":
            continue
        units = _units(mon["data"])
        if name == "control":
            factor = _CURRENT.get((units or "mA").strip().lower())
            if factor is not None:
                out["ring_current"] = xr.Variable(
                    dims, values.astype(float) * factor, {"units": "A", "long_name": "storage-ring current"}
                )
                continue
        if name == "energy":
            out["energy_readback"] = xr.Variable(
                dims, _energy(values, units, where), {"units": "eV", "long_name": "photon energy read back"}
            )
            continue
        out[f"monitor_{name}"] = xr.Variable(
            dims, values, {"units": (units or "").strip(), "long_name": f"monitor {name}"}
        )
    return out


def _positions(ent, dims: list[str], shape: tuple, raw: dict, coords: dict) -> tuple[dict, str | None]:
    """Measured beam positions per point (``instrument/sample_x/data``, ...) as ``x_position`` etc.

    NXstxm files store one interferometer reading per scan point. Units are the field's own; a
    field without units (PolLux writes ``" "``) takes the units of the scan axis of the same name
    when its values lie on that axis. The readings are put on the grid of the counts in scan order
    (C order) only where that order is evident: after removing their mean offset, every reading
    lies within 3 pixel steps of its nominal position. Otherwise (PolLux images record the
    fly-back and do not follow the grid) they are left out and a note says so.

    Returns
    -------
    (dict, str or None)
        The variables, and the note (``None`` when nothing was left out).
    """
    out: dict[str, xr.Variable] = {}
    inst = ent.get("instrument")
    if inst is None:
        return out, None
    size = int(np.prod(shape))
    left_out = []
    for axis, dim in (("sample_x", "x"), ("sample_y", "y")):
        g = inst.get(axis)
        if g is None or "data" not in g or g["data"].shape != (size,) or g["data"].dtype.kind not in "iuf":
            continue
        vals = np.asarray(g["data"][()], dtype=float)
        units = _units(g["data"])
        factor = length_factor(units)
        if factor is None and not (units or "").strip() and axis in raw:
            ax, ax_units = raw[axis]
            ax = np.asarray(ax, dtype=float)
            f_ax = length_factor(ax_units)
            if f_ax is not None and ax.size and np.all(np.isfinite(vals)):
                span = max(float(np.ptp(ax)), float(np.ptp(vals)), 0.01 * abs(float(np.median(ax))))
                if abs(float(np.median(vals)) - float(np.median(ax))) <= span:
                    factor = f_ax
                    units = f"{ax_units} (from the {axis} axis)"
        if factor is None or dim not in coords:
            continue
        pos = vals.reshape(shape) * factor
        nominal = np.broadcast_to(
            xr.Variable(coords[dim].dims, coords[dim].values).set_dims(dict(zip(dims, shape, strict=True)))
            .transpose(*dims).values, shape)
        dev = pos - nominal
        nom = np.unique(np.asarray(coords[dim].values, dtype=float))
        steps = np.diff(nom)
        if steps.size:
            step = float(np.median(steps))
            if np.abs(dev - np.median(dev)).max() > 3 * step:
                left_out.append(f"{axis}/data")
                continue
        out[f"{dim}_position"] = xr.Variable(
            dims, pos, {"units": "m", "long_name": f"measured {axis} position", "file_units": str(units)},
        )
    note = None
    if left_out:
        note = (f"instrument {', '.join(left_out)} (interferometer) not in scan order on the grid of the "
                "counts; left out")
    return out, note


def _spinscope_extras(ent, ds: xr.Dataset, p: Path) -> None:
    """Restore what spinscope's writer keeps in ``entry/spinscope``: attributes, config, seed, variables.

    The variables (``bunches`` behind each count, the true beam positions, ...) are needed by the
    analysis (the APD pile-up inversion uses ``bunches``); attributes already set from the NeXus
    fields win.
    """
    import h5py

    col = ent.get("spinscope")
    if not isinstance(col, h5py.Group) or "attributes" not in col:
        return
    try:
        attrs = json.loads(str(decode(col["attributes"][()])))
    except ValueError:
        raise FileFormatError(f"{p}: {col.name}/attributes is not JSON", path=str(p)) from None
    for k, v in attrs.items():
        ds.attrs.setdefault(k, v)
    if "config" in col:
        ds.attrs["config"] = str(decode(col["config"][()]))
    if "seed" in col:
        ds.attrs["seed"] = int(np.asarray(col["seed"][()]).reshape(-1)[0])
    extra = col.get("variables")
    if not isinstance(extra, h5py.Group):
        return
    for name, d in extra.items():
        if not isinstance(d, h5py.Dataset):
            continue
        vdims = tuple(json.loads(str(decode(d.attrs.get("dims", "[]")))))
        values = np.asarray(d[()])
        if values.ndim != len(vdims) or any(
            dd not in ds.dims or ds.sizes[dd] != n for dd, n in zip(vdims, values.shape, strict=True)
        ):
            continue
        units = str(decode(d.attrs.get("units", "")))
        ds[name] = xr.Variable(vdims, values, {"units": units})


def _coord(name: str, dim: str, cdims: tuple, vals, units, where: str) -> xr.Variable:
    if dim == "energy":
        return xr.Variable(
            cdims, _energy(vals, units, f"{where}/{name}"), {"units": "eV", "long_name": "photon energy"}
        )
    if dim in ("x", "y", "z", "line"):
        v, u = _length(vals, units, f"{where}/{name}")
        long = {
            "x": "sample x",
            "y": "sample y",
            "z": "zone-plate z" if name == "zone_plate" else "sample z",
            "line": "position along the line",
        }[dim]
        return xr.Variable(cdims, v, {"units": u, "long_name": long})
    v = np.asarray(vals)
    if v.dtype.kind == "S":
        v = decode(v)
    return xr.Variable(cdims, v, {"units": units or ""})


def _infer_line_units(raw: dict) -> str:
    """Units of a line_position without units: those of sample_x/y if the line lengths agree."""
    lp = np.asarray(raw["line_position"][0], dtype=float)
    if "sample_x" not in raw or "sample_y" not in raw or lp.size < 2:
        return ""
    (sx, ux), (sy, uy) = raw["sample_x"], raw["sample_y"]
    if ux != uy or length_factor(ux) is None or sx.size != lp.size or sy.size != lp.size:
        return ""
    length = float(np.hypot(sx[-1] - sx[0], sy[-1] - sy[0]))
    span = float(lp[-1] - lp[0])
    if length > 0 and abs(span - length) <= 0.01 * length:
        return ux
    return ""
