"""OVF 1.0 / 2.0 read and write: bit-exact round trips, files as MuMax3 and OOMMF write them."""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

import numpy as np
import pytest

from spinscope.errors import FileFormatError, SpinscopeError
from spinscope.io.ovf import read_ovf, read_ovf_folder, write_ovf


def _field(nz=2, ny=3, nx=4, seed=0):
    import xarray as xr

    rng = np.random.default_rng(seed)
    a = rng.normal(size=(nz, ny, nx, 3))
    return xr.DataArray(
        a, dims=("z", "y", "x", "component"),
        coords={"z": ("z", (np.arange(nz) + 0.5) * 3e-9, {"units": "m"}),
                "y": ("y", (np.arange(ny) - 1) * 5e-9, {"units": "m"}),
                "x": ("x", (np.arange(nx) + 0.5) * 4e-9, {"units": "m"}),
                "component": ["x", "y", "z"]},
        name="m", attrs={"units": "", "cell_size": [4e-9, 5e-9, 3e-9]})


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("fmt", ["binary8", "binary4", "text"])
def test_round_trip_is_bit_exact(tmp_path, version, fmt):
    da = _field()
    p = write_ovf(tmp_path / "a.ovf", da, format=fmt, version=version, time=2.5e-10)
    back = read_ovf(p)
    want = da.values if fmt != "binary4" else da.values.astype(np.float32).astype(float)
    assert np.array_equal(back.values, want)
    assert back.dims == ("z", "y", "x", "component")
    for c in "xyz":
        assert np.allclose(back[c].values, da[c].values, rtol=0, atol=1e-22)
        assert back[c].attrs["units"] == "m"
    assert back.attrs["time"] == 2.5e-10
    assert back.attrs["ovf_version"] == version and back.attrs["format"] == fmt
    # writing again what was read gives the same bytes (OVF 1.0's value-range header lines of
    # float32-rounded data may differ in the last digit)
    p2 = write_ovf(tmp_path / "b.ovf", back, format=fmt, version=version)
    if not (version == 1 and fmt == "binary4"):
        assert p2.read_bytes() == p.read_bytes()


def test_check_values_and_byte_order(tmp_path):
    da = _field(1, 1, 1)
    raw2 = write_ovf(tmp_path / "a.ovf", da, format="binary8", version=2).read_bytes()
    i = raw2.index(b"# Begin: Data Binary 8\n") + len(b"# Begin: Data Binary 8\n")
    assert struct.unpack("<d", raw2[i:i + 8])[0] == 123456789012345.0
    raw1 = write_ovf(tmp_path / "b.ovf", da, format="binary4", version=1).read_bytes()
    i = raw1.index(b"# Begin: Data Binary 4\n") + len(b"# Begin: Data Binary 4\n")
    assert struct.unpack(">f", raw1[i:i + 4])[0] == 1234567.0


def _mumax3_file(path, data, t):
    """An OVF 2.0 file exactly as MuMax3's oommf.WriteOVF2 writes it (binary 4, float32 LE)."""
    nz, ny, nx, _ = data.shape
    hdr = (
        "# OOMMF OVF 2.0\n"
        "# Segment count: 1\n"
        "# Begin: Segment\n"
        "# Begin: Header\n"
        "# Title: m\n"
        "# meshtype: rectangular\n"
        "# meshunit: m\n"
        "# xmin: 0\n"
        "# ymin: 0\n"
        "# zmin: 0\n"
        f"# xmax: {nx * 5e-9!r}\n"
        f"# ymax: {ny * 5e-9!r}\n"
        f"# zmax: {nz * 3e-9!r}\n"
        "# valuedim: 3\n"
        "# valuelabels: m_x m_y m_z\n"
        "# valueunits: 1 1 1\n"
        f"# Desc: Total simulation time:  {t!r}  s\n"
        "# xbase: 2.5e-09\n"
        "# ybase: 2.5e-09\n"
        "# zbase: 1.5e-09\n"
        f"# xnodes: {nx}\n"
        f"# ynodes: {ny}\n"
        f"# znodes: {nz}\n"
        "# xstepsize: 5e-09\n"
        "# ystepsize: 5e-09\n"
        "# zstepsize: 3e-09\n"
        "# End: Header\n"
        "# Begin: Data Binary 4\n"
    ).encode("ascii")
    body = struct.pack("<f", 1234567.0)
    for iz in range(nz):
        for iy in range(ny):
            for ix in range(nx):
                body += struct.pack("<fff", *data[iz, iy, ix])
    tail = b"# End: Data Binary 4\n# End: Segment\n"
    path.write_bytes(hdr + body + tail)


