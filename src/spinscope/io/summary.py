"""One-look description of a data file, for ``spinscope info`` and scripts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from spinscope.io.registry import guess_engine, open_dataset

__all__ = ["summarize_dataset", "summarize_file"]


def _coord_summary(var: xr.DataArray) -> dict[str, Any]:
    units = var.attrs.get("units", "")
    vals = np.asarray(var.values)
    out: dict[str, Any] = {"min": None, "max": None, "units": units, "n": int(vals.size)}
    if vals.size and vals.dtype.kind in "iuf":
        finite = vals[np.isfinite(vals)] if vals.dtype.kind == "f" else vals
        if finite.size:
            out["min"] = float(finite.min())
            out["max"] = float(finite.max())
    elif vals.size and vals.dtype.kind in "USO":
        labels = [str(v) for v in vals.reshape(-1).tolist()]
        out["values"] = labels[:20]
    if var.ndim:
        out["dims"] = list(var.dims)
    return out


def summarize_dataset(data: xr.Dataset | xr.DataArray) -> dict[str, Any]:
    """Dims, coordinate ranges, energy, scan type and variables of an in-memory dataset.

    Returns
    -------
    dict
        ``dims`` (name -> size), ``coords`` (name -> {min, max, units, n}, SI, energies in eV),
        ``energy`` (value, {min, max, n}, or None), ``scan_type`` (or None), ``variables``
        (name -> units), ``attrs`` (string attributes).
    """
    ds = data.to_dataset(name=data.name or "data") if isinstance(data, xr.DataArray) else data
    if isinstance(data, xr.DataArray):
        ds.attrs = dict(data.attrs)
        main_dims = list(data.dims)
    elif ds.data_vars:
        main = "counts" if "counts" in ds.data_vars else max(ds.data_vars, key=lambda k: ds[k].ndim)
        main_dims = list(ds[main].dims)
    else:
        main_dims = []
    dim_order = main_dims + [d for d in ds.dims if d not in main_dims]
    coords = {str(k): _coord_summary(v) for k, v in ds.coords.items()}
    energy: Any = None
    if "energy" in ds.coords:
        e = np.asarray(ds["energy"].values, dtype=float)
        energy = float(e) if e.ndim == 0 else {
            "min": float(e.min()), "max": float(e.max()), "n": int(e.size)
        }
    return {
        "dims": {str(k): int(ds.sizes[k]) for k in dim_order},
        "coords": coords,
        "energy": energy,
        "scan_type": ds.attrs.get("scan_type"),
        "variables": {str(k): v.attrs.get("units", "") for k, v in ds.data_vars.items()},
        "attrs": {
            str(k): v for k, v in ds.attrs.items() if isinstance(v, str | int | float | bool)
        },
    }


def summarize_file(path: str | os.PathLike) -> dict[str, Any]:
    """Read a data file and describe it.

    Parameters
    ----------
    path
        Any file :func:`spinscope.io.open_dataset` reads [file path].

    Returns
    -------
    dict
        ``kind`` (the engine that reads it: "nxstxm", "hdr_xim", "spinscope", "nexus", "ovf",
        "llg_movie", "tiff", "sif", "spe", "hdf5"; see :func:`spinscope.io.list_engines`),
        ``file``, and the keys of :func:`summarize_dataset`; spinscope files add ``provenance``
        (program, version, seed, start_time, has_config); LLG movies add ``mesh`` (``cells``,
        ``cell_size`` [m], ``size`` [m], ``frames``, ``time_step`` [s]).

    Raises
    ------
    FileFormatError
        If the file is missing, unreadable or of no supported kind.
    """
    p = Path(path)
    kind = guess_engine(p)
    data = open_dataset(p, engine=kind)
    out: dict[str, Any] = {"kind": kind, "file": str(p)}
    out.update(summarize_dataset(data))
    meta = data.encoding.get("nexus_metadata") if hasattr(data, "encoding") else None
    if kind == "spinscope" and meta:
        out["provenance"] = {
            "program": meta.get("program"),
            "version": meta.get("version"),
            "seed": meta.get("seed"),
            "start_time": meta.get("start_time"),
            "definition": meta.get("definition"),
            "has_config": meta.get("config") is not None,
        }
    if kind == "llg_movie":
        out["mesh"] = _llg_mesh(data)
    return out


def _llg_mesh(ds: xr.Dataset) -> dict[str, Any]:
    """Cells, cell size [m] and size [m] of an LLG movie's mesh, and its time step [s]."""
    dims = [d for d in ("x", "y", "z") if d in ds.sizes]
    cells = [int(ds.sizes[d]) for d in dims]
    cell = ds["m"].attrs.get("cell_size")
    cell = [float(c) for c in np.ravel(cell)] if cell is not None else None
    t = np.asarray(ds["time"].values, dtype=float) if "time" in ds.coords else np.zeros(0)
    return {
        "cells": cells,
        "cell_size": cell,
        "size": [n * c for n, c in zip(cells, cell, strict=False)] if cell else None,
        "frames": int(t.size),
        "time_step": float(np.median(np.diff(t))) if t.size > 1 else None,
    }
