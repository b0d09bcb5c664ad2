"""NeXus writer/reader: exact round trip, NeXus compliance, provenance, atomic output, clear errors,
and robustness against truncated and corrupted files."""

from __future__ import annotations

import json
import re

import h5py
import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinscope.datamodel import DataModelError, magnetisation_field, measured_stack
from spinscope.errors import FileFormatError, OutputExistsError
from spinscope.io.nexus import read_nexus, read_nexus_metadata, write_nexus


def _movie():
    rng = np.random.default_rng(3)
    m = rng.normal(size=(2, 2, 3, 4, 5, 3))
    m /= np.linalg.norm(m, axis=-1, keepdims=True)
    return magnetisation_field(
        m, x=np.arange(5) * 2e-9, y=np.arange(4) * 2e-9, z=np.arange(3) * 1e-9,
        time=[0.0, 1e-12], species=["Fe", "Gd"],
    )


def _rich_dataset():
    rng = np.random.default_rng(7)
    return xr.Dataset(
        {
            "counts": (("energy", "y", "x"), rng.integers(0, 1000, (2, 3, 4)), {"units": "counts"}),
            "amplitude": (("y", "x"), rng.normal(size=(3, 4)) + 1j * rng.normal(size=(3, 4)),
                          {"units": "", "long_name": "complex amplitude"}),
            "flux": (("energy",), np.array([1.5, 2.5], dtype=np.float32), {"units": "1/s"}),
            "mask": (("y", "x"), rng.random((3, 4)) > 0.5),
            "dose": ((), 3.25, {"units": "J/m^2", "tags": ["a", "b"], "meta": {"k": None},
                                "none": None, "arr": np.array([1.0, 2.0]), "flag": True}),
            "label": ((), "hello µm"),
            "stamp": (("energy",), np.array(["2021-01-27", "2021-03-16"], dtype="datetime64[ns]")),
            "names": (("energy",), np.array(["ab", "cde"], dtype=object)),
        },
        coords={
            "energy": ("energy", [706.0, 708.0], {"units": "eV"}),
            "y": ("y", np.arange(3) * 1e-8, {"units": "m"}),
            "x": ("x", np.arange(4) * 1e-8, {"units": "m"}),
            "species": ("x", np.array(["Fe", "Co", "Ni", "Gd"])),
            "xy": (("y", "x"), np.ones((3, 4)), {"units": "m"}),
            "helicity": 1,
            "pixel_index": ("x", np.arange(4, dtype=np.int32)),
        },
        attrs={"scan_type": "sample image stack", "n_frames": 2, "ratio": 0.5, "shape": [3, 4],
               "empty": "", "nested": {"a": [1, 2]}},
    )


def _assert_identical_with_dtypes(a: xr.Dataset, b: xr.Dataset):
    xr.testing.assert_identical(a, b)
    for k in b.variables:
        assert a[k].dtype == b[k].dtype, k
    for k, v in b.attrs.items():
        assert type(a.attrs[k]) is type(v) or isinstance(v, np.ndarray), k


def test_round_trip_magnetisation_movie(tmp_path):
    da = _movie()
    p = write_nexus(tmp_path / "m.nxs", da)
    back = read_nexus(p)
    xr.testing.assert_identical(back["m"], da)
    assert back["m"].dtype == np.float64


def test_round_trip_rich_dataset(tmp_path):
    ds = _rich_dataset()
    p = write_nexus(tmp_path / "rich.nxs", ds)
    back = read_nexus(p)
    _assert_identical_with_dtypes(back, ds)
    assert list(back.data_vars) == list(ds.data_vars)
    assert back["label"].ndim == 0 and back["label"].item() == "hello µm"


def test_round_trip_measured_stack(tmp_path):
    ds = measured_stack(
        np.arange(2 * 3 * 4).reshape(2, 3, 4), field=[-2.0, -1.0], field_units="", energy=707.7,
        y=np.arange(3) * 1e-8, x=np.arange(4) * 1e-8, count_time=2.6e-3, attrs={"scan_type": "x"},
    )
    p = write_nexus(tmp_path / "s.nxs", ds)
    _assert_identical_with_dtypes(read_nexus(p), ds)


def test_unnamed_dataarray_is_stored_as_data(tmp_path):
    da = xr.DataArray(np.arange(3.0), dims=("x",), coords={"x": [0.0, 1.0, 2.0]})
    back = read_nexus(write_nexus(tmp_path / "d.nxs", da))
    xr.testing.assert_identical(back["data"], da.rename("data"))
    # a coordinate written without units gets a NeXus units attribute, removed again on reading
    with h5py.File(tmp_path / "d.nxs") as f:
        assert f["entry/data/x"].attrs["units"] == b"m"
    assert "units" not in back["x"].attrs