def test_reads_a_mumax3_file(tmp_path):
    rng = np.random.default_rng(4)
    data = rng.normal(size=(1, 5, 8, 3)).astype(np.float32)
    _mumax3_file(tmp_path / "m000003.ovf", data, 1.5e-10)
    da = read_ovf(tmp_path / "m000003.ovf")
    assert da.dims == ("y", "x", "component")
    assert np.array_equal(da.values, data[0].astype(float))
    assert da.attrs["time"] == 1.5e-10
    assert da.attrs["units"] == ""  # MuMax3's "1" = dimensionless
    assert da.x.values[0] == pytest.approx(2.5e-9) and da.x.values[1] - da.x.values[0] == \
        pytest.approx(5e-9)
    assert da.attrs["valuelabels"] == "m_x m_y m_z"


def test_reads_an_oommf_ovf1_text_file(tmp_path):
    text = (
        "# OOMMF: rectangular mesh v1.0\n"
        "# Segment count: 1\n"
        "# Begin: Segment\n"
        "# Begin: Header\n"
        "# Title: Oxs_TimeDriver::Magnetization\n"
        "# Desc: Iteration: 42, Stage: 0\n"
        "# Desc: Time (s) : 3e-11\n"
        "# meshtype: rectangular\n"
        "# meshunit: m\n"
        "# xbase: 1e-09\n# ybase: 1e-09\n# zbase: 1e-09\n"
        "# xstepsize: 2e-09\n# ystepsize: 2e-09\n# zstepsize: 2e-09\n"
        "# xnodes: 2\n# ynodes: 1\n# znodes: 1\n"
        "# xmin: 0\n# ymin: 0\n# zmin: 0\n# xmax: 4e-09\n# ymax: 2e-09\n# zmax: 2e-09\n"
        "# valueunit: A/m\n"
        "# valuemultiplier: 800000\n"
        "# ValueRangeMinMag: 1e-8\n# ValueRangeMaxMag: 800000\n"
        "# End: Header\n"
        "# Begin: Data Text\n"
        "1 0 0\n"
        "0 0.6 0.8  # comment\n"
        "# End: Data Text\n"
        "# End: Segment\n")
    (tmp_path / "o.omf").write_text(text)
    da = read_ovf(tmp_path / "o.omf")
    assert np.allclose(da.values, [[[8e5, 0, 0], [0, 4.8e5, 6.4e5]]])
    assert da.attrs["time"] == 3e-11
    assert da.attrs["units"] == "A/m"


def test_folder_becomes_a_movie(tmp_path):
    rng = np.random.default_rng(5)
    for i in range(4):
        _mumax3_file(tmp_path / f"m{i:06d}.ovf", rng.normal(size=(1, 3, 4, 3)).astype(np.float32),
                     i * 5e-12)
    movie = read_ovf_folder(tmp_path)
    assert movie.dims == ("time", "y", "x", "component")
    assert np.allclose(movie.time.values, [0, 5e-12, 10e-12, 15e-12])
    assert movie.time.attrs["units"] == "s"
    from spinscope.datamodel import validate_magnetisation

    validate_magnetisation(movie, check_norm=False)


