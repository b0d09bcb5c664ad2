"""Data model contracts: constructors give valid objects; each violation gives a clear one-line error."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from spinscope.datamodel import (
    MAGNETISATION_DIMS,
    STACK_DIMS,
    DataModelError,
    magnetisation_field,
    measured_stack,
    validate_magnetisation,
    validate_stack,
)
from spinscope.errors import SpinscopeError


def _unit_m(shape):
    rng = np.random.default_rng(1)
    m = rng.normal(size=(*shape, 3))
    return m / np.linalg.norm(m, axis=-1, keepdims=True)


@pytest.fixture
def movie():
    return magnetisation_field(
        _unit_m((2, 2, 3, 4, 5)),
        x=np.arange(5) * 2e-9,
        y=np.arange(4) * 2e-9,
        z=np.arange(3) * 1e-9,
        time=[0.0, 1e-12],
        species=["Fe", "Gd"],
    )


def test_magnetisation_constructor_follows_contract(movie):
    assert movie.dims == MAGNETISATION_DIMS
    assert tuple(movie["component"].values) == ("x", "y", "z")
    assert movie.attrs["units"] == "" and movie.attrs["long_name"]
    for d, u in (("time", "s"), ("z", "m"), ("y", "m"), ("x", "m"), ("species", "")):
        assert movie[d].attrs["units"] == u
    assert validate_magnetisation(movie) is movie


def test_magnetisation_2d_in_A_per_m():
    da = magnetisation_field(np.tile([0.0, 0.0, 8e5], (3, 4, 1)), x=np.arange(4) * 1e-9,
                             y=np.arange(3) * 1e-9, units="A/m")
    assert da.dims == ("y", "x", "component")
    assert da.attrs["long_name"] == "magnetisation"


def test_errors_are_spinscope_errors():
    assert issubclass(DataModelError, SpinscopeError)
    assert issubclass(DataModelError, ValueError)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda da: da.transpose("time", "species", "z", "x", "y", "component"), "out of order"),
        (lambda da: da.rename(species="sublattice"), "unknown dim 'sublattice'"),
        (lambda da: da.assign_coords(component=["a", "b", "c"]), "component labels"),
        (lambda da: da.assign_coords(x=da.x.values), "coordinate 'x' has no 'units'"),
        (lambda da: da.assign_coords(x=("x", da.x.values * 1e9, {"units": "nm"})), "'m' (SI)"),
        (lambda da: da.assign_coords(
            x=("x", np.array([0, 1, 2, 4, 5]) * 1e-9, {"units": "m"})), "not a uniform grid"),
        (lambda da: da.assign_attrs(units="T"), "'' or 'A/m'"),
        (lambda da: da.drop_attrs(deep=False), "missing attribute 'units'"),
        (lambda da: (da * 2.0).assign_attrs(units="", long_name="m"), "|m| = 1"),
        (lambda da: da.isel(component=[0, 1]), "size 3"),
        (lambda da: da.isel(x=0), "missing dim 'x'"),
        (lambda da: da.astype(np.int64), "floating point"),
    ],
)
def test_magnetisation_violations(movie, mutate, message):
    bad = mutate(movie)
    with pytest.raises(DataModelError) as exc:
        validate_magnetisation(bad)
    text = str(exc.value)
    assert message in text
    assert "\n" not in text and text.startswith("magnetisation:")


def test_magnetisation_missing_long_name(movie):
    bad = movie.copy()
    del bad.attrs["long_name"]
    with pytest.raises(DataModelError, match="long_name"):
        validate_magnetisation(bad)


def test_magnetisation_non_uniform_allowed_when_not_required(movie):
    bad = movie.assign_coords(x=("x", np.array([0, 1, 2, 4, 5]) * 1e-9, {"units": "m"}))
    validate_magnetisation(bad, require_uniform=False)


def test_magnetisation_empty_and_nan_cells_are_allowed():
    m = _unit_m((3, 4))
    m[0, 0] = 0.0
    m[1, 1] = np.nan
    magnetisation_field(m, x=np.arange(4) * 1e-9, y=np.arange(3) * 1e-9)


def test_magnetisation_constructor_shape_mismatch():
    with pytest.raises(DataModelError, match="does not match"):
        magnetisation_field(np.zeros((3, 4, 3)), x=np.arange(5) * 1e-9, y=np.arange(3) * 1e-9)
    with pytest.raises(DataModelError, match="axes"):
        magnetisation_field(np.zeros((4, 3)), x=np.arange(4) * 1e-9, y=np.arange(3) * 1e-9)


def test_not_a_dataarray():
    with pytest.raises(DataModelError, match="DataArray"):
        validate_magnetisation(np.zeros((2, 2, 3)))


# --------------------------------------------------------------------------------------------------
# measured stack


@pytest.fixture
def stack():
    return measured_stack(
        np.ones((2, 3, 4, 5), dtype=np.int64),
        energy=[706.0, 708.0],
        field=[-2.0, -1.0, 0.0],
        field_units="mT",
        y=np.arange(4) * 30e-9,
        x=np.arange(5) * 30e-9,
        ring_current=np.full((2, 3, 4, 5), 0.3),
        count_time=[1e-3, 2e-3],
        attrs={"scan_type": "test"},
    )


def test_stack_constructor(stack):
    assert stack["counts"].dims == ("energy", "field", "y", "x")
    assert stack["field"].attrs["units"] == "mT"
    assert stack["count_time"].dims == ("energy",)
    assert stack["ring_current"].attrs["units"] == "A"
    assert set(stack["counts"].dims) <= set(STACK_DIMS)
    validate_stack(stack)
    validate_stack(stack["counts"])


def test_stack_scalar_energy_is_a_scalar_coordinate():
    ds = measured_stack(np.zeros((3, 4)), energy=707.7, y=np.arange(3) * 1e-8, x=np.arange(4) * 1e-8)
    assert ds["counts"].dims == ("y", "x")
    assert ds["energy"].ndim == 0 and ds["energy"].attrs["units"] == "eV"


def test_stack_point_spectrum():
    ds = measured_stack(np.arange(5), energy=np.linspace(700, 710, 5))
    assert ds["counts"].dims == ("energy",)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda ds: ds.transpose("field", "energy", "y", "x"), "out of order"),
        (lambda ds: ds.assign_coords(energy=("energy", [0.706, 0.708], {"units": "keV"})), "'eV'"),
        (lambda ds: ds.rename(field="temperature"), "unknown dim 'temperature'"),
        (lambda ds: ds.drop_vars("counts"), "missing variable 'counts'"),
        (lambda ds: ds.assign(ring_current=ds.ring_current.assign_attrs(units="mA")), "'A'"),
        (lambda ds: ds.assign(counts=ds.counts.drop_attrs()), "no 'units'"),
        (lambda ds: ds.assign_coords(x=("x", ds.x.values)), "coordinate 'x' has no 'units'"),
        (lambda ds: ds.drop_vars("field"), "dim 'field' has no coordinate"),
    ],
)
def test_stack_violations(stack, mutate, message):
    with pytest.raises(DataModelError) as exc:
        validate_stack(mutate(stack))
    assert message in str(exc.value)
    assert str(exc.value).startswith("stack:")


def test_stack_helicity_labels():
    ds = measured_stack(np.zeros((2, 3)), helicity=[1, -1], x=np.arange(3) * 1e-8)
    validate_stack(ds)
    bad = ds.assign_coords(helicity=("helicity", [1, 2], {"units": ""}))
    with pytest.raises(DataModelError, match="helicity labels"):
        validate_stack(bad)


def test_stack_constructor_shape_mismatch():
    with pytest.raises(DataModelError, match="does not match"):
        measured_stack(np.zeros((3, 4)), y=np.arange(4) * 1e-8, x=np.arange(4) * 1e-8)


def test_validate_stack_rejects_other_types():
    with pytest.raises(DataModelError, match="Dataset or DataArray"):
        validate_stack({"counts": 1})
    with pytest.raises(DataModelError, match="real numbers"):
        validate_stack(xr.DataArray(np.array(["a"]), dims=("x",),
                                    coords={"x": ("x", [0.0], {"units": "m"})},
                                    attrs={"units": "counts"}))
