"""Engines behind one protocol: the registry, the field-kind dispatch, the magnum.np child module."""

from __future__ import annotations

import json
import subprocess
import sys
import typing

import numpy as np
import pytest

from spinscope.config.micromagnetics import ExternalFieldConfig, LLGConfig
from spinscope.micromagnetics import drives
from spinscope.micromagnetics.engine import ENGINES, Engine, NumpyEngine, get_engine
from spinscope.micromagnetics.errors import MicromagneticsError, ParameterError
from spinscope.micromagnetics.magnumnp_engine import CHILD_MODULE, magnumnp_available
from spinscope.micromagnetics.scenario import build_simulation, run_scenario


def _tiny(**update) -> LLGConfig:
    cfg = LLGConfig.model_validate({
        "name": "tiny",
        "mesh": {"size": ["20 nm", "10 nm", "2 nm"], "cells": [4, 2, 1]},
        "material": {"Ms": "800 kA/m", "A": "13 pJ/m"},
        "relax": {"enabled": False},
        "fields": [{"kind": "static", "B": ["10 mT", "0 mT", "0 mT"]},
                   {"kind": "pulse", "B": ["0 mT", "5 mT", "0 mT"], "t0": "1 ps",
                    "duration": "2 ps"},
                   {"kind": "rf", "B": ["0 mT", "0 mT", "1 mT"], "frequency": "20 GHz"},
                   {"kind": "rotating", "B": ["2 mT", "0 mT", "0 mT"], "frequency": "10 GHz",
                    "axis": "x", "sense": -1}],
        "run": {"duration": "2 ps", "n_frames": 3},
    })
    return cfg.model_copy(update=update)


def test_registry_holds_both_engines_under_the_config_names():
    names = set(typing.get_args(LLGConfig.model_fields["engine"].annotation))
    assert set(ENGINES) == names == {"spinscope", "magnumnp"}
    for name, engine in ENGINES.items():
        assert isinstance(engine, Engine) and engine.name == name
    assert ENGINES["spinscope"].available()
    assert ENGINES["magnumnp"].available() == magnumnp_available()


def test_unknown_engine_is_a_clear_error_naming_the_field():
    with pytest.raises(ParameterError, match="engine: unknown engine 'oommf'; expected one of "
                       "magnumnp, spinscope") as e:
        get_engine("oommf")
    assert e.value.field == "engine"
    with pytest.raises(ParameterError, match="unknown engine"):
        run_scenario(_tiny(), engine="oommf")


def test_run_scenario_dispatches_through_the_registry():
    a = run_scenario(_tiny())
    b = run_scenario(_tiny(), engine="spinscope")
    c = NumpyEngine().run(_tiny())
    assert np.array_equal(a.values, b.values) and np.array_equal(a.values, c.values)
    assert a.attrs["scenario"] == "tiny" and a.sizes["time"] == 3


def test_field_kinds_are_dispatched_in_one_place():
    kinds = set(typing.get_args(ExternalFieldConfig.model_fields["kind"].annotation))
    assert set(drives.FIELD_KINDS) == kinds
    cfg = _tiny()
    sim = build_simulation(cfg)
    assert [type(f) for f in sim.fields] == [drives.StaticField, drives.PulseField,
                                             drives.RFField, drives.RotatingField]
    # what the magnum.np child receives (JSON of the config) builds the same drives
    for f, built in zip(cfg.fields, sim.fields, strict=True):
        via_json = drives.field_from_spec(json.loads(json.dumps(f.model_dump())))
        for t in (0.0, 1.3e-12, 2.7e-12):
            assert np.array_equal(via_json.H(t), built.H(t))
    # the rotating field's amplitude is |B|
    assert sim.fields[3].B0 == pytest.approx(2e-3)
    with pytest.raises(ParameterError, match=r"fields\[2\]\.kind: unknown field kind 'spiral'") as e:
        drives.field_from_spec({"kind": "spiral", "B": [0, 0, 1]}, where="fields[2]")
    assert e.value.field == "fields[2].kind"


def test_magnumnp_engine_names_what_it_cannot_run():
    engine = ENGINES["magnumnp"]
    thermal = LLGConfig.model_validate({
        "mesh": {"size": [1, 1, 1], "cells": [1, 1, 1]}, "material": {"Ms": 1, "A": 0},
        "run": {"duration": 1e-9}, "thermal": {"temperature": 300, "dt": 1e-14}}).thermal
    with pytest.raises(ParameterError, match="thermal: not supported") as e:
        engine.run(_tiny(thermal=thermal))
    assert e.value.field == "thermal"
    with pytest.raises(ParameterError, match="checkpoint") as e:
        engine.run(_tiny(), checkpoint="state.npz")
    assert e.value.field == "checkpoint"


def test_magnumnp_missing_is_a_clear_error():
    if magnumnp_available():
        pytest.skip("magnum.np is installed here")
    with pytest.raises(MicromagneticsError, match="magnum.np is not installed") as e:
        run_scenario(_tiny(engine="magnumnp"))
    assert e.value.field == "engine"


def _child(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", CHILD_MODULE, *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd)


def test_child_module_is_light_and_has_help():
    code = ("import sys, spinscope.micromagnetics._magnumnp_child as c; "
            "print(','.join(m for m in ('torch', 'magnumnp') if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == ""
    res = _child("--help")
    assert res.returncode == 0 and "JSON spec" in res.stdout


def test_child_module_rejects_bad_specs_cleanly(tmp_path):
    res = _child(str(tmp_path / "missing.json"))
    assert res.returncode == 2 and res.stderr.startswith("spec: cannot read")
    assert "Traceback" not in res.stderr
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"n": [1, 1, 1], "dx": [1e-9] * 3}))
    res = _child(str(bad))
    assert res.returncode == 2 and "lacks arrays, out, A" in res.stderr
    res = _child()
    assert res.returncode == 2 and "spec" in res.stderr  # argparse usage error


def test_child_module_without_magnumnp_says_so(tmp_path):
    if magnumnp_available():
        pytest.skip("magnum.np is installed here")
    spec = {"n": [1, 1, 1], "dx": [1e-9] * 3, "arrays": "in.npz", "out": "out.npz", "A": 0.0,
            "alpha": 0.1, "demag": False, "relax": False, "fields": [], "times": [0.0],
            "tol": 1e-5}
    p = tmp_path / "spec.json"
    p.write_text(json.dumps(spec))
    res = _child(str(p))
    assert res.returncode == 3 and "magnum.np is not installed" in res.stderr
    assert "Traceback" not in res.stderr


def test_no_import_cycle_between_the_magnumnp_engine_and_scenarios():
    code = ("import sys, spinscope.micromagnetics.magnumnp_engine; "
            "print('spinscope.micromagnetics.scenario' in sys.modules, "
            "'spinscope.micromagnetics.engine' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["False", "False"]
