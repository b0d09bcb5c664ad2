"""Benchmark: cost per pixel trajectory of the vectorised M3TM vs one udkm1Dsim M3TM trajectory.

Run by hand (not part of the tests)::

    python benchmarks/bench_m3tm.py [N_PIXELS] [--chunk C]

Both sides solve the same Koopmans M3TM (Ni preset: gamma T_e electrons, lattice, one spin-1/2
magnetisation; no heat flow out of the film, since udkm1Dsim's single layer has none) from -0.2 ps to
5 ps after a 50 fs pump. spinscope integrates N pixels at once (fixed-step vectorised RK4, a
different absorbed fluence per pixel); udkm1Dsim integrates one pixel (one 1-nm grid point, its
minimal structure; the magnetisation is its third "sub-system" with c rho = 1, as in its M3TM
examples) with scipy's Radau. If udkm1Dsim is not installed, the reference is one scipy
``solve_ivp`` (Radau) trajectory of the same equations, and the output says so. The ratio printed
is measured in this run.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from spinscope.materials.ultrafast import get_preset
from spinscope.ultrafast import Pump, solve_pixels
from spinscope.ultrafast.models import System
from spinscope.ultrafast.solver import integrate_implicit

T_END = 5e-12
FWHM = 50e-15


def udkm_trajectory(mat, u_abs, delays):
    """One M3TM trajectory with udkm1Dsim; returns (seconds, Te, m)."""
    import udkm1Dsim as ud

    q = ud.u
    sp = mat.species[0]
    rho = 1000.0
    d = 1e-9
    delta = 1.0  # uniform absorption: the grid point absorbs F / delta
    fluence = u_abs * delta  # J/m^2 giving the absorbed energy density u_abs
    R, tc = sp.R, sp.T_C
    layer = ud.AmorphousLayer(
        "film", "film", d * q.m, rho * q.kg / q.m**3,
        heat_capacity=[f"lambda T: {mat.gamma_e / rho}*T", f"lambda T: {mat.C_p / rho}+0*T",
                       f"lambda T: {1 / rho}+0*T"],
        therm_cond=["lambda T: 0.0*T"] * 3,
        sub_system_coupling=[
            f"lambda T: -{mat.g_ep}*(T[0]-T[1])",
            f"lambda T: {mat.g_ep}*(T[0]-T[1])",
            f"lambda T: {R}*T[2]*T[1]/{tc}*(1-T[2]/tanh(T[2]*{tc}/T[0]))"],
        opt_pen_depth=delta * q.m, num_sub_systems=3, sound_vel=5 * q.nm / q.ps,
        lin_therm_exp=[0, 0, 0])
    s = ud.Structure("s")
    s.add_sub_structure(layer, 1)
    h = ud.Heat(s, True, heat_diffusion=True, progress_bar=False, save_data=False,
                disp_messages=False)
    h.excitation = {"fluence": [fluence / 10] * q.mJ / q.cm**2, "delay_pump": [0] * q.ps,
                    "pulse_width": [FWHM] * q.s, "multilayer_absorption": False,
                    "wavelength": 800 * q.nm, "theta": 90 * q.deg}
    m0 = float(System(mat, heat_sink="none").m_eq0[0])
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm, _ = h.get_temp_map(delays * q.s, np.array([[300.0, 300.0, m0]]))
    dt = time.perf_counter() - t
    tm = np.asarray(tm).reshape(delays.size, -1, 3)[:, 0]
    return dt, tm[:, 0], tm[:, 2]


def scipy_trajectory(mat, u_abs, delays):
    """One M3TM trajectory with scipy solve_ivp (Radau, rtol 1e-6); returns (seconds, Te, m)."""
    system = System(mat, heat_sink="none")
    pump = Pump(fluence=1.0, duration=FWHM)
    t = time.perf_counter()
    Y, _ = integrate_implicit(system, pump, np.array([u_abs]), delays, rtol=1e-6)
    return time.perf_counter() - t, Y[:, 0, 0], Y[:, 2, 0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=float, default=1e6, help="number of pixels")
    ap.add_argument("--chunk", type=int, default=1 << 14)
    ap.add_argument("--workers", type=int, default=1,
                    help="threads for the vectorised solver (the reference uses one core)")
    args = ap.parse_args()
    n = int(args.n)
    mat = get_preset("Ni")
    delays = np.linspace(-0.2e-12, T_END, 53)
    rng = np.random.default_rng(1)
    # absorbed fluences 0.1-1.5 mJ/cm^2 (incident ~0.5-7 mJ/cm^2) -> energy densities
    u = rng.uniform(1.0, 15.0, n) / mat.thickness
    print(f"M3TM, Ni preset, {n:.3g} pixels, {delays[0] * 1e12:.1f} to {T_END * 1e12:.0f} ps, "
          f"pump FWHM {FWHM * 1e15:.0f} fs, chunk {args.chunk}, {args.workers} thread(s)")

    t = time.perf_counter()
    res = solve_pixels(mat, u, delays, pump=Pump(fluence=1.0, duration=FWHM), heat_sink="none",
                       method="rk4", chunk=args.chunk, dtype=np.float32, workers=args.workers)
    t_vec = time.perf_counter() - t
    per_px = t_vec / n
    print(f"spinscope vectorised RK4: {t_vec:.2f} s for {n} trajectories "
          f"({res['stats']['n_steps']} steps) -> {per_px * 1e6:.3f} us per pixel trajectory")

    u_ref = float(u[0])
    try:
        import udkm1Dsim  # noqa: F401

        label = "udkm1Dsim M3TM (Heat, Radau, 1 grid point)"
        runs = [udkm_trajectory(mat, u_ref, delays) for _ in range(3)]
    except ImportError:
        label = "scipy solve_ivp Radau (udkm1Dsim NOT installed: substitute reference)"
        runs = [scipy_trajectory(mat, u_ref, delays) for _ in range(3)]
    t_ref = min(r[0] for r in runs)
    te_ref, m_ref = runs[0][1], runs[0][2]
    te, m = res["Te"][:, 0].astype(float), res["m"][:, 0, 0].astype(float)
    print(f"{label}: {t_ref:.3f} s per trajectory (best of 3)")
    print(f"agreement, pixel 0: max |dTe/Te| = {np.max(np.abs(te / te_ref - 1)):.2e}, "
          f"max |dm| = {np.max(np.abs(m - m_ref)):.2e}")
    print(f"RATIO (reference per trajectory / spinscope per pixel): {t_ref / per_px:.0f}x "
          f"(target >= 1000x)")


if __name__ == "__main__":
    main()
