"""Pre-flight checks (issue 12, item 2): physical ranges in the configs, memory estimates before allocating.

Oversized configurations are refused in under a second with the field to change named; the estimates
stay within a factor 3 of the peak memory ``tracemalloc`` measures for small runs; every example still
validates.
"""

from __future__ import annotations

import copy
import time
import tomllib
import tracemalloc
import warnings
from pathlib import Path

import pytest
from pydantic import ValidationError

from spinscope.config.limits import parse_memory
from spinscope.config.micromagnetics import LLGConfig
from spinscope.config.stxm import StxmConfig
from spinscope.config.xrms import XrmsConfig
from spinscope.errors import ConfigError, SpinscopeError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
LIMIT = "8 GiB"


def _example(name: str) -> dict:
    return tomllib.loads((ROOT / "examples" / name).read_text())


def _set(d: dict, path: str, value) -> dict:
    out = copy.deepcopy(d)
    keys = path.split(".")
    node = out
    for k in keys[:-1]:
        node = node[int(k)] if isinstance(node, list) else node.setdefault(k, {})
    node[keys[-1]] = value
    return out


XRMS = _example("xrms_fan2022_cotb.toml")
STXM = _example("stxm_vortex.toml")
LLG = _example("llg_vortex_gyration.toml")


# ------------------------------------------------------------------------------------------------
# every example still validates
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_validates(path, capsys):
    from spinscope.cli.main import main

    assert main(["config", "check", str(path)]) == 0, capsys.readouterr().err


# ------------------------------------------------------------------------------------------------
# physical ranges: negative, zero and huge values rejected with the range in the message
# ------------------------------------------------------------------------------------------------
RANGES = [
    # model, base, field path, bad value, words the message must hold
    (XrmsConfig, XRMS, "source.energy", "-707 eV", ["energy", "100000"]),
    (XrmsConfig, XRMS, "source.energy", "0 eV", ["energy"]),
    (XrmsConfig, XRMS, "source.energy", "1e9 eV", ["energy", "[10, 100000] eV"]),
    (XrmsConfig, XRMS, "seed", 2**64, ["seed", "9223372036854775807"]),
    (XrmsConfig, XRMS, "seed", -1, ["seed", "0"]),
    (XrmsConfig, XRMS, "scan.exposure", "1e30 s", ["exposure", "100000 s"]),
    (XrmsConfig, XRMS, "scan.exposure", "-1 s", ["exposure"]),
    (XrmsConfig, XRMS, "scan.delays", ["1e30 s"] + [f"{i} ps" for i in range(6)], ["delays", "[-1, 1] s"]),
    (XrmsConfig, XRMS, "pump.fluence", "1e30 mJ/cm^2", ["fluence", "1000 J/m^2"]),
    (XrmsConfig, XRMS, "pump.fluence", "-1 mJ/cm^2", ["fluence"]),
    (StxmConfig, STXM, "beamline.energy", "-707 eV", ["energy"]),
    (StxmConfig, STXM, "beamline.energy", "1 MeV", ["energy", "[10, 100000] eV"]),
    (StxmConfig, STXM, "scan.dwell", "1e12 s", ["dwell", "1000] s"]),
    (StxmConfig, STXM, "scan.dwell", "0 s", ["dwell"]),
    (StxmConfig, STXM, "excitation.frequency", "-400 MHz", ["frequency", "positive"]),
    (StxmConfig, STXM, "excitation.frequency", "0 MHz", ["frequency", "positive"]),
    (StxmConfig, STXM, "magnetisation.radius", "-500 nm", ["radius", "positive"]),
    (StxmConfig, STXM, "seed", 2**63, ["seed", "9223372036854775807"]),
    (LLGConfig, LLG, "geometry.radius", "-200 nm", ["radius", "positive"]),
    (LLGConfig, LLG, "geometry.radius", "0 nm", ["radius", "positive"]),
    (LLGConfig, LLG, "fields.0.frequency", "-400 MHz", ["frequency", "positive"]),
    (LLGConfig, LLG, "run.duration", "1e9 s", ["duration", "1e-06"]),
    (LLGConfig, LLG, "run.duration", "-1 ns", ["duration", "0"]),
    (LLGConfig, LLG, "run.interval", "1e-30 s", ["run.interval", "100000"]),
    (LLGConfig, LLG, "run.interval", "0 s", ["interval", "positive"]),
    (LLGConfig, LLG, "initial.seed", 2**63, ["seed", "9223372036854775807"]),
]


