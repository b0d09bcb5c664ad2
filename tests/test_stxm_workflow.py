"""End-to-end time-resolved STXM: config -> simulate -> NXstxm -> analyze, CLI, planning (issue 5)."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

GHZ = 1e9


def _cfg(**over):
    """A small spin-wave STXM experiment (uniform precession unless overridden)."""
    cfg = {
        "schema_version": 1,
        "name": "test",
        "seed": 7,
        "ring": {"preset": "spear3", "bunch_fwhm": "50 ps"},
        "beamline": {"energy": "852.75 eV", "flux": 1e9, "circular_polarisation": 0.9},
        "sample": {
            "layers": [
                {"material": "Si3N4", "thickness": "100 nm"},
                {"material": "Ni80Fe20", "thickness": "10 nm", "magnetic": True},
            ]
        },
        "magnetisation": {
            "scenario": "spin_wave", "size": "320 nm", "cell": "20 nm", "wavelength": "1 um",
            "cone_angle": "10 deg", "contact_radius": "5 um", "decay_length": "10 um",
        },
        "scan": {"pixel_size": "20 nm", "nx": 16, "ny": 16, "dwell": "100 ms"},
        "excitation": {"ratio": "79/6"},
    }
    for key, val in over.items():
        if isinstance(val, dict) and isinstance(cfg.get(key), dict):
            cfg[key] = {**cfg[key], **val}
        else:
            cfg[key] = val
    return cfg


def _run(tmp_path, name, cfg, **kw):
    from spinscope.io import open_dataset
    from spinscope.workflows.stxm import simulate_stxm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = simulate_stxm(cfg, output=tmp_path / name, **kw)
    return res, open_dataset(res["outputs"][0])


def _mean_z(ds):
    from spinscope.analysis import xmcd

    xi = xmcd.xmcd_images(ds, register=False)
    maps = xmcd.fourier_maps(xmcd.dynamic_part(xi["ln_ratio"]), ds.attrs["excitation_frequency"])
    return complex((maps["real"] + 1j * maps["imag"]).mean()), xi


def test_bunch_length_reduces_precession_amplitude_end_to_end(tmp_path):
    """6.27 GHz precession, 50 ps FWHM bunches: exp(-(2 pi f sigma)^2/2) = 0.705 within 2 %."""
    _, long_ = _run(tmp_path, "long", _cfg())
    _, short = _run(tmp_path, "short", _cfg(ring={"preset": "spear3", "bunch_fwhm": "1 ps"}))
    z_long, _ = _mean_z(long_)
    z_short, _ = _mean_z(short)
    sigma = 50e-12 / 2.3548200450309493
    f = long_.attrs["excitation_frequency"]
    expected = math.exp(-0.5 * (2 * math.pi * f * sigma) ** 2) / math.exp(
        -0.5 * (2 * math.pi * f * 1e-12 / 2.3548200450309493) ** 2)
    assert expected == pytest.approx(0.705, abs=0.005)
    assert abs(z_long) / abs(z_short) == pytest.approx(expected, rel=0.02)


def test_subdegree_cone_angle_recovered_from_static_contrast(tmp_path):
    """A 0.8 deg precession cone comes back within 4 % from dynamic / static log-ratio contrast."""
    from spinscope.acquisition.stxm_scan import run_stxm_scan
    from spinscope.analysis import xmcd
    from spinscope.datamodel import magnetisation_field
    from spinscope.workflows.stxm import build_experiment, load_stxm_config

    cone = math.radians(0.8)
    cfg = _cfg(magnetisation={"cone_angle": "0.8 deg"}, scan={"dwell": "2 s"})
    _, dyn = _run(tmp_path, "dyn", cfg)
    # static reference: the same film saturated along the beam (m = +z), measured without pump
    c, _ = load_stxm_config(cfg)
    parts = build_experiment(c)
    x = np.arange(16) * 20e-9
    m = np.zeros((16, 16, 3))
    m[..., 2] = 1.0
    static = run_stxm_scan(parts["stxm"], magnetisation_field(m, x=x, y=x), parts["scan"], rng=3)
    static_lr = float(xmcd.xmcd_images(static, register=False)["ln_ratio"].mean())
    assert static_lr < 0  # helicity +1 along m absorbs more: lower transmission
    z, _ = _mean_z(dyn)
    att = math.exp(-0.5 * (2 * math.pi * dyn.attrs["excitation_frequency"] * dyn.attrs["smear_rms"]) ** 2)
    got = xmcd.cone_angle(abs(z), static_lr, attenuation=att)
    assert got == pytest.approx(cone, rel=0.04)


def test_spin_wave_wavelength_and_phase_velocity(tmp_path):
    """Mode maps of a radial spin wave give back the injected wavelength and phase velocity (3 %)."""
    from spinscope.workflows.stxm import analyze_stxm

    cfg = _cfg(
        magnetisation={"size": "1.2 um", "cell": "10 nm", "wavelength": "200 nm", "cone_angle": "8 deg",
                       "contact_radius": "50 nm", "decay_length": "1 um"},
        scan={"pixel_size": "20 nm", "nx": 56, "ny": 56, "dwell": "50 ms"},
    )
    sim, _ = _run(tmp_path, "sw", cfg)
    res = analyze_stxm(sim["outputs"][0], output=None, wave_fit=True)
    assert res["kind"] == "xmcd-time-resolved"
    wave = res["wave"]
    f = res["frequency"]
    assert wave["wavelength"] == pytest.approx(200e-9, rel=0.03)
    assert wave["phase_velocity"] == pytest.approx(f * 200e-9, rel=0.03)  # outgoing: positive
    assert np.hypot(*wave["centre"]) < 20e-9


def test_same_seed_same_counts_and_file_readable(tmp_path):
    """Same seed -> identical counts; the NXstxm output reads back with read_nxstxm and nxload."""
    nexusformat = pytest.importorskip("nexusformat.nexus")
    from spinscope.io.nxstxm import read_nxstxm

    cfg = _cfg(scan={"nx": 8, "ny": 8})
    r1, a = _run(tmp_path, "a", cfg)
    _, b = _run(tmp_path, "b", cfg)
    _, c = _run(tmp_path, "c", _cfg(scan={"nx": 8, "ny": 8}, seed=8))
    assert np.array_equal(a["counts"].values, b["counts"].values)
    assert not np.array_equal(a["counts"].values, c["counts"].values)
    raw = read_nxstxm(r1["outputs"][0])
    assert raw["counts"].dims == ("delay", "helicity", "y", "x")
    assert raw["delay"].attrs["units"] == "s"
    assert raw["delay"].size == 6
    assert np.allclose(np.diff(raw["delay"].values), 1 / (79 * 476.3e6), rtol=1e-9)
    assert raw["ring_current"].values.mean() == pytest.approx(0.5, rel=1e-9)
    assert a.attrs["seed"] == 7
    root = nexusformat.nxload(r1["outputs"][0])
    assert str(root["entry1/definition"]) == "NXstxm"
    assert root["entry1/counter0/data"].shape == (6, 2, 8, 8)


def test_cli_simulate_analyze_plan_timing(tmp_path, capsys):
    from spinscope.cli.main import main

    toml = tmp_path / "exp.toml"
    toml.write_text(
        """schema_version = 1
