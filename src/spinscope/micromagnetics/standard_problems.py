"""muMAG standard problems 4 and 5 and small analytic checks (macrospin, Kittel).

References
----------
- muMAG standard problem 4: permalloy 500 x 125 x 3 nm, Ms = 8.0e5 A/m, A = 1.3e-11 J/m,
  alpha = 0.02, relaxed s-state (from a saturated state along [1, 1, 1]-ish), fields
  mu0 H = (-24.6, 4.3, 0) mT (field 1) and (-35.5, -6.3, 0) mT (field 2). Published first zero
  crossing of <m_x>: about 138 ps (field 1) and 137 ps (field 2). MuMax3's certification test
  (``test/cert/standardproblem4.go``, 128 x 32 cells) expects the relaxed
  ``<m> = (0.96696, 0.12528, 0)`` and, 1 ns after field 1, ``(-0.9845, 0.1268, 0.0432)``.
- Standard problem 5 (Najafi et al., J. Appl. Phys. 105, 113914 (2009)): permalloy square
  100 x 100 x 10 nm, relaxed vortex, Zhang-Li torque with u = 72.35 m/s along x, alpha = 0.1,
  xi = 0.05. MuMax3's certification test (32 x 32 x 4 cells, J = 1e12 A/m^2, P = 1) expects
  ``<m> = (-0.239191, -0.099219, 0.0228132)`` 1 ns after the current is switched on.
"""

from __future__ import annotations

import math
import time

import numpy as np

from spinscope.constants import GAMMA_LLG as GAMMA
from spinscope.constants import MU0, QE
from spinscope.constants import MU_B as MUB
from spinscope.micromagnetics.drives import ZhangLiTorque
from spinscope.micromagnetics.errors import ParameterError
from spinscope.micromagnetics.mesh import Mesh
from spinscope.micromagnetics.simulation import Simulation
from spinscope.micromagnetics.states import vortex
from spinscope.micromagnetics.terms import Demag, Exchange, Material

__all__ = [
    "SP4_FIELDS",
    "SP4_REFERENCE",
    "SP5_REFERENCE",
    "first_zero_crossing",
    "kittel_frequency",
    "standard_problem_4",
    "standard_problem_5",
]

#: Applied flux densities mu0 H [T] of standard problem 4.
SP4_FIELDS = {1: (-24.6e-3, 4.3e-3, 0.0), 2: (-35.5e-3, -6.3e-3, 0.0)}
#: Published reference values used by the tests.
SP4_REFERENCE = {
    "zero_crossing": {1: 138.4e-12, 2: 136.7e-12},
    "zero_crossing_tolerance": 1.5e-12,
    "relaxed_mumax3": (0.96696, 0.12528, 0.0),
    "final_field1_mumax3": (-0.9845, 0.1268, 0.0432),
}
SP5_REFERENCE = {"m_1ns_mumax3": (-0.239191, -0.099219, 0.0228132)}


def first_zero_crossing(t, y) -> float:
    """Time of the first sign change of ``y(t)`` (linear interpolation) [s]; NaN if none."""
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    s = np.sign(y)
    idx = np.nonzero(s[1:] * s[:-1] <= 0)[0]
    idx = [i for i in idx if not (y[i] == 0 and y[i + 1] == 0)]
    if not idx:
        return math.nan
    i = idx[0]
    if y[i + 1] == y[i]:
        return float(t[i])
    return float(t[i] - y[i] * (t[i + 1] - t[i]) / (y[i + 1] - y[i]))


def kittel_frequency(B: float, Ms: float, gamma: float = GAMMA) -> float:
    """Kittel FMR frequency of a thin film magnetised in plane by ``B`` [T]:
    ``f = gamma/(2 pi) sqrt(B (B + mu0 Ms))`` [Hz]."""
    return gamma / (2 * math.pi) * math.sqrt(B * (B + MU0 * Ms))


def _parse_cells(cells) -> tuple[int, int]:
    if isinstance(cells, str):
        try:
            nx, ny = (int(v) for v in cells.split(","))
        except ValueError:
            raise ParameterError(f"cells: expected 'NX,NY' such as '100,25', got {cells!r}",
                                 field="cells") from None
    else:
        nx, ny = (int(v) for v in cells)
    if nx < 1 or ny < 1:
        raise ParameterError(f"cells: expected positive counts, got {cells!r}", field="cells")
    return nx, ny