@pytest.mark.parametrize("model, base, path, value, words", RANGES,
                         ids=[f"{r[2]}={r[3]!r}"[:50] for r in RANGES])
def test_out_of_range_values_are_rejected_with_the_range(model, base, path, value, words):
    with pytest.raises(ValidationError) as exc:
        model.model_validate(_set(base, path, value))
    msg = str(exc.value)
    for w in words:
        assert w in msg, (w, msg)


def test_the_demag_config_bounds_fluence_and_t_max():
    from spinscope.config.ultrafast import DemagConfig as Demag

    base = _example("demag_ni.toml")
    for path, value, word in [("pump.fluence", "1e30 mJ/cm^2", "fluence"), ("t_max", "1 s", "t_max"),
                              ("t_max", "1e9 fs", "t_max")]:
        with pytest.raises(ValidationError, match=word):
            Demag.model_validate(_set(base, path, value))


# ------------------------------------------------------------------------------------------------
# oversized configurations refused in under a second, naming the field
# ------------------------------------------------------------------------------------------------
def _xrms(cfg, tmp_path):
    from spinscope.workflows.xrms_simulate import simulate_xrms

    simulate_xrms(cfg, output=tmp_path / "x.nxs", progress=False, max_memory=LIMIT)


def _stxm(cfg, tmp_path):
    from spinscope.workflows.stxm import simulate_stxm

    simulate_stxm(cfg, output=tmp_path / "s", max_memory=LIMIT)


def _llg(cfg, tmp_path):
    from spinscope.micromagnetics.build import preflight_llg

    preflight_llg(LLGConfig.model_validate(cfg), max_memory=LIMIT)


_MANY = [{"start": "-1 ns", "stop": "1 ns", "num": 100000}]
OVERSIZED = [
    ("xrms 4096^2 x8", _xrms, _set(_set(XRMS, "detector.shape", [4096, 4096]), "detector.oversampling", 8),
     "detector.shape"),
    ("xrms 1000 exposures", _xrms, _set(_set(_set(XRMS, "detector.shape", [2048, 2048]), "scan.exposures",
                                             1000), "detector.oversampling", 1), "scan.exposures"),
    ("xrms 1e5 delays", _xrms, _set(_set(XRMS, "scan.ranges", _MANY), "detector.shape", [1024, 1024]),
     "scan.delays"),
    ("xrms 1e9 delays", _xrms, _set(XRMS, "scan.ranges", [{"start": "0 s", "stop": "1 ns", "num": 10**9}]),
     "scan.ranges"),
    ("xrms 2e5 delay entries", _xrms, _set(XRMS, "scan.delays", ["1 ps"] * 200_001), "scan.delays"),
    ("stxm 4096^2 x 4096 phases", _stxm, _set(_set(_set(_set(STXM, "scan.nx", 4096), "scan.ny", 4096),
                                                 "excitation.phases", 4096), "excitation.frequency",
                                          "400 MHz"), "excitation.phases"),
    ("llg 4096^3 cells", _llg, _set(LLG, "mesh.cells", [4096, 4096, 4096]), "mesh.cells"),
    ("llg 1e5 frames of a large mesh", _llg, _set(_set(LLG, "mesh.cells", [512, 512, 1]), "run.interval",
                                                  "0.04 ps"), "mesh.cells"),
    ("llg 1e-30 s interval", _llg, _set(LLG, "run.interval", "1e-30 s"), "run.interval"),
    ("llg 1e9 s duration", _llg, _set(LLG, "run.duration", "1e9 s"), "duration"),
    ("llg 1e9 thermal steps", _llg, _set(LLG, "thermal", {"temperature": "300 K", "dt": "1e-16 s"}),
     "thermal.dt"),
]


