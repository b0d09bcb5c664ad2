"""Side by side with udkm1Dsim (optional): the same 2TM/3TM parameters give the same Te(t), Tp(t)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from spinscope.config.ultrafast import UltrafastMaterialConfig
from spinscope.ultrafast import Pump, solve_pixels

ud = pytest.importorskip("udkm1Dsim")

GAMMA, CP, G = 1065.0, 3.78e6, 8e17  # Ni-like: J/m^3/K^2, J/m^3/K, W/m^3/K
CS, GES, GSP = 0.38e6, 6e17, 0.3e17  # 3TM spin bath (Beaurepaire et al. 1996)
D = 15e-9  # film thickness, 15 layers of 1 nm in udkm1Dsim
DELTA = 15e-6  # optical penetration depth >> D: uniform absorption (0.1 % across the film)
ABSORBED = 1.0 - np.exp(-D / DELTA)  # absorbed fraction of the film
FLUENCE = 5e4  # J/m^2, so that the absorbed energy density is F A / D = 3.3e9 J/m^3
FWHM = 60e-15


def _udkm(three: bool, delays):
    u = ud.u
    rho = 1000.0
    if three:
        cap = [f"lambda T: {GAMMA / rho}*T", f"lambda T: {CP / rho}+0*T", f"lambda T: {CS / rho}+0*T"]
        coup = [f"lambda T: -{G}*(T[0]-T[1]) - {GES}*(T[0]-T[2])",
                f"lambda T: {G}*(T[0]-T[1]) - {GSP}*(T[1]-T[2])",
                f"lambda T: {GES}*(T[0]-T[2]) + {GSP}*(T[1]-T[2])"]
    else:
        cap = [f"lambda T: {GAMMA / rho}*T", f"lambda T: {CP / rho}+0*T"]
        coup = [f"lambda T: -{G}*(T[0]-T[1])", f"lambda T: {G}*(T[0]-T[1])"]
    k = len(cap)
    layer = ud.AmorphousLayer(
        "film", "film", 1e-9 * u.m, rho * u.kg / u.m**3, heat_capacity=cap,
        therm_cond=["lambda T: 1.0+0*T"] * k, sub_system_coupling=coup,
        opt_pen_depth=DELTA * u.m, num_sub_systems=k, sound_vel=5 * u.nm / u.ps,
        lin_therm_exp=[0] * k)
    s = ud.Structure("s")
    s.add_sub_structure(layer, round(D / 1e-9))
    h = ud.Heat(s, True, heat_diffusion=True, progress_bar=False, save_data=False,
                disp_messages=False)
    h.excitation = {"fluence": [FLUENCE / 10] * u.mJ / u.cm**2, "delay_pump": [0] * u.ps,
                    "pulse_width": [FWHM] * u.s, "multilayer_absorption": False,
                    "wavelength": 800 * u.nm, "theta": 90 * u.deg}
    h.ode_options = {"method": "Radau", "rtol": 1e-8, "atol": 1e-8, "max_step": np.inf}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm, _ = h.get_temp_map(delays * u.s, 300)
    tm = np.asarray(tm).reshape(delays.size, -1, k)
    assert np.max(np.abs(tm[:, 0] / tm[:, -1] - 1)) < 2e-3  # uniform through the film
    return tm.mean(axis=1)


@pytest.mark.parametrize("model", ["2TM", "3TM"])
def test_two_and_three_temperature_models_agree_with_udkm1dsim(model):
    three = model == "3TM"
    delays = np.linspace(-0.4e-12, 5e-12, 271)
    ref = _udkm(three, delays)
    mat = UltrafastMaterialConfig(
        name="udkm", gamma_e=GAMMA, C_p=CP, g_ep=G, thickness=D, absorbed_fraction=ABSORBED,
        C_s=CS if three else None, g_es=GES if three else None, g_sp=GSP if three else None)
    res = solve_pixels(mat, np.array([FLUENCE * ABSORBED / D]), delays, pump=Pump(FLUENCE, duration=FWHM),
                       model=model, T0=300.0)
    te, tp = res["Te"][:, 0], res["Tp"][:, 0]
    assert te.max() > 1500  # a real excitation
    assert np.max(np.abs(te / ref[:, 0] - 1)) < 0.01
    assert np.max(np.abs(tp / ref[:, 1] - 1)) < 0.01
    if three:
        assert np.max(np.abs(res["Ts"][:, 0] / ref[:, 2] - 1)) < 0.01
