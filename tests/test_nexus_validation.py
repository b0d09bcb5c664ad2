"""Every kind of NeXus file spinscope writes validates against its application definition.

The validator is nexusformat's (``nxvalidate``: :func:`nexusformat.nexus.validate.validate_application`
against the definition named in ``entry/definition``, and :func:`~nexusformat.nexus.validate.validate_file`
against the base classes), with the NeXus definitions that nexusformat ships (NXsas, NXstxm). The
required fields are asserted directly as well, from the definitions
(https://manual.nexusformat.org/classes/applications/NXsas.html,
https://manual.nexusformat.org/classes/applications/NXstxm.html).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr

validate = pytest.importorskip("nexusformat.nexus.validate")

sys.path.insert(0, str(Path(__file__).parent))

# NXsas: required groups and fields (minOccurs 1) of the application definition
NXSAS_REQUIRED = [
    "definition", "instrument/name",
    "instrument/source/type", "instrument/source/probe",
    "instrument/monochromator/wavelength",
    "instrument/detector/data", "instrument/detector/distance",
    "instrument/detector/x_pixel_size", "instrument/detector/y_pixel_size",
    "data/data",
]
# NXstxm: required fields of the application definition
NXSTXM_REQUIRED = [
    "title", "start_time", "end_time", "definition",
    "instrument/monochromator/energy", "instrument/detector/data", "instrument/source/type",
    "instrument/source/name", "instrument/source/probe",
    "counter0/data", "counter0/stxm_scan_type",
]
# NXfresnel_zone_plate is a NeXus base class, but the NXinstrument base class of the shipped definitions
# does not list it, which nexusformat reports as an error; the only base-class error accepted.
KNOWN_BASE_CLASS_ERRORS = ("NXfresnel_zone_plate is an invalid class in NXinstrument",)


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        if record.levelno == logging.ERROR:  # headers and summaries are logged as CRITICAL
            self.messages.append(record.getMessage().strip())


def _validate(path: Path) -> dict:
    """Counts (warnings, errors) of the application and base-class validation, and the error lines."""
    handler = _Collect()
    logger = validate.logger
    logger.addHandler(handler)
    old_level, old_propagate = logger.level, logger.propagate
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    try:
        app = validate.validate_application(str(path))
        n_app = len(handler.messages)
        base = validate.validate_file(str(path))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate
    return {"application": app, "base": base, "app_errors": handler.messages[:n_app],
            "base_errors": handler.messages[n_app:]}


def _s(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _assert_valid(path: Path, definition: str, required: list[str]) -> None:
    with h5py.File(path, "r") as f:
        entry = f[_s(f.attrs["default"])]
        assert entry["definition"].shape == () and _s(entry["definition"][()]) == definition
        for key in required:
            assert key in entry, f"{definition}: {key} missing"
        assert "default" in entry.attrs and _s(entry.attrs["default"]) in entry
        for key in ("start_time", "end_time"):
            np.datetime64(_s(entry[key][()]).rstrip("Z"))  # ISO 8601
    r = _validate(path)
    assert r["application"] is not None, r
    assert r["application"][1] == 0, r["app_errors"]
    assert r["base"] is not None, r
    unknown = [m for m in r["base_errors"] if m and not m.startswith(KNOWN_BASE_CLASS_ERRORS)
               and "Total number" not in m]
    assert not unknown, unknown


@pytest.fixture(scope="module")
def xrms_scan(tmp_path_factory):
    from spinscope.workflows.xrms_simulate import simulate_xrms
    from test_delay_scan import TINY

    d = tmp_path_factory.mktemp("nxval")
    simulate_xrms(TINY, output=d / "scan.nxs", progress=False)
    return d / "scan.nxs"


def test_xrms_scan_is_nxsas(xrms_scan):
    _assert_valid(xrms_scan, "NXsas", NXSAS_REQUIRED)
    with h5py.File(xrms_scan, "r") as f:
        det = f["entry/instrument/detector"]
        assert _s(det["distance"].attrs["units"]) == "m" and det["distance"][()] == pytest.approx(12.5e-3)
        assert det["x_pixel_size"][()] == pytest.approx(54e-6)
        assert _s(f["entry/instrument/source/probe"][()]) == "x-ray"
        # the detector data, the NXdata 'data' and the signal are one dataset
        assert det["data"].id == f["entry/data/frames"].id == f["entry/data/data"].id
        assert _s(f["entry/data/frames"].attrs["target"]) == "/entry/data/frames"
    from spinscope.io import read_nexus

    ds = read_nexus(xrms_scan)  # the geometry attributes the analysis reads are kept
    assert "data" not in ds and "target" not in ds["frames"].attrs
    assert ds.attrs["distance_m"] == pytest.approx(12.5e-3)


def test_xrms_analysis_is_nxsas_with_fits_as_nxprocess(tmp_path):
    import test_xrms_analysis as T
    from spinscope.io import write_nexus
    from spinscope.workflows.xrms_analysis import analyze_xrms

    delays = T.DELAYS[::3]
    photons, _, _ = T.expected_photons(delays=delays)
    da = xr.DataArray(T.adu(photons, seed=11), dims=("delay", "y", "x"), name="frames",
                      coords={"delay": ("delay", delays, {"units": "s"})}, attrs={"units": "ADU"})
    ds = da.to_dataset()
    ds.attrs.update(photon_energy_eV=T.ENERGY, distance_m=T.DISTANCE, pixel_size_m=[T.PIXEL, T.PIXEL],
                    dark_level_adu=float(T.DARK), adu_per_photon=1.0)
    write_nexus(tmp_path / "scan.nxs", ds)
    analyze_xrms(tmp_path / "scan.nxs", output=tmp_path / "out", movie=False, progress=False)
    p = tmp_path / "out" / "xrms_analysis.nxs"
    _assert_valid(p, "NXsas", NXSAS_REQUIRED)
    with h5py.File(p, "r") as f:
        data = f["entry/data"]
        sig = _s(data.attrs["signal"])
        assert data[f"{sig}_errors"].shape == data[sig].shape
        assert data["m_errors"].id == data["m_err"].id  # the old names stay
        fit = f["entry/fit_demagnetisation"]
        assert _s(fit.attrs["NX_class"]) == "NXprocess"
        for key in ("program", "version", "date"):
            assert fit[key].shape == ()
        par = fit["parameters"]
        assert _s(par.attrs["NX_class"]) == "NXparameters"
        assert _s(par["tau_m"].attrs["units"]) == "s" and "tau_m_errors" in par
        assert np.isfinite(par["tau_m"][()]) and par["tau_m_errors"][()] > 0


def test_nxstxm_writer_is_nxstxm(tmp_path):
    from spinscope.io.nxstxm import read_nxstxm
    from spinscope.io.nxstxm_writer import write_nxstxm

    ds = xr.Dataset(
        {"counts": (("delay", "helicity", "y", "x"), np.ones((2, 2, 3, 4)), {"units": "counts"})},
        coords={"delay": ("delay", [0.0, 1e-9], {"units": "s"}), "helicity": [-1, 1],
                "y": ("y", np.arange(3) * 1e-8, {"units": "m"}),
                "x": ("x", np.arange(4) * 1e-8, {"units": "m"}),
                "energy": ((), 707.0, {"units": "eV"})},
        attrs={"tilt": 0.5, "zone_plate_diameter": 240e-6},
    )
    p = write_nxstxm(tmp_path / "s.nxs", ds)
    _assert_valid(p, "NXstxm", NXSTXM_REQUIRED)
    back = read_nxstxm(p)
    np.testing.assert_array_equal(back["counts"].transpose(*ds["counts"].dims).values, ds["counts"].values)


def test_stxm_workflow_file_is_nxstxm(tmp_path):
    import test_stxm_workflow as W

    res, _ = W._run(tmp_path, "stxm", W._cfg())
    _assert_valid(Path(res["outputs"][0]), "NXstxm", NXSTXM_REQUIRED)