@pytest.mark.parametrize("name, run, cfg, field", OVERSIZED, ids=[o[0] for o in OVERSIZED])
def test_oversized_configs_are_refused_in_under_a_second(name, run, cfg, field, tmp_path):
    import spinscope.micromagnetics.build
    import spinscope.workflows.stxm
    import spinscope.workflows.xrms_simulate  # noqa: F401  (imports are not part of the check's time)

    t0 = time.perf_counter()
    with pytest.raises((SpinscopeError, ValidationError)) as exc:
        run(cfg, tmp_path)
    assert time.perf_counter() - t0 < 1.0
    msg = str(exc.value)
    assert field in msg, msg
    if isinstance(exc.value, ConfigError) and "GiB" in msg:
        assert "limit of 8 GiB" in msg and "--max-memory" in msg
    assert not any(tmp_path.iterdir())  # nothing written


def test_cli_max_memory_refuses_with_one_line(tmp_path, capsys):
    from spinscope.cli.main import main

    cfg = tmp_path / "big.toml"
    text = (ROOT / "examples" / "llg_vortex_gyration.toml").read_text().replace(
        "cells = [100, 100, 1]", "cells = [2048, 2048, 1]")
    assert "2048" in text
    cfg.write_text(text)
    t0 = time.perf_counter()
    assert main(["llg", "run", str(cfg), "-o", str(tmp_path / "o.nc"), "--max-memory", "1 GiB"]) == 2
    assert time.perf_counter() - t0 < 2.0
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "mesh.cells" in err and "1 GiB" in err
    assert main(["llg", "run", str(cfg), "-o", str(tmp_path / "o.nc"), "--max-memory", "lots"]) == 2
    assert "--max-memory" in capsys.readouterr().err


@pytest.mark.parametrize("text, expected", [("8 GiB", 8 * 2**30), ("500 MB", 5e8), ("1e9", 1e9),
                                            (2048, 2048.0), ("1.5 kib", 1536.0)])
def test_parse_memory(text, expected):
    assert parse_memory(text) == expected


@pytest.mark.parametrize("text", ["-1 GiB", "0", "eight", "1 PB", "1e999 B", "1" * 50])
def test_parse_memory_rejects(text):
    with pytest.raises(ConfigError, match="--max-memory"):
        parse_memory(text)