def test_scalar_file_and_bad_files(tmp_path):
    import xarray as xr

    s = xr.DataArray(np.arange(6.0).reshape(2, 3), dims=("y", "x"), name="Edens",
                     attrs={"units": "J/m3", "cell_size": [1e-9, 1e-9, 1e-9]})
    p = write_ovf(tmp_path / "s.ovf", s)
    back = read_ovf(p)
    assert back.dims == ("y", "x") and np.array_equal(back.values, s.values)
    with pytest.raises(FileFormatError, match="OVF 1.0"):
        write_ovf(tmp_path / "s1.ovf", s, version=1)
    with pytest.raises(FileFormatError, match="no such"):
        read_ovf(tmp_path / "missing.ovf")
    (tmp_path / "junk.ovf").write_text("hello\n")
    with pytest.raises(FileFormatError, match="not an OVF"):
        read_ovf(tmp_path / "junk.ovf")
    raw = p.read_bytes()
    (tmp_path / "trunc.ovf").write_bytes(raw[: len(raw) - 40])
    with pytest.raises(FileFormatError, match="truncated"):
        read_ovf(tmp_path / "trunc.ovf")
    bad = bytearray(raw)
    i = raw.index(b"Binary 8\n") + 9
    bad[i:i + 8] = struct.pack("<d", 1.0)
    (tmp_path / "check.ovf").write_bytes(bytes(bad))
    with pytest.raises(SpinscopeError, match="check value"):
        read_ovf(tmp_path / "check.ovf")
    with pytest.raises(FileFormatError, match="no OVF"):
        read_ovf_folder(_empty(tmp_path))
    with pytest.raises(FileFormatError, match="no such folder"):
        read_ovf_folder(tmp_path / "missing_dir")