name = "cli"
seed = 3
[ring]
preset = "spear3"
bunch_fwhm = "50 ps"
[beamline]
energy = "852.75 eV"
[sample]
[[sample.layers]]
material = "Ni80Fe20"
thickness = "10 nm"
magnetic = true
[magnetisation]
scenario = "spin_wave"
size = "400 nm"
cell = "20 nm"
wavelength = "200 nm"
[scan]
pixel_size = "20 nm"
nx = 12
ny = 12
dwell = "1 ms"
[excitation]
frequency = "6.25 GHz"
phases = 6
"""
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert main(["stxm", "simulate", str(toml), "-o", str(tmp_path / "sim"), "--json"]) == 0
        sim = json.loads(capsys.readouterr().out)
        assert sim["timing"]["ratio"] == "79/6"
        assert sim["timing"]["excitation_frequency"] == pytest.approx(6.2713e9, rel=1e-4)
        assert main(["stxm", "simulate", str(toml), "-o", str(tmp_path / "sim")]) == 2  # exists
        capsys.readouterr()
        assert main(["stxm", "analyze", sim["outputs"][0], "--json", "-o", str(tmp_path / "ana")]) == 0
    ana = json.loads(capsys.readouterr().out)
    assert ana["kind"] == "xmcd-time-resolved"
    assert ana["frequency"] == pytest.approx(sim["timing"]["excitation_frequency"])
    assert any(p.endswith("movie.gif") for p in ana["outputs"])
    assert main(["plan", str(toml), "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["channels"] == 6 and plan["pixels"] == 144
    assert plan["time_resolution"]["attenuation"] == pytest.approx(0.70, abs=0.01)
    assert main(["plan", "--signal", "1e-4", "--snr", "1", "--flux", "1e8 /s", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["photons_per_pixel"] == pytest.approx(4.0004e8, rel=1e-3)
    assert main(["plan", "--snr", "1"]) == 2
    assert "--signal" in capsys.readouterr().err
    assert main(["stxm", "timing", "--ring", "spear3", "--ratio", "79/6", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["phases"] == 6


@pytest.mark.parametrize(
    ("over", "needle"),
    [
        ({"excitation": {"ratio": "75/6"}}, "coprime"),
        ({"scan": {"pixel_size": "0.5 nm"}}, "interferometer step"),
        ({"scan": {"dwell": "100 ns"}}, "revolution"),
        ({"beamline": {"energy": "600 eV"}}, "no magnetic contrast"),
        ({"magnetisation": {"scenario": "bubbles"}}, "magnetisation"),
        ({"excitation": {"phases": 6}}, "ratio"),
    ],
)
def test_bad_input_gives_one_line_errors(tmp_path, over, needle):
    from spinscope.errors import SpinscopeError
    from spinscope.workflows.stxm import simulate_stxm

    over = dict(over)
    over["scan"] = {"nx": 4, "ny": 4, **over.get("scan", {})}
    cfg = _cfg(**over)
    if "phases" in over.get("excitation", {}):
        cfg["excitation"] = {"phases": 6}
    with pytest.raises(SpinscopeError) as err, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        simulate_stxm(cfg, output=tmp_path / "o")
    msg = str(err.value)
    assert needle in msg
    assert "\n" not in msg


def test_bad_config_file_exits_2_with_one_line(tmp_path, capsys):
    from spinscope.cli.main import main

    toml = tmp_path / "bad.toml"
    toml.write_text('schema_version = 1\n[beamline]\nenergy = "707 eV"\n')
    assert main(["stxm", "simulate", str(toml), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bad.toml" in err


def test_real_maxymus_and_pollux_through_analyze(real_data, tmp_path, capsys):
    from spinscope.cli.main import main
    from spinscope.workflows.stxm import analyze_stxm

    hdr = real_data / "maxymus_hdr_xim" / "MPI_210127021.hdr"
    assert main(["stxm", "analyze", str(hdr), "--json", "--no-figures"]) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "field-difference"

    res = analyze_stxm(real_data / "maxymus_hdr_xim" / "MPI_210127021.hdr", output=tmp_path / "m")
    assert res["kind"] == "field-difference"
    assert res["frames"] == ["-2", "-1"]
    assert all(abs(s) < 3 for s in res["shift"])
    assert abs(res["asymmetry"]["mean"]) < 0.01
    assert (tmp_path / "m" / "contrast.png").is_file()
    res = analyze_stxm(real_data / "pollux_nxstxm" / "Sample_Stack_2021-03-16_128.hdf5", output=None)
    assert res["kind"] == "energy-stack"
    assert len(res["energies"]) == 4
    assert all(np.isfinite(res["optical_density_mean"]))


def test_file_scenario_reads_a_movie_from_nexus_and_ovf(tmp_path):
    """scenario = "file": a NeXus movie (taken as one excitation period) or a static OVF field."""
    from spinscope.evolution.spin_wave import spin_wave_movie
    from spinscope.io import write_nexus
    from spinscope.io.ovf import write_ovf

    mv = spin_wave_movie(size=320e-9, cell=20e-9, times=np.arange(6) * 1e-12, wavelength=1e-6,
                         contact_radius=5e-6, cone_angle=math.radians(10))
    write_nexus(tmp_path / "movie.nxs", mv)
    cfg = _cfg(magnetisation={"scenario": "file", "path": str(tmp_path / "movie.nxs")},
               scan={"nx": 8, "ny": 8})
    for key in ("size", "cell", "wavelength", "cone_angle", "contact_radius", "decay_length"):
        cfg["magnetisation"].pop(key)
    with pytest.warns(UserWarning, match="not one excitation period"):
        from spinscope.workflows.stxm import simulate_stxm

        res = simulate_stxm(cfg, output=tmp_path / "f")
    assert res["shape"]["delay"] == 6
    write_ovf(tmp_path / "m.ovf", mv.isel(time=0, drop=True))
    cfg["magnetisation"]["path"] = str(tmp_path / "m.ovf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = simulate_stxm(cfg, output=tmp_path / "g")
    assert res["shape"]["delay"] == 6  # a static field seen in every channel


@pytest.mark.parametrize("name", ["stxm_vortex", "stxm_spinwave"])
def test_example_scenarios_run_end_to_end(tmp_path, name):
    """The two issue scenarios: vortex gyration (in-plane contrast through tilt) and the 6.25 GHz
    spin wave (26.6 ps snapshots, 0.69 attenuation by 50 ps bunches, wavelength recovered)."""
    from pathlib import Path

    from spinscope.workflows.stxm import analyze_stxm, plan_from_config, simulate_stxm

    cfg = Path(__file__).resolve().parents[1] / "examples" / f"{name}.toml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        sim = simulate_stxm(cfg, output=tmp_path / "sim")
        ana = analyze_stxm(sim["outputs"][0], output=tmp_path / "ana")
    plan = plan_from_config(cfg)
    assert ana["kind"] == "xmcd-time-resolved"
    if name == "stxm_spinwave":
        t = sim["timing"]
        assert t["equivalent_time_step"] == pytest.approx(26.6e-12, rel=0.01)
        assert t["attenuation"] == pytest.approx(0.69, abs=0.01)
        assert ana["wave"]["wavelength"] == pytest.approx(250e-9, rel=0.03)
        assert math.degrees(ana["cone_angle"]) == pytest.approx(1.0, rel=0.35)  # noisy, PSF-blurred
        assert plan["signal"] < 1e-3  # sub-degree cone: a ~6e-4 relative signal
    else:
        assert ana["max_amplitude"] > 0.05  # the passing core flips k.m in-plane through the tilt
        assert sim["static_contrast"]["asymmetry"] < 0