# ------------------------------------------------------------------------------------------------
# estimates against measured peaks
# ------------------------------------------------------------------------------------------------
def _peak(fn) -> float:
    tracemalloc.start()
    try:
        fn()
        return float(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


def _within(est: float, peak: float, factor: float = 3.0) -> None:
    print(f"estimate {est / 2**20:.1f} MiB, measured peak {peak / 2**20:.1f} MiB, ratio {est / peak:.2f}")
    assert peak / factor <= est <= peak * factor, (est / 2**20, peak / 2**20)


@pytest.mark.parametrize("cells, frames", [((64, 64, 1), 400), ((128, 128, 1), 11), ((32, 32, 8), 11)])
def test_llg_estimate_within_a_factor_3_of_the_peak(cells, frames):
    from spinscope.micromagnetics.build import estimate_llg
    from spinscope.micromagnetics.scenario import run_scenario

    nx, ny, nz = cells
    cfg = LLGConfig.model_validate({
        "mesh": {"size": [f"{2 * nx} nm", f"{2 * ny} nm", f"{2 * nz} nm"], "cells": list(cells)},
        "material": {"Ms": "800 kA/m", "A": "13 pJ/m", "alpha": 0.5},
        "initial": {"state": "uniform", "direction": [1, 0.1, 0]}, "relax": {"enabled": False},
        "fields": [{"kind": "static", "B": ["0 mT", "10 mT", "0 mT"]}],
        "run": {"duration": "20 ps", "n_frames": frames}})
    peak = _peak(lambda: run_scenario(cfg, progress=False))
    _within(estimate_llg(cfg)["bytes"], peak)


@pytest.mark.parametrize("over", [
    {},
    {"scan": {"pixel_size": "10 nm", "nx": 128, "ny": 128, "dwell": "1 ms"},
     "excitation": {"ratio": "79/32"}},
    {"scan": {"pixel_size": "10 nm", "nx": 32, "ny": 32, "dwell": "1 ms"},
     "magnetisation": {"scenario": "spin_wave", "size": "1000 nm", "cell": "5 nm", "wavelength": "1 um",
                       "cone_angle": "10 deg", "contact_radius": "5 um", "decay_length": "10 um"}},
], ids=["16x16", "128x128x32-phases", "200x200-movie"])
def test_stxm_estimate_within_a_factor_3_of_the_peak(over, tmp_path):
    from spinscope.workflows.preflight import estimate_stxm
    from spinscope.workflows.stxm import load_stxm_config, simulate_stxm

    cfg = {
        "schema_version": 1, "name": "t", "seed": 7, "ring": {"preset": "spear3", "bunch_fwhm": "50 ps"},
        "beamline": {"energy": "852.75 eV", "flux": 1e9, "circular_polarisation": 0.9},
        "sample": {"layers": [{"material": "Si3N4", "thickness": "100 nm"},
                              {"material": "Ni80Fe20", "thickness": "10 nm", "magnetic": True}]},
        "magnetisation": {"scenario": "spin_wave", "size": "320 nm", "cell": "20 nm", "wavelength": "1 um",
                          "cone_angle": "10 deg", "contact_radius": "5 um", "decay_length": "10 um"},
        "scan": {"pixel_size": "20 nm", "nx": 16, "ny": 16, "dwell": "100 ms"},
        "excitation": {"ratio": "79/6"}, **over}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        peak = _peak(lambda: simulate_stxm(cfg, output=tmp_path / "s"))
    _within(estimate_stxm(load_stxm_config(cfg)[0])["bytes"], peak)


def test_xrms_estimate_within_a_factor_3_of_the_peak(tmp_path):
    from spinscope.workflows.preflight import estimate_xrms
    from spinscope.workflows.xrms_simulate import load_xrms_config, simulate_xrms

    cfg = _set(_set(XRMS, "detector.shape", [128, 128]), "detector.pixel_size", "54 um")
    cfg = _set(_set(cfg, "scan.ranges", [{"start": "-0.5 ps", "stop": "2 ps", "num": 8}]), "scan.delays", [])
    cfg["sample"]["relaxation_steps"] = 50
    peak = _peak(lambda: simulate_xrms(cfg, output=tmp_path / "x.nxs", progress=False))
    _within(estimate_xrms(load_xrms_config(cfg))["bytes"], peak)


@pytest.mark.parametrize("command, example", [("xrms", "xrms_fan2022_cotb.toml"),
                                              ("stxm", "stxm_vortex.toml")])
def test_cli_simulate_max_memory_refuses_in_under_two_seconds(command, example, tmp_path, capsys):
    from spinscope.cli.main import main

    cfg = tmp_path / example
    cfg.write_text((ROOT / "examples" / example).read_text())
    t0 = time.perf_counter()
    assert main([command, "simulate", str(cfg), "-o", str(tmp_path / "out"), "--max-memory", "1 MiB"]) == 2
    assert time.perf_counter() - t0 < 2.0
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "limit of 1 MiB" in err and "--max-memory" in err
    assert not (tmp_path / "out").exists()