def test_layout_is_nexus(tmp_path):
    from nexusformat.nexus import nxload

    ds = _rich_dataset()
    p = write_nexus(tmp_path / "n.nxs", ds, definition="NXstxm", title="demo")
    with h5py.File(p) as f:
        assert f.attrs["NX_class"] == b"NXroot"
        assert f["entry"].attrs["NX_class"] == b"NXentry"
        data = f["entry/data"]
        assert data.attrs["NX_class"] == b"NXdata"
        assert data.attrs["signal"] == b"counts"
        assert [a.decode() for a in data.attrs["axes"]] == ["energy", "y", "x"]
        assert list(data.attrs["energy_indices"]) == [0]
        assert list(data.attrs["xy_indices"]) == [1, 2]
        for name in ds.coords:
            assert "units" in data[name].attrs, name
        assert "config" not in f["entry"]  # no config given
        assert f["entry/definition"].shape == () and f["entry/definition"][()] == b"NXstxm"  # a scalar string
    root = nxload(str(p))
    nxdata = root["entry/data"]
    assert nxdata.nxsignal.nxname == "counts"
    assert [a.nxname for a in nxdata.nxaxes] == ["energy", "y", "x"]
    assert np.array_equal(nxdata.nxsignal.nxvalue, ds["counts"].values)
    assert root["entry/program_name"].nxvalue == "spinscope"


def test_provenance_and_config(tmp_path):
    config = {"source": {"energy": "707 eV"}, "seed": 12, "values": [1.0, 2.0]}
    p = write_nexus(tmp_path / "c.nxs", _movie(), config=config, seed=12)
    meta = read_nexus_metadata(p)
    assert meta["config"] == config
    assert meta["seed"] == 12
    assert meta["program"] == "spinscope"
    from spinscope import __version__

    assert meta["version"] == __version__
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["start_time"])
    with h5py.File(p) as f:
        assert f["entry/config"].attrs["NX_class"] == b"NXnote"
        assert json.loads(f["entry/config/data"][0]) == config
        assert f.attrs["file_time"].decode() == meta["start_time"]
    assert read_nexus(p).encoding["nexus_metadata"]["seed"] == 12


def test_config_with_numpy_values(tmp_path):
    p = write_nexus(tmp_path / "np.nxs", _movie(), config={"e": np.float64(707.0), "v": np.arange(2)})
    assert read_nexus_metadata(p)["config"] == {"e": 707.0, "v": [0, 1]}
    with pytest.raises(DataModelError, match="not JSON-serialisable"):
        write_nexus(tmp_path / "bad.nxs", _movie(), config={"o": object()})


def test_same_seed_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    ds = _rich_dataset()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    p1 = write_nexus(tmp_path / "a" / "run.nxs", ds, seed=5, config={"k": 1})
    p2 = write_nexus(tmp_path / "b" / "run.nxs", ds, seed=5, config={"k": 1})
    assert p1.read_bytes() == p2.read_bytes()
    assert read_nexus_metadata(p1)["start_time"] == "2023-11-14T22:13:20Z"


def test_same_data_bytes_without_fixed_time(tmp_path):
    ds = _rich_dataset()
    p1 = write_nexus(tmp_path / "a.nxs", ds, seed=5)
    p2 = write_nexus(tmp_path / "b.nxs", ds, seed=5)
    with h5py.File(p1) as f1, h5py.File(p2) as f2:
        for name in ds.variables:
            assert f1[f"entry/data/{name}"][()].tobytes() == f2[f"entry/data/{name}"][()].tobytes()


def test_refuses_to_overwrite(tmp_path):
    p = write_nexus(tmp_path / "o.nxs", _movie())
    with pytest.raises(OutputExistsError):
        write_nexus(p, _rich_dataset())
    write_nexus(p, _rich_dataset(), overwrite=True)
    assert "counts" in read_nexus(p)
    assert [q.name for q in tmp_path.iterdir()] == ["o.nxs"]  # no temporary leftovers


def test_failed_write_leaves_nothing(tmp_path):
    ds = _rich_dataset().assign_attrs(bad=object())
    with pytest.raises(DataModelError, match="attribute 'bad'"):
        write_nexus(tmp_path / "x.nxs", ds)
    assert list(tmp_path.iterdir()) == []


def test_reserved_names_rejected(tmp_path):
    with pytest.raises(DataModelError, match="reserved"):
        write_nexus(tmp_path / "r.nxs", _rich_dataset().assign_attrs(signal="x"))
    with pytest.raises(DataModelError, match="HDF5 field name"):
        write_nexus(tmp_path / "r.nxs", xr.Dataset({"a/b": ("x", [1.0])}))


