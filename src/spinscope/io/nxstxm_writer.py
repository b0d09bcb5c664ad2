"""Writer of NXstxm-based NeXus files with a time-channel axis (simulated time-resolved STXM).

Layout (the NeXus NXstxm application definition, extended by the ``delay`` and ``helicity`` axes of a
time-resolved XMCD measurement; the same layout as the PolLux files read by
:func:`spinscope.io.nxstxm.read_nxstxm`)::

    /                         NXroot, default = "entry1"
    entry1 (NXentry)          default = "counter0"; definition = "NXstxm", title, start_time and
                              end_time (the writing time, ISO 8601 UTC; ``SOURCE_DATE_EPOCH`` fixes
                              it), all scalar strings
      counter0 (NXdata)       data [counts] with axes (delay, helicity, sample_y, sample_x) (those
                              present), delay [s], helicity, sample_x/sample_y [m], energy [eV],
                              count_time [s], stxm_scan_type
      reference_counts (NXdata)  odd-turn counts of an even/odd measurement (same axes), optional
      control (NXmonitor)     data = storage-ring current [mA] on the grid of the counts
      instrument (NXinstrument)
        source (NXsource)             name, type, probe, current [A], frequency [Hz] (RF)
        monochromator (NXmonochromator)  energy [eV]
        zone_plate (NXfresnel_zone_plate)  outer_diameter, outermost_zone_width, central_stop_diameter [m]
        detector (NXdetector)         type = "APD", data = a link to ``counter0/data`` (NeXus
                                      ``target`` attribute)
      sample (NXsample)       rotation_angle [rad] (tilt about y)
      spinscope (NXcollection)  attributes (JSON), config (JSON), seed, and the extra variables
                              (bunches, true beam positions, ...) as datasets with units

:func:`spinscope.io.nxstxm.read_nxstxm` (engine ``nxstxm`` of :func:`spinscope.io.open_dataset`) reads
it back as the measured-stack contract, with the extra variables and attributes restored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import xarray as xr

from spinscope.atomic import atomic_path
from spinscope.errors import DataModelError
from spinscope.io.nexus import _now_utc
from spinscope.serialise import to_jsonable

__all__ = ["write_nxstxm"]

_AXIS_NAMES = {"delay": "delay", "energy": "energy", "helicity": "helicity", "y": "sample_y", "x": "sample_x"}


def _nxdata(grp, ds: xr.Dataset, var: str, dims: tuple, h5py):
    grp.attrs["NX_class"] = "NXdata"
    grp.attrs["signal"] = "data"
    axes = [_AXIS_NAMES[d] for d in dims]
    grp.attrs["axes"] = np.array(axes, dtype=h5py.string_dtype())
    for i, a in enumerate(axes):
        grp.attrs[f"{a}_indices"] = np.array([i], dtype=np.uint32)
    d = grp.create_dataset("data", data=np.asarray(ds[var].values), track_times=False)
    d.attrs["units"] = ds[var].attrs.get("units", "counts")
    d.attrs["long_name"] = ds[var].attrs.get("long_name", var)
    for dim in dims:
        name = _AXIS_NAMES[dim]
        v = grp.create_dataset(name, data=np.asarray(ds[dim].values), track_times=False)
        if dim != "helicity":
            v.attrs["units"] = ds[dim].attrs.get("units", "")
    if "energy" not in dims and "energy" in ds.coords:
        e = grp.create_dataset("energy", data=np.atleast_1d(float(ds["energy"])), track_times=False)
        e.attrs["units"] = "eV"
    if "count_time" in ds.data_vars and ds["count_time"].ndim == 0:
        ct = grp.create_dataset("count_time", data=np.atleast_1d(float(ds["count_time"])), track_times=False)
        ct.attrs["units"] = "s"
    grp.create_dataset("stxm_scan_type", data=str(ds.attrs.get("scan_type", "sample image")))


def _write_instrument(ent, ds: xr.Dataset) -> None:
    """``entry1/instrument``: source, monochromator, zone plate and detector from the Dataset's attrs."""
    inst = ent.create_group("instrument")
    inst.attrs["NX_class"] = "NXinstrument"
    a = ds.attrs
    src = inst.create_group("source")
    src.attrs["NX_class"] = "NXsource"
    src.create_dataset("name", data=str(a.get("ring", "storage ring")))
    src.create_dataset("type", data="Synchrotron X-ray Source")
    src.create_dataset("probe", data="x-ray")
    for key, unit in (("beam_current", "A"), ("rf_frequency", "Hz")):
        if key in a:
            name = "current" if key == "beam_current" else "frequency"
            v = src.create_dataset(name, data=float(a[key]))
            v.attrs["units"] = unit
    mono = inst.create_group("monochromator")
    mono.attrs["NX_class"] = "NXmonochromator"
    if "energy" in ds.coords and ds["energy"].ndim == 0:
        e = mono.create_dataset("energy", data=float(ds["energy"]))
        e.attrs["units"] = "eV"
    zp = inst.create_group("zone_plate")
    zp.attrs["NX_class"] = "NXfresnel_zone_plate"
    for key, name in (("zone_plate_diameter", "outer_diameter"),
                      ("outer_zone_width", "outermost_zone_width"),
                      ("central_stop", "central_stop_diameter")):
        if key in a:
            v = zp.create_dataset(name, data=float(a[key]))
            v.attrs["units"] = "m"
    det = inst.create_group("detector")
    det.attrs["NX_class"] = "NXdetector"
    det.create_dataset("type", data="APD")
    counts = ent["counter0/data"]
    counts.attrs["target"] = counts.name
    det["data"] = counts


