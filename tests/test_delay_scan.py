"""Delay scans: seeded bytes, checkpoints and resume, the NeXus contract the analysis reads."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from spinscope.errors import ConfigError, FileFormatError, OutputExistsError

TINY = {
    "schema_version": 1,
    "name": "tiny delay scan",
    "seed": 11,
    "source": {"kind": "hhg", "edge": "Tb N5"},
    "sample": {
        "layers": [{"material": "Co80Tb20", "thickness": "20 nm", "magnetic": True},
                   {"material": "Si3N4", "thickness": "50 nm"}],
        "texture": "stripes", "period": "120 nm", "wall_width": "8 nm",
    },
    "illumination": {"size": "0.6 um"},
    "pump": {"fluence": "1 mJ/cm^2"},
    "dynamics": {"material": "CoTb", "nodes": 6, "lookup": 4},
    "detector": {"shape": [64, 64], "pixel_size": "54 um", "distance": "12.5 mm",
                 "beam_stop_radius": "0.15 mm",
                 "oversampling": 2},
    "scan": {"delays": ["-0.3 ps", "-0.1 ps", "0 ps", "0.2 ps", "0.5 ps", "1 ps", "2 ps", "3 ps"],
             "exposure": "1 s", "source_fluctuation": 0.05, "pump_fluctuation": 0.05, "drift": 0.01},
}


class _Stop(Exception):
    pass


def _frames(path):
    from spinscope.io import read_nexus

    ds = read_nexus(path)
    return ds, ds["frames"].values.tobytes() + ds["pump_off"].values.tobytes()


def test_seed_gives_same_bytes_and_resume_is_identical(tmp_path):
    from spinscope.workflows.xrms_simulate import simulate_xrms

    full = simulate_xrms(TINY, output=tmp_path / "full.nxs", progress=False)
    assert full["resumed"] == 0
    ds, ref = _frames(tmp_path / "full.nxs")

    def stop_after(k):
        def hook(i):
            if i == k - 1:
                raise _Stop
        return hook

    out = tmp_path / "cut.nxs"
    with pytest.raises(_Stop):
        simulate_xrms(TINY, output=out, progress=False, on_delay=stop_after(3))
    assert not out.exists()
    assert len(list((tmp_path / "cut.nxs.partial").glob("delay_*.npz"))) == 3
    res = simulate_xrms(TINY, output=out, progress=False, resume=True)
    assert res["resumed"] == 3
    assert not (tmp_path / "cut.nxs.partial").exists()
    _, cut = _frames(out)
    assert cut == ref
    # resuming the checkpoints of another configuration is refused, naming them and the key
    other = copy.deepcopy(TINY)
    other["seed"] = 12
    with pytest.raises(_Stop):
        simulate_xrms(TINY, output=tmp_path / "x.nxs", progress=False, on_delay=stop_after(2))
    with pytest.raises(FileFormatError, match=r"x\.nxs\.partial.*another configuration.*seed"):
        simulate_xrms(other, output=tmp_path / "x.nxs", progress=False, resume=True)
    res2 = simulate_xrms(other, output=tmp_path / "x.nxs", progress=False)  # a fresh run
    assert res2["resumed"] == 0
    _, diff = _frames(tmp_path / "x.nxs")
    assert diff != ref
    # an existing file needs overwrite
    with pytest.raises(OutputExistsError, match="overwrite"):
        simulate_xrms(TINY, output=tmp_path / "full.nxs", progress=False)


def test_nexus_contract(tmp_path):
    from spinscope.io.nexus import read_nexus_metadata
    from spinscope.workflows.xrms_analysis import load_xrms_frames
    from spinscope.workflows.xrms_simulate import simulate_xrms

    r = simulate_xrms(TINY, output=tmp_path / "s.nxs", progress=False)
    ds, _ = _frames(tmp_path / "s.nxs")
    for key in ("photon_energy_eV", "distance_m", "pixel_size_m", "beam_center_px", "dark_level_adu",
                "adu_per_photon", "saturation_adu", "beam_stop_radius_m", "seed", "exposure_s"):
        assert key in ds.attrs, key
    assert ds["delay"].attrs["units"] == "s"
    assert ds["frames"].dims == ("delay", "y", "x") and ds["frames"].dtype == np.uint16
    assert ds["saturated"].dtype == bool
    assert ds.attrs["photon_energy_eV"] == pytest.approx(r["source"]["energy"])
    # gain x electrons per photon: 0.5 ADU/e x 150.5 eV / 3.65 eV
    assert ds.attrs["adu_per_photon"] == pytest.approx(0.5 * r["source"]["energy"] / 3.65, rel=1e-3)
    meta = read_nexus_metadata(tmp_path / "s.nxs")
    assert "NXsas" in str(meta)
    frames, extras = load_xrms_frames(tmp_path / "s.nxs")
    assert frames.sizes["delay"] == 8 and extras["reference_per_delay"]
    assert np.all(np.diff(frames["delay"].values) > 0)
    # the incident photons fluctuate shot to shot and drift, but only by what the settings allow
    ph = ds["incident_photons"].values / r["photons_per_frame"]
    assert np.all(np.abs(ph - 1) < 0.06)


def test_bad_plan():
    from spinscope.acquisition.delay_scan import DelayScan, cross_correlation_fwhm

    with pytest.raises(ConfigError, match="distinct"):
        DelayScan(delays=(0.0, 0.0), exposure=1.0, repetition_rate=1e3, photons_per_pulse=1.0)
    with pytest.raises(ConfigError, match="exposure"):
        DelayScan(delays=(0.0, 1e-12), exposure=0.0, repetition_rate=1e3, photons_per_pulse=1.0)
    assert cross_correlation_fwhm(30e-15, 40e-15) == pytest.approx(50e-15)


def test_collaborators_are_typed_by_protocols(tmp_path):
    """The camera and the texture dynamics satisfy the acquisition protocols, and the plan drives a test
    double that has only the protocol's members (acquisition never needs a concrete instrument)."""
    from types import SimpleNamespace

    from spinscope.acquisition.delay_scan import DelayScan, run_delay_scan
    from spinscope.acquisition.protocols import FrameCamera, FrameDetector, TextureEvolution
    from spinscope.io import read_nexus
    from spinscope.workflows.xrms_simulate import build_xrms, load_xrms_config

    parts = build_xrms(load_xrms_config(TINY))
    assert isinstance(parts["camera"], FrameCamera)
    assert isinstance(parts["camera"].detector, FrameDetector)
    assert isinstance(parts["dynamics"], TextureEvolution)

    class Flat:
        """Uniform expected photons: the incident ones spread evenly over the detector's pixels."""

        def projection(self, t, *, tilt=0.0, quench_scale=1.0):
            return np.zeros((1, 2, 2))

        def expected(self, state, *, photons):
            return np.full(det.shape, photons / det.shape[0] / det.shape[1])

    cam_parts = parts["camera"]
    det = cam_parts.detector
    camera = Flat()
    for name in ("n", "cell", "illumination_profile", "illumination_size", "polarisation"):
        setattr(camera, name, getattr(cam_parts, name))
    camera.optics = SimpleNamespace(tilt=0.0, energy=cam_parts.optics.energy, transmission=0.5)
    camera.detector = SimpleNamespace(
        **{k: getattr(det, k) for k in ("adc_bits", "distance", "pixel_size", "center", "dark_level", "gain",
                                        "full_well", "read_noise", "beam_stop_radius", "adc_max")},
        shape=det.shape, qe=det.qe, electrons_per_photon=det.electrons_per_photon,
        record=lambda lam, **kw: det.record(lam, **kw))
    assert isinstance(camera, FrameCamera) and isinstance(camera, TextureEvolution)
    scan = DelayScan(delays=(0.0, 1e-12), exposure=1e-3, repetition_rate=1e3, photons_per_pulse=1e3)
    run_delay_scan(camera, camera, scan, output=tmp_path / "flat.nxs")
    ds = read_nexus(tmp_path / "flat.nxs")
    assert ds["frames"].shape == (2, *det.shape)
    assert ds.attrs["transmission"] == 0.5