# --------------------------------------------------------------------------------------------------
# reader errors


def test_missing_file(tmp_path):
    with pytest.raises(FileFormatError, match="no such file"):
        read_nexus(tmp_path / "nope.nxs")


def test_not_hdf5(tmp_path):
    p = tmp_path / "text.nxs"
    p.write_text("hello\n")
    with pytest.raises(FileFormatError) as exc:
        read_nexus(p)
    assert "not an HDF5 file" in str(exc.value) and str(p) in str(exc.value)
    empty = tmp_path / "empty.nxs"
    empty.write_bytes(b"")
    with pytest.raises(FileFormatError, match="not an HDF5 file"):
        read_nexus(empty)


def test_truncated(tmp_path):
    p = write_nexus(tmp_path / "t.nxs", _movie())
    data = p.read_bytes()
    q = tmp_path / "cut.nxs"
    q.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError) as exc:
        read_nexus(q)
    assert "truncated" in str(exc.value) and str(q) in str(exc.value)
    assert "\n" not in str(exc.value)


def test_missing_nxdata(tmp_path):
    p = tmp_path / "plain.h5"
    with h5py.File(p, "w") as f:
        f.create_group("entry").attrs["NX_class"] = "NXentry"
    with pytest.raises(FileFormatError, match="no NXdata"):
        read_nexus(p)
    q = tmp_path / "bare.h5"
    with h5py.File(q, "w") as f:
        f["x"] = [1, 2]
    with pytest.raises(FileFormatError, match="no NXentry"):
        read_nexus(q)


def test_reads_generic_nxdata(tmp_path):
    p = tmp_path / "generic.nxs"
    with h5py.File(p, "w") as f:
        e = f.create_group("entry")
        e.attrs["NX_class"] = "NXentry"
        d = e.create_group("data")
        d.attrs.update({"NX_class": "NXdata", "signal": "I", "axes": ["t"], "t_indices": 0})
        d["I"] = np.arange(4.0)
        d["t"] = np.arange(4.0) * 1e-12
        d["t"].attrs["units"] = "s"
    ds = read_nexus(p)
    assert ds["I"].dims == ("t",) and ds["t"].attrs["units"] == "s"


# --------------------------------------------------------------------------------------------------
# fuzzing: a damaged file raises FileFormatError or reads back identical data, never wrong data


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    ds = _rich_dataset()
    p = write_nexus(d / "pristine.nxs", ds, config={"a": 1}, seed=2)
    return ds, p.read_bytes(), d


def _check_damaged(ds, blob, path):
    path.write_bytes(blob)
    try:
        back = read_nexus(path)
    except FileFormatError as exc:
        assert "\n" not in str(exc)
        return "error"
    _assert_identical_with_dtypes(back, ds)
    return "same"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frac=st.floats(0.0, 0.9999))
def test_fuzz_truncation(pristine, frac):
    ds, blob, d = pristine
    cut = blob[: int(frac * len(blob))]
    assert _check_damaged(ds, cut, d / "cut.nxs") == "error"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.tuples(st.floats(0.0, 0.9999), st.integers(1, 255)), min_size=1, max_size=4))
def test_fuzz_byte_flips(pristine, flips):
    ds, blob, d = pristine
    b = bytearray(blob)
    for frac, mask in flips:
        b[int(frac * len(b))] ^= mask
    _check_damaged(ds, bytes(b), d / "flip.nxs")


def test_fuzz_every_region_deterministic(pristine):
    """One flip in each 64-byte window of the file: none may read back as different data."""
    ds, blob, d = pristine
    outcomes = {"error": 0, "same": 0}
    for off in range(0, len(blob), 64):
        b = bytearray(blob)
        b[off] ^= 0x5A
        outcomes[_check_damaged(ds, bytes(b), d / "win.nxs")] += 1
    assert outcomes["error"] > 0


def test_file_format_is_readable_by_hdf5_1_10(tmp_path):
    """Written with the 1.10 format bounds (not ``libver="latest"``, whose layout messages written by
    HDF5 2.0 are 'bad version number for layout message' to HDF5 1.14)."""
    import h5py

    from spinscope.io.nexus import LIBVER

    assert LIBVER == ("v110", "v110")
    p = write_nexus(tmp_path / "v.nxs", xr.DataArray(np.arange(6.0).reshape(2, 3), dims=("y", "x")))
    with h5py.File(p, "r", libver="earliest") as f:
        # superblock version 3 is the HDF5 1.10 format (version 4 does not exist before 2.0)
        assert f.id.get_create_plist().get_version()[0] <= 3
        assert f["entry/data/data"][()].sum() == 15.0
    assert p.read_bytes()[8] <= 3