def _write_spinscope_collection(ent, ds: xr.Dataset, config: dict | None, seed: int | None) -> None:
    """``entry1/spinscope``: attrs and config as JSON, the seed, and the extra variables with units."""
    col = ent.create_group("spinscope")
    col.attrs["NX_class"] = "NXcollection"
    for name, value in (("attributes", dict(ds.attrs)), ("config", config or {})):
        col.create_dataset(name, data=json.dumps(to_jsonable(value, nonfinite="keep"), sort_keys=True))
    if seed is not None:
        col.create_dataset("seed", data=int(seed))
    extra = col.create_group("variables")
    extra.attrs["NX_class"] = "NXcollection"
    for name, var in ds.data_vars.items():
        if name in ("counts", "reference_counts", "ring_current"):
            continue
        v = extra.create_dataset(name, data=np.asarray(var.values), track_times=False)
        v.attrs["units"] = var.attrs.get("units", "")
        v.attrs["dims"] = json.dumps(list(var.dims))


def write_nxstxm(path: str | os.PathLike, ds: xr.Dataset, *, config: dict | None = None,
                 seed: int | None = None, overwrite: bool = False, title: str = "spinscope STXM") -> Path:
    """Write a (time-resolved, helicity-resolved) STXM stack as an NXstxm NeXus file, atomically.

    Parameters
    ----------
    path
        Output file [file path] (``.nxs``/``.h5``).
    ds
        Measured stack with ``counts`` on dims among ``(delay, energy, helicity, y, x)``; optional
        ``reference_counts``, ``ring_current`` [A] (broadcast to the counts' grid), ``count_time``
        and further variables.
    config
        Normalised configuration (JSON-able) stored in ``entry1/spinscope/config``.
    seed
        Random seed of the run.
    overwrite
        Replace an existing file.
    title
        ``entry1/title``.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    import h5py

    if "counts" not in ds.data_vars:
        raise DataModelError("write_nxstxm: the Dataset has no 'counts' variable")
    dims = tuple(ds["counts"].dims)
    bad = [d for d in dims if d not in _AXIS_NAMES]
    if bad:
        raise DataModelError(f"write_nxstxm: dim {bad[0]!r} has no NXstxm axis; allowed {tuple(_AXIS_NAMES)}")
    p = Path(path)
    with atomic_path(p, overwrite=overwrite) as tmp, h5py.File(tmp, "w", track_order=True) as f:
        f.attrs["NX_class"] = "NXroot"
        f.attrs["creator"] = "spinscope"
        f.attrs["default"] = "entry1"
        ent = f.create_group("entry1")
        ent.attrs["NX_class"] = "NXentry"
        ent.attrs["default"] = "counter0"
        ent.create_dataset("definition", data="NXstxm")
        ent.create_dataset("title", data=str(title))
        now = _now_utc()
        ent.create_dataset("start_time", data=now)
        ent.create_dataset("end_time", data=now)
        _nxdata(ent.create_group("counter0"), ds, "counts", dims, h5py)
        if "reference_counts" in ds.data_vars:
            _nxdata(ent.create_group("reference_counts"), ds, "reference_counts", dims, h5py)
        if "ring_current" in ds.data_vars:
            ctrl = ent.create_group("control")
            ctrl.attrs["NX_class"] = "NXmonitor"
            rc = ds["ring_current"].broadcast_like(ds["counts"]).transpose(*dims).values * 1e3
            d = ctrl.create_dataset("data", data=rc, track_times=False)
            d.attrs["units"] = "mA"
        _write_instrument(ent, ds)
        smp = ent.create_group("sample")
        smp.attrs["NX_class"] = "NXsample"
        if "tilt" in ds.attrs:
            v = smp.create_dataset("rotation_angle", data=float(ds.attrs["tilt"]))
            v.attrs["units"] = "rad"
        _write_spinscope_collection(ent, ds, config, seed)
    return p
