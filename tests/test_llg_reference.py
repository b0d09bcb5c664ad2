"""The LLG engine against published reference solutions of other micromagnetic codes.

- muMAG standard problem 4, field 1: the <m>(t) trajectory of the OOMMF reference solution shipped
  with fidimag (``tests/data/sp4_field1_oommf_reference.csv``; provenance and license in its header),
  compared up to 0.3 ns at the reference's 2.5 nm cells and at the usual 100 x 25 cells (5 nm).
- muMAG standard problem 4, field 2: no published field-2 trajectory was found in the public
  repositories searched (the test and demo data of mumax3, fidimag and magnum.np; the NIST muMAG
  pages themselves are not reachable from here); the one field-2 reference value available is
  MuMax3's <m> 1 ns after the field is applied.
- MuMax3's Slonczewski tests ``test/std5c.mx3`` (epsilon' = 0, "verified against oommf 1.2a5bis")
  and ``test/std5b.mx3`` (epsilon' = 1), exactly as specified there.
- Optional (SPINSCOPE_TEST_MAGNUMNP=1): the vortex gyrotropic frequency of a permalloy disk against
  magnum.np running the same scenario.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

import spinscope.micromagnetics as mm
from spinscope.micromagnetics.standard_problems import first_zero_crossing, standard_problem_4

DATA = Path(__file__).parent / "data"


def _read_reference(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Times [s] and <m> rows of a ``time_ps,mx,my,mz`` table with ``#`` header comments."""
    lines = [ln for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert lines[0] == "time_ps,mx,my,mz"
    a = np.array([[float(v) for v in ln.split(",")] for ln in lines[1:]])
    return a[:, 0] * 1e-12, a[:, 1:]


def test_sp4_reference_table_is_the_published_curve():
    t, m = _read_reference(DATA / "sp4_field1_oommf_reference.csv")
    assert t.size == 63 and np.all(np.diff(t) > 0) and t[-1] == pytest.approx(0.3e-9)
    # the s-state at 1 ps (MuMax3 certification value of the relaxed state: (0.96696, 0.12528, 0))
    assert np.allclose(m[0], (0.96696, 0.12528, 0.0), atol=2e-3)
    # OOMMF's first zero crossing of <m_x>, from the two bracketing samples: 138.50 ps
    assert first_zero_crossing(t, m[:, 0]) == pytest.approx(138.498e-12, abs=0.01e-12)


@pytest.fixture(scope="module")
def oommf_sp4():
    return _read_reference(DATA / "sp4_field1_oommf_reference.csv")


def _sp4_deviation(cells, reference):
    t_ref, m_ref = reference
    r = standard_problem_4(1, cells=cells, duration=0.3e-9, n_frames=301)
    t = np.asarray(r["t"])
    m = np.asarray(r["m"])
    # both on the reference's times (our frames every 1 ps, the reference every 5 ps)
    ours = np.column_stack([np.interp(t_ref, t, m[:, k]) for k in range(3)])
    return np.abs(ours - m_ref).max(), r["zero_crossing"]


@pytest.mark.slow
def test_sp4_field1_trajectory_matches_oommf_at_the_reference_cell_size(oommf_sp4):
    """200 x 50 cells (2.5 nm): measured max |<m> - <m>_OOMMF| = 7.8e-5 up to 0.3 ns, zero crossing
    138.495 ps against OOMMF's 138.498 ps."""
    dev, tz = _sp4_deviation((200, 50), oommf_sp4)
    assert dev < 0.02  # the acceptance criterion of the issue
    # at the reference's own cell size the two engines solve the same discrete problem: they agree to
    # the integration tolerance (fidimag asserts 1e-4 against the same table)
    assert dev < 1e-3, dev
    t_ref, m_ref = oommf_sp4
    assert abs(tz - first_zero_crossing(t_ref, m_ref[:, 0])) < 0.5e-12


def test_sp4_field1_trajectory_matches_oommf_with_5nm_cells(oommf_sp4):
    """100 x 25 cells (5 nm, the default): measured max |<m> - <m>_OOMMF| = 3.7e-3 (at 135 ps),
    zero crossing 138.72 ps against OOMMF's 138.50 ps (discretisation error of the coarser mesh)."""
    dev, tz = _sp4_deviation((100, 25), oommf_sp4)
    assert dev < 0.02, dev
    assert abs(tz - 138.498e-12) < 1.5e-12


@pytest.mark.slow
def test_sp4_field2_final_state_matches_mumax3():
    """Field 2 (-35.5, -6.3, 0) mT on MuMax3's 128 x 32 mesh.

    Reference: mumax/3, ``test/standardproblem4b.txt`` (commit 21cb4d55b720c9c91a54b1543b8b53131ed67329):
    ``expectv("m", m.average(), vector(-0.9687, -0.1186, -0.0056), 1e-3)`` 1 ns after the field is
    applied (MuMax3 in single precision; its own regression tolerance 1e-3). Measured here:
    (-0.97019, -0.12252, -0.00472), max deviation 3.9e-3. The field-2 reversal goes through a
    vortex-like state and its late trajectory depends on the mesh (100 x 25 cells end 0.024 away), so
    the comparison is made on MuMax3's mesh with 0.01.
    """
    r = standard_problem_4(2, cells=(128, 32), duration=1e-9, n_frames=11)
    assert np.abs(np.array(r["m"][-1]) - (-0.9687, -0.1186, -0.0056)).max() < 0.01, r["m"][-1]


def _mumax3_slonczewski_test(epsilon_prime: float) -> np.ndarray:
    """MuMax3's ``test/std5b.mx3`` / ``test/std5c.mx3`` on spinscope; returns <m> after 0.5 ns.

    The scenario, as written in the MuMax3 scripts: a 160 x 80 x 5 nm box of 64 x 32 x 1 cells,
    ``Msat = 800e3``, ``Aex = 13e-12``, ``alpha = 0.01``, demagnetisation on (MuMax3's default),
    ``m = uniform(1, 0, 0)`` (no relaxation), a total current of -6 mA through the 160 x 80 nm face,
    ``J = vector(0, 0, -0.006 / (160e-9 * 80e-9))``, ``Pol = 0.5669``, ``Lambda = 2``,
    ``EpsilonPrime`` = 0 (std5c) or 1 (std5b), ``FixedLayer = vector(cos 20 deg, sin 20 deg, 0)``,
    ``run(0.5e-9)``.

    Mapping onto :class:`~spinscope.micromagnetics.SlonczewskiTorque` (MuMax3's
    ``AddSTTorque`` and ``cuda/slonczewski2.cu`` at commit 5109559af5e93557810320c3fa685f0428910b3b):
    ``J`` is the z component of MuMax3's ``J``
    with the same sign, since MuMax3's default ``FixedLayerPosition = FIXEDLAYER_TOP`` multiplies the
    free-layer thickness by +1 in ``beta = (hbar / e) J / (d Ms)``; ``d`` is the mesh thickness in
    both codes (``FreeLayerThickness`` unset there, ``thickness=None`` here); ``Pol`` -> ``P``,
    ``Lambda`` -> ``Lambda``, ``EpsilonPrime`` -> ``epsilon_prime``, ``FixedLayer`` -> ``p`` (both
    normalise it); the torque ``gamma/(1 + alpha^2) [(A + alpha B) m x (p x m) + (B - alpha A) p x m]``
    with ``A = beta epsilon``, ``B = beta epsilon'`` and ``gamma = GammaLL = 1.7595e11`` is the same
    expression. MuMax3 also adds a Zhang-Li torque for this ``J``; with ``J`` along z and one cell
    through the thickness its gradient term vanishes, so no Zhang-Li torque is set here.
    """
    length, width, thick = 160e-9, 80e-9, 5e-9
    mesh = mm.Mesh.from_size((length, width, thick), (64, 32, 1))
    theta = math.radians(20.0)
    stt = mm.SlonczewskiTorque(J=-0.006 / (length * width), p=(math.cos(theta), math.sin(theta), 0.0),
                               P=0.5669, Lambda=2.0, epsilon_prime=epsilon_prime)
    sim = mm.Simulation(mesh, mm.Material(Ms=800e3, alpha=0.01), [mm.Exchange(13e-12), mm.Demag()],
                        torques=[stt], m0=(1.0, 0.0, 0.0))
    movie = sim.run(0.5e-9, n_frames=2, max_err=1e-5)
    return movie["m_avg"].values[-1]


@pytest.mark.slow
def test_mumax3_std5c_slonczewski_without_field_like_torque():
    """mumax/3 ``test/std5c.mx3`` (commit 87b12f6db07717f6ea0f20619ea1b244552355bb; "Standard solution
    was verified against oommf 1.2a5bis"): ``expectv("m", m.average(), vector(0.905612587928772,
    -0.2860856354236603, -0.011005667969584465), 1e-5)``. Measured here: (0.906750, -0.285022,
    -0.011355), max deviation 1.1e-3."""
    m = _mumax3_slonczewski_test(0.0)
    ref = (0.905612587928772, -0.2860856354236603, -0.011005667969584465)
    assert np.abs(m - ref).max() < 5e-3, m


@pytest.mark.slow
def test_mumax3_std5b_slonczewski_with_field_like_torque():
    """mumax/3 ``test/std5b.mx3`` (commit 46ff500b0a904567d74525feaaafeb98328a90ac), epsilon' = 1:
    ``expectv("m", m.average(), vector(-0.953765869140625, -0.27836909890174866,
    0.005288289859890938), 1e-5)``. That version of the script notes that this value was not yet
    validated against OOMMF; an older version (before MuMax3 changed the damping-like factor from
    ``A - alpha B`` to ``A + alpha B``) expected ``m_x = -0.9538384675979614``, 7e-5 away. Measured
    here: (-0.953734, -0.278475, 0.005277), max deviation 1.1e-4."""
    m = _mumax3_slonczewski_test(1.0)
    ref = (-0.953765869140625, -0.27836909890174866, 0.005288289859890938)
    assert np.abs(m - ref).max() < 5e-3, m


def _gyration_frequency(t, m_avg, *, skip: float) -> tuple[float, float]:
    """Gyrotropic frequency [Hz] from the slope of the unwrapped in-plane phase of <m> (the disk's
    vortex gyrates about the centre, where <m_x> = <m_y> = 0), and the largest phase residual [rad]."""
    phase = np.unwrap(np.arctan2(m_avg[:, 1], m_avg[:, 0]))
    k = t >= skip
    slope, icpt = np.polyfit(t[k], phase[k], 1)
    return abs(slope) / (2 * math.pi), float(np.abs(phase[k] - (slope * t[k] + icpt)).max())


@pytest.mark.slow
def test_vortex_gyrotropic_frequency_against_magnumnp(tmp_path):
    """Permalloy disk R = 150 nm, L = 10 nm (60 x 60 x 1 cells, alpha = 0.01): the vortex core is
    displaced by a 2 mT in-plane field and relaxed (spinscope), the displaced state is written as an
    OVF file and both engines run the same scenario from it (no field, 1 ns). Measured by hand
    (2 cores, magnum.np 2.2.0, CPU torch): spinscope 0.2965 GHz, magnum.np 0.2966 GHz (0.03 %);
    the whole test took 24 s. (The same comparison from the in-memory state, without the OVF file,
    gave 0.2959 and 0.2960 GHz with max |<m> difference| 2.1e-4.)"""
    from spinscope.micromagnetics.magnumnp_engine import magnumnp_available

    if not magnumnp_available():
        pytest.skip("magnum.np not installed (pip install 'spinscope[magnumnp]')")
    if os.environ.get("SPINSCOPE_TEST_MAGNUMNP") != "1":
        pytest.skip("magnum.np cross-check is opt-in (SPINSCOPE_TEST_MAGNUMNP=1): torch on 2 "
                    "cores takes about half a minute here")
    from spinscope.config.micromagnetics import LLGConfig
    from spinscope.io.ovf import write_ovf
    from spinscope.micromagnetics.scenario import run_scenario

    R, L, n = 150e-9, 10e-9, 60
    mesh = mm.Mesh.from_size((2 * R, 2 * R, L), (n, n, 1))
    sim = mm.Simulation(mesh, mm.Material(Ms=8e5, alpha=0.01), [mm.Exchange(1.3e-11), mm.Demag()],
                        mask=mm.disk(mesh, R), m0=mm.vortex(mesh, 1, 1, 10e-9))
    sim.set_fields([(0.0, 2e-3, 0.0)])
    sim.relax(max_torque=1e-4)
    start = tmp_path / "displaced_vortex.ovf"
    write_ovf(start, mm.magnetisation_movie(None, sim.m, mesh))
    cfg = LLGConfig.model_validate({
        "name": "free vortex gyration",
        "mesh": {"size": ["300 nm", "300 nm", "10 nm"], "cells": [n, n, 1]},
        "geometry": {"shape": "disk", "radius": "150 nm"},
        "material": {"Ms": "800 kA/m", "A": "13 pJ/m", "alpha": 0.01},
        "initial": {"state": "file", "file": str(start)},
        "relax": {"enabled": False},
        "run": {"duration": "1 ns", "interval": "10 ps", "max_err": 1e-5},
    })
    ours = run_scenario(cfg)
    theirs = run_scenario(cfg.model_copy(update={"engine": "magnumnp"}))
    t = ours.time.values
    f_ours, res_ours = _gyration_frequency(t, ours["m_avg"].values, skip=0.1e-9)
    f_theirs, res_theirs = _gyration_frequency(t, theirs["m_avg"].values, skip=0.1e-9)
    diff = np.abs(ours["m_avg"].values - theirs["m_avg"].values).max()
    print(f"gyrotropic frequency: spinscope {f_ours / 1e9:.4f} GHz, magnum.np {f_theirs / 1e9:.4f} GHz, "
          f"max |<m> difference| {diff:.2e}")
    assert res_ours < 0.3 and res_theirs < 0.3  # a clean gyration, not spin-wave noise
    assert abs(f_ours / f_theirs - 1) < 0.10
    assert 0.2e9 < f_ours < 0.4e9  # thin-disk estimate 0.332 GHz (Guslienko et al. 2002)