def standard_problem_4(field: int = 1, *, cells=(100, 25), duration: float = 1e-9,
                       n_frames: int | None = None, max_err: float = 1e-5, progress: bool = False,
                       relaxed=None) -> dict:
    """Run muMAG standard problem 4.

    Parameters
    ----------
    field
        1 or 2.
    cells
        ``(nx, ny)`` in-plane cell counts (one cell through the 3 nm thickness).
    duration
        Simulated time after the field is applied [s].
    n_frames
        Number of recorded times (including 0); default: one every picosecond.
    max_err
        Error tolerance of the adaptive solver.
    relaxed
        A relaxed state ``(3, 1, ny, nx)`` to start from (skips the relaxation).

    Returns
    -------
    dict
        ``zero_crossing`` [s] (first zero of <m_x>), ``relaxed`` (<m> of the s-state), ``t`` [s],
        ``m`` (<m> trajectory, list of 3-vectors), ``wall_time`` [s] (relaxation included),
        ``run_wall_time`` [s] (the field run only), ``steps``, ``movie``.
    """
    if field not in SP4_FIELDS:
        raise ParameterError(f"field: expected 1 or 2, got {field!r}", field="field")
    nx, ny = _parse_cells(cells)
    mesh = Mesh.from_size((500e-9, 125e-9, 3e-9), (nx, ny, 1))
    wall0 = time.perf_counter()
    sim = Simulation(mesh, Material(Ms=8.0e5, alpha=0.02), [Exchange(1.3e-11), Demag()],
                     m0=(1.0, 0.25, 0.1))
    if relaxed is None:
        sim.relax(max_torque=1e-6)
    else:
        sim.set_m(relaxed)
    m_relaxed = sim.average()
    relaxed_state = sim.m.copy()
    sim.stats = {"steps": 0, "rejected": 0, "evaluations": 0}
    sim.set_fields([np.array(SP4_FIELDS[field])])
    if n_frames is None:
        n_frames = max(2, int(round(duration / 1e-12)) + 1)
    movie = sim.run(duration, n_frames=n_frames, max_err=max_err, progress=progress)
    avg = movie["m_avg"].values
    t = movie["time"].values
    return {
        "zero_crossing": first_zero_crossing(t, avg[:, 0]),
        "relaxed": m_relaxed.tolist(),
        "t": t.tolist(),
        "m": avg.tolist(),
        "wall_time": time.perf_counter() - wall0,
        "run_wall_time": float(movie.attrs["wall_time"]),
        "steps": sim.stats["steps"],
        "evaluations": sim.stats["evaluations"],
        "movie": movie,
        "relaxed_state": relaxed_state,
    }


def standard_problem_5(*, cells=(32, 32, 4), duration: float = 1e-9, n_frames: int = 101,
                       max_err: float = 1e-5, progress: bool = False) -> dict:
    """Run standard problem 5 (Zhang-Li torque on a permalloy vortex).

    The vortex (circulation +1, polarity +1) is relaxed, then a current ``J = 1e12 A/m^2`` along
    +x with ``P = 1`` and ``xi = 0.05`` drives it (``u = mu_B J / (e Ms) = 72.36 m/s`` before
    MuMax3's ``1/(1 + xi^2)`` factor), with ``alpha = 0.1``.

    Returns
    -------
    dict
        ``t`` [s], ``m`` (<m> trajectory), ``relaxed``, ``final``, ``wall_time`` [s].
    """
    c = tuple(int(v) for v in cells) if not isinstance(cells, str) else \
        tuple(int(v) for v in cells.split(","))
    if len(c) == 2:
        c = (*c, 4)
    mesh = Mesh.from_size((100e-9, 100e-9, 10e-9), c)
    wall0 = time.perf_counter()
    sim = Simulation(mesh, Material(Ms=8.0e5, alpha=0.1), [Exchange(1.3e-11), Demag()],
                     m0=vortex(mesh, 1, 1, 10e-9))
    sim.relax(max_torque=1e-5)
    relaxed = sim.average()
    sim.set_torques([ZhangLiTorque(J=(1e12, 0.0, 0.0), P=1.0, xi=0.05)])
    movie = sim.run(duration, n_frames=n_frames, max_err=max_err, progress=progress)
    avg = movie["m_avg"].values
    return {
        "t": movie["time"].values.tolist(),
        "m": avg.tolist(),
        "relaxed": relaxed.tolist(),
        "final": avg[-1].tolist(),
        "u": MUB * 1e12 / (QE * 8.0e5),
        "wall_time": time.perf_counter() - wall0,
        "movie": movie,
    }
