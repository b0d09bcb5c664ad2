"""End to end: simulate a delay scan with the default photon budget, recover the injected dynamics."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from spinscope.errors import ConfigError, DataRangeError

# A reduced Fan et al. (2022) set-up: same source, film, pump and photon budget as the demo, a smaller
# detector (128 x 128 pixels of 54 um) and field of view.
SMALL = {
    "schema_version": 1,
    "name": "small Co/Tb HHG test",
    "seed": 7,
    "source": {"kind": "hhg", "edge": "Tb N5", "repetition_rate": "1 kHz", "pulse_duration": "20 fs",
               "beamline_transmission": 0.5},
    "sample": {
        "layers": [{"material": "Co80Tb20", "thickness": "20 nm", "density": "8.9 g/cm^3", "magnetic": True},
                   {"material": "Si3N4", "thickness": "50 nm"}],
        "texture": "labyrinth", "period": "120 nm", "wall_width": "8 nm", "seed": 1, "relaxation_steps": 100,
    },
    "illumination": {"profile": "gaussian", "size": "1.2 um", "coherence_length": "1 um"},
    "pump": {"fluence": "1 mJ/cm^2", "duration": "40 fs", "spot_fwhm": "200 um", "jitter": "10 fs"},
    "dynamics": {"material": "CoTb", "wall_broadening": 0.1, "wall_velocity": "200 m/s",
                 "max_expansion": 0.03},
    "detector": {"shape": [128, 128], "pixel_size": "54 um", "distance": "25 mm",
                 "beam_stop_radius": "0.25 mm", "oversampling": 3},
    "scan": {"ranges": [{"start": "-0.6 ps", "stop": "0.4 ps", "num": 11},
                        {"start": "0.55 ps", "stop": "4.5 ps", "num": 17}],
             "exposure": "4 s", "pump_off": True, "source_fluctuation": 0.05, "pump_fluctuation": 0.03,
             "drift": 0.01},
}


def _toml(cfg: dict) -> str:
    """A minimal TOML writer for the nested test configuration."""

    def val(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return f'"{v}"'
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {val(x)}" for k, x in v.items()) + " }"
        if isinstance(v, list):
            return "[" + ", ".join(val(x) for x in v) + "]"
        return repr(v)

    lines = [f"{k} = {val(v)}" for k, v in cfg.items() if not isinstance(v, dict)]
    for k, v in cfg.items():
        if isinstance(v, dict):
            lines.append(f"[{k}]")
            lines += [f"{kk} = {val(vv)}" for kk, vv in v.items()]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_analysis_recovers_the_injected_dynamics(tmp_path):
    from spinscope.workflows.xrms_analysis import analyze_xrms
    from spinscope.workflows.xrms_simulate import simulate_xrms

    sim = simulate_xrms(SMALL, output=tmp_path / "scan.nxs", progress=False)
    inj = sim["injected"]
    res = analyze_xrms(tmp_path / "scan.nxs", progress=False)
    fit = res["fit"]
    assert fit["tau_m"] == pytest.approx(inj["tau_m"], rel=0.10)
    assert abs(fit["amplitude"] - inj["amplitude"]) < 0.03
    assert res["period"] == pytest.approx(inj["period"], rel=0.01)
    # M(t) = 1 before time zero, within the noise
    d = np.asarray(res["delay"])
    m, e = np.asarray(res["m"]), np.asarray(res["m_err"])
    pre = d < fit["t0"] - 2 * inj["irf_fwhm"]
    assert pre.sum() >= 5
    # m_err holds the pump-on noise; the per-delay pump-off reference carries as much again (equal
    # photon numbers), so the scatter of M around 1 is sqrt(2) m_err
    sig = np.sqrt(2.0) * e[pre]
    assert np.all(np.abs(m[pre] - 1) < 4 * sig)
    assert abs(np.mean(m[pre]) - 1) < 4 * np.sqrt(np.sum(sig**2)) / pre.sum()
    # the ring moves the way the injected expansion says (sign and size)
    assert res["q_shift"] < 0
    assert res["q_shift"] == pytest.approx(inj["q_shift"], abs=0.005)


@pytest.mark.slow
def test_tiff_and_nexus_give_the_same_numbers(tmp_path, capsys):
    import json

    import tifffile

    from spinscope.cli import xrms_sim_cmd
    from spinscope.cli.main import app, main
    from spinscope.io import read_nexus

    xrms_sim_cmd.register(app)  # until cli.main lists the module (idempotent)
    from spinscope.workflows.xrms_analysis import analyze_xrms

    cfg = copy.deepcopy(SMALL)
    cfg["scan"]["pump_off"] = False
    cfg["seed"] = 8
    path = tmp_path / "nopumpoff.toml"
    path.write_text(_toml(cfg))
    rc = main(["xrms", "simulate", str(path), "-o", str(tmp_path / "scan.nxs"), "--json"])
    assert rc in (0, None)
    out = json.loads(capsys.readouterr().out)
    assert out["n_delays"] == 28 and out["injected"]["tau_m"] > 0
    ds = read_nexus(tmp_path / "scan.nxs")
    a = ds.attrs
    tifffile.imwrite(tmp_path / "frames.tif", ds["frames"].values)
    (tmp_path / "delays.txt").write_text("\n".join(f"{t * 1e12:.6f} ps" for t in ds["delay"].values) + "\n")
    via_nexus = analyze_xrms(tmp_path / "scan.nxs", progress=False)
    via_tiff = analyze_xrms(
        tmp_path / "frames.tif", energy=a["photon_energy_eV"], distance=a["distance_m"],
        pixel_size=a["pixel_size_m"][0], center=tuple(a["beam_center_px"]), delays=tmp_path / "delays.txt",
        dark=a["dark_level_adu"], adu_per_photon=a["adu_per_photon"], saturation=a["saturation_adu"],
        beam_stop_radius=a["beam_stop_radius_m"], progress=False,
    )
    for key in ("tau_m", "amplitude", "tau_r", "t0"):
        assert via_tiff["fit"][key] == pytest.approx(via_nexus["fit"][key], rel=1e-6), key
    assert via_tiff["period"] == pytest.approx(via_nexus["period"], rel=1e-9)
    assert np.allclose(via_tiff["m"], via_nexus["m"], rtol=1e-9)


def test_bad_configuration_is_one_line(tmp_path, capsys):
    from spinscope.cli import xrms_sim_cmd
    from spinscope.cli.main import app, main
    from spinscope.workflows.xrms_simulate import load_xrms_config, simulate_xrms

    xrms_sim_cmd.register(app)
    bad = copy.deepcopy(SMALL)
    bad["detector"]["colour"] = "blue"
    with pytest.raises(ConfigError, match="colour") as exc:
        load_xrms_config(bad)
    assert "\n" not in str(exc.value)
    units = copy.deepcopy(SMALL)
    units["detector"]["distance"] = "25 eV"
    with pytest.raises(ConfigError, match="distance") as exc:
        load_xrms_config(units)
    assert "\n" not in str(exc.value)
    off = copy.deepcopy(SMALL)
    off["detector"]["distance"] = "0.5 m"  # the ring lands beyond the detector edge
    with pytest.raises(DataRangeError, match="detector.distance") as exc:
        simulate_xrms(off, output=tmp_path / "x.nxs", progress=False)
    assert "\n" not in str(exc.value)
    far = copy.deepcopy(SMALL)
    far["detector"]["distance"] = "3 mm"  # the ring lands behind the beam stop
    with pytest.raises(DataRangeError, match="ring"):
        simulate_xrms(far, output=tmp_path / "x.nxs", progress=False)
    # the CLI prints one line and exits 2
    path = tmp_path / "bad.toml"
    path.write_text(_toml(bad))
    rc = main(["xrms", "simulate", str(path), "-o", str(tmp_path / "y.nxs")])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert len(err.splitlines()) == 1 and "colour" in err


def test_plasma_source_config():
    from spinscope.workflows.xrms_simulate import _source, load_xrms_config

    cfg = copy.deepcopy(SMALL)
    cfg["source"] = {"kind": "plasma", "energy": "707 eV", "resolving_power": 500, "pulse_duration": "9 ps",
                     "repetition_rate": "100 Hz"}
    src = _source(load_xrms_config(cfg))
    assert src["energy"] == pytest.approx(707.0)
    assert src["pulse_duration"] == pytest.approx(9e-12)
    assert src["photons_per_pulse"] > 0 and math.isfinite(src["photons_per_pulse"])


def test_texture_from_a_file(tmp_path):
    """texture = "file" reads an OVF snapshot onto the simulation grid; without the file it is an error."""
    from spinscope.config.xrms import XrmsConfig
    from spinscope.io.ovf import write_ovf
    from spinscope.sample.textures import dominant_period, stripe_domains
    from spinscope.workflows.xrms_simulate import _texture

    ovf = write_ovf(tmp_path / "stripes.ovf",
                    stripe_domains((60, 60), 4e-9, 120e-9, wall_width=8e-9).expand_dims(z=[0.0])
                    .transpose("z", "y", "x", "component"))
    cfg = copy.deepcopy(SMALL)
    cfg["sample"].update(texture="file", texture_file=str(ovf))
    model = XrmsConfig.model_validate(cfg)
    tex = _texture(model, 192, 5e-9)
    assert dominant_period(tex) == pytest.approx(120e-9, rel=0.02)
    cfg["sample"].pop("texture_file")
    with pytest.raises(Exception, match="texture_file"):
        XrmsConfig.model_validate(cfg)
