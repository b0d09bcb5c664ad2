"""``spinscope info FILE [--json]``, run in-process."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from spinscope.cli.main import main
from spinscope.io import summarize_file
from spinscope.io.nexus import write_nexus


def _run(capsys, *args):
    rc = main(["info", *map(str, args)])
    out, err = capsys.readouterr()
    return rc, out, err


def test_json_nxstxm_stack(real_data, capsys):
    f = real_data / "pollux_nxstxm" / "Sample_Stack_2021-03-16_128.hdf5"
    rc, out, err = _run(capsys, f, "--json")
    assert rc == 0, err
    r = json.loads(out)
    assert r["kind"] == "nxstxm" and r["file"] == str(f)
    assert r["dims"] == {"energy": 4, "y": 50, "x": 50}
    assert r["energy"] == {"min": 280.0, "max": 320.0, "n": 4}
    assert r["scan_type"] == "sample image stack"
    assert r["coords"]["x"]["units"] == "m"
    assert r["coords"]["x"]["min"] == pytest.approx(-4982.268838e-6)
    assert r["variables"]["counts"] == "counts" and r["variables"]["ring_current"] == "A"


def test_json_hdr_xim(real_data, capsys):
    rc, out, _ = _run(capsys, real_data / "maxymus_hdr_xim" / "MPI_210127021.hdr", "--json")
    assert rc == 0
    r = json.loads(out)
    assert r["kind"] == "hdr_xim"
    assert r["dims"] == {"field": 2, "y": 150, "x": 150}
    assert r["energy"] == pytest.approx(707.71925)
    assert r["coords"]["field"] == {"min": -2.0, "max": -1.0, "units": "", "n": 2, "dims": ["field"]}


def test_human_output(real_data, capsys):
    rc, out, _ = _run(capsys, real_data / "pollux_nxstxm" / "Sample_Line_2021-03-16_096.hdf5")
    assert rc == 0
    assert "nxstxm" in out and "sample line spectrum" in out
    assert "energy=81, line=50" in out and "280 .. 320 eV (81 points)" in out


def test_spinscope_file(tmp_path, capsys):
    ds = xr.Dataset(
        {"counts": (("y", "x"), np.arange(6).reshape(2, 3), {"units": "counts"})},
        coords={"y": ("y", [0.0, 1e-8], {"units": "m"}), "x": ("x", [0, 1e-8, 2e-8], {"units": "m"}),
                "energy": ((), 707.0, {"units": "eV"})},
        attrs={"scan_type": "simulated image"},
    )
    p = write_nexus(tmp_path / "sim.nxs", ds, seed=4, config={"a": 1})
    rc, out, _ = _run(capsys, p, "--json")
    r = json.loads(out)
    assert rc == 0 and r["kind"] == "spinscope" and r["energy"] == 707.0
    assert r["provenance"]["seed"] == 4 and r["provenance"]["has_config"] is True
    assert summarize_file(p)["dims"] == {"y": 2, "x": 3}
    rc, out, _ = _run(capsys, p)
    assert "written by spinscope" in out and "seed 4" in out


def test_missing_file(tmp_path, capsys):
    rc, out, err = _run(capsys, tmp_path / "nothing.h5")
    assert rc == 2 and out == ""
    assert err.startswith("spinscope: error:") and err.count("\n") == 1
    assert "no such file" in err


def test_not_hdf5(tmp_path, capsys):
    p = tmp_path / "notes.h5"
    p.write_text("just text\n")
    rc, _, err = _run(capsys, p, "--json")
    assert rc == 2 and err.startswith("spinscope: error:") and err.count("\n") == 1
    assert "not an HDF5 file" in err or "unrecognised file format" in err


def test_truncated_file(tmp_path, capsys):
    p = write_nexus(tmp_path / "t.nxs", xr.Dataset({"a": ("x", np.arange(100.0))}))
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 3])
    rc, _, err = _run(capsys, p)
    assert rc == 2 and err.startswith("spinscope: error:") and err.count("\n") == 1


def test_ovf_dispatch_when_installed(tmp_path, capsys):
    ovf = pytest.importorskip("spinscope.io.ovf")
    from spinscope.datamodel import magnetisation_field

    m = np.zeros((3, 4, 3))
    m[..., 2] = 1.0
    da = magnetisation_field(m, x=np.arange(4) * 1e-9, y=np.arange(3) * 1e-9)
    p = ovf.write_ovf(tmp_path / "m.ovf", da)
    rc, out, _ = _run(capsys, p, "--json")
    r = json.loads(out)
    assert rc == 0 and r["kind"] == "ovf"
    assert r["dims"] == {"y": 3, "x": 4, "component": 3}


def test_kind_is_the_engine_of_the_registry(tmp_path, capsys):
    """``info`` reads through ``open_dataset``: an OOMMF field file (.ohf) and a TIFF stack."""
    import tifffile

    from spinscope.datamodel import magnetisation_field
    from spinscope.io.ovf import write_ovf

    m = np.zeros((3, 4, 3))
    m[..., 0] = 1.0
    p = write_ovf(tmp_path / "h.ovf", magnetisation_field(m, x=np.arange(4) * 1e-9, y=np.arange(3) * 1e-9))
    p = p.rename(tmp_path / "Oxs_Demag-Field-00-0000001.ohf")
    rc, out, _ = _run(capsys, p, "--json")
    assert rc == 0 and json.loads(out)["kind"] == "ovf"
    t = tmp_path / "frames.tiff"
    tifffile.imwrite(t, np.zeros((2, 5, 6), np.uint16), photometric="minisblack")
    rc, out, _ = _run(capsys, t, "--json")
    r = json.loads(out)
    assert rc == 0 and r["kind"] == "tiff" and r["dims"] == {"frame": 2, "y": 5, "x": 6}


def test_unknown_format_lists_the_known_ones(tmp_path, capsys):
    p = tmp_path / "data.fits"
    p.write_bytes(b"SIMPLE  =                    T")
    rc, _, err = _run(capsys, p)
    assert rc == 2 and err.count("\n") == 1 and "data.fits" in err
    assert "known formats are" in err and "nxstxm" in err and "ovf" in err
