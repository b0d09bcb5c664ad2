"""The child process of the magnum.np engine: ``python -m spinscope.micromagnetics._magnumnp_child SPEC``.

:mod:`spinscope.micromagnetics.magnumnp_engine` writes a JSON ``SPEC`` and an ``.npz`` of arrays
and runs this module in a fresh Python, so that torch and magnum.np (which change torch's global
state when imported) never load into the user's process. Importing this module imports neither:
they are imported in :func:`_import_magnumnp`, when a run starts.

The spec (all SI):

``n``, ``dx``
    Cell counts ``(nx, ny, nz)`` and cell size [m].
``arrays``, ``out``
    Input ``.npz`` (``Ms`` [A/m] as ``(nx, ny, nz)``, ``m0`` as ``(nx, ny, nz, 3)``) and output
    ``.npz`` (``frames``, ``relaxed``, ``wall`` [s]: set-up and relaxation, run).
``A``, ``alpha``, ``demag``, ``Ku``, ``Ku_axis``, ``Di``
    Exchange [J/m], damping, demagnetisation on/off, uniaxial anisotropy [J/m^3] and its axis,
    interfacial DMI [J/m^2].
``fields``
    Field descriptions built by :func:`spinscope.micromagnetics.drives.field_from_spec`.
``relax``, ``times``, ``tol``, ``threads``
    Relax first (magnum.np's Barzilai-Borwein minimiser), output times [s], the RKF45 tolerance,
    torch's thread count (optional).

Exit status: 0 done, 2 an unusable spec, 3 magnum.np or torch not installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from spinscope.micromagnetics.drives import field_from_spec

__all__ = ["main"]

#: Entries a spec must have.
REQUIRED = ("n", "dx", "arrays", "out", "A", "alpha", "demag", "relax", "fields", "times", "tol")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m spinscope.micromagnetics._magnumnp_child",
        description="Run one magnum.np simulation described by a JSON spec (the child process of "
                    "spinscope's magnum.np engine; not meant to be run by hand).")
    p.add_argument("spec", type=Path, help="JSON file written by spinscope.micromagnetics."
                   "magnumnp_engine")
    return p


def read_spec(path: Path) -> dict:
    """Read and check a spec file; raises ``ValueError`` naming what is wrong."""
    try:
        spec = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"spec: cannot read {path} ({exc})") from None
    if not isinstance(spec, dict):
        raise ValueError(f"spec: {path} does not hold a JSON object")
    missing = [k for k in REQUIRED if k not in spec]
    if missing:
        raise ValueError(f"spec: {path} lacks {', '.join(missing)}")
    return spec


def _import_magnumnp(threads):
    """Import torch and magnum.np (the optional engine: imported only in this child)."""
    os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")
    import magnumnp as mn
    import torch

    if threads:
        torch.set_num_threads(int(threads))
    mn.set_log_level(40)
    return mn, torch


def _setup(spec: dict, mn, torch):
    """The magnum.np state (material, initial m) and its field terms (no external field yet)."""
    mesh = mn.Mesh(tuple(spec["n"]), tuple(spec["dx"]))
    state = mn.State(mesh)
    with np.load(spec["arrays"]) as arrs:
        Ms = torch.tensor(arrs["Ms"][..., None], dtype=torch.float64)
        m0 = torch.tensor(arrs["m0"], dtype=torch.float64)
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
    state.m = m0
    return state, terms


def _external_field(spec: dict, mn):
    """magnum.np's ``ExternalField`` of the spec's drives (``H`` [A/m]), or ``None``."""
    drives = [field_from_spec(f, where=f"fields[{i}]") for i, f in enumerate(spec["fields"])]
    if not drives:
        return None

    def h(st, drives=drives):
        t = float(st.t)
        return [float(v) for v in sum(d.H(t) for d in drives)]

    return mn.ExternalField(h)


def run(spec: dict) -> dict:
    """Relax (if asked) and run the spec on magnum.np; writes and returns the output arrays."""
    mn, torch = _import_magnumnp(spec.get("threads"))
    wall0 = time.perf_counter()
    state, terms = _setup(spec, mn, torch)
    if spec["relax"]:
        mn.MinimizerBB(terms).minimize(state)
    relaxed = state.m.detach().cpu().numpy().copy()
    ext = _external_field(spec, mn)
    if ext is not None:
        terms.append(ext)
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
    out = {"frames": np.array(frames), "relaxed": relaxed,
           "wall": np.array([wall1 - wall0, wall2 - wall1])}
    np.savez(spec["out"], **out)
    return out


def main(argv=None) -> int:
    """Command-line entry: check the spec and magnum.np, then :func:`run`; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        spec = read_spec(args.spec)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if importlib.util.find_spec("magnumnp") is None or importlib.util.find_spec("torch") is None:
        print("engine: magnum.np is not installed; pip install 'spinscope[magnumnp]' (CPU torch)",
              file=sys.stderr)
        return 3
    run(spec)
    return 0


if __name__ == "__main__":
    sys.exit(main())
