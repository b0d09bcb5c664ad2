"""Data model contracts: the xarray shapes every part of spinscope hands to every other part.

Two contracts are defined here, each with a constructor and a validator.

Magnetisation field or movie (:func:`magnetisation_field`, :func:`validate_magnetisation`)
    An :class:`xarray.DataArray` with dims in the order ``(time?, species?, z?, y, x, component)``,
    ``component`` labelled ``("x", "y", "z")`` (:data:`spinscope.conventions.COMPONENTS`), coordinates
    in SI with a ``units`` attribute (``time`` in s, ``z``/``y``/``x`` in m, ``species`` labels ``""``),
    and the attributes ``units`` (``""`` for the unit vector m, ``"A/m"`` for M) and ``long_name``.
    The spatial grid is uniform (micromagnetic cells).

Measured stack (:func:`measured_stack`, :func:`validate_stack`)
    An :class:`xarray.Dataset` whose variable ``counts`` (detector counts, attribute ``units``) has
    dims among :data:`STACK_DIMS` in that order: ``(delay?, energy?, helicity?, field?, z?, line?, y?,
    x?)``. ``energy`` is in eV, ``delay`` in s, ``z``/``y``/``x`` in m, ``line`` (the position along a
    line scan) in m, ``helicity`` labels +1/-1/0; ``field`` is the magnetic-field stage axis of
    beamline files (MAXYMUS ``MagnetField``), kept with the values and units the source gives.
    Optional variables: ``ring_current`` [A] (monitor for normalisation), ``count_time`` [s]. A
    coordinate of a dim not swept (e.g. the fixed photon energy of an image) is a scalar coordinate.

Violations raise :class:`DataModelError` (a :class:`~spinscope.errors.SpinscopeError`) with one line
naming what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from spinscope.conventions import COMPONENTS, DIM_UNITS, HELICITIES
from spinscope.errors import DataModelError

__all__ = [
    "MAGNETISATION_DIMS",
    "MAGNETISATION_UNITS",
    "STACK_DIMS",
    "STACK_DIM_UNITS",
    "DataModelError",
    "magnetisation_field",
    "measured_stack",
    "validate_magnetisation",
    "validate_stack",
]

#: Allowed dims of a magnetisation field/movie, in their required order.
MAGNETISATION_DIMS = ("time", "species", "z", "y", "x", "component")

#: Allowed values of the ``units`` attribute of a magnetisation: unit vector m, or M in A/m.
MAGNETISATION_UNITS = ("", "A/m")

#: Allowed dims of a measured stack, in their required order.
STACK_DIMS = ("delay", "energy", "helicity", "field", "z", "line", "y", "x")

#: Required units of the stack's coordinates (``None``: any units the source gives, e.g. ``field``).
STACK_DIM_UNITS: dict[str, str | None] = {
    "delay": "s",
    "energy": "eV",
    "helicity": "",
    "field": None,
    "z": "m",
    "line": "m",
    "y": "m",
    "x": "m",
}

#: Units of the optional monitor variables of a stack.
STACK_VARIABLE_UNITS = {"ring_current": "A", "count_time": "s"}




# --------------------------------------------------------------------------------------------------
# helpers


def _err(what: str, msg: str) -> DataModelError:
    return DataModelError(f"{what}: {msg}")


def _check_order(dims: tuple, allowed: Sequence[str], what: str) -> None:
    unknown = [d for d in dims if d not in allowed]
    if unknown:
        raise _err(what, f"unknown dim {unknown[0]!r}; allowed dims, in order: {', '.join(allowed)}")
    pos = [allowed.index(d) for d in dims]
    if pos != sorted(pos):
        want = tuple(d for d in allowed if d in dims)
        raise _err(what, f"dims {tuple(dims)} are out of order; expected {want}")


def _check_units(obj: xr.DataArray, name: str, expected: str | None, what: str) -> None:
    if "units" not in obj.attrs:
        hint = f" (expected {expected!r})" if expected is not None else ""
        raise _err(what, f"coordinate {name!r} has no 'units' attribute{hint}")
    units = obj.attrs["units"]
    if not isinstance(units, str):
        raise _err(what, f"coordinate {name!r}: 'units' must be a string, got {units!r}")
    if expected is not None and units != expected:
        raise _err(what, f"coordinate {name!r} must be in {expected!r} (SI), got units {units!r}")


def _check_uniform(values: np.ndarray, name: str, what: str, rtol: float = 1e-6) -> None:
    v = np.asarray(values, dtype=float)
    if v.size < 2:
        return
    step = np.diff(v)
    if not np.all(np.isfinite(step)) or np.any(step <= 0):
        raise _err(what, f"coordinate {name!r} must be strictly increasing")
    if np.max(np.abs(step - step.mean())) > rtol * abs(step.mean()):
        raise _err(
            what,
            f"coordinate {name!r} is not a uniform grid (steps {step.min():.6g} to {step.max():.6g})",
        )


def _coord(values: Any, dim: str, units: str, long_name: str | None = None) -> xr.Variable:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise _err("coordinate", f"{dim!r} must be one-dimensional, got shape {arr.shape}")
    attrs = {"units": units}
    if long_name:
        attrs["long_name"] = long_name
    return xr.Variable((dim,), arr, attrs)


_LONG = {
    "time": "time",
    "delay": "pump-probe delay",
    "energy": "photon energy",
    "helicity": "helicity",
    "species": "species",
    "field": "magnetic field",
    "z": "z",
    "y": "y",
    "x": "x",
    "line": "position along the line",
    "component": "component",
}


# --------------------------------------------------------------------------------------------------
# magnetisation


def magnetisation_field(
    m,
    *,
    x,
    y,
    z=None,
    time=None,
    species=None,
    units: str = "",
    long_name: str | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> xr.DataArray:
    """Build a magnetisation field (or movie) that satisfies the contract.

    Parameters
    ----------
    m
        Array of shape ``(time?, species?, z?, y, x, 3)``: a leading axis for each of ``time``,
        ``species`` and ``z`` that is given, the last axis the (x, y, z) components.
    x, y
        Cell-centre coordinates [m], uniform and increasing.
    z
        Cell-centre coordinates along the beam [m]; omit for a 2D (thin-film) field.
    time
        Times of the frames of a movie [s].
    species
        Labels of the magnetic sublattices/species (e.g. ``["Fe", "Gd"]``).
    units
        ``""`` for the unit vector m, ``"A/m"`` for the magnetisation M.
    long_name
        Description; defaults to "unit magnetisation" or "magnetisation".
    attrs
        Further attributes.

    Returns
    -------
    xarray.DataArray
        The validated field.

    Raises
    ------
    DataModelError
        If the shape does not match the coordinates or the result breaks the contract.
    """
    arr = np.asarray(m)
    if arr.dtype.kind not in "fiu":
        raise _err("magnetisation", f"values must be real numbers, got dtype {arr.dtype}")
    arr = arr.astype(float, copy=False)
    given = {"time": time, "species": species, "z": z, "y": y, "x": x}
    dims = [d for d in ("time", "species", "z", "y", "x") if given[d] is not None] + ["component"]
    if arr.ndim != len(dims):
        raise _err(
            "magnetisation",
            f"array has {arr.ndim} axes but dims {tuple(dims)} were given (shape {arr.shape})",
        )
    coords = {}
    for d in dims[:-1]:
        vals = np.asarray(given[d]) if d == "species" else np.asarray(given[d], dtype=float)
        coords[d] = _coord(vals, d, DIM_UNITS[d], _LONG[d])
    coords["component"] = _coord(np.array(COMPONENTS), "component", "", "component")
    expected = tuple(coords[d].size for d in dims)
    if arr.shape != expected:
        raise _err("magnetisation", f"array shape {arr.shape} does not match coordinates {expected}")
    if units not in MAGNETISATION_UNITS:
        raise _err("magnetisation", f"units must be '' (unit vector) or 'A/m', got {units!r}")
    all_attrs = {
        "units": units,
        "long_name": long_name or ("unit magnetisation" if units == "" else "magnetisation"),
    }
    all_attrs.update(attrs or {})
    da = xr.DataArray(arr, dims=dims, coords=coords, attrs=all_attrs, name="m" if units == "" else "M")
    return validate_magnetisation(da)


def validate_magnetisation(
    da: xr.DataArray,
    *,
    require_uniform: bool = True,
    check_norm: bool = True,
    norm_tol: float = 1e-3,
) -> xr.DataArray:
    """Check that ``da`` is a magnetisation field or movie of the contract.

    Parameters
    ----------
    da
        The candidate.
    require_uniform
        Require uniform, increasing ``x``, ``y`` (and ``z``) grids.
    check_norm
        For unit vectors (``units == ""``), require ``|m|`` to be 1 (within ``norm_tol``) or 0
        (empty cells); NaN marks cells outside the sample and is allowed.
    norm_tol
        Tolerance of ``|m| = 1`` [dimensionless].

    Returns
    -------
    xarray.DataArray
        ``da`` itself, for chaining.

    Raises
    ------
    DataModelError
        Naming the first violation found.
    """
    what = "magnetisation"
    if not isinstance(da, xr.DataArray):
        raise _err(what, f"expected an xarray.DataArray, got {type(da).__name__}")
    dims = tuple(da.dims)
    _check_order(dims, MAGNETISATION_DIMS, what)
    for req in ("y", "x", "component"):
        if req not in dims:
            raise _err(what, f"missing dim {req!r}; dims are {dims}, expected (..., y, x, component)")
    if da.sizes["component"] != 3:
        raise _err(what, f"dim 'component' must have size 3, got {da.sizes['component']}")
    if "component" not in da.coords:
        raise _err(what, "dim 'component' has no coordinate; expected labels ('x', 'y', 'z')")
    labels = tuple(str(v) for v in da["component"].values)
    if labels != COMPONENTS:
        raise _err(what, f"component labels must be {COMPONENTS}, got {labels}")
    if da.dtype.kind != "f":
        raise _err(what, f"values must be floating point, got dtype {da.dtype}")
    for d in dims:
        if d == "component":
            continue
        if d not in da.coords:
            raise _err(what, f"dim {d!r} has no coordinate")
        _check_units(da[d], d, DIM_UNITS[d], what)
        if d != "species" and not np.all(np.isfinite(np.asarray(da[d].values, dtype=float))):
            raise _err(what, f"coordinate {d!r} has non-finite values")
        if d == "time":
            t = np.asarray(da[d].values, dtype=float)
            if t.size > 1 and np.any(np.diff(t) <= 0):
                raise _err(what, "coordinate 'time' must be strictly increasing")
        if require_uniform and d in ("x", "y", "z"):
            _check_uniform(da[d].values, d, what)
    if "units" not in da.attrs:
        raise _err(what, "missing attribute 'units' ('' for the unit vector m, 'A/m' for M)")
    if da.attrs["units"] not in MAGNETISATION_UNITS:
        raise _err(what, f"attribute 'units' must be '' or 'A/m', got {da.attrs['units']!r}")
    if not isinstance(da.attrs.get("long_name"), str) or not da.attrs["long_name"]:
        raise _err(what, "missing attribute 'long_name'")
    if check_norm and da.attrs["units"] == "":
        norm = np.sqrt((np.asarray(da.values, dtype=float) ** 2).sum(axis=-1))
        ok = np.isnan(norm) | (np.abs(norm - 1.0) <= norm_tol) | (norm == 0.0)
        if not np.all(ok):
            bad = norm[~ok]
            raise _err(
                what,
                f"unit vectors must have |m| = 1 (or 0 in empty cells); {bad.size} cells have "
                f"|m| from {bad.min():.6g} to {bad.max():.6g}",
            )
    return da


# --------------------------------------------------------------------------------------------------
# measured stack


def measured_stack(
    counts,
    *,
    x=None,
    y=None,
    energy=None,
    delay=None,
    helicity=None,
    field=None,
    field_units: str = "",
    z=None,
    line=None,
    ring_current=None,
    count_time=None,
    counts_units: str = "counts",
    attrs: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """Build a measured stack (Dataset with ``counts`` and optional monitors) of the contract.

    Every coordinate that is given as a 1D array of length > 0 becomes a dim, in the order of
    :data:`STACK_DIMS`; a scalar (e.g. the fixed photon energy of an image) becomes a scalar
    coordinate.

    Parameters
    ----------
    counts
        Detector counts, with one axis per array coordinate given, in the order of
        :data:`STACK_DIMS`.
    x, y, z, line
        Positions [m].
    energy
        Photon energy [eV].
    delay
        Pump-probe delay [s].
    helicity
        Helicity labels (+1, -1, 0).
    field
        Values of a magnetic-field stage axis, in ``field_units`` (as the source gives them).
    field_units
        Units of ``field`` (``""`` when the source gives none).
    ring_current
        Storage-ring current [A] on the grid of ``counts`` (or broadcastable along its leading
        dims), or a scalar.
    count_time
        Dwell time per pixel [s]: a scalar or one value per energy.
    counts_units
        Units of the counts (``"counts"``).
    attrs
        Attributes of the Dataset (``scan_type``, ``source_file``, ...).

    Returns
    -------
    xarray.Dataset
        The validated stack.

    Size: one keyword per coordinate and monitor of the stack contract (:data:`STACK_DIMS`, each a
    physical axis with its unit), so that every reader builds a stack by naming what its file holds;
    the body delegates to ``_stack_coords`` and ``_monitor_vars``.
    """
    given = {"delay": delay, "energy": energy, "helicity": helicity, "field": field, "z": z, "line": line,
             "y": y, "x": x}
    arr = np.asarray(counts)
    dims, coords = _stack_coords(given, field_units)
    if arr.ndim != len(dims):
        raise _err(
            "stack", f"counts have {arr.ndim} axes but dims {tuple(dims)} were given (shape {arr.shape})"
        )
    expected = tuple(coords[d].size for d in dims)
    if arr.shape != expected:
        raise _err("stack", f"counts shape {arr.shape} does not match coordinates {expected}")
    data_vars: dict[str, Any] = {
        "counts": xr.Variable(dims, arr, {"units": counts_units, "long_name": "detector counts"})
    }
    data_vars.update(_monitor_vars(dims, coords, ring_current, count_time))
    ds = xr.Dataset(data_vars, coords=coords, attrs=dict(attrs or {}))
    return validate_stack(ds)


def _stack_coords(given: Mapping[str, Any], field_units: str) -> tuple[list[str], dict[str, Any]]:
    """Dims (arrays, in the order of :data:`STACK_DIMS`) and coordinates (arrays and scalars) of a stack."""
    dims: list[str] = []
    coords: dict[str, Any] = {}
    for d in STACK_DIMS:
        v = given[d]
        if v is None:
            continue
        units = field_units if d == "field" else STACK_DIM_UNITS[d]
        a = np.asarray(v)
        if a.ndim == 0:
            coords[d] = xr.Variable((), a, {"units": units, "long_name": _LONG[d]})
        else:
            dims.append(d)
            coords[d] = _coord(a, d, units, _LONG[d])
    return dims, coords


def _monitor_vars(dims: list[str], coords: Mapping[str, Any], ring_current, count_time) -> dict[str, Any]:
    """``ring_current`` [A] (on the leading dims) and ``count_time`` [s] (scalar or along a matching dim)."""
    data_vars: dict[str, Any] = {}
    if ring_current is not None:
        rc = np.asarray(ring_current, dtype=float)
        rc_dims = dims[: rc.ndim] if rc.ndim < len(dims) else dims
        data_vars["ring_current"] = xr.Variable(
            tuple(rc_dims), rc, {"units": "A", "long_name": "storage-ring current"}
        )
    if count_time is not None:
        ct = np.asarray(count_time, dtype=float)
        ct_dims: tuple = ()
        if ct.ndim == 1:
            match = [d for d in dims if coords[d].size == ct.size]
            if not match:
                raise _err("stack", f"count_time of length {ct.size} matches no dim of {tuple(dims)}")
            ct_dims = (match[0],)
        elif ct.ndim > 1:
            raise _err("stack", "count_time must be a scalar or one-dimensional")
        data_vars["count_time"] = xr.Variable(ct_dims, ct, {"units": "s", "long_name": "dwell time"})
    return data_vars


def validate_stack(obj: xr.Dataset | xr.DataArray, *, variable: str = "counts"):
    """Check that ``obj`` is a measured stack of the contract.

    Parameters
    ----------
    obj
        A Dataset with the variable ``variable`` (default ``counts``), or that DataArray alone.
    variable
        Name of the counts variable in a Dataset.

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        ``obj`` itself, for chaining.

    Raises
    ------
    DataModelError
        Naming the first violation found.
    """
    what = "stack"
    if isinstance(obj, xr.Dataset):
        if variable not in obj.data_vars:
            raise _err(what, f"missing variable {variable!r}; variables are {list(obj.data_vars)}")
        da = obj[variable]
    elif isinstance(obj, xr.DataArray):
        da = obj
    else:
        raise _err(what, f"expected an xarray.Dataset or DataArray, got {type(obj).__name__}")
    dims = tuple(da.dims)
    _check_order(dims, STACK_DIMS, what)
    if da.dtype.kind not in "fiu":
        raise _err(what, f"{variable!r} must be real numbers, got dtype {da.dtype}")
    if "units" not in da.attrs:
        raise _err(what, f"variable {variable!r} has no 'units' attribute (e.g. 'counts')")
    for d in dims:
        if d not in da.coords:
            raise _err(what, f"dim {d!r} has no coordinate")
    for name in STACK_DIMS:
        if name in da.coords:
            _check_units(da[name], name, STACK_DIM_UNITS[name], what)
            vals = da[name].values
            if name == "helicity":
                bad = [v for v in np.atleast_1d(vals).tolist() if v not in (*HELICITIES, 0)]
                if bad:
                    raise _err(what, f"helicity labels must be +1, -1 or 0, got {bad[0]!r}")
            elif not np.all(np.isfinite(np.asarray(vals, dtype=float))):
                raise _err(what, f"coordinate {name!r} has non-finite values")
    if isinstance(obj, xr.Dataset):
        for name, units in STACK_VARIABLE_UNITS.items():
            if name in obj.data_vars:
                got = obj[name].attrs.get("units")
                if got != units:
                    raise _err(what, f"variable {name!r} must be in {units!r}, got units {got!r}")
                extra = [d for d in obj[name].dims if d not in dims]
                if extra:
                    raise _err(what, f"variable {name!r} has dim {extra[0]!r} that counts lack")
    return obj
