"""magnum.np as an optional engine and cross-check (``pip install spinscope[magnumnp]``).

magnum.np (GPL-3, torch) changes torch's global state when imported (default dtype, device,
compilation). To keep that away from the user's process, every magnum.np run happens in a child
Python process, ``python -m spinscope.micromagnetics._magnumnp_child`` (with
``TORCHDYNAMO_DISABLE=1`` and no visible GPU unless ``CUDA_VISIBLE_DEVICES`` is set): the parent
sends a JSON description, the child writes an ``.npz`` with the trajectory, and the parent builds
the same magnetisation-movie contract as the built-in engine.

Supported on this engine: mesh, geometry (as Ms = 0 outside), Ms, A, alpha, uniaxial anisotropy
(``Ku1``), interfacial DMI, uniform fields (static, pulse, rf, rotating; no spatial profile), initial
state, relaxation (magnum.np's Barzilai-Borwein minimiser) and the run with its RKF45 solver.
Spin-transfer torques, Oersted and thermal fields, ``Ku2``, absorbing boundaries and checkpoints
raise :class:`ParameterError` on this engine.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from spinscope.config.micromagnetics import LLGConfig
from spinscope.constants import MU0
from spinscope.micromagnetics.build import build_simulation, output_times
from spinscope.micromagnetics.errors import MicromagneticsError, ParameterError
from spinscope.micromagnetics.mesh import Mesh
from spinscope.micromagnetics.simulation import magnetisation_movie
from spinscope.micromagnetics.standard_problems import SP4_FIELDS, first_zero_crossing
from spinscope.micromagnetics.states import uniform

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["CHILD_MODULE", "MagnumNPEngine", "magnumnp_available", "run_magnumnp", "sp4_magnumnp"]

#: The module the child process runs (``python -m CHILD_MODULE SPEC``).
CHILD_MODULE = "spinscope.micromagnetics._magnumnp_child"


def magnumnp_available() -> bool:
    """Whether magnum.np (and torch) can be imported (checked without importing them)."""
    return importlib.util.find_spec("magnumnp") is not None and \
        importlib.util.find_spec("torch") is not None


def _child_env() -> dict:
    """The child's environment: no torch compilation, no GPU unless chosen, spinscope importable."""
    env = dict(os.environ, TORCHDYNAMO_DISABLE="1")
    env.setdefault("CUDA_VISIBLE_DEVICES", "")
    src = str(Path(__file__).resolve().parents[2])  # the folder that holds spinscope/
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return env


def _run_child(spec: dict, arrays: dict, *, timeout: float | None = None) -> dict:
    """Run one spec in the child process; returns the arrays it wrote."""
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
        res = subprocess.run([sys.executable, "-m", CHILD_MODULE, str(spec_path)],
                             env=_child_env(), capture_output=True, text=True, timeout=timeout)
        if res.returncode != 0:
            raise MicromagneticsError(f"engine: magnum.np run failed: {res.stderr[-800:]}",
                                      field="engine")
        with np.load(spec["out"]) as z:
            return {k: z[k] for k in z.files}


def _swap_layout(a):
    """magnum.np ``(nx, ny, nz, 3)`` <-> spinscope ``(3, nz, ny, nx)`` (the swap is its own inverse)."""
    return np.ascontiguousarray(np.transpose(a, (3, 2, 1, 0)))


def _check_supported(cfg: LLGConfig) -> None:
    """Raise :class:`ParameterError` naming the first scenario entry magnum.np cannot run."""
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


