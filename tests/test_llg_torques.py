"""Spin-transfer torques, DMI, Oersted field, thermal field, bad input, checkpoint/resume."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import spinscope.micromagnetics as mm
from spinscope.constants import HBAR, QE
from spinscope.constants import MU_B as MUB
from spinscope.errors import SpinscopeError
from spinscope.micromagnetics import GAMMA, MU0


def _one_cell(alpha, m0, terms=(), torques=()):
    """A 2 nm macrospin of Ms = 800 kA/m: no exchange, no demagnetisation."""
    mesh = mm.Mesh((1, 1, 1), (2e-9, 2e-9, 2e-9))
    return mm.Simulation(mesh, mm.Material(Ms=8e5, alpha=alpha), terms, torques=torques, m0=m0)


# ------------------------------------------------------------------ Slonczewski
def test_slonczewski_initial_rate_matches_formula():
    theta = 2.0
    J, P, alpha = 1e11, 0.5, 0.01
    sim = _one_cell(alpha=alpha, m0=(math.sin(theta), 0, math.cos(theta)),
                    torques=[mm.SlonczewskiTorque(J=J, p=(0, 0, 1), P=P, Lambda=1.0)])
    out = sim.torque(sim.m, 0.0, np.empty_like(sim.m))
    beta = HBAR / QE * J / (2e-9 * 8e5)
    eps = P / 2  # Lambda = 1
    # m x (p x m) has |.| = sin(theta) along +theta-bar (towards p): dtheta/dt = -rate sin(theta)
    rate = GAMMA * beta * eps / (1 + alpha**2)
    dtheta = out[0, 0, 0, 0] * math.cos(theta) - out[2, 0, 0, 0] * math.sin(theta)
    assert dtheta == pytest.approx(-rate * math.sin(theta), rel=1e-12)


@pytest.mark.parametrize("sign", [1, -1])
def test_slonczewski_switches_towards_polariser(sign):
    sim = mm.Simulation(mm.Mesh((1, 1, 1), (4e-9, 4e-9, 2e-9)), mm.Material(Ms=6e5, alpha=0.02),
                        [mm.UniaxialAnisotropy(3e5)], m0=(0.05, 0, -1),
                        torques=[mm.SlonczewskiTorque(J=sign * 3e12, p=(0, 0, 1), P=0.4,
                                                      Lambda=1.5, epsilon_prime=0.1)])
    sim.run(1e-9, n_frames=3)
    mz = sim.average()[2]
    assert (mz > 0.99) if sign > 0 else (mz < -0.99)


def test_current_without_polariser_is_a_clear_error():
    with pytest.raises(mm.ParameterError, match="polarisation"):
        mm.SlonczewskiTorque(J=1e11, p=None)
    with pytest.raises(SpinscopeError, match="stt.p"):
        mm.SlonczewskiTorque(J=1e11, p=(0, 0, 0))


def test_config_current_without_polariser():
    from pydantic import ValidationError

    from spinscope.config.micromagnetics import LLGConfig

    with pytest.raises(ValidationError, match="polarisation"):
        LLGConfig.model_validate({
            "mesh": {"size": ["50 nm", "50 nm", "3 nm"], "cells": [10, 10, 1]},
            "material": {"Ms": "800 kA/m", "A": "13 pJ/m"},
            "current": {"J": "1e11 A/m^2"},
            "run": {"duration": "1 ns"},
        })


# ------------------------------------------------------------------ Zhang-Li
def test_zhang_li_uniform_state_has_no_torque():
    mesh = mm.Mesh((10, 4, 1), (2e-9, 2e-9, 2e-9))
    sim = mm.Simulation(mesh, mm.Material(Ms=8e5, alpha=0.0), [mm.Exchange(1.3e-11)],
                        m0=(0.3, 0.4, 0.5),
                        torques=[mm.ZhangLiTorque(J=(1e12, 0, 0), P=1, xi=0.05)])
    out = sim.torque(sim.m, 0.0, np.empty_like(sim.m))
    assert np.abs(out).max() < 1e-6


def test_zhang_li_moves_a_wall_at_u_when_xi_equals_alpha():
    # 1-D head-to-head-free wall along x (anisotropy along x, no demag): with xi = alpha the wall
    # translates rigidly at u = mu_B P J / (e Ms (1 + xi^2)) (MuMax3 convention: against J for P>0)
    n, dx = 200, 1e-9
    mesh = mm.Mesh((n, 1, 1), (dx, dx, dx))
    x = mesh.coords()["x"]
    delta = math.sqrt(1.3e-11 / 5e5)
    th = 2 * np.arctan(np.exp(-x / delta))
    m0 = np.stack([np.cos(th), np.sin(th), np.zeros_like(th)])[:, None, None, :]
    alpha = xi = 0.1
    J, Ms = 1e12, 8e5
    sim = mm.Simulation(mesh, mm.Material(Ms=Ms, alpha=alpha),
                        [mm.Exchange(1.3e-11), mm.UniaxialAnisotropy(5e5, axis=(1, 0, 0))], m0=m0)
    sim.relax(max_torque=1e-6)
    x0 = -sim.average()[0] * n * dx / 2
    sim.set_torques([mm.ZhangLiTorque(J=(J, 0, 0), P=1.0, xi=xi)])
    duration = 0.2e-9
    sim.run(duration, n_frames=2)
    x1 = -sim.average()[0] * n * dx / 2
    u = MUB * J / (QE * Ms * (1 + xi**2))
    v = (x1 - x0) / duration
    assert abs(abs(v) / u - 1) < 0.02, (v, u)


# ------------------------------------------------------------------ DMI
def test_interfacial_dmi_interior_field_and_energy_sign():
    n, dx = 60, 1e-9
    D, A, Ms = 3e-3, 1.5e-11, 1.1e6
    mesh = mm.Mesh((n, 1, 1), (dx, dx, 1e-9))
    x = mesh.coords()["x"]
    k = 2 * np.pi / 30e-9
    m0 = np.stack([np.sin(k * x), np.zeros_like(x), np.cos(k * x)])[:, None, None, :]
    with_d = mm.Simulation(mesh, mm.Material(Ms=Ms), [mm.Exchange(A), mm.InterfacialDMI(D)], m0=m0)
    without = mm.Simulation(mesh, mm.Material(Ms=Ms), [mm.Exchange(A)], m0=m0)
    Hd = with_d.effective_field().copy() - without.effective_field()
    m = m0[:, 0, 0]
    dmz = (np.roll(m[2], -1) - np.roll(m[2], 1)) / (2 * dx)
    dmx = (np.roll(m[0], -1) - np.roll(m[0], 1)) / (2 * dx)
    pref = 2 * D / (MU0 * Ms)
    sl = slice(1, -1)
    assert np.allclose(Hd[0, 0, 0, sl], pref * dmz[sl], rtol=1e-10, atol=1e-6)
    assert np.allclose(Hd[2, 0, 0, sl], -pref * dmx[sl], rtol=1e-10, atol=1e-6)
    # E_DMI = D [m_z dm_x/dx - m_x dm_z/dx] = D k for this cycloid (positive: costs energy)
    e = with_d.energy()["exchange_dmi"] - without.energy()["exchange_dmi"]
    interior = D * (2 * math.sin(k * dx) / (2 * dx)) * dx * dx * 1e-9 * (n - 2)
    assert e == pytest.approx(interior, rel=0.1)


def test_dmi_cants_edges_like_the_boundary_condition():
    # at the +x edge of a strip magnetised along z the BC tilts m: dm_x/dx = (D/2A) m_z
    n, dx = 40, 1e-9
    D, A = 2e-3, 1.5e-11
    mesh = mm.Mesh((n, 1, 1), (dx, dx, 0.6e-9))
    sim = mm.Simulation(mesh, mm.Material(Ms=1.1e6),
                        [mm.Exchange(A), mm.InterfacialDMI(D), mm.UniaxialAnisotropy(1.2e6)],
                        m0=(0, 0, 1))
    sim.relax(max_torque=1e-6)
    mx = sim.m[0, 0, 0]
    assert mx[-1] > 0 and mx[0] == pytest.approx(-mx[-1]) and abs(mx[n // 2]) < 1e-2 * mx[-1]
    # continuum edge angle: sin(theta_edge) = D / (2 sqrt(A K)) (1-D, no demag)
    assert mx[-1] == pytest.approx(D / (2 * math.sqrt(A * 1.2e6)), rel=0.15)


# ------------------------------------------------------------------ Oersted
def test_oersted_field_of_a_nanocontact():
    mesh = mm.Mesh((101, 101, 1), (2e-9, 2e-9, 2e-9))
    current, a = 10e-3, 40e-9
    H = mm.oersted_cylinder(mesh, current, a)
    x = mesh.coords()["x"]
    j = int(np.argmin(np.abs(x - 60e-9)))
    # on the +x axis outside: H = I/(2 pi r) along +y
    assert H[1, 0, 50, j] == pytest.approx(current / (2 * math.pi * x[j]), rel=1e-12)
    assert abs(H[0, 0, 50, j]) < 1e-9
    j = int(np.argmin(np.abs(x - 20e-9)))
    assert H[1, 0, 50, j] == pytest.approx(current * x[j] / (2 * math.pi * a**2), rel=1e-12)
    assert H[1, 0, 50, 50] == 0.0


# ------------------------------------------------------------------ time-dependent fields
def test_time_dependent_fields():
    p = mm.PulseField((0, 0, 1e-3), t0=1e-10, duration=2e-11, shape="gaussian")
    assert p.amplitude(1e-10)[2] == pytest.approx(1e-3)
    assert p.amplitude(1e-10 + 1e-11)[2] == pytest.approx(0.5e-3)
    r = mm.RFField((1e-3, 0, 0), frequency=1e9)
    assert r.amplitude(0.25e-9)[0] == pytest.approx(1e-3)
    rot = mm.RotatingField(2e-3, 1e9, axis="z")
    assert np.allclose(rot.amplitude(0.25e-9), [0, 2e-3, 0], atol=1e-15)
    rect = mm.PulseField((1, 0, 0), t0=0, duration=1e-9, shape="rect")
    assert rect.amplitude(0.5e-9)[0] == 1 and rect.amplitude(1.5e-9)[0] == 0


def test_rotating_field_resonance_drives_precession():
    # a circularly polarised field in resonance tilts a macrospin away from the bias field
    B = 0.1
    f = GAMMA * B / (2 * math.pi)
    sim = _one_cell(alpha=0.01, m0=(0, 0, 1),
                    terms=[(0, 0, B), mm.RotatingField(1e-3, f, axis="z", sense=1)])
    sim.run(0.5e-9, n_frames=3)
    tilt_res = math.acos(sim.average()[2])
    sim2 = _one_cell(alpha=0.01, m0=(0, 0, 1),
                     terms=[(0, 0, B), mm.RotatingField(1e-3, f, axis="z", sense=-1)])
    sim2.run(0.5e-9, n_frames=3)
    assert tilt_res > 10 * math.acos(min(1.0, sim2.average()[2]))


def test_thermal_field_needs_heun_and_is_reproducible():
    mesh = mm.Mesh((4, 4, 1), (5e-9, 5e-9, 3e-9))
    def make():
        return mm.Simulation(mesh, mm.Material(Ms=8e5, alpha=0.1),
                             [mm.Exchange(1.3e-11), mm.Demag(), mm.ThermalField(300, seed=2)],
                             m0=(0, 0, 1))

    with pytest.raises(mm.ParameterError, match="heun"):
        make().run(1e-12, n_frames=2)
    a = make().run(5e-12, n_frames=2, method="heun", dt=1e-14)
    b = make().run(5e-12, n_frames=2, method="heun", dt=1e-14)
    assert np.array_equal(a.values, b.values)
    assert 0 < 1 - a.values[-1, ..., 2].mean() < 0.2


# ------------------------------------------------------------------ bad input
def test_no_magnetic_cell_is_a_clear_error():
    mesh = mm.Mesh((4, 4, 1), (5e-9, 5e-9, 3e-9))
    with pytest.raises(mm.GeometryError, match="no magnetic cell"):
        mm.Simulation(mesh, Ms=8e5, A=1e-11, mask=np.zeros((4, 4), bool))
    with pytest.raises(mm.GeometryError):
        mm.Simulation(mesh, Ms=0.0, A=1e-11)


def test_coarse_cells_warn_with_exchange_length():
    mesh = mm.Mesh((4, 4, 1), (10e-9, 10e-9, 3e-9))
    with pytest.warns(mm.CoarseMeshWarning, match=r"5\.69 nm"):
        mm.Simulation(mesh, Ms=8e5, A=1.3e-11)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mm.Simulation(mm.Mesh((4, 4, 1), (5e-9, 5e-9, 3e-9)), Ms=8e5, A=1.3e-11)
    assert mm.exchange_length(8e5, 1.3e-11) == pytest.approx(5.69e-9, rel=1e-3)


def test_failing_error_control_raises():
    sim = _one_cell(alpha=0.02, m0=(1, 0, 0),
                    terms=[mm.CustomField(lambda t: np.array([0, 0, np.nan if t > 1e-12 else 0.1]))])
    with pytest.raises(mm.StepSizeError, match="error control"):
        sim.run(1e-11, n_frames=2)


def test_bad_parameters():
    mesh = mm.Mesh((2, 2, 1), (5e-9, 5e-9, 3e-9))
    with pytest.raises(mm.ParameterError, match="A"):
        mm.Simulation(mesh, Ms=8e5, A=-1.0)
    with pytest.raises(mm.ParameterError, match="alpha"):
        mm.Simulation(mesh, Ms=8e5, A=1e-11, alpha=-0.1)
    with pytest.raises(mm.GeometryError, match="mesh"):
        mm.Mesh((0, 2, 1), (5e-9, 5e-9, 3e-9))
    with pytest.raises(mm.ParameterError, match="times"):
        mm.Simulation(mesh, Ms=8e5, A=1.3e-11).run(times=[0, 2e-12, 1e-12])


def test_composed_and_flat_forms_build_the_same_simulation():
    """Simulation(mesh, Material, terms, torques=...) and the flat keyword form are one model: the
    same trajectory to the last bit."""
    mesh = mm.Mesh.from_size((100e-9, 25e-9, 3e-9), (20, 5, 1))
    stt = mm.SlonczewskiTorque(J=2e11, p=(0, 0, 1), P=0.5, Lambda=1.5, epsilon_prime=0.1)
    rf = mm.RFField((0, 2e-3, 0), frequency=10e9)
    flat = mm.Simulation(mesh, Ms=8e5, A=1.3e-11, alpha=0.02, Ku1=1e4, Ku2=1e3, anis_u=(0, 1, 1),
                         D=1e-4, fields=[(0, 0, 0.01), rf], stt=stt, m0=(1, 0.25, 0.1))
    terms = [mm.Exchange(1.3e-11), mm.Demag(), mm.UniaxialAnisotropy(1e4, 1e3, axis=(0, 1, 1)),
             mm.InterfacialDMI(1e-4), (0, 0, 0.01), rf]
    composed = mm.Simulation(mesh, mm.Material(Ms=8e5, alpha=0.02), terms, torques=[stt],
                             m0=(1, 0.25, 0.1))
    a = flat.run(5e-12, n_frames=3)
    b = composed.run(5e-12, n_frames=3)
    assert np.array_equal(a.values, b.values)
    assert [type(t).__name__ for t in composed.terms] == [
        "Exchange", "Demag", "UniaxialAnisotropy", "InterfacialDMI", "StaticField", "RFField"]
    assert composed.torques == (stt,)
    composed.set_torques([])
    assert composed.torques == () and composed.stt is None


def test_bad_composition_names_the_term():
    mesh = mm.Mesh((2, 2, 1), (5e-9, 5e-9, 3e-9))
    mat = mm.Material(Ms=8e5)
    with pytest.raises(mm.ParameterError, match=r"terms\[1\]") as e:
        mm.Simulation(mesh, mat, [mm.Exchange(1e-11), mm.Exchange(2e-11)])
    assert e.value.field == "terms[1]"
    with pytest.raises(mm.ParameterError, match=r"terms\[0\]: 'exchange' is not a field term"):
        mm.Simulation(mesh, mat, ["exchange"])
    with pytest.raises(mm.ParameterError, match=r"torques\[0\]"):
        mm.Simulation(mesh, mat, [], torques=[mm.Exchange(1e-11)])
    with pytest.raises(mm.ParameterError, match="material") as e:
        mm.Simulation(mesh, mat, [mm.Exchange(1e-11)], A=1e-11)
    assert e.value.field == "material"
    with pytest.raises(mm.ParameterError, match="material"):
        mm.Simulation(mesh)
    with pytest.raises(mm.ParameterError, match="D: interfacial DMI needs"):
        mm.Simulation(mesh, mat, [mm.InterfacialDMI(1e-3)])
    with pytest.raises(mm.ParameterError, match="anis_u"):
        mm.UniaxialAnisotropy(1e5, axis=(0, 0, 0))
    with pytest.raises(mm.ParameterError, match="A"):
        mm.Exchange(-1.0)
    with pytest.raises(mm.ParameterError, match="alpha"):
        mm.Simulation(mesh, mm.Material(Ms=8e5, alpha=-0.1))


# ------------------------------------------------------------------ checkpoint / resume
class _Stop(Exception):
    pass


def test_checkpoint_resume_gives_identical_movie(tmp_path):
    mesh = mm.Mesh.from_size((100e-9, 25e-9, 3e-9), (20, 5, 1))

    def make():
        return mm.Simulation(mesh, mm.Material(Ms=8e5, alpha=0.02),
                             [mm.Exchange(1.3e-11), mm.Demag(), (-24.6e-3, 4.3e-3, 0)],
                             m0=(1, 0.25, 0.1))

    ref = make().run(40e-12, n_frames=9)
    ck = tmp_path / "state.npz"

    def stopper(sim, t):
        if t > 22e-12:
            raise _Stop

    with pytest.raises(_Stop):
        make().run(40e-12, n_frames=9, checkpoint=ck, checkpoint_every=2, observer=stopper)
    assert ck.exists() and not (tmp_path / "state.npz.tmp").exists()
    resumed = make().run(40e-12, n_frames=9, checkpoint=ck, checkpoint_every=2, resume=True)
    assert np.array_equal(resumed.values, ref.values)
    assert np.array_equal(resumed["m_avg"].values, ref["m_avg"].values)


def test_progress_bar_runs():
    sim = mm.Simulation(mm.Mesh((4, 4, 1), (5e-9, 5e-9, 3e-9)), Ms=8e5, A=1.3e-11)
    mv = sim.run(2e-12, n_frames=3, progress=True)
    assert mv.sizes["time"] == 3
