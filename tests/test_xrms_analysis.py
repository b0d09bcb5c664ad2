"""``spinscope xrms analyze``: a synthetic delay scan with known physics is recovered from TIFF and NeXus.

The scan: a Lorentzian scattering ring of a domain pattern of period 2 pi / q_ref whose intensity
follows M(t)^2 of an IRF-convolved demagnetisation curve and whose position shifts with the quench,
on a flat diffuse background, Poisson photon noise, a dark offset, 16-bit frames.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from spinscope.analysis.azimuthal import DetectorGeometry, SaturationWarning
from spinscope.cli.main import COMMAND_MODULES, app, main
from spinscope.curves import demag_curve
from spinscope.errors import ConfigError, DataRangeError, FileFormatError, OutputExistsError

tifffile = pytest.importorskip("tifffile")

if "xrms_cmd" not in COMMAND_MODULES:  # the lead registers it in cli/main.py; until then, here
    from spinscope.cli import xrms_cmd

    xrms_cmd.register(app)

TRUTH = dict(t0=0.05e-12, amplitude=0.45, tau_m=0.28e-12, tau_r=6e-12, fwhm=0.05e-12)
ENERGY, DISTANCE, PIXEL = 155.0, 0.04, 27e-6  # eV, m, m
SHAPE = (160, 160)
CENTER = (81.3, 78.6)  # (column, row) [pixels], not on the pixel grid
Q_REF = 3.0e7  # [1/m]: a 209 nm domain period
HWHM = 0.12 * Q_REF
SHIFT = 0.02  # relative q1 drop at the bottom of the quench
DARK = 100  # [ADU], 1 ADU per photon
DELAYS = np.concatenate([np.linspace(-1e-12, 1.5e-12, 26), np.linspace(1.8e-12, 12e-12, 14)])
GEOM = DetectorGeometry(energy=ENERGY, distance=DISTANCE, pixel_size=PIXEL, center=CENTER)


def expected_photons(*, height=40.0, base=2.0, delays=DELAYS, q_ring=Q_REF, shape=SHAPE):
    q = GEOM.q_map(shape)
    m = demag_curve(delays, **TRUTH)
    q_t = q_ring * (1 - SHIFT * (1 - m) / TRUTH["amplitude"])
    ring = HWHM**2 / ((q[None] - q_t[:, None, None]) ** 2 + HWHM**2)
    return base + height * m[:, None, None] ** 2 * ring, m, q_t


def adu(photons, seed):
    return (np.random.default_rng(seed).poisson(photons) + DARK).astype(np.uint16)


def write_delays(path: Path, delays=DELAYS) -> Path:
    # half the lines with a unit, half bare seconds (both forms of the delays file)
    lines = [f"{float(d) * 1e12!r} ps" if i % 2 else f"{float(d)!r}" for i, d in enumerate(delays)]
    path.write_text("# delay of each frame\n" + "\n".join(lines) + "\n")
    return path


def geometry_args():
    return ["--energy", "155 eV", "--distance", "4 cm", "--pixel-size", "27 um"]


def run_cli(args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc = main(args)
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    d = tmp_path_factory.mktemp("scan")
    photons, m, q_t = expected_photons()
    frames = adu(photons, seed=11)
    tifffile.imwrite(d / "scan.tif", frames, photometric="minisblack")
    write_delays(d / "delays.txt")
    da = xr.DataArray(
        frames, dims=("delay", "y", "x"), name="frames",
        coords={"delay": ("delay", DELAYS * 1e12, {"units": "ps"})}, attrs={"units": "ADU"},
    )
    ds = da.to_dataset()
    ds.attrs.update(photon_energy_eV=ENERGY, distance_m=DISTANCE, pixel_size_m=[PIXEL, PIXEL],
                    dark_level_adu=float(DARK), adu_per_photon=1.0)
    from spinscope.io import write_nexus

    write_nexus(d / "scan.nxs", ds)
    return {"dir": d, "frames": frames, "m": m, "q_t": q_t}


@pytest.fixture(scope="module")
def cli_result(scan):
    out = scan["dir"] / "out"
    rc, stdout, stderr = run_cli(
        ["xrms", "analyze", str(scan["dir"] / "scan.tif"), *geometry_args(), "--delays",
         str(scan["dir"] / "delays.txt"), "--dark", str(DARK), "--json", "-o", str(out)]
    )
    assert rc == 0, stderr
    return json.loads(stdout), out


@pytest.mark.slow  # runs the whole CLI once (module fixture, ~9 s with the first imports)
def test_tiff_scan_recovers_the_injected_dynamics(cli_result):
    r, out = cli_result
    fit = r["fit"]
    assert fit["tau_m"] == pytest.approx(TRUTH["tau_m"], rel=0.10)
    assert fit["amplitude"] == pytest.approx(TRUTH["amplitude"], abs=0.03)
    assert fit["t0"] == pytest.approx(TRUTH["t0"], abs=0.03e-12)
    assert fit["tau_r"] == pytest.approx(TRUTH["tau_r"], rel=0.15)
    for key in ("tau_m", "amplitude", "t0"):  # honest error bars
        assert abs(fit[key] - TRUTH[key]) < 4 * fit[f"{key}_err"] + 1e-3 * abs(TRUTH[key])
    assert r["period"] == pytest.approx(2 * math.pi / Q_REF, rel=0.01)
    assert r["geometry"]["center"] == pytest.approx(CENTER, abs=0.1)
    assert r["geometry"]["center_source"] == "found"
    # q1(t) follows the injected ring position, and its relative shift at the end
    q1 = np.asarray(r["q1"])
    _, _, q_t = expected_photons()
    assert np.all(np.abs(q1 - q_t) < 5 * np.asarray(r["q1_err"]) + 1e-4 * Q_REF)
    assert r["q_shift"] == pytest.approx(q_t[-1] / Q_REF - 1, abs=5 * r["q1_err"][-1] / Q_REF)
    assert r["fit_q1"]["amplitude"] == pytest.approx(SHIFT, abs=0.005)
    assert len(r["delay"]) == len(r["m"]) == len(r["q1"]) == DELAYS.size
    assert r["delay"] == pytest.approx(DELAYS.tolist(), rel=1e-12)


def test_m_is_one_within_noise_before_t0(cli_result):
    r, _ = cli_result
    d, m, e = (np.asarray(r[k], dtype=float) for k in ("delay", "m", "m_err"))
    pre = d < TRUTH["t0"] - 2 * TRUTH["fwhm"]
    assert pre.sum() >= 8
    assert np.all(e[pre] < 0.01)  # the noise is small, so "within noise" means something
    assert np.all(np.abs(m[pre] - 1) < 4 * e[pre])
    assert abs(m[pre].mean() - 1) < 3 * e[pre].mean() / math.sqrt(pre.sum()) + 1e-3


def test_outputs_written_complete_and_consistent(cli_result):
    from spinscope.viz.scattering import movie_format

    r, out = cli_result
    names = sorted(Path(p).name for p in r["outputs"])
    assert names == sorted(["xrms_analysis.nxs", "xrms_analysis.json", "detector.png", "radial_profiles.png",
                            "time_traces.png", f"detector_movie.{movie_format()}"])
    for p in r["outputs"]:
        assert Path(p).stat().st_size > 1000, p
    assert sorted(f.name for f in out.iterdir()) == names  # no staging folder or temporary file left
    saved = json.loads((out / "xrms_analysis.json").read_text())
    assert saved["fit"] == r["fit"] and saved["m"] == r["m"]
    from spinscope.io import read_nexus

    ds = read_nexus(out / "xrms_analysis.nxs")
    assert ds["intensity"].dims == ("delay", "q")
    assert ds["q"].attrs["units"] == "1/m" and ds["delay"].attrs["units"] == "s"
    np.testing.assert_allclose(ds["m"].values, r["m"], rtol=1e-12)
    assert np.nanmax(np.abs(ds["m_fit"].values - ds["m"].values)) < 0.05
    assert json.loads(ds.attrs["fit"])["tau_m"] == pytest.approx(r["fit"]["tau_m"], rel=1e-12)


def test_nexus_path_gives_the_same_numbers(scan, cli_result):
    from spinscope.workflows.xrms_analysis import analyze_xrms

    r_tiff, _ = cli_result
    r = analyze_xrms(scan["dir"] / "scan.nxs", progress=False)  # geometry, dark level from the file
    assert r["outputs"] == []
    for key in ("tau_m", "amplitude", "t0", "tau_r", "tau_m_err"):
        assert r["fit"][key] == pytest.approx(r_tiff["fit"][key], rel=1e-6), key
    for key in ("period", "correlation_length", "q_shift"):
        assert r[key] == pytest.approx(r_tiff[key], rel=1e-6), key
    np.testing.assert_allclose(r["m"], r_tiff["m"], rtol=1e-9)
    np.testing.assert_allclose(r["q1"], r_tiff["q1"], rtol=1e-9)
    assert r["geometry"]["center"] == pytest.approx(r_tiff["geometry"]["center"], abs=1e-9)


def test_options_object_and_keywords_are_the_same_analysis(scan):
    from spinscope.workflows.xrms_analysis import XrmsAnalysisOptions, analyze_xrms

    opts = XrmsAnalysisOptions(t0="0.05 ps", shape="lorentzian", bins=90)
    r_obj = analyze_xrms(scan["dir"] / "scan.nxs", opts, progress=False)
    r_kw = analyze_xrms(scan["dir"] / "scan.nxs", t0=0.05e-12, shape="lorentzian", bins=90, progress=False)
    assert json.dumps(r_obj) == json.dumps(r_kw)
    assert r_obj["ring_shape"] == "lorentzian"
    # keywords replace the fields of the options object; unknown ones are refused
    with pytest.raises(ConfigError, match="bins"):
        analyze_xrms(scan["dir"] / "scan.nxs", opts, bins=5, progress=False)
    with pytest.raises(TypeError, match="unexpected keyword argument 'energie'"):
        analyze_xrms(scan["dir"] / "scan.nxs", energie=155, progress=False)
    # options are checked when made, before any file is read
    with pytest.raises(ConfigError, match="shape"):
        XrmsAnalysisOptions(shape="voigt")
    with pytest.raises(ConfigError, match="irf_fwhm"):
        XrmsAnalysisOptions(irf_fwhm="-5 fs")


def test_geometry_options_replace_the_file_values_with_a_warning(scan):
    from spinscope.workflows.xrms_analysis import load_xrms_frames

    with pytest.warns(UserWarning, match="distance_m"):
        da, _ = load_xrms_frames(scan["dir"] / "scan.nxs", distance="5 cm", center=(80, 79))
    assert da.attrs["distance_m"] == pytest.approx(0.05)
    assert da.attrs["beam_center_px"] == [80.0, 79.0]
    assert da.dims == ("delay", "y", "x")
    np.testing.assert_allclose(da["delay"].values, DELAYS, rtol=1e-12)  # ps in the file -> s


def test_missing_geometry_names_the_option(scan):
    from spinscope.workflows.xrms_analysis import analyze_xrms

    with pytest.raises(ConfigError, match="--energy"):
        analyze_xrms(scan["dir"] / "scan.tif", distance="4 cm", pixel_size="27 um",
                     delays=scan["dir"] / "delays.txt", progress=False)
    with pytest.raises(ConfigError, match="delays"):  # a TIFF carries no delays
        analyze_xrms(scan["dir"] / "scan.tif", energy=155, distance=0.04, pixel_size=PIXEL, progress=False)


def test_saturated_pixels_are_masked_with_a_warning(scan, tmp_path):
    from spinscope.workflows.xrms_analysis import analyze_xrms

    frames = scan["frames"].copy()
    r_px = GEOM.radius(SHAPE) / PIXEL
    ring_pixels = np.flatnonzero((np.abs(r_px - r_px[78, 81 + 57]) < 1.0).ravel())[::7]
    hit = [3, 12, 30]  # a pre-t0, a quenched and a late frame
    for k in hit:
        frames[k].reshape(-1)[ring_pixels] = 65535  # the 16-bit ADC is full
    # a bad column with hot values, excluded by a mask file
    frames[:, :, 20] = 60000
    mask = np.zeros(SHAPE, dtype=bool)
    mask[:, 20] = True
    np.save(tmp_path / "mask.npy", mask)
    tifffile.imwrite(tmp_path / "sat.tif", frames)
    with pytest.warns(SaturationWarning, match="saturated"):
        r = analyze_xrms(tmp_path / "sat.tif", energy=ENERGY, distance=DISTANCE, pixel_size=PIXEL,
                         delays=DELAYS, dark=DARK, mask=tmp_path / "mask.npy", progress=False)
    assert r["saturated_pixels"] == len(hit) * ring_pixels.size
    assert r["fit"]["tau_m"] == pytest.approx(TRUTH["tau_m"], rel=0.10)
    assert r["fit"]["amplitude"] == pytest.approx(TRUTH["amplitude"], abs=0.03)
    assert r["period"] == pytest.approx(2 * math.pi / Q_REF, rel=0.01)
    m = np.asarray(r["m"])
    assert np.all(np.abs(m[hit] - scan["m"][hit]) < 5 * np.asarray(r["m_err"])[hit] + 0.005)
    # a mask of the wrong shape is refused
    np.save(tmp_path / "small.npy", mask[:-1])
    with pytest.raises(FileFormatError, match="mask shape"):
        analyze_xrms(tmp_path / "sat.tif", energy=ENERGY, distance=DISTANCE, pixel_size=PIXEL,
                     delays=DELAYS, mask=tmp_path / "small.npy", progress=False)


def test_beam_stop_halo_pump_off_reference_and_source_drift(tmp_path):
    """A NeXus file as an instrument would write it: beam stop, direct-beam halo, drifting source,
    pump-off frames at every delay, a detector gain, a bad-pixel mask, flagged saturated pixels."""
    from spinscope.io import write_nexus
    from spinscope.workflows.xrms_analysis import analyze_xrms

    gain = 4.0  # [ADU/photon]
    rng = np.random.default_rng(5)
    r = GEOM.radius(SHAPE)
    r_bs = 10 * PIXEL
    halo = np.where(r > r_bs, 300.0 * (np.maximum(r, r_bs) / r_bs) ** -3.0, 0.0)
    photons_on, _, _ = expected_photons(height=30.0)
    photons_off, _, _ = expected_photons(height=30.0, delays=np.full(DELAYS.size, -10e-12))
    drift = 1.0 + 0.15 * rng.standard_normal(DELAYS.size)[:, None, None]  # 15 % source fluctuation

    def record(photons):
        p = (photons + halo) * drift
        p[:, r <= r_bs] = 0.0  # behind the beam stop
        return (gain * rng.poisson(p) + DARK).astype(np.uint16)

    bad = np.zeros(SHAPE, dtype=bool)
    bad[100:104, :] = True  # a bad row band
    on = record(photons_on)
    on[:, bad] = 0
    # pixels at the full well in a few frames, flagged by the detector model (below the 16-bit maximum)
    saturated = np.zeros(on.shape, dtype=bool)
    saturated[[2, 15, 33], 78, 130:140] = True
    on[saturated] = 50100
    ds = xr.Dataset(
        {
            "frames": (("delay", "y", "x"), on, {"units": "ADU"}),
            "pump_off": (("delay", "y", "x"), record(photons_off), {"units": "ADU"}),
            "mask": (("y", "x"), bad),
            "saturated": (("delay", "y", "x"), saturated),
        },
        coords={"delay": ("delay", DELAYS, {"units": "s"})},
        attrs={"photon_energy_eV": ENERGY, "distance_m": DISTANCE, "pixel_size_m": [PIXEL, PIXEL],
               "beam_center_px": list(CENTER), "dark_level_adu": float(DARK), "adu_per_photon": gain},
    )
    write_nexus(tmp_path / "scan.nxs", ds)
    with pytest.warns(SaturationWarning, match="30 saturated pixels"):
        res = analyze_xrms(tmp_path / "scan.nxs", progress=False)
    assert res["saturated_pixels"] == 30
    assert res["reference"] == "pump-off frames (per delay)"
    assert res["geometry"]["center_source"] == "file"
    assert res["fit"]["tau_m"] == pytest.approx(TRUTH["tau_m"], rel=0.10)
    assert res["fit"]["amplitude"] == pytest.approx(TRUTH["amplitude"], abs=0.03)
    assert res["period"] == pytest.approx(2 * math.pi / Q_REF, rel=0.01)
    lo, hi = res["q_window"]
    assert lo > 0.29 * Q_REF and hi < 1.71 * Q_REF  # inside 0.3 .. 1.7 q0
    assert res["ring_background"] == "power"  # the halo of the direct beam is followed
    d, m, e = (np.asarray(res[k]) for k in ("delay", "m", "m_err"))
    pre = d < TRUTH["t0"] - 2 * TRUTH["fwhm"]
    assert np.all(np.abs(m[pre] - 1) < 4 * e[pre])  # the per-delay reference cancels the drift


def test_ring_off_the_detector_is_an_error(tmp_path):
    from spinscope.workflows.xrms_analysis import analyze_xrms

    q_corner = GEOM.q_range(SHAPE)[1]
    photons, _, _ = expected_photons(q_ring=1.3 * q_corner)  # only the inner tail reaches the chip
    tifffile.imwrite(tmp_path / "off.tif", adu(photons, seed=2))
    with pytest.raises(DataRangeError, match="off the detector"):
        analyze_xrms(tmp_path / "off.tif", energy=ENERGY, distance=DISTANCE, pixel_size=PIXEL,
                     center=CENTER, delays=DELAYS, progress=False)
    # a ring window the detector does not cover
    photons, _, _ = expected_photons()
    tifffile.imwrite(tmp_path / "on.tif", adu(photons, seed=3))
    with pytest.raises(DataRangeError, match="off the detector"):
        analyze_xrms(tmp_path / "on.tif", energy=ENERGY, distance=DISTANCE, pixel_size=PIXEL,
                     center=CENTER, delays=DELAYS, q_range=(2 * q_corner, 3 * q_corner), progress=False)


def test_a_failure_while_writing_leaves_nothing_behind(scan, tmp_path, monkeypatch):
    import spinscope.workflows.xrms_analysis as workflow
    from spinscope.workflows.xrms_analysis import analyze_xrms

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(workflow, "plot_time_traces", broken)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="disk full"):
        analyze_xrms(scan["dir"] / "scan.nxs", output=out, movie=False, progress=False)
    assert not out.exists() or list(out.iterdir()) == []


def test_existing_outputs_need_overwrite(scan, tmp_path):
    from spinscope.workflows.xrms_analysis import analyze_xrms

    out = tmp_path / "out"
    out.mkdir()
    (out / "xrms_analysis.json").write_text("{}")
    with pytest.raises(OutputExistsError, match="--overwrite"):
        analyze_xrms(scan["dir"] / "scan.nxs", output=out, progress=False)
    assert (out / "xrms_analysis.json").read_text() == "{}"


def _bad_input_cases(scan, tmp_path):
    d = scan["dir"]
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(3):
        tifffile.imwrite(folder / f"f{i}.tif", scan["frames"][i] if i != 1 else scan["frames"][i][:-2])
    short = write_delays(tmp_path / "short.txt", DELAYS[:-1])
    return {
        "unequal frames": ([str(folder), *geometry_args(), "--delays", str(short)], "differs from"),
        "delays do not match": ([str(d / "scan.tif"), *geometry_args(), "--delays", str(short)],
                                "39 delays for 40 frames"),
        "missing input": ([str(tmp_path / "nope.tif"), *geometry_args()], "no such file"),
        "missing delays file": ([str(d / "scan.tif"), *geometry_args(), "--delays", str(tmp_path / "no.txt")],
                                "no such delays file"),
        "missing mask": ([str(d / "scan.nxs"), "--mask", str(tmp_path / "mask.npy")], "no such mask file"),
        "wrong unit": ([str(d / "scan.nxs"), "--energy", "155 m"], "energy"),
        "bad centre": ([str(d / "scan.nxs"), "--center", "80"], "center"),
        "ring window off the detector": ([str(d / "scan.nxs"), "--center", "81.3,78.6", "--q-range",
                                         "0.5 1/nm,0.6 1/nm"], "off the detector"),
    }


@pytest.mark.parametrize(
    "case",
    ["unequal frames", "delays do not match", "missing input", "missing delays file", "missing mask",
     "wrong unit", "bad centre", "ring window off the detector"],
)
def test_bad_input_one_line_error_exit_2_nothing_written(scan, tmp_path, case):
    args, expected = _bad_input_cases(scan, tmp_path)[case]
    out = tmp_path / "out"
    rc, stdout, stderr = run_cli(["xrms", "analyze", *args, "-o", str(out), "--no-progress"])
    assert rc == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("spinscope: error:"), stderr
    assert expected in lines[0]
    assert "Traceback" not in stderr and stdout == ""
    assert not out.exists() or list(out.iterdir()) == []


def test_cli_option_parsers():
    from spinscope.cli.xrms_cmd import _center, _q_range

    assert _center("512.5, 498") == (512.5, 498.0)
    lo, hi = _q_range("0.02 1/nm, 0.05 1/nm")
    assert lo == pytest.approx(2e7) and hi == pytest.approx(5e7)
    assert _q_range("2e7,5e7") == (2e7, 5e7)
    with pytest.raises(ConfigError, match="q_range"):
        _q_range("0.02 nm,0.05 nm")
    with pytest.raises(ConfigError, match="center"):
        _center("a,b")
    rc, stdout, _ = run_cli(["xrms", "--help"])
    assert rc == 0 and "analyze" in stdout


def test_sharp_ring_without_halo_is_found_and_a_bare_halo_is_not():
    """A ring rising straight out of a dark profile (no direct-beam halo) must not be mistaken for a
    beam-stop shadow; a shadow followed by a falling halo alone is no ring."""
    import numpy as np

    from spinscope.errors import DataRangeError
    from spinscope.workflows.xrms_analysis import _detect_ring

    q = np.linspace(1e7, 1.5e8, 300)  # bins of 4.7e5 1/m
    rng = np.random.default_rng(0)
    for sigma_q in (1.5e6, 8e5, 5e5):  # ring rms widths of 3.2, 1.7 and 1.1 bins
        y = 1000 * np.exp(-0.5 * ((q - 5.2e7) / sigma_q) ** 2)
        s = np.sqrt(y + 1)
        q0, fwhm, _ = _detect_ring(q, y + rng.normal(0, 1, q.size) * s, s, "sharp")
        assert abs(q0 - 5.2e7) < 2 * (q[1] - q[0])
        assert fwhm < 6 * sigma_q
    halo = np.where(q < 3e7, 1.0, 5000 * (q / 3e7) ** -4) + 1
    with pytest.raises(DataRangeError, match="no scattering ring"):
        _detect_ring(q, halo + rng.normal(0, 1, q.size) * np.sqrt(halo), np.sqrt(halo), "halo")
