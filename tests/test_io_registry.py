"""The reader registry (issue 9): one ``open_dataset`` for every format, and the third-party cases.

Small fixtures written here reproduce what was found in real files (GDA NX_class arrays, virtual
datasets with missing sources, unitless NeXus lengths, NeXus 1.x ``signal=1``); the files in
``../shared/data/third_party`` are read when present.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr

from spinscope.errors import FileFormatError
from spinscope.io import Backend, guess_engine, list_engines, open_dataset, register_backend

THIRD_PARTY = Path(__file__).resolve().parents[2] / "shared" / "data" / "third_party"


@pytest.fixture(scope="module")
def third_party() -> Path:
    if not THIRD_PARTY.is_dir():
        pytest.skip(f"third-party data folder {THIRD_PARTY} not present")
    return THIRD_PARTY


# --------------------------------------------------------------------------------------------------
# the registry


def test_engines_listed_in_guessing_order():
    engines = list_engines()
    assert list(engines) == ["hdr_xim", "ovf", "llg_movie", "nxstxm", "spinscope", "nexus", "tiff",
                            "sif", "spe", "hdf5"]
    for name, b in engines.items():
        assert isinstance(b, Backend) and b.name == name and b.description
        assert all(e.startswith(".") for e in b.extensions)
    assert {".ovf", ".omf", ".ohf", ".oef"} <= set(engines["ovf"].extensions)


def test_dispatch_by_content_and_by_engine(tmp_path):
    import tifffile

    from spinscope.io import write_nexus

    nx = write_nexus(tmp_path / "a.nxs", xr.Dataset({"counts": (("y", "x"), np.ones((2, 3)))}))
    tif = tmp_path / "frames.tif"
    tifffile.imwrite(tif, np.arange(24, dtype=np.uint16).reshape(2, 3, 4), photometric="minisblack")
    plain = tmp_path / "plain.h5"
    with h5py.File(plain, "w") as f:
        f["frames"] = np.arange(24.0).reshape(2, 3, 4)
    assert [guess_engine(p) for p in (nx, tif, plain)] == ["spinscope", "tiff", "hdf5"]
    ds = open_dataset(tif)
    assert isinstance(ds, xr.Dataset) and ds["counts"].dims == ("frame", "y", "x")
    assert ds.encoding["engine"] == "tiff"
    np.testing.assert_array_equal(open_dataset(plain)["counts"].values, np.arange(24.0).reshape(2, 3, 4))
    # an explicit engine: the generic NeXus reader on a spinscope file
    assert open_dataset(nx, engine="nexus").encoding["engine"] == "nexus"


def test_unrecognised_file_names_the_file_and_known_formats(tmp_path):
    p = tmp_path / "notes.xyz"
    p.write_text("hello\n")
    with pytest.raises(FileFormatError) as info:
        open_dataset(p)
    msg = str(info.value)
    assert "notes.xyz" in msg and "\n" not in msg
    for name in ("nxstxm", "ovf", "hdr_xim", "tiff", "sif", "spe"):
        assert name in msg
    with pytest.raises(FileFormatError, match="unknown engine 'fits'.*nxstxm"):
        open_dataset(p, engine="fits")
    empty = tmp_path / "empty.h5"
    empty.write_bytes(b"")
    with pytest.raises(FileFormatError, match="empty file"):
        open_dataset(empty)
    with pytest.raises(FileFormatError, match="no such file"):
        open_dataset(tmp_path / "missing.nxs")


def test_register_a_third_party_backend(tmp_path):
    p = tmp_path / "spectrum.csv"
    p.write_text("1,2\n3,4\n")

    def read_csv(path, **_):
        a = np.loadtxt(path, delimiter=",")
        return xr.Dataset({"counts": (("energy",), a[:, 1])},
                          coords={"energy": ("energy", a[:, 0], {"units": "eV"})})

    register_backend(Backend("csv", "two-column CSV", (".csv",), lambda q: q.suffix == ".csv", read_csv),
                     before="hdf5")
    try:
        assert guess_engine(p) == "csv"
        np.testing.assert_array_equal(open_dataset(p)["counts"].values, [2.0, 4.0])
    finally:
        from spinscope.io import registry

        registry._REGISTRY.pop("csv")


# --------------------------------------------------------------------------------------------------
# one NXstxm reader: the library path and `stxm analyze` agree


def test_stxm_analyze_and_library_path_give_identical_xmcd(tmp_path):
    """The same simulated file through ``analyze_stxm`` and ``open_dataset`` + ``xmcd_images``.

    Before issue 9, ``open_dataset`` dropped ``bunches`` and the positions, so the library path
    skipped the APD pile-up inversion: its mean asymmetry was 7.6 % lower on this file.
    """
    from spinscope.analysis import xmcd
    from spinscope.workflows.stxm import analyze_stxm, simulate_stxm

    cfg = {
        "schema_version": 1, "name": "registry", "seed": 7,
        "ring": {"preset": "spear3", "bunch_fwhm": "50 ps"},
        "beamline": {"energy": "852.75 eV", "flux": 1e9, "circular_polarisation": 0.9},
        "sample": {"layers": [{"material": "Si3N4", "thickness": "100 nm"},
                              {"material": "Ni80Fe20", "thickness": "10 nm", "magnetic": True}]},
        "magnetisation": {"scenario": "spin_wave", "size": "320 nm", "cell": "20 nm", "wavelength": "1 um",
                          "cone_angle": "10 deg", "contact_radius": "5 um", "decay_length": "10 um"},
        "scan": {"pixel_size": "20 nm", "nx": 16, "ny": 16, "dwell": "100 ms"},
        "excitation": {"ratio": "79/6"},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        f = simulate_stxm(cfg, output=tmp_path / "sim")["outputs"][0]
        res = analyze_stxm(f, figures=False)
        ds = open_dataset(f)
        xi = xmcd.xmcd_images(ds)
    assert ds.encoding["engine"] == "nxstxm"
    assert {"bunches", "x_position", "y_position", "ring_current"} <= set(ds.data_vars)
    assert ds["x_position"].dims == ("helicity", "y", "x") and ds["x_position"].attrs["units"] == "m"
    assert ds.attrs["dead_bunches"] >= 0 and ds.attrs["excitation_frequency"] > 0
    a = xi["asymmetry"].mean("delay").values
    a = a[np.isfinite(a)]
    stats = {"min": float(a.min()), "max": float(a.max()), "mean": float(a.mean()), "std": float(a.std())}
    for k, v in stats.items():
        assert res["asymmetry"][k] == v, k  # identical numbers, not merely close
    # the pile-up inversion is what the dropped fields had cost
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        raw = xmcd.xmcd_images(ds.drop_vars("bunches"))["asymmetry"].mean("delay")
    assert float(raw.mean()) < 0.95 * stats["mean"]
    assert not math.isclose(float(raw.mean()), stats["mean"], rel_tol=1e-3)


# --------------------------------------------------------------------------------------------------
# NeXus as facilities write it


def _gda_file(path, *, nx_array=True):
    """A GDA/Diamond-style scan: NX_class stored as a one-element array, NeXus 1.x axis/signal marks."""
    def cls(name):
        return np.array([name.encode()]) if nx_array else name

    with h5py.File(path, "w") as f:
        e = f.create_group("entry1")
        e.attrs["NX_class"] = cls("NXentry")
        g = e.create_group("roi")
        g.attrs["NX_class"] = cls("NXdata")
        g["eta"] = np.linspace(10.0, 12.0, 5)
        g["eta"].attrs.update({"axis": np.array([b"1"]), "primary": np.array([b"1"])})
        g["roi_sum"] = np.arange(5.0) ** 2
        g["roi_sum"].attrs["signal"] = np.array([1], dtype=np.int32)
        g["ic1monitor"] = np.full(5, 3.0)
    return path


def test_nx_class_stored_as_one_element_array(tmp_path):
    p = _gda_file(tmp_path / "gda.nxs")
    assert guess_engine(p) == "nexus"
    ds = open_dataset(p)
    assert ds["roi_sum"].dims == ("eta",)
    np.testing.assert_allclose(ds["eta"].values, np.linspace(10.0, 12.0, 5))
    np.testing.assert_allclose(ds["ic1monitor"].values, 3.0)  # a counter of the same scan is kept


def test_virtual_dataset_with_missing_sources_is_refused_without_allocating(tmp_path):
    src = tmp_path / "frames_000001.h5"
    with h5py.File(src, "w") as f:
        f["data"] = np.ones((2, 4, 4), dtype=np.int64)
    # a layout far larger than memory (8 TB): reading it whole would try to allocate all of it
    layout = h5py.VirtualLayout(shape=(10_000, 10_000, 10_000), dtype=np.int64)
    layout[0:2, 0:4, 0:4] = h5py.VirtualSource(src.name, "data", shape=(2, 4, 4))
    p = tmp_path / "master.nxs"
    with h5py.File(p, "w") as f:
        e = f.create_group("entry")
        e.attrs["NX_class"] = "NXentry"
        g = e.create_group("data")
        g.attrs.update({"NX_class": "NXdata", "signal": "data"})
        g.create_virtual_dataset("data", layout, fillvalue=0)
    src.unlink()
    with pytest.raises(FileFormatError) as info:
        open_dataset(p)
    msg = str(info.value)
    assert "master.nxs" in msg and "virtual dataset" in msg and "frames_000001.h5" in msg and "\n" not in msg
    with pytest.raises(FileFormatError, match="virtual dataset"):
        open_dataset(p, engine="hdf5", dataset="/entry/data/data")


def test_external_link_to_a_missing_file(tmp_path):
    p = tmp_path / "scan.nxs"
    with h5py.File(p, "w") as f:
        e = f.create_group("entry")
        e.attrs["NX_class"] = "NXentry"
        g = e.create_group("det")
        g.attrs.update({"NX_class": "NXdata", "signal": "data"})
        g["data"] = h5py.ExternalLink("scan-det.hdf5", "/entry/instrument/detector/data")
    with pytest.raises(FileFormatError, match=r"external link to scan-det\.hdf5.*missing"):
        open_dataset(p)


def _areadetector_file(path):
    """EPICS areaDetector NXsas (APS): NeXus 1.x ``signal=1``, detector lengths without units (mm)."""
    with h5py.File(path, "w") as f:
        e = f.create_group("entry")
        e.attrs["NX_class"] = "NXentry"
        g = e.create_group("data")
        g.attrs["NX_class"] = "NXdata"
        g["data"] = np.arange(12, dtype=np.int32).reshape(3, 4)
        g["data"].attrs["signal"] = b"1"
        d = e.create_group("instrument/detector")
        d.attrs["NX_class"] = "NXdetector"
        for k, v in (("distance", 513.8), ("x_pixel_size", 0.172), ("y_pixel_size", 0.172)):
            d[k] = np.array([v])
    return path


def test_old_style_signal_and_unitless_lengths(tmp_path):
    from spinscope.io.lab import read_lab_frames

    p = _areadetector_file(tmp_path / "AgBehenate.hdf5")
    ds = open_dataset(p)
    assert ds.encoding["engine"] == "nexus"
    np.testing.assert_array_equal(ds["data"].values, np.arange(12).reshape(3, 4))
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        da = read_lab_frames(p)
    msgs = sorted(str(w.message).split(": ", 1)[1] for w in rec)
    assert msgs == [f"/entry/instrument/detector/{k} has no units attribute; assumed mm"
                    for k in ("distance = 513.8", "x_pixel_size = 0.172", "y_pixel_size = 0.172")]
    assert da.attrs["distance_m"] == pytest.approx(0.5138)
    assert da.attrs["pixel_size_m"] == pytest.approx([172e-6, 172e-6])


# --------------------------------------------------------------------------------------------------
# the files themselves


def test_third_party_nexus_files(third_party):
    d = third_party / "nexus_exampledata"
    # GDA NX_class arrays: recognised as NeXus; the detector images were not copied along
    with pytest.raises(FileFormatError, match=r"i16_538039\.nxs: /entry1/pil100k/data is an external link"):
        open_dataset(d / "DLS_i16_538039.nxs")
    assert guess_engine(d / "DLS_i16_538039.nxs") == "nexus"
    # an Eiger master file: a 488 x 4362 x 4148 int64 VDS (66 GB) whose data files are absent
    with pytest.raises(FileFormatError, match=r"virtual dataset \(488, 4362, 4148\).*Therm_6_2_000001\.h5"):
        open_dataset(d / "DLS_i03_i04_NXmx_Therm_6_2.nxs")
    with pytest.raises(FileFormatError, match=r"external link to p45-1168-mic\.hdf5"):
        open_dataset(d / "DLS_p45_p45-1168.nxs")
    ds = open_dataset(d / "APS_EPICSareaDetector_AgBehenate_228.hdf5")
    assert ds["data"].shape == (195, 487)
    soleil = open_dataset(d / "Soleil_file_2.nxs")
    assert soleil["data_1"].shape == (7201,) and "data_5" in soleil
    assert open_dataset(d / "APS_NXsas_nexus-example.hdf5")["frames"].dims == ("sample_times", "vertical",
                                                                                 "horizontal")


def test_third_party_areadetector_geometry_in_mm(third_party):
    from spinscope.io.lab import read_lab_frames

    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        da = read_lab_frames(third_party / "nexus_exampledata" / "APS_EPICSareaDetector_AgBehenate_228.hdf5",
                             dataset="/entry/data/data")
    assert sum("assumed mm" in str(w.message) for w in rec) == 3
    assert da.attrs["distance_m"] == pytest.approx(0.5138)  # 513.8 mm: a SAXS camera, not 514 m
    assert da.attrs["pixel_size_m"] == pytest.approx([172e-6, 172e-6])  # the Pilatus pixel


def test_third_party_lab_frames(third_party):
    sif = open_dataset(third_party / "sif_parser" / "public_testdata__image.sif")
    assert sif.encoding["engine"] == "sif" and sif["counts"].shape == (512, 512)
    spe = open_dataset(third_party / "spexread" / "step_and_glue_v2_Andor.spe")
    assert spe.encoding["engine"] == "spe" and spe["counts"].shape[-1] == 4711
    with pytest.raises(FileFormatError, match="c0rrupt.sif"):
        open_dataset(third_party / "sif_parser" / "corrupt_data__c0rrupt.sif")
