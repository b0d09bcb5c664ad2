"""``spinscope demo``: end to end on a reduced configuration (the full default runs in ~1 minute)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spinscope.errors import OutputExistsError

REDUCED = """
schema_version = 1
name = "reduced demo"
seed = 3

[source]
kind = "hhg"
edge = "Tb N5"
beamline_transmission = 0.5

[sample]
layers = [
  { material = "Co80Tb20", thickness = "20 nm", density = "8.9 g/cm^3", magnetic = true },
  { material = "Si3N4", thickness = "50 nm" },
]
texture = "labyrinth"
period = "120 nm"
wall_width = "8 nm"
relaxation_steps = 60

[illumination]
size = "0.8 um"
coherence_length = "1 um"

[pump]
fluence = "1 mJ/cm^2"

[dynamics]
material = "CoTb"
wall_velocity = "200 m/s"
max_expansion = 0.03

[detector]
shape = [96, 96]
pixel_size = "54 um"
distance = "18 mm"
beam_stop_radius = "0.2 mm"
oversampling = 2.5

[scan]
ranges = [{ start = "-0.5 ps", stop = "0.4 ps", num = 8 }, { start = "0.6 ps", stop = "4 ps", num = 10 }]
exposure = "4 s"
"""


@pytest.mark.slow
def test_demo_end_to_end(tmp_path, capsys):
    from spinscope.cli.main import main

    cfg = tmp_path / "reduced.toml"
    cfg.write_text(REDUCED)
    out = tmp_path / "demo"
    rc = main(["demo", "-o", str(out), "--config", str(cfg), "--json"])
    assert rc in (0, None)
    r = json.loads(capsys.readouterr().out)
    assert list(r)[:3] == ["injected", "recovered", "outputs"]
    assert set(r["injected"]) == set(r["recovered"])
    for key in ("tau_m", "amplitude", "tau_r", "period", "q_shift"):
        assert key in r["injected"]
    assert r["recovered"]["tau_m"] == pytest.approx(r["injected"]["tau_m"], rel=0.25)
    assert r["recovered"]["period"] == pytest.approx(r["injected"]["period"], rel=0.02)
    names = {Path(p).name for p in r["outputs"]}
    for name in ("xrms_scan.nxs", "xrms_analysis.nxs", "detector.png", "radial_profiles.png",
                 "time_traces.png",
                 "transmission_contrast.csv", "transmission_contrast.png", "spinscope-demo.json"):
        assert name in names, name
    assert all(Path(p).exists() for p in r["outputs"])
    assert [e["label"] for e in r["edges"]][0].startswith("Tb N")
    # a folder written by the demo is refreshed; any other non-empty folder needs --overwrite
    from spinscope.workflows.demo import run_demo

    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(OutputExistsError, match="overwrite"):
        run_demo(other, config=cfg, progress=False)
    assert (other / "notes.txt").read_text() == "mine"


def test_default_config_is_the_fan_experiment():
    from spinscope.workflows.demo import DEFAULT_CONFIG
    from spinscope.workflows.xrms_simulate import load_xrms_config

    cfg = load_xrms_config(str(DEFAULT_CONFIG))
    assert cfg.source.kind == "hhg" and cfg.source.edge == "Tb N5"
    assert cfg.source.flux_per_1pct_bw == pytest.approx(2e9)
    assert cfg.source.repetition_rate == pytest.approx(1e3)
    assert 30 <= len(cfg.scan.values()) <= 40
    assert min(cfg.scan.values()) < 0


@pytest.mark.parametrize("name", ["xrms_fan2022_cotb.toml", "xrms_lunin2025_fegd.toml"])
def test_examples_are_valid(name):
    from spinscope.workflows.xrms_simulate import load_xrms_config

    root = Path(__file__).resolve().parents[1]
    cfg = load_xrms_config(root / "examples" / name)
    assert len(cfg.scan.values()) >= 20
    if "lunin" in name:
        assert cfg.source.kind == "plasma" and cfg.source.pulse_duration == pytest.approx(9e-12)
        assert cfg.dynamics.material == "FeGd"