def run_magnumnp(cfg: LLGConfig, *, base_dir=".", times=None) -> xr.DataArray:
    """Run a scenario (:class:`~spinscope.config.micromagnetics.LLGConfig`) on magnum.np.

    Parameters
    ----------
    cfg
        The scenario.
    base_dir
        Folder for relative paths in the scenario.
    times
        Output times [s]; default those of ``[run]``.

    Returns
    -------
    xarray.DataArray
        The magnetisation movie, as :func:`~spinscope.micromagnetics.scenario.run_scenario`.
    """
    _check_supported(cfg)
    sim = build_simulation(cfg, base_dir=base_dir)  # geometry, initial state, validation
    if times is None:
        times = output_times(cfg)
    mat = cfg.material
    spec = {"n": list(sim.mesh.n), "dx": list(sim.mesh.d), "A": mat.A, "alpha": mat.alpha,
            "Ku": mat.Ku1, "Ku_axis": list(sim.anis_u), "Di": mat.D, "demag": cfg.demag,
            "relax": cfg.relax.enabled, "fields": [f.model_dump() for f in cfg.fields],
            "times": [float(t) for t in times], "tol": cfg.run.max_err}
    out = _run_child(spec, {"Ms": np.transpose(sim.Ms, (2, 1, 0)), "m0": _swap_layout(sim.m)})
    frames = sim.masked(np.array([_swap_layout(f) for f in out["frames"]]))
    movie = magnetisation_movie(times, frames, sim.mesh, attrs={
        "engine": "magnum.np", "wall_time": float(out["wall"].sum())})
    avgs = np.array([sim.average(f) for f in frames])
    return movie.assign_coords(m_avg=(("time", "component"), avgs))


class MagnumNPEngine:
    """The magnum.np engine (:func:`run_magnumnp` in a child process) for the engine registry."""

    name = "magnumnp"

    def available(self) -> bool:
        """Whether magnum.np and torch are installed."""
        return magnumnp_available()

    def run(self, cfg: LLGConfig, *, base_dir=".", progress: bool = False, checkpoint=None,
            resume: bool = False, workers: int | None = None) -> xr.DataArray:
        """Run ``cfg`` (see :class:`~spinscope.micromagnetics.engine.Engine`); ``progress`` and
        ``workers`` have no effect here, and checkpoints are refused."""
        if checkpoint is not None:
            raise ParameterError("checkpoint: not supported by the magnum.np engine "
                                 "(use engine = 'spinscope')", field="checkpoint")
        return run_magnumnp(cfg, base_dir=base_dir)


def sp4_magnumnp(field: int = 1, cells=(100, 25), tol: float = 1e-5,
                 duration: float = 1e-9, threads: int | None = None) -> dict:
    """Standard problem 4 on magnum.np (same start and output times as spinscope's).

    Parameters
    ----------
    field
        1 or 2.
    cells
        ``(nx, ny)`` cells (one through the 3 nm thickness).
    tol
        Tolerance of magnum.np's RKF45 solver.
    duration
        Run time after the field is applied [s].
    threads
        torch's thread count in the child (``None``: torch's default).

    Returns
    -------
    dict
        ``zero_crossing_ps``, ``wall_time_s`` (the field run only), ``relax_wall_time_s``,
        ``relaxed`` (<m>), ``t`` [s], ``m``.
    """
    nx, ny = cells
    mesh = Mesh.from_size((500e-9, 125e-9, 3e-9), (nx, ny, 1))
    m0 = uniform(mesh, (1.0, 0.25, 0.1))
    times = np.linspace(0.0, duration, int(round(duration / 1e-12)) + 1)
    spec = {"n": [nx, ny, 1], "dx": list(mesh.d), "A": 1.3e-11, "alpha": 0.02, "demag": True,
            "relax": True, "tol": tol, "times": [float(t) for t in times],
            "fields": [{"kind": "static", "B": list(SP4_FIELDS[field])}], "threads": threads}
    out = _run_child(spec, {"Ms": np.full((nx, ny, 1), 8e5), "m0": _swap_layout(m0)})
    frames = np.array([_swap_layout(f) for f in out["frames"]])
    avg = frames.mean(axis=(2, 3, 4))
    return {"zero_crossing_ps": first_zero_crossing(times, avg[:, 0]) * 1e12,
            "wall_time_s": float(out["wall"][1]), "relax_wall_time_s": float(out["wall"][0]),
            "relaxed": _swap_layout(out["relaxed"]).mean(axis=(1, 2, 3)).tolist(),
            "t": times.tolist(), "m": avg.tolist(), "mu0": MU0}
