"""Physics validation of spinscope.ultrafast: 2TM/3TM/M3TM, type I/II, two-sublattice ferrimagnets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import curve_fit

from spinscope.config.ultrafast import HeatSinkConfig
from spinscope.curves import demag_curve
from spinscope.materials.ultrafast import PRESETS, get_preset, mean_field_curie_temperature
from spinscope.ultrafast import (
    Pump,
    absorbed_fluence_map,
    equilibrium_magnetisation,
    simulate_demagnetisation,
    solve_pixels,
    summarize_demag,
)

MJ_CM2 = 10.0  # J/m^2 per mJ/cm^2


@pytest.mark.parametrize("name", PRESETS)
def test_no_pump_stays_at_equilibrium(name):
    mat = get_preset(name)
    delays = np.linspace(-0.5e-12, 20e-12, 50)
    res = solve_pixels(mat, np.array([0.0]), delays)
    m_eq = equilibrium_magnetisation(mat, mat.T0)
    assert np.all(m_eq > 0.5)
    assert np.max(np.abs(res["m"][:, :, 0] - m_eq[None, :])) < 1e-4
    assert np.max(np.abs(res["Te"] - mat.T0)) < 1e-9
    assert np.max(np.abs(res["Tp"] - mat.T0)) < 1e-9


@pytest.mark.parametrize(("name", "model", "sink"), [
    ("Ni", "M3TM", None), ("Ni", "3TM", None), ("GdFeCo", "M3TM", None), ("Gd", "M3TM", None),
    ("Co", "2TM", "none"),
])
def test_energy_is_conserved(name, model, sink):
    ds = simulate_demagnetisation(name, 3 * MJ_CM2, t_max=100e-12, model=model, heat_sink=sink)
    e_abs = ds["E_abs"].values[-1]
    u_expected = ds["absorbed_fluence"].values / get_preset(name).thickness
    assert abs(e_abs / u_expected - 1) < 1e-3  # the whole pulse was absorbed
    total = ds["E_film"].values + ds["E_out"].values
    err = np.max(np.abs(total - ds["E_abs"].values)) / e_abs
    assert err < 0.01
    assert ds.attrs["energy_error"] < 0.01
    if sink is None:  # heat really left the film
        assert ds["E_out"].values[-1] > 0.05 * e_abs


def test_energy_with_cooling_time_sink():
    sink = HeatSinkConfig(kind="cooling_time", cooling_time="50 ps")
    mat = get_preset("Ni").model_copy(update={"heat_sink": sink})
    ds = simulate_demagnetisation(mat, 3 * MJ_CM2, t_max=1e-9)
    assert ds.attrs["energy_error"] < 0.01
    # after 20 cooling times everything has gone and m is back at m_eq(T0)
    assert ds["E_out"].values[-1] / ds["E_abs"].values[-1] > 0.99
    assert abs(float(ds["m"].values[-1, 0]) - float(ds["m_eq0"].values[0])) < 1e-3


def test_low_fluence_linear_response():
    amps = []
    for f in (0.02 * MJ_CM2, 0.04 * MJ_CM2):
        ds = simulate_demagnetisation("Ni", f, t_max=3e-12)
        m = ds["m"].values[:, 0]
        amps.append(1 - m.min() / float(ds["m_eq0"].values[0]))
    ratio = amps[1] / amps[0]
    assert amps[0] > 0
    assert abs(ratio / 2.0 - 1.0) < 0.05


def test_high_fluence_full_quench():
    s = summarize_demag(simulate_demagnetisation("Ni", 10 * MJ_CM2, t_max=5e-12))
    assert s["species"]["Ni"]["min_m_relative"] < 0.02


def test_ni_is_type_i():
    ds = simulate_demagnetisation("Ni", 2 * MJ_CM2, t_max=5e-12, verify=True)
    s = summarize_demag(ds)["species"]["Ni"]
    assert s["time_of_min"] < 1e-12
    assert s["demag_time"] < 0.3e-12
    assert 0.1 < 1 - s["min_m_relative"] < 0.9
    assert ds.attrs["error_m"] < 1e-3  # step-halving check of the integrator
    assert ds.attrs["error_T"] < 1e-3


def test_gd_is_type_ii():
    ds = simulate_demagnetisation("Gd", 1 * MJ_CM2, t_max=300e-12, heat_sink="none")
    t = ds["delay"].values * 1e12  # ps
    m = ds["m"].values[:, 0] / float(ds["m_eq0"].values[0])

    def f(tv, a1, t1, a2, t2):
        return demag_curve(tv, amplitude=a1, tau_m=t1, amplitude_2=a2, tau_m2=t2, fwhm=0.05)

    p, _ = curve_fit(f, t, m, p0=[0.1, 0.5, 0.2, 30.0], bounds=([0, 1e-3, 0, 1e-2], [1, 100, 1, 1e4]))
    assert np.sqrt(np.mean((f(t, *p) - m) ** 2)) < 0.01
    assert p[0] > 0.03 and p[2] > 0.03  # two visible steps
    assert p[3] / p[1] >= 10  # slow step at least 10x longer
    # unlike type I, the minimum is not reached within the first picoseconds
    s = summarize_demag(ds)["species"]["Gd"]
    assert s["time_of_min"] > 50e-12
    assert s["fit"]["type"] == "II"  # summarize_demag's own two-step classification
    assert s["fit"]["two_step"]["tau_m2"] >= 10 * s["fit"]["two_step"]["tau_m"]
    ni = summarize_demag(simulate_demagnetisation("Ni", 2 * MJ_CM2, t_max=20e-12))
    assert ni["species"]["Ni"]["fit"]["type"] == "I"


@pytest.mark.parametrize("fluence", [2.2 * MJ_CM2, 2.4 * MJ_CM2])
def test_gdfeco_tm_faster_than_re(fluence):
    # below the threshold of the ferromagnetic-like state, at a fluence that quenches the TM
    s = summarize_demag(simulate_demagnetisation("GdFeCo", fluence, t_max=10e-12))
    fe, gd = s["species"]["Fe"], s["species"]["Gd"]
    assert fe["demag_time"] * 2 <= gd["demag_time"]
    assert fe["time_of_min"] < gd["time_of_min"]
    assert not s["ferromagnetic_like"]


def test_gdfeco_ferromagnetic_like_state_above_threshold():
    for f in (1.0, 2.0):
        below = summarize_demag(simulate_demagnetisation("GdFeCo", f * MJ_CM2, t_max=10e-12))
        assert not below["ferromagnetic_like"], f
    for f in (3.0, 4.0):
        above = summarize_demag(simulate_demagnetisation("GdFeCo", f * MJ_CM2, t_max=10e-12))
        assert above["ferromagnetic_like"], f
        assert above["species"]["Fe"]["ferromagnetic_like"]  # the TM reverses first
        assert not above["species"]["Gd"]["ferromagnetic_like"]
        assert above["species"]["Fe"]["min_m_relative"] < -0.2


def test_three_temperature_model():
    ds = simulate_demagnetisation("Ni", 2 * MJ_CM2, t_max=5e-12, model="3TM")
    assert "Ts" in ds and "m" in ds
    m_from_ts = equilibrium_magnetisation(get_preset("Ni"), ds["Ts"].values)[0]
    assert np.allclose(ds["m"].values[:, 0], m_from_ts)
    assert ds["Ts"].max() > 350
    assert ds["m"].values[:, 0].min() < ds["m_eq0"].values[0] - 0.02


def test_equilibrium_curve():
    ni = get_preset("Ni")
    T = np.array([10.0, 300.0, 600.0, 630.0, 700.0])
    m = equilibrium_magnetisation(ni, T)[0]
    assert np.all(np.diff(m) < 0) or m[-1] == 0
    assert abs(m[0] - 1) < 1e-6 and m[-1] < 1e-6
    assert np.allclose(m[:3], np.tanh(m[:3] * 631.0 / T[:3]))
    g = get_preset("GdFeCo")
    tc = mean_field_curie_temperature(g.exchange, [s.fraction for s in g.species])
    assert abs(tc - 550.0) < 1e-6
    below = equilibrium_magnetisation(g, 0.98 * tc)
    above = equilibrium_magnetisation(g, 1.02 * tc)
    assert np.all(below > 0.01) and np.all(above < 1e-5)


def test_vectorised_pixels_match_single_trajectories_and_chunking():
    mat = get_preset("GdFeCo")
    delays = np.linspace(-0.3e-12, 2e-12, 40)
    pump = Pump(fluence=1.0, duration=60e-15)
    u = np.array([0.0, 1e8, 3e8, 6e8, 9e8])
    full = solve_pixels(mat, u, delays, pump=pump)
    chunked = solve_pixels(mat, u, delays, pump=pump, chunk=2)
    single = solve_pixels(mat, u[3:4], delays, pump=pump)
    assert full["m"].shape == (40, 2, 5)
    # different chunks may take different (stability-limited) steps: agreement at RK4 accuracy
    assert np.max(np.abs(full["m"] - chunked["m"])) < 1e-4
    assert np.max(np.abs(full["m"][:, :, 3] - single["m"][:, :, 0])) < 1e-4


def test_spatial_map_follows_the_spot():
    y = np.linspace(-60e-6, 60e-6, 7)
    x = np.linspace(-60e-6, 60e-6, 9)
    ds = simulate_demagnetisation("Co", 4 * MJ_CM2, t_max=2e-12, spot_fwhm=80e-6, y=y, x=x)
    assert ds["m"].dims == ("delay", "species", "y", "x")
    assert ds["Te"].dims == ("delay", "y", "x")
    assert ds["y"].attrs["units"] == "m" and ds["delay"].attrs["units"] == "s"
    quench = 1 - ds["m"].min("delay").sel(species="Co") / ds["m_eq0"].sel(species="Co")
    centre = float(quench.isel(y=3, x=4))
    assert centre == pytest.approx(float(quench.max()))
    assert float(quench.isel(y=0, x=0)) < 0.5 * centre
    # half the peak fluence at the FWHM radius
    f = ds["incident_fluence"]
    assert float(f.isel(y=3, x=4)) == pytest.approx(40.0)
    r = math.hypot(60e-6, 60e-6)
    assert float(f.isel(y=0, x=0)) == pytest.approx(40.0 * 2 ** (-(2 * r / 80e-6) ** 2))
    amap = absorbed_fluence_map("Co", Pump(40.0, spot_fwhm=80e-6), y, x)
    assert amap.dims == ("y", "x") and amap.attrs["units"] == "J/m^2"
    assert np.allclose(amap.values, ds["absorbed_fluence"].values)


def test_heat_flows_out_so_the_film_recovers():
    ds = simulate_demagnetisation("Ni", 2 * MJ_CM2, t_max=5e-9, verify=True)
    assert ds.attrs["integrator"] == "implicit"
    assert ds.attrs["error_m"] < 1e-5 and ds.attrs["energy_error"] < 0.01
    t = ds["delay"].values
    tp = ds["Tp"].values
    m = ds["m"].values[:, 0]
    i10 = np.argmin(np.abs(t - 10e-12))
    assert tp[-1] < tp[i10] - 20  # the membrane takes heat from the film between 10 ps and 5 ns
    assert m[-1] > m[i10]


def test_rk4_and_implicit_integrators_agree():
    kw = dict(t_max=3e-12)
    a = simulate_demagnetisation("GdFeCo", 3 * MJ_CM2, method="rk4", **kw)
    b = simulate_demagnetisation("GdFeCo", 3 * MJ_CM2, method="implicit", **kw)
    assert np.max(np.abs(a["m"].values - b["m"].values)) < 1e-4
    assert np.max(np.abs(a["Te"].values / b["Te"].values - 1)) < 1e-4


def test_exchange_scattering_conserves_angular_momentum():
    g = get_preset("GdFeCo")
    sp = [s.model_copy(update={"R": 1e-3}) for s in g.species]  # switch spin-flips (EY) off
    mat = g.model_copy(update={"species": sp})
    ds = simulate_demagnetisation(mat, 3 * MJ_CM2, t_max=3e-12, method="rk4")
    w = np.array([s.fraction * s.mu_at for s in mat.species])
    m = ds["m"].values
    net = w[0] * m[:, 0] - w[1] * m[:, 1]  # moment along the TM axis
    assert np.ptp(net) < 1e-6 * abs(net[0]) + 1e-9
    assert m[:, 0].min() < m[0, 0] - 0.05  # while both sublattices did demagnetise
    assert m[:, 1].min() < m[0, 1] - 0.05


def test_fluence_lookup_interpolation_matches_direct_solution():
    y = np.linspace(-40e-6, 40e-6, 9)
    kw = dict(t_max=3e-12, spot_fwhm=60e-6, y=y, x=y)
    direct = simulate_demagnetisation("Co", 3 * MJ_CM2, **kw)
    looked = simulate_demagnetisation("Co", 3 * MJ_CM2, lookup=24, **kw)
    err = float(np.max(np.abs(direct["m"].values - looked["m"].values)))
    assert looked.attrs["lookup"] == 24
    assert looked.attrs["lookup_error_m"] < 1e-3
    assert err <= 2 * looked.attrs["lookup_error_m"] + 1e-5
    assert np.max(np.abs(direct["Te"].values / looked["Te"].values - 1)) < 1e-3
