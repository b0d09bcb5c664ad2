"""magnum.np as an optional engine and cross-check (``pip install spinscope[magnumnp]``).

magnum.np (GPL-3, torch) changes torch's global state when imported (default dtype, device,
compilation). To keep that away from the user's process, every magnum.np run happens in a child
Python process (with ``TORCHDYNAMO_DISABLE=1`` and no visible GPU unless ``device="cuda"``): the
parent sends a JSON description, the child writes an ``.npz`` with the trajectory, and the parent
builds the same magnetisation-movie contract as the built-in engine.

Supported on this engine: mesh, geometry (as Ms = 0 outside), Ms, A, alpha, uniaxial anisotropy,
interfacial DMI, uniform fields (static, pulse, rf, rotating; no spatial profile), initial state,
relaxation (magnum.np's Barzilai-Borwein minimiser) and the run with its RKF45 solver. Spin-transfer
torques, Oersted and thermal fields raise :class:`ParameterError` on this engine.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from spinscope.micromagnetics.constants import MU0
from spinscope.micromagnetics.errors import MicromagneticsError, ParameterError

__all__ = ["magnumnp_available", "run_magnumnp", "sp4_magnumnp"]

_CHILD = r'''
import json, os, sys, time
os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")
import numpy as np
spec = json.load(open(sys.argv[1]))
import torch
if spec.get("threads"):
    torch.set_num_threads(int(spec["threads"]))
import magnumnp as mn
mn.set_log_level(40)
from spinscope.micromagnetics import drives as dr
wall0 = time.perf_counter()
mesh = mn.Mesh(tuple(spec["n"]), tuple(spec["dx"]))
state = mn.State(mesh)
arrs = np.load(spec["arrays"])
Ms = torch.tensor(arrs["Ms"][..., None], dtype=torch.float64)
mat = {"Ms": Ms, "A": spec["A"], "alpha": spec["alpha"]}
terms = [mn.ExchangeField()]
if spec["demag"]:
    terms.append(mn.DemagField())
if spec.get("Ku", 0.0) != 0.0:
    mat["Ku"] = spec["Ku"]
    mat["Ku_axis"] = spec["Ku_axis"]
    terms.append(mn.UniaxialAnisotropyField())
if spec.get("Di", 0.0) != 0.0:
    mat["Di"] = spec["Di"]
    terms.append(mn.InterfaceDMIField())
state.material = mat
state.m = torch.tensor(arrs["m0"], dtype=torch.float64)
if spec["relax"]:
    mn.MinimizerBB(terms).minimize(state)
relaxed = state.m.detach().cpu().numpy().copy()
fields = []
for f in spec["fields"]:
    kind = f.pop("kind")
    cls = {"static": dr.StaticField, "pulse": dr.PulseField, "rf": dr.RFField,
           "rotating": dr.RotatingField}[kind]
    fields.append(cls(**f))
if fields:
    def h(st, fields=fields):
        t = float(st.t)
        return [float(v) for v in sum(fl.H(t) for fl in fields)]
    terms.append(mn.ExternalField(h))
llg = mn.LLGSolver(terms, atol=spec["tol"])
times = spec["times"]
state.t = times[0]
frames = [state.m.detach().cpu().numpy().copy()]
wall1 = time.perf_counter()
for t in times[1:]:
    while float(state.t) < t - 1e-18:
        llg.step(state, t - float(state.t))
    frames.append(state.m.detach().cpu().numpy().copy())
wall2 = time.perf_counter()
np.savez(spec["out"], frames=np.array(frames), relaxed=relaxed,
         wall=np.array([wall1 - wall0, wall2 - wall1]))
'''


def magnumnp_available() -> bool:
    """Whether magnum.np (and torch) can be imported (checked without importing them)."""
    return importlib.util.find_spec("magnumnp") is not None and \
        importlib.util.find_spec("torch") is not None


def _run_child(spec: dict, arrays: dict, *, timeout: float | None = None) -> dict:
    if not magnumnp_available():
        raise MicromagneticsError(
            "engine: magnum.np is not installed; pip install 'spinscope[magnumnp]' (CPU torch)",
            field="engine")
    with tempfile.TemporaryDirectory() as d:
        arr_path = Path(d) / "in.npz"
        np.savez(arr_path, **arrays)
        spec = dict(spec, arrays=str(arr_path), out=str(Path(d) / "out.npz"))
        spec_path = Path(d) / "spec.json"
        spec_path.write_text(json.dumps(spec))
        env = dict(os.environ, TORCHDYNAMO_DISABLE="1")
        env.setdefault("CUDA_VISIBLE_DEVICES", "")
        res = subprocess.run([sys.executable, "-c", _CHILD, str(spec_path)], env=env,
                             capture_output=True, text=True, timeout=timeout)
        if res.returncode != 0:
            raise MicromagneticsError(f"engine: magnum.np run failed: {res.stderr[-800:]}",
                                      field="engine")
        with np.load(spec["out"]) as z:
            return {k: z[k] for k in z.files}


def _to_spinscope(a):
    """magnum.np arrays (nx, ny, nz, 3) -> (3, nz, ny, nx)."""
    return np.ascontiguousarray(np.transpose(a, (3, 2, 1, 0)))


def _from_spinscope(a):
    return np.ascontiguousarray(np.transpose(a, (3, 2, 1, 0)))


def run_magnumnp(cfg, *, base_dir=".", times=None):
    """Run a scenario (:class:`~spinscope.config.micromagnetics.LLGConfig`) on magnum.np.

    Returns
    -------
    xarray.DataArray
        The magnetisation movie, as :func:`~spinscope.micromagnetics.scenario.run_scenario`.
    """
    from spinscope.micromagnetics.scenario import build_simulation
    from spinscope.micromagnetics.simulation import magnetisation_movie

    for name in ("current", "zhang_li", "thermal"):
        if getattr(cfg, name) is not None:
            raise ParameterError(f"{name}: not supported by the magnum.np engine "
                                 "(use engine = 'spinscope')", field=name)
    if any(f.region_radius is not None for f in cfg.fields):
        raise ParameterError("fields.region_radius: not supported by the magnum.np engine",
                             field="fields.region_radius")
    if cfg.material.absorbing_width > 0 or cfg.material.Ku2 != 0:
        raise ParameterError("material: absorbing boundaries and Ku2 are not supported by the "
                             "magnum.np engine", field="material")
    sim = build_simulation(cfg, base_dir=base_dir)  # geometry, initial state, validation
    r = cfg.run
    if times is None:
        if r.interval is not None:
            times = r.interval * np.arange(int(round(r.duration / r.interval)) + 1)
        else:
            times = np.linspace(0.0, r.duration, r.n_frames or 101)
    fields = []
    for f in cfg.fields:
        d = {"kind": f.kind}
        if f.kind == "rotating":
            d.update(B0=float(np.linalg.norm(f.B)), frequency=f.frequency, axis=f.axis,
                     sense=f.sense, phase=f.phase)
        else:
            d["B"] = list(f.B)
            if f.kind == "pulse":
                d.update(t0=f.t0, duration=f.duration, shape=f.shape, rise=f.rise)
            elif f.kind == "rf":
                d.update(frequency=f.frequency, phase=f.phase, t0=f.t0)
        fields.append(d)
    mat = cfg.material
    spec = {"n": list(sim.mesh.n), "dx": list(sim.mesh.d), "A": mat.A, "alpha": mat.alpha,
            "Ku": mat.Ku1, "Ku_axis": list(sim.anis_u), "Di": mat.D, "demag": cfg.demag,
            "relax": cfg.relax.enabled, "fields": fields, "times": [float(t) for t in times],
            "tol": r.max_err}
    out = _run_child(spec, {"Ms": np.transpose(sim.Ms, (2, 1, 0)), "m0": _from_spinscope(sim.m)})
    frames = np.array([_to_spinscope(f) for f in out["frames"]]) * sim._maskf
    movie = magnetisation_movie(times, frames, sim.mesh, attrs={
        "engine": "magnum.np", "wall_time": float(out["wall"].sum())})
    avgs = np.array([sim.average(f) for f in frames])
    return movie.assign_coords(m_avg=(("time", "component"), avgs))


def sp4_magnumnp(field: int = 1, cells=(100, 25), tol: float = 1e-5,
                 duration: float = 1e-9, threads: int | None = None) -> dict:
    """Standard problem 4 on magnum.np (same relaxed start as spinscope's, same output times).

    ``threads`` sets torch's thread count in the child (``None``: torch's default).

    Returns
    -------
    dict
        ``zero_crossing_ps``, ``wall_time_s`` (the field run only), ``relax_wall_time_s``,
        ``relaxed`` (<m>), ``t``, ``m``.
    """
    from spinscope.micromagnetics.mesh import Mesh
    from spinscope.micromagnetics.simulation import Simulation
    from spinscope.micromagnetics.standard_problems import SP4_FIELDS, first_zero_crossing

    nx, ny = cells
    mesh = Mesh.from_size((500e-9, 125e-9, 3e-9), (nx, ny, 1))
    sim = Simulation(mesh, Ms=8e5, A=1.3e-11, alpha=0.02, m0=(1.0, 0.25, 0.1))
    times = np.linspace(0.0, duration, int(round(duration / 1e-12)) + 1)
    spec = {"n": [nx, ny, 1], "dx": list(mesh.d), "A": 1.3e-11, "alpha": 0.02, "demag": True,
            "relax": True, "tol": tol, "times": [float(t) for t in times],
            "fields": [{"kind": "static", "B": list(SP4_FIELDS[field])}], "threads": threads}
    out = _run_child(spec, {"Ms": np.full((nx, ny, 1), 8e5), "m0": _from_spinscope(sim.m)})
    frames = np.array([_to_spinscope(f) for f in out["frames"]])
    avg = frames.mean(axis=(2, 3, 4))
    return {"zero_crossing_ps": first_zero_crossing(times, avg[:, 0]) * 1e12,
            "wall_time_s": float(out["wall"][1]), "relax_wall_time_s": float(out["wall"][0]),
            "relaxed": _to_spinscope(out["relaxed"]).mean(axis=(1, 2, 3)).tolist(),
            "t": times.tolist(), "m": avg.tolist(), "mu0": MU0}