def _empty(tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    return d


def test_simulation_movie_round_trip(tmp_path):
    import spinscope.micromagnetics as mm

    mesh = mm.Mesh.from_size((40e-9, 20e-9, 3e-9), (8, 4, 1))
    mv = mm.Simulation(mesh, Ms=8e5, A=1.3e-11, m0=(1, 1, 0)).run(2e-12, n_frames=3)
    for i in range(3):
        write_ovf(tmp_path / f"m{i:06d}.ovf", mv.isel(time=i).drop_vars("m_avg"))
    movie = read_ovf_folder(tmp_path)
    assert np.array_equal(movie.values, mv.values)
    assert np.allclose(movie.time.values, mv.time.values, rtol=1e-15)
    assert np.allclose(movie.x.values, mv.x.values, rtol=0, atol=1e-22)


@pytest.mark.parametrize("fmt", ["binary8", "binary4", "text"])
def test_fuzzed_files_give_clear_errors(tmp_path, fmt):
    """Truncations are always reported; damaged headers give a FileFormatError or a consistent read,
    never another exception or a hang. (Flipped bytes inside the binary data cannot be detected: OVF
    carries one check value, not a checksum.)"""
    import time

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    p = write_ovf(tmp_path / "f.ovf", _field(), format=fmt)
    raw = p.read_bytes()
    header_end = raw.index(b"# Begin: Data")
    data_end = raw.index(b"# End: Data") + (0 if fmt.startswith("binary") else len(b"# End: Data"))

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(cut=st.integers(0, len(raw) - 1), pos=st.integers(0, header_end - 1), byte=st.integers(0, 255))
    def check(cut, pos, byte):
        q = tmp_path / "fz.ovf"
        q.write_bytes(raw[:cut])
        t = time.perf_counter()
        if cut < data_end:  # the data (or, for text, its end marker) is cut: always an error
            with pytest.raises(FileFormatError):
                read_ovf(q)
        else:  # only the trailer is missing: the data are complete and read as written
            assert np.array_equal(read_ovf(q).values, read_ovf(p).values)
        damaged = bytearray(raw)
        damaged[pos] = byte
        q.write_bytes(bytes(damaged))
        try:
            da = read_ovf(q)
        except SpinscopeError:
            pass
        else:
            assert da.sizes["component"] == 3 and np.isfinite(da.values).all() or fmt != "text"
        assert time.perf_counter() - t < 10.0  # no hang (generous: the machine may be busy)

    check()


# --------------------------------------------------------------------------------------------------
# headers found in files written by other programs (issue 9)

def _ovf2_text(path, header_lines, values, ncomp=3):
    rows = "\n".join(" ".join(repr(float(v)) for v in r) for r in np.asarray(values).reshape(-1, ncomp))
    text = ("# OOMMF OVF 2.0\n# Segment count: 1\n# Begin: Segment\n# Begin: Header\n# Title: m\n"
            "# meshtype: rectangular\n# meshunit: m\n" + "".join(f"# {h}\n" for h in header_lines)
            + f"# valuedim: {ncomp}\n# End: Header\n# Begin: Data Text\n{rows}\n# End: Data Text\n"
            "# End: Segment\n")
    path.write_text(text)
    return path


def test_ovf2_without_xbase_puts_nodes_at_cell_centres_from_min(tmp_path):
    """No xbase/ybase/zbase: node i lies at min + (i + 1/2) step, within [min, max] of the header."""
    head = ["xmin: -2e-09", "ymin: 0", "zmin: 5e-09", "xmax: 6e-09", "ymax: 3e-09", "zmax: 1.1e-08",
            "xnodes: 4", "ynodes: 1", "znodes: 2", "xstepsize: 2e-09", "ystepsize: 3e-09", "zstepsize: 3e-09"]
    p = _ovf2_text(tmp_path / "nobase.ovf", head, np.ones((2, 1, 4, 3)))
    da = read_ovf(p, squeeze=False)
    np.testing.assert_allclose(da["x"].values, [-1e-9, 1e-9, 3e-9, 5e-9], rtol=0, atol=1e-22)
    np.testing.assert_allclose(da["z"].values, [6.5e-9, 9.5e-9], rtol=0, atol=1e-22)  # not 1.5e-9, 4.5e-9
    # what the file says: the cells fill [min, max] exactly
    for a, lo, hi in (("x", -2e-9, 6e-9), ("y", 0.0, 3e-9), ("z", 5e-9, 11e-9)):
        c, step = da[a].values, da.attrs["cell_size"]["xyz".index(a)]
        assert c[0] - step / 2 == pytest.approx(lo, abs=1e-20)
        assert c[-1] + step / 2 == pytest.approx(hi, abs=1e-20)


def test_zero_step_size_warns(tmp_path):
    head = ["xmin: 0", "ymin: 0", "zmin: 0", "xmax: 8e-09", "ymax: 0", "zmax: 0", "xnodes: 4", "ynodes: 1",
            "znodes: 1", "xbase: 1e-09", "ybase: 0", "zbase: 0", "xstepsize: 0", "ystepsize: 0",
            "zstepsize: 0"]
    p = _ovf2_text(tmp_path / "zero.ovf", head, np.ones((1, 1, 4, 3)))
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        da = read_ovf(p)
    np.testing.assert_allclose(da["x"].values, [1e-9, 3e-9, 5e-9, 7e-9], rtol=1e-12)  # (xmax-xmin)/xnodes
    msgs = [str(w.message) for w in rec]
    assert any("xstepsize is 0; using (xmax - xmin) / xnodes" in m for m in msgs)
    assert any("ystepsize is 0 and gives no y range" in m for m in msgs)


def test_oommf_v099_header_text_and_native_binary(tmp_path):
    """'# OOMMF: rectangular mesh v0.99' (OVF 0.0) as small codes still write it."""
    vals = np.arange(2 * 3 * 3, dtype=float).reshape(1, 2, 3, 3) / 10
    head = ("# OOMMF: rectangular mesh v0.99\n# Segment count: 1\n# Begin: Segment\n# Begin: Header\n"
            "# Title: model.omf\n# Desc:\n# meshunit: nm\n# xbase: 0\n# ybase: 0\n# zbase: 0\n"
            "# xstepsize: 1\n# ystepsize: 1\n# zstepsize: 1\n# xnodes: 3\n# ynodes: 2\n# znodes: 1\n"
            "# xmin: -0.5\n# ymin: -0.5\n# zmin: -0.5\n# xmax: 2.5\n# ymax: 1.5\n# zmax: 0.5\n"
            "# valueunit: Ms\n# valuemultiplier: 2\n# End: Header\n")
    t = tmp_path / "old.omf"
    rows = "\n".join(" ".join(str(v) for v in r) for r in vals.reshape(-1, 3))
    t.write_text(head + "# Begin: data text\n" + rows + "\n# End: data text \n# End: segment \n")
    da = read_ovf(t)
    np.testing.assert_allclose(da.values, 2 * vals[0])
    np.testing.assert_allclose(da["x"].values, [0.0, 1e-9, 2e-9])
    assert da.attrs["ovf_version"] == 0.99
    b = tmp_path / "old_le.omf"  # binary in the writer's (little-endian) byte order
    data = np.concatenate([[1234567.0], vals.reshape(-1)]).astype("<f4").tobytes()
    b.write_bytes(head.encode() + b"# Begin: Data Binary 4\n" + data
                  + b"\n# End: Data Binary 4\n# End: Segment\n")
    np.testing.assert_allclose(read_ovf(b).values, 2 * vals[0].astype(np.float32))


def test_unknown_mesh_unit_warns(tmp_path):
    head = ["xnodes: 1", "ynodes: 1", "znodes: 1", "xstepsize: 1", "ystepsize: 1", "zstepsize: 1"]
    p = _ovf2_text(tmp_path / "u.ovf", head, np.ones(3))
    p.write_text(p.read_text().replace("# meshunit: m", "# meshunit: unknown"))
    with pytest.warns(UserWarning, match="meshunit 'unknown'"):
        read_ovf(p)


@pytest.mark.parametrize("suffix", [".ohf", ".oef", ".dat"])
def test_field_and_energy_files_open_through_the_registry(tmp_path, suffix):
    from spinscope.io import guess_engine, open_dataset

    p = write_ovf(tmp_path / "field.ovf", _field(), title="Oxs_Demag::Field")
    q = p.rename(tmp_path / f"field{suffix}")  # .dat: recognised by its '# OOMMF' first line
    assert guess_engine(q) == "ovf"
    ds = open_dataset(q)
    assert ds.encoding["engine"] == "ovf" and ds.attrs["signal"] == "Oxs_Demag::Field"
    np.testing.assert_array_equal(ds["Oxs_Demag::Field"].values, _field().values)


THIRD_PARTY = Path(__file__).resolve().parents[2] / "shared" / "data" / "third_party"


def _third_party_ovf():
    if not THIRD_PARTY.is_dir():
        return []
    return sorted(f for d in ("mumax3", "discretisedfield", "fidimag")
                  for f in (THIRD_PARTY / d).glob("*.o[vmhe]f"))


@pytest.mark.parametrize("path", _third_party_ovf(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_third_party_ovf_coordinates_match_the_header(path):
    """Every OVF/OMF/OHF/OEF file of mumax3, ubermag, fidimag reads; cells fill [min, max] of the header."""
    from spinscope.io import open_dataset
    from spinscope.io.ovf import _parse_header

    with open(path, "rb") as fh:
        hdr, _ = _parse_header(fh, path)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        ds = open_dataset(path, squeeze=False)
    da = ds[ds.attrs["signal"]]
    assert da.sizes["x"] == int(hdr["xnodes"]) and da.sizes["z"] == int(hdr["znodes"])
    assert np.all(np.isfinite(da.values))
    for a in "xyz":
        step = float(hdr[f"{a}stepsize"])
        if step == 0:
            assert any(f"{a}stepsize is 0" in str(w.message) for w in rec)
            continue
        c = da[a].values
        assert c[0] - step / 2 == pytest.approx(float(hdr[f"{a}min"]), abs=1e-6 * step)
        assert c[-1] + step / 2 == pytest.approx(float(hdr[f"{a}max"]), abs=1e-6 * step * len(c))
