"""NeXus/HDF5 writer and reader of spinscope data (xarray Dataset/DataArray <-> NXentry/NXdata).

Layout written by :func:`write_nexus`::

    /                       NXroot   default="entry", file_name, file_time, creator, creator_version
    /entry                  NXentry  default="data"
        definition          the application definition, when given (a scalar string)
        title, program_name "spinscope" (attribute version); scalar strings
        start_time          UTC creation time (ISO 8601); end_time the same
        /data               NXdata   signal, axes, AXISNAME_indices, auxiliary_signals
            <variable>      every data variable and coordinate of the Dataset, with its attributes
                            (``units`` on every coordinate)
            <v>_errors      hard links to the uncertainty of ``v`` (``<v>_err``, or ``sigma`` for the
                            signal), the NeXus name that silx and h5web draw as error bars
            data            for NXsas: a hard link to the signal (when no variable is named ``data``)
        /instrument         NXinstrument, for NXsas built from the geometry attributes
                            (:func:`nxsas_groups`): source (type, probe "x-ray"), monochromator
                            (energy [eV], wavelength [m]), detector (data = link to the signal,
                            distance, x/y_pixel_size, beam_center_x/y [m]); /sample NXsample
        /<name>             further groups given by ``groups`` (e.g. NXprocess fit results,
                            :func:`nxprocess`)
        /config             NXnote   type="application/json", data = the normalised configuration
        /provenance         NXcollection: program, version, seed, created, python/numpy/xarray/h5py

Round trip is exact: ``read_nexus(write_nexus(p, ds))`` is identical to ``ds`` (values, dtypes,
dims, coordinates, attributes). Conventions of the storage:

- Every dataset is chunked with a Fletcher-32 checksum and the file uses the HDF5 1.10 format
  (``libver=("v110", "v110")``: superblock version 3, version-2 object headers, layout message
  version 4), whose metadata are checksummed too and which every HDF5 >= 1.10 reads (the newest
  format, ``libver="latest"``, gives layout messages HDF5 1.14 cannot read when written by HDF5
  2.0); strings are stored fixed-length (inside checksummed blocks). A flipped byte is therefore
  detected and reported as :class:`~spinscope.errors.FileFormatError` rather than read as wrong data.
- 0-d variables are stored as 1-element datasets marked ``spinscope_scalar``.
- Complex values use h5py's native complex storage, an HDF5 compound of two floats named ``r`` and
  ``i``; unicode strings are UTF-8 (``spinscope_dtype`` keeps the numpy dtype); datetime64 and
  timedelta64 are stored as int64 with their unit in ``spinscope_dtype``.
- Each dataset carries ``spinscope_dims`` (JSON list) and ``spinscope_role`` ("data" or "coord");
  attributes that HDF5 cannot hold natively (lists, dicts, None) are JSON strings listed in
  ``spinscope_json_attrs``. A coordinate without ``units`` gets the NeXus ``units`` from
  :data:`spinscope.conventions.DIM_UNITS` (else ``""``) marked ``spinscope_units_added``, which the
  reader removes again.
- A DataArray is written as a one-variable Dataset named after it (``"data"`` when unnamed).

Set ``SOURCE_DATE_EPOCH`` (seconds since 1970) to fix the recorded creation time: two writes of the
same data then give byte-identical files.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from spinscope import __version__
from spinscope.atomic import atomic_path
from spinscope.conventions import DIM_UNITS
from spinscope.datamodel import DataModelError
from spinscope.errors import FileFormatError
from spinscope.io._hdf5 import check_links, decode, open_hdf5, wrap_errors
from spinscope.serialise import to_jsonable

__all__ = ["LAYOUT_VERSION", "nxprocess", "nxsas_groups", "read_nexus", "read_nexus_metadata",
           "write_nexus"]

#: Version of the spinscope NeXus layout (stored as ``spinscope_layout`` on the NXdata group).
LAYOUT_VERSION = 1

#: HDF5 format bounds of the files written: the 1.10 format (checksummed metadata), readable by
#: HDF5 >= 1.10 (``"latest"`` would follow the writing library, e.g. layout messages of HDF5 2.0).
LIBVER = ("v110", "v110")

_RESERVED_GROUP_ATTRS = {"NX_class", "signal", "axes", "auxiliary_signals", "default"}
_PREFIX = "spinscope_"


# --------------------------------------------------------------------------------------------------
# writing


def _now_utc() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and epoch.strip().lstrip("-").isdigit():
        t = _dt.datetime.fromtimestamp(int(epoch), tz=_dt.UTC)
    else:
        t = _dt.datetime.now(tz=_dt.UTC)
    return t.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _str_dtype(n: int):
    import h5py

    return h5py.string_dtype("utf-8", max(1, n))


def _set_str_attr(obj, name: str, value: str) -> None:
    b = value.encode("utf-8")
    obj.attrs.create(name, np.bytes_(b), dtype=_str_dtype(len(b)))


def _set_str_array_attr(obj, name: str, values) -> None:
    enc = [str(v).encode("utf-8") for v in values]
    n = max([len(b) for b in enc] + [1])
    obj.attrs.create(name, np.array(enc, dtype=_str_dtype(n)))


def _write_scalar_str(group, name: str, value: str):
    """A scalar UTF-8 string field; compact (inside the checksummed object header) when short."""
    import h5py

    b = value.encode("utf-8")
    if len(b) > 16000:  # compact data must fit the 64 KiB object header
        return _write_str_field(group, name, value)
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(max(1, len(b)))
    tid.set_cset(h5py.h5t.CSET_UTF8)
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_layout(h5py.h5d.COMPACT)
    dcpl.set_obj_track_times(False)
    dsid = h5py.h5d.create(group.id, name.encode("utf-8"), tid, h5py.h5s.create(h5py.h5s.SCALAR),
                           dcpl=dcpl)
    dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array(b, dtype=f"S{max(1, len(b))}"), mtype=tid)
    return group[name]


def _set_json_attr(obj, name: str, value: Any) -> None:
    _set_str_attr(obj, name, json.dumps(value, separators=(",", ":")))


def _write_attrs(obj, attrs: Mapping, where: str, reserved: set[str] | None = None) -> list[str]:
    """Write user attributes; return the names stored as JSON."""
    json_names: list[str] = []
    for key, value in attrs.items():
        if not isinstance(key, str):
            raise DataModelError(f"{where}: attribute names must be strings, got {key!r}")
        if key.startswith(_PREFIX) or (reserved and (key in reserved or key.endswith("_indices"))):
            raise DataModelError(f"{where}: attribute name {key!r} is reserved by the NeXus layout")
        if isinstance(value, str) and "\x00" not in value:
            _set_str_attr(obj, key, value)
        elif isinstance(value, bool | np.bool_ | int | float | complex | np.number):
            obj.attrs.create(key, np.asarray(value))
        elif isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
            obj.attrs.create(key, value)
        elif isinstance(value, np.ndarray) and value.dtype.kind == "U" and value.ndim == 1:
            _set_str_array_attr(obj, key, value.tolist())
            json_names.append("U:" + key)
        else:
            try:
                text = json.dumps(value, separators=(",", ":"), allow_nan=True)
            except TypeError:
                raise DataModelError(
                    f"{where}: attribute {key!r} of type {type(value).__name__} cannot be stored "
                    "in NeXus (use str, numbers, numpy arrays, lists or dicts)"
                ) from None
            _set_str_attr(obj, key, text)
            json_names.append(key)
    return json_names


def _encode_values(values: np.ndarray, where: str) -> tuple[np.ndarray, Any, str | None]:
    """Values ready for h5py, the h5py dtype, and the numpy dtype to restore (or None)."""
    kind = values.dtype.kind
    if kind in "biufc":
        return values, None, None
    if kind in "U" or (kind == "O" and all(isinstance(v, str) for v in values.reshape(-1))):
        enc = np.array([str(v).encode("utf-8") for v in values.reshape(-1)], dtype=object)
        n = max([len(b) for b in enc] + [1])
        arr = np.array(enc.tolist(), dtype=_str_dtype(n)).reshape(values.shape)
        return arr, None, ("object" if kind == "O" else values.dtype.str)
    if kind == "S":
        return values, None, values.dtype.str
    if kind in "Mm":
        return values.view("int64"), None, values.dtype.str
    raise DataModelError(f"{where}: dtype {values.dtype} cannot be stored in NeXus")


def _write_variable(group, name: str, var: xr.Variable, role: str, where: str) -> None:
    if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
        raise DataModelError(f"{where}: variable name {name!r} cannot be an HDF5 field name")
    values = np.asarray(var.values)
    data, h5dtype, restore = _encode_values(values, f"{where}.{name}")
    scalar = data.ndim == 0
    if scalar:
        data = data.reshape(1)
    kwargs: dict[str, Any] = {}
    if data.size > 0:
        kwargs = {"chunks": True, "fletcher32": True}
    ds = group.create_dataset(name, data=data, dtype=h5dtype, **kwargs)
    attrs = dict(var.attrs)
    added_units = False
    if role == "coord" and "units" not in attrs:
        attrs["units"] = DIM_UNITS.get(name, "") if var.dims in ((name,), ()) else ""
        added_units = True
    json_names = _write_attrs(ds, attrs, f"{where}.{name}")
    _set_json_attr(ds, _PREFIX + "dims", list(var.dims))
    _set_str_attr(ds, _PREFIX + "role", role)
    if scalar:
        ds.attrs.create(_PREFIX + "scalar", np.int8(1))
    if restore is not None:
        _set_str_attr(ds, _PREFIX + "dtype", restore)
    if json_names:
        _set_json_attr(ds, _PREFIX + "json_attrs", json_names)
    if added_units:
        ds.attrs.create(_PREFIX + "units_added", np.int8(1))


def _choose_signal(ds: xr.Dataset, signal: str | None) -> str | None:
    if signal is not None:
        if signal not in ds.data_vars:
            raise DataModelError(f"signal {signal!r} is not a data variable of {list(ds.data_vars)}")
        return signal
    if not ds.data_vars:
        return None
    if "counts" in ds.data_vars:
        return "counts"
    return max(ds.data_vars, key=lambda k: (ds[k].ndim, -list(ds.data_vars).index(k)))


def _nexus_dataset(data, signal: str | None) -> tuple[xr.Dataset, str, str | None]:
    """``data`` as a Dataset with string names, its source type and the signal (a DataArray's name)."""
    if isinstance(data, xr.DataArray):
        name = data.name if data.name is not None else "data"
        if not isinstance(name, str):
            raise DataModelError(f"DataArray name must be a string, got {name!r}")
        ds = data.to_dataset(name=name)
        source_type = "DataArray"
        signal = signal or name
    elif isinstance(data, xr.Dataset):
        ds = data
        source_type = "Dataset"
    else:
        raise DataModelError(f"write_nexus: expected an xarray Dataset or DataArray, got {type(data)}")
    for k in list(ds.data_vars) + list(ds.coords):
        if not isinstance(k, str):
            raise DataModelError(f"variable names must be strings, got {k!r}")
    return ds, source_type, signal


def _write_root_attrs(f, target: Path, created: str) -> None:
    """The NXroot attributes of the file (name, time, creator and library versions)."""
    import h5py

    f.attrs["NX_class"] = np.bytes_(b"NXroot")
    _set_str_attr(f, "default", "entry")
    _set_str_attr(f, "file_name", target.name)
    _set_str_attr(f, "file_time", created)
    _set_str_attr(f, "creator", "spinscope")
    _set_str_attr(f, "creator_version", __version__)
    _set_str_attr(f, "HDF5_Version", h5py.version.hdf5_version)
    _set_str_attr(f, "h5py_version", h5py.version.version)


def _write_entry(f, definition: str | None, title: str | None, created: str):
    """The ``entry`` NXentry group with its definition, title, program and times."""
    entry = f.create_group("entry", track_order=True)
    _set_str_attr(entry, "NX_class", "NXentry")
    _set_str_attr(entry, "default", "data")
    if definition is not None:
        _write_scalar_str(entry, "definition", definition)
    if title is not None:
        _write_scalar_str(entry, "title", title)
    prog = _write_scalar_str(entry, "program_name", "spinscope")
    _set_str_attr(prog, "version", __version__)
    _write_scalar_str(entry, "start_time", created)
    _write_scalar_str(entry, "end_time", created)
    return entry


def _write_nxdata(entry, ds: xr.Dataset, sig: str | None, source_type: str) -> None:
    """The ``entry/data`` NXdata group: variables, coordinates, signal and axes, and the round-trip attrs."""
    group = entry.create_group("data", track_order=True)
    _set_str_attr(group, "NX_class", "NXdata")
    where = "data"
    order = []
    for name, var in ds.data_vars.items():
        _write_variable(group, name, var.variable, "data", where)
        order.append([name, "data"])
    for name, var in ds.coords.items():
        _write_variable(group, name, var.variable, "coord", where)
        order.append([name, "coord"])
    if sig is not None:
        sdims = list(ds[sig].dims)
        _set_str_attr(group, "signal", sig)
        axes = [d if d in ds.coords and ds[d].dims == (d,) else "." for d in sdims]
        _set_str_array_attr(group, "axes", axes)
        for cname, coord in ds.coords.items():
            if coord.ndim and all(d in sdims for d in coord.dims):
                idx = np.array([sdims.index(d) for d in coord.dims], dtype=np.int32)
                group.attrs.create(f"{cname}_indices", idx)
        aux = [k for k in ds.data_vars if k != sig and ds[k].dims == ds[sig].dims]
        if aux:
            _set_str_array_attr(group, "auxiliary_signals", aux)
    json_names = _write_attrs(group, ds.attrs, "Dataset", reserved=_RESERVED_GROUP_ATTRS)
    _set_json_attr(group, _PREFIX + "attrs", list(ds.attrs))
    if json_names:
        _set_json_attr(group, _PREFIX + "json_attrs", json_names)
    _set_json_attr(group, _PREFIX + "order", order)
    _error_links(group, ds, sig)
    _set_str_attr(group, _PREFIX + "source_type", source_type)
    group.attrs.create(_PREFIX + "layout", np.int32(LAYOUT_VERSION))


def _write_provenance(entry, created: str, seed: int | None) -> None:
    """The ``entry/provenance`` NXcollection: program, creation time, seed and library versions."""
    import h5py

    prov = entry.create_group("provenance", track_order=True)
    _set_str_attr(prov, "NX_class", "NXcollection")
    _write_str_field(prov, "program", "spinscope")
    _write_str_field(prov, "version", __version__)
    _write_str_field(prov, "created", created)
    if seed is not None:
        prov.create_dataset("seed", data=np.array([int(seed)], dtype=np.int64),
                            chunks=True, fletcher32=True)
    _write_str_field(prov, "python", platform.python_version())
    _write_str_field(prov, "numpy", np.__version__)
    _write_str_field(prov, "xarray", xr.__version__)
    _write_str_field(prov, "h5py", h5py.version.version)


def write_nexus(
    path: str | os.PathLike,
    data: xr.Dataset | xr.DataArray,
    *,
    config: Mapping | None = None,
    seed: int | None = None,
    overwrite: bool = False,
    definition: str | None = None,
    signal: str | None = None,
    title: str | None = None,
    groups: Mapping[str, Mapping] | None = None,
) -> Path:
    """Write a Dataset or DataArray to a NeXus/HDF5 file (atomically).

    Parameters
    ----------
    path
        Output file [file path], conventionally ``*.nxs`` or ``*.h5``.
    data
        What to write. A DataArray becomes a one-variable Dataset named after it (``"data"`` when
        unnamed).
    config
        The normalised configuration (JSON-serialisable dict) embedded as ``entry/config``.
    seed
        Random seed of the run that produced the data, recorded in ``entry/provenance``.
    overwrite
        Replace an existing file.
    definition
        NeXus application definition name recorded in ``entry/definition`` (e.g. ``"NXstxm"``).
    signal
        Name of the NXdata signal; default ``counts`` if present, else the variable with the most
        dims.
    title
        ``entry/title``.
    groups
        Further groups of the entry by name, as specs (:func:`nxsas_groups`, :func:`nxprocess`):
        ``NX_class``; strings become scalar string fields, ``(value, units)`` fields with a ``units``
        attribute, dicts subgroups, ``{"link": "signal"}`` a link to the signal. For
        ``definition="NXsas"`` without an ``instrument``, :func:`nxsas_groups` of ``data``'s
        attributes are added.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    OutputExistsError
        If the file exists and ``overwrite`` is false.
    DataModelError
        If a name, attribute or dtype cannot be stored.
    """
    import h5py

    ds, source_type, signal = _nexus_dataset(data, signal)
    if config is not None:
        try:
            config_text = json.dumps(to_jsonable(config, nonfinite="keep"), indent=2, allow_nan=True)
        except TypeError as exc:
            raise DataModelError(f"config is not JSON-serialisable: {exc}") from None
    sig = _choose_signal(ds, signal)
    created = _now_utc()
    target = Path(path)

    with atomic_path(target, overwrite=overwrite) as tmp:
        with h5py.File(tmp, "w", libver=LIBVER, track_order=True) as f:
            _write_root_attrs(f, target, created)
            entry = _write_entry(f, definition, title, created)
            _write_nxdata(entry, ds, sig, source_type)
            signal_path = _link_signal(entry, entry["data"], sig, definition)
            for gname, spec in _entry_groups(ds, definition, groups).items():
                _write_spec(entry, gname, spec, signal_path, "entry")
            if config is not None:
                note = entry.create_group("config", track_order=True)
                _set_str_attr(note, "NX_class", "NXnote")
                _write_str_field(note, "type", "application/json")
                _write_str_field(note, "description", "normalised spinscope configuration")
                _write_str_field(note, "data", config_text)
            _write_provenance(entry, created, seed)
    return target


def _entry_groups(ds: xr.Dataset, definition: str | None, groups: Mapping | None) -> dict:
    """The groups to write: ``groups``, with the NXsas instrument and sample added when missing."""
    out = dict(groups or {})
    if definition == "NXsas" and "instrument" not in out:
        for key, spec in nxsas_groups(ds.attrs).items():
            out.setdefault(key, spec)
    reserved = {"data", "config", "provenance", "definition", "title", "program_name", "start_time",
                "end_time"}
    clash = reserved & set(out)
    if clash:
        raise DataModelError(f"groups: {sorted(clash)} are written by write_nexus itself")
    return out


def _write_str_field(group, name: str, value: str):
    b = value.encode("utf-8")
    return group.create_dataset(
        name, data=np.array([b], dtype=_str_dtype(len(b))), chunks=True, fletcher32=True
    )


# --------------------------------------------------------------------------------------------------
# NeXus groups beyond NXdata: instrument, sample, processes


_HC_EV_M = 1.239841984e-6  # h c [eV m]


def nxsas_groups(attrs: Mapping, *, name: str = "spinscope", source_type: str = "Optical Laser",
                 sample_name: str = "sample") -> dict[str, dict]:
    """NXinstrument and NXsample groups of the NXsas definition from spinscope's geometry attributes.

    Parameters
    ----------
    attrs
        Attributes with ``photon_energy_eV`` [eV], ``distance_m`` [m], ``pixel_size_m`` [m] (one
        value or ``[x, y]``) and optionally ``beam_center_px`` ``[column, row]`` [pixels] and
        ``beam_stop_radius_m`` [m] (those missing are left out).
    name
        ``instrument/name``.
    source_type
        ``instrument/source/type``, one of the NXsource enumeration (``"Optical Laser"``: the laser
        driving a high-harmonic source, spinscope's tabletop XRMS; ``"Synchrotron X-ray Source"``,
        ``"Free-Electron Laser"``); ``attrs["source_type"]`` takes precedence.
    sample_name
        ``sample/name``.

    Returns
    -------
    dict
        ``{"instrument": spec, "sample": spec}`` for the ``groups`` of :func:`write_nexus`; the
        detector's ``data`` links to the NXdata signal.
    """
    src: dict[str, Any] = {"NX_class": "NXsource", "type": str(attrs.get("source_type", source_type)),
                           "probe": "x-ray"}
    mono: dict[str, Any] = {"NX_class": "NXmonochromator"}
    det: dict[str, Any] = {"NX_class": "NXdetector", "data": {"link": "signal"}}
    energy = attrs.get("photon_energy_eV")
    if isinstance(energy, int | float) and energy > 0:
        src["energy"] = (float(energy), "eV")
        mono["energy"] = (float(energy), "eV")
        mono["wavelength"] = (_HC_EV_M / float(energy), "m")
    if isinstance(attrs.get("distance_m"), int | float):
        det["distance"] = (float(attrs["distance_m"]), "m")
    pix = attrs.get("pixel_size_m")
    pix = [pix, pix] if isinstance(pix, int | float) else pix
    if isinstance(pix, list | tuple | np.ndarray) and len(pix) == 2:
        det["x_pixel_size"] = (float(pix[0]), "m")
        det["y_pixel_size"] = (float(pix[1]), "m")
        centre = attrs.get("beam_center_px")
        if isinstance(centre, list | tuple | np.ndarray) and len(centre) == 2:
            det["beam_center_x"] = (float(centre[0]) * float(pix[0]), "m")
            det["beam_center_y"] = (float(centre[1]) * float(pix[1]), "m")
    instrument = {"NX_class": "NXinstrument", "name": name, "source": src, "monochromator": mono,
                  "detector": det}
    if isinstance(attrs.get("beam_stop_radius_m"), int | float):
        instrument["beam_stop"] = {"NX_class": "NXbeam_stop",
                                   "size": (2.0 * attrs["beam_stop_radius_m"], "m")}
    return {"instrument": instrument, "sample": {"NX_class": "NXsample", "name": sample_name}}


def nxprocess(parameters: Mapping[str, Any], *, description: str, units: Mapping[str, str] | None = None,
              date: str | None = None) -> dict:
    """An NXprocess group holding a fit result: program, version, date and an NXparameters group.

    Parameters
    ----------
    parameters
        The fit result: numbers become datasets (``<name>_err`` becomes ``<name>_errors``), other
        values (lists, strings, booleans) are kept as JSON in ``notes`` (NXnote).
    description
        What was fitted to what (``notes/description``).
    units
        Units of the parameters by name (e.g. ``{"t0": "s"}``) [unit strings]; others get ``""``.
    date
        ISO 8601 time of the fit; default the writing time.

    Returns
    -------
    dict
        A group spec for the ``groups`` of :func:`write_nexus`.
    """
    units = dict(units or {})
    params: dict[str, Any] = {"NX_class": "NXparameters"}
    other: dict[str, Any] = {}
    for key, value in parameters.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            other[key] = value
            continue
        base = key[:-4] if key.endswith("_err") else key
        out = f"{base}_errors" if key.endswith("_err") else key
        params[out] = (float(value), units.get(base, ""))
    spec: dict[str, Any] = {"NX_class": "NXprocess", "program": "spinscope", "version": __version__,
                            "date": date or _now_utc(), "parameters": params}
    text = json.dumps(to_jsonable(other, nonfinite="keep"), allow_nan=True, sort_keys=True)
    spec["notes"] = {"NX_class": "NXnote", "description": description, "type": "application/json",
                     "data": text}
    return spec


def _write_spec(parent, name: str, spec: Mapping, signal_path: str | None, where: str) -> None:
    """Write a group spec: ``NX_class``; str -> scalar string; number or ``(value, units)`` -> a
    field with ``units``; dict with ``NX_class`` -> subgroup; ``{"link": "signal"}`` -> hard link to
    the NXdata signal (with the NeXus ``target`` attribute)."""
    if "NX_class" not in spec:
        raise DataModelError(f"{where}: group spec {name!r} needs an NX_class")
    group = parent.create_group(name, track_order=True)
    _set_str_attr(group, "NX_class", str(spec["NX_class"]))
    for key, value in spec.items():
        if key == "NX_class":
            continue
        if isinstance(value, Mapping) and "link" in value:
            if signal_path is not None:
                group[key] = parent.file[signal_path]
            continue
        if isinstance(value, Mapping):
            _write_spec(group, key, value, signal_path, f"{where}/{name}")
        elif isinstance(value, str):
            _write_scalar_str(group, key, value)
        elif isinstance(value, tuple) and len(value) == 2:
            d = group.create_dataset(key, data=np.float64(value[0]))
            _set_str_attr(d, "units", str(value[1]))
        elif isinstance(value, int | float | np.number):
            group.create_dataset(key, data=np.asarray(value))
        else:
            raise DataModelError(f"{where}/{name}/{key}: cannot write {type(value).__name__}")


def _error_links(group, ds: xr.Dataset, sig: str | None) -> None:
    """Hard links ``<v>_errors`` to the uncertainties ``<v>_err`` (and ``sigma`` of the signal)."""
    pairs = [(k[:-4], k) for k in ds.data_vars if k.endswith("_err") and k[:-4] in ds.data_vars]
    if sig is not None and "sigma" in ds.data_vars and ds["sigma"].dims == ds[sig].dims:
        pairs.append((sig, "sigma"))
    for base, err in pairs:
        name = f"{base}_errors"
        if name not in group and ds[err].dims == ds[base].dims:
            group[name] = group[err]


def _link_signal(entry, group, sig: str | None, definition: str | None) -> str | None:
    """For NXsas, ``data`` in NXdata as a link to the signal (with ``target``); the signal's path."""
    if sig is None:
        return None
    target = group[sig]
    if definition == "NXsas" and "data" not in group:
        group["data"] = target
    if "target" not in target.attrs:
        _set_str_attr(target, "target", target.name)
        target.attrs.create(_PREFIX + "target", np.int8(1))
    return target.name


# --------------------------------------------------------------------------------------------------
# reading


def _attr_str(obj, name: str, default: str | None = None) -> str | None:
    if name not in obj.attrs:
        return default
    v = decode(obj.attrs[name])
    if isinstance(v, np.ndarray):
        raise FileFormatError(f"attribute {name!r} of {obj.name} is not a single string")
    return str(v)


def _attr_json(obj, name: str, default: Any = None) -> Any:
    text = _attr_str(obj, name)
    return default if text is None else json.loads(text)


def _read_str_field(group, name: str) -> str | None:
    if name not in group:
        return None
    v = decode(group[name][()])
    return str(v)


def _read_attrs(obj, names: list[str] | None, json_names: list[str]) -> dict:
    out: dict[str, Any] = {}
    keys = names if names is not None else [k for k in obj.attrs if not k.startswith(_PREFIX)]
    as_json = {n for n in json_names if not n.startswith("U:")}
    as_unicode = {n[2:] for n in json_names if n.startswith("U:")}
    for key in keys:
        raw = obj.attrs[key]
        if key in as_json:
            out[key] = json.loads(decode(raw))
        elif key in as_unicode:
            arr = np.atleast_1d(raw)
            out[key] = np.array([decode(v) for v in arr.tolist()])
        elif isinstance(raw, bytes | np.bytes_ | str):
            out[key] = decode(raw)
        elif isinstance(raw, np.ndarray) and raw.ndim == 0:
            out[key] = raw.item()
        elif isinstance(raw, np.generic):
            out[key] = raw.item()
        else:
            out[key] = raw
    return out


def _read_variable(dset) -> tuple[tuple[str, ...], np.ndarray, dict]:
    dims = tuple(_attr_json(dset, _PREFIX + "dims"))
    values = dset[()]
    restore = _attr_str(dset, _PREFIX + "dtype")
    if restore is not None:
        if restore == "object":
            values = np.array([decode(v) for v in values.reshape(-1)], dtype=object).reshape(
                values.shape
            )
        elif np.dtype(restore).kind == "U":
            values = np.array([decode(v) for v in values.reshape(-1)], dtype=restore).reshape(
                values.shape
            )
        else:
            values = values.view(restore) if np.dtype(restore).kind in "Mm" else values.astype(
                restore
            )
    if _PREFIX + "scalar" in dset.attrs:
        if values.shape != (1,):
            raise FileFormatError(f"{dset.name}: scalar stored with shape {values.shape}")
        values = values.reshape(())
    if values.ndim != len(dims):
        raise FileFormatError(f"{dset.name}: {values.ndim} axes but dims {dims}")
    attrs = _read_attrs(dset, None, _attr_json(dset, _PREFIX + "json_attrs", []))
    if _PREFIX + "units_added" in dset.attrs:
        attrs.pop("units", None)
    if _PREFIX + "target" in dset.attrs:
        attrs.pop("target", None)
    return dims, values, attrs


def _find_group(parent, nx_class: str, default_attr: str = "default"):
    import h5py

    name = _attr_str(parent, default_attr)
    if name and name in parent and isinstance(parent[name], h5py.Group):
        g = parent[name]
        if _attr_str(g, "NX_class") == nx_class:
            return g
    for key in parent:
        obj = _safe_get(parent, key)
        if isinstance(obj, h5py.Group) and _attr_str(obj, "NX_class") == nx_class:
            return obj
    return None


def _read_spinscope_group(group) -> xr.Dataset:
    order = _attr_json(group, _PREFIX + "order")
    data_vars: dict[str, xr.Variable] = {}
    coords: dict[str, xr.Variable] = {}
    for name, role in order:
        dims, values, attrs = _read_variable(group[name])
        (coords if role == "coord" else data_vars)[name] = xr.Variable(dims, values, attrs)
    attr_names = _attr_json(group, _PREFIX + "attrs", [])
    json_names = _attr_json(group, _PREFIX + "json_attrs", [])
    attrs = _read_attrs(group, attr_names, json_names)
    ds = xr.Dataset(data_vars, coords=coords, attrs=attrs)
    for name, role in order:  # Dataset() may promote a 1-D variable named like its dim
        if role == "data" and name not in ds.data_vars:
            raise FileFormatError(f"{group.name}: variable {name!r} clashes with a coordinate")
    return ds


def _safe_get(group, key: str):
    try:
        return group.get(key)
    except Exception:  # a broken external link or an unreadable object
        return None


def _old_style_number(obj, name: str) -> int | None:
    """An integer attribute of NeXus 1.x style (``signal=1``, ``axis=2``; int, string or 1-element array)."""
    if name not in obj.attrs:
        return None
    v = decode(obj.attrs[name])
    if isinstance(v, np.ndarray):
        if v.size != 1:
            return None
        v = v.reshape(-1)[0]
    try:
        return int(str(v).strip())
    except ValueError:
        return None


def _signal_name(group, path: Path) -> str:
    """The NXdata signal: the ``signal`` attribute, else the field marked ``signal=1``, else ``data``."""
    import h5py

    sig = _attr_str(group, "signal")
    if sig is not None and sig in group:
        return sig
    for key in group:
        obj = _safe_get(group, key)
        if isinstance(obj, h5py.Dataset) and _old_style_number(obj, "signal") == 1:
            return key
    if "data" in group or _safe_get(group, "data") is None and "data" in set(group):
        return "data"  # the conventional name (checked for missing link targets by the caller)
    raise FileFormatError(
        f"{path}: {group.name}: NXdata without a valid 'signal' (no 'signal' attribute naming a field, "
        "and no field marked signal=1)", path=str(path))


def _read_generic_group(group, path: Path) -> xr.Dataset:
    """Best-effort reading of a NeXus NXdata group written by other software.

    The signal (``signal`` attribute, or the NeXus 1.x field marked ``signal=1``), its axes
    (``axes`` + ``AXISNAME_indices``, or fields marked ``axis=k``), and every other field of the
    same shape as the signal (auxiliary signals, counters of the same scan). Fields that cannot be
    read from this file (missing external or virtual sources) are left out, except the signal,
    which is a :class:`FileFormatError`.
    """
    import h5py

    sig = _signal_name(group, path)
    check_links(group, sig, path)
    signal = group[sig]
    shape = signal.shape
    axes = _attr_json_or_list(group, "axes")
    dims = [a if a not in (".", "") else f"dim_{i}" for i, a in enumerate(axes)] if axes else []
    if len(dims) != len(shape):
        dims = [f"dim_{i}" for i in range(len(shape))]
        old_axes: dict[int, tuple[int, str]] = {}
        for key in group:
            obj = _safe_get(group, key)
            k = _old_style_number(obj, "axis") if isinstance(obj, h5py.Dataset) else None
            if k is None or not 1 <= k <= len(shape) or obj.shape != (shape[k - 1],):
                continue
            rank = _old_style_number(obj, "primary") or 99
            if k - 1 not in old_axes or rank < old_axes[k - 1][0]:
                old_axes[k - 1] = (rank, key)
        for i, (_, key) in old_axes.items():
            dims[i] = key
    values = signal[()]
    if values.dtype.kind == "S" or values.dtype.kind == "O":
        values = decode(values)
    data_vars = {sig: xr.Variable(dims, values, _read_attrs(signal, None, []))}
    coords: dict[str, xr.Variable] = {}
    for key in group:
        obj = _safe_get(group, key)
        if key == sig or not isinstance(obj, h5py.Dataset):
            continue
        try:
            check_links(group, key, path)
        except FileFormatError:
            continue
        idx_name = f"{key}_indices"
        if idx_name in group.attrs:
            idx = [int(i) for i in np.atleast_1d(group.attrs[idx_name])]
            if not all(0 <= i < len(dims) for i in idx):
                continue
            cdims = [dims[i] for i in idx]
        elif key in dims:
            cdims = [key]
        elif obj.shape == shape and shape:
            vals = obj[()]
            data_vars[key] = xr.Variable(dims, decode(vals) if vals.dtype.kind in "SO" else vals,
                                         _read_attrs(obj, None, []))
            continue
        else:
            continue
        vals = obj[()]
        if vals.ndim != len(cdims) or any(vals.shape[k] != shape[i] for k, i in enumerate(
                [dims.index(d) for d in cdims])):
            continue
        coords[key] = xr.Variable(cdims, decode(vals) if vals.dtype.kind == "S" else vals,
                                  _read_attrs(obj, None, []))
    return xr.Dataset(data_vars, coords=coords)


def _attr_json_or_list(group, name: str) -> list[str]:
    if name not in group.attrs:
        return []
    v = decode(group.attrs[name])
    if isinstance(v, np.ndarray):
        return [str(x) for x in v.tolist()]
    s = str(v)
    return [a for a in s.replace(",", ":").split(":") if a] if ":" in s or "," in s else [s]


def read_nexus(path: str | os.PathLike) -> xr.Dataset:
    """Read a NeXus/HDF5 file written by :func:`write_nexus` (or a plain NXdata) as a Dataset.

    Parameters
    ----------
    path
        The file [file path].

    Returns
    -------
    xarray.Dataset
        The data, identical to what was written. ``ds.encoding`` holds ``source`` (the path) and
        ``nexus_metadata`` (as returned by :func:`read_nexus_metadata`).

    Raises
    ------
    FileFormatError
        If the file is missing, not HDF5, truncated, corrupt, or has no NXentry/NXdata.
    """
    p = Path(path)
    with open_hdf5(p) as f, wrap_errors(p):
        entry = _find_group(f, "NXentry")
        if entry is None:
            raise FileFormatError(f"{p}: no NXentry group (not a NeXus file)", path=str(p))
        group = _find_group(entry, "NXdata")
        if group is None:
            raise FileFormatError(f"{p}: no NXdata group in {entry.name}", path=str(p))
        if _PREFIX + "order" in group.attrs:
            ds = _read_spinscope_group(group)
        else:
            ds = _read_first_readable(entry, group, p)
        meta = _read_metadata(entry)
    ds.encoding["source"] = str(p)
    ds.encoding["nexus_metadata"] = meta
    return ds


def _read_first_readable(entry, first, p: Path) -> xr.Dataset:
    """The default NXdata group of another program's file, else the first one that can be read."""
    import h5py

    groups = [first] + [
        g for k in entry if isinstance(g := _safe_get(entry, k), h5py.Group)
        and g.name != first.name and _attr_str(g, "NX_class") == "NXdata"
    ]
    error: FileFormatError | None = None
    for g in groups:
        try:
            ds = _read_generic_group(g, p)
        except FileFormatError as exc:
            error = error or exc
            continue
        ds.attrs["nxdata"] = g.name
        return ds
    assert error is not None
    raise error


def _read_metadata(entry) -> dict:
    meta: dict[str, Any] = {
        "definition": _read_str_field(entry, "definition"),
        "title": _read_str_field(entry, "title"),
        "program": _read_str_field(entry, "program_name"),
        "start_time": _read_str_field(entry, "start_time"),
        "version": None,
        "seed": None,
        "config": None,
    }
    if "program_name" in entry:
        meta["version"] = _attr_str(entry["program_name"], "version")
    prov = entry.get("provenance")
    if prov is not None and "seed" in prov:
        meta["seed"] = int(np.asarray(prov["seed"][()]).reshape(-1)[0])
    note = entry.get("config")
    if note is not None and "data" in note:
        meta["config"] = json.loads(_read_str_field(note, "data"))
    return meta


def read_nexus_metadata(path: str | os.PathLike) -> dict:
    """Provenance of a spinscope NeXus file.

    Parameters
    ----------
    path
        The file [file path].

    Returns
    -------
    dict
        ``definition``, ``title``, ``program``, ``version``, ``start_time`` (UTC, ISO 8601),
        ``seed`` (int or None) and ``config`` (the embedded configuration dict, or None).
    """
    p = Path(path)
    with open_hdf5(p) as f, wrap_errors(p):
        entry = _find_group(f, "NXentry")
        if entry is None:
            raise FileFormatError(f"{p}: no NXentry group (not a NeXus file)", path=str(p))
        return _read_metadata(entry)
