"""Library entry points: simulate demagnetisation, summarise it, and turn it into a movie.

* :func:`solve_pixels` — the vectorised core: N pixels (absorbed energy densities) to numpy arrays.
* :func:`simulate_demagnetisation` — one trajectory or a pixel map across the pump spot, as an
  :class:`xarray.Dataset` with dims ``delay`` (s) and ``species`` (and ``y``, ``x`` [m]).
* :func:`summarize_demag` — per-species demagnetisation time (1/e time of a fitted
  :func:`spinscope.curves.demag_curve`), minimum and its time, ferromagnetic-like transient.
* :func:`magnetisation_movie` — static domain texture x per-pixel m(t).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr
from pydantic import ValidationError
from scipy.interpolate import PchipInterpolator

from spinscope.config.kinds import load_config
from spinscope.config.load import format_validation_error
from spinscope.config.ultrafast import (
    PULSE_MAX,
    T_MAX_MAX,
    DemagConfig,
    PumpConfig,
    UltrafastMaterialConfig,
)
from spinscope.conventions import COMPONENTS
from spinscope.curves import demag_curve
from spinscope.datamodel import validate_magnetisation
from spinscope.errors import ConfigError, DataRangeError, MaterialError
from spinscope.fitting import Param, fit_curve
from spinscope.materials.ultrafast import get_preset
from spinscope.ultrafast.models import System, equilibrium_magnetisation
from spinscope.ultrafast.pump import Pump, absorbed_energy_density
from spinscope.ultrafast.solver import integrate, integrate_implicit
from spinscope.units import parse_quantity

__all__ = [
    "absorbed_fluence_map",
    "default_delays",
    "load_demag_config",
    "magnetisation_movie",
    "resolve_material",
    "run_demag",
    "simulate_demagnetisation",
    "solve_pixels",
    "summarize_demag",
]


def resolve_material(material):
    """Return an :class:`~spinscope.config.ultrafast.UltrafastMaterialConfig`.

    Parameters
    ----------
    material
        A preset name (``"Ni"``, ``"GdFeCo"``...), a path to a TOML file (with a ``[material]`` table
        or a preset name in ``material = "..."``), a dict of parameters, or a config instance.

    Returns
    -------
    UltrafastMaterialConfig

    Raises
    ------
    MaterialError
        Unknown preset name.
    ConfigError
        Malformed file or parameters.
    """
    if isinstance(material, UltrafastMaterialConfig):
        return material
    if isinstance(material, dict):
        return _validate(UltrafastMaterialConfig, material, "material")
    if isinstance(material, os.PathLike) or (
        isinstance(material, str) and (material.endswith(".toml") or os.sep in material)
    ):
        cfg = load_demag_config(material)
        mat = cfg.material
        return get_preset(mat) if isinstance(mat, str) else mat
    if isinstance(material, str):
        return get_preset(material)
    raise MaterialError(f"material: expected a preset name, TOML file or parameters, got "
                        f"{type(material).__name__}", field="material")


def _validate(model, data, what):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source=what)) from None


def load_demag_config(path):
    """Load a ``spinscope demag`` TOML file (:class:`~spinscope.config.ultrafast.DemagConfig`).

    Parameters
    ----------
    path
        TOML file [file path].

    Returns
    -------
    DemagConfig
    """
    return load_config(Path(path), DemagConfig)


def absorbed_fluence_map(material, pump: Pump, y, x) -> xr.DataArray:
    """Absorbed pump fluence over a pixel grid: spot profile x absorbed fraction of the film.

    Parameters
    ----------
    material
        Preset name, TOML path, dict or config (see :func:`resolve_material`).
    pump
        The :class:`Pump` (peak incident fluence, spot FWHM and centre).
    y, x
        1-D pixel-centre coordinates [m].

    Returns
    -------
    xarray.DataArray
        Dims ``(y, x)``, absorbed fluence [J/m^2]; the energy density is this over the thickness.
    """
    mat = resolve_material(material)
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    f = pump.fluence_map(y, x) * mat.film_absorbed_fraction()
    return xr.DataArray(f, dims=("y", "x"),
                        coords={"y": ("y", y, {"units": "m"}), "x": ("x", x, {"units": "m"})},
                        name="absorbed_fluence",
                        attrs={"units": "J/m^2", "long_name": "absorbed pump fluence",
                               "thickness": mat.thickness})


def default_delays(t_max: float, pump: Pump, *, n_fine: int = 300, n_log: int = 200) -> np.ndarray:
    """Output delays: uniform up to ``min(t_max, 3 ps)`` after the pump, then logarithmic.

    Parameters
    ----------
    t_max
        Last delay [s] (relative to time zero of the delay axis, the pump maximum at ``pump.t0``).
    pump
        The pump.

    Returns
    -------
    numpy.ndarray
        Strictly increasing delays [s], starting 4 pump FWHM (and at least 0.2 ps) before the pump.
    """
    if not t_max > pump.t0:
        raise DataRangeError(f"t_max: expected a time after the pump ({pump.t0:g} s), got {t_max!r}",
                             field="t_max")
    start = pump.t0 - max(4.0 * pump.duration, 0.2e-12)
    t_lin = min(t_max, pump.t0 + 3e-12)
    lin = np.linspace(start, t_lin, n_fine)
    if t_max > t_lin * (1 + 1e-9):
        log = pump.t0 + np.geomspace(t_lin - pump.t0, t_max - pump.t0, n_log + 1)[1:]
        lin = np.concatenate([lin, log])
    return lin


def solve_pixels(material, absorbed, delays, *, pump=None, duration=50e-15, model="auto", T0=None,
                 heat_sink=None, verify=False, method="auto", lookup=None, **solver_options):
    """Integrate the model for many pixels at once (the vectorised core).

    Parameters
    ----------
    material
        Preset name, TOML path, dict or config (see :func:`resolve_material`).
    absorbed
        Absorbed energy density per pixel [J/m^3], shape ``(N,)`` (N up to 1e6 and beyond; processed
        in chunks).
    delays
        Output delays [s].
    pump
        The :class:`Pump` (its timing is used; fluence is irrelevant here). Default: a pulse of
        ``duration`` at ``t0 = 0``.
    duration
        Pump FWHM when ``pump`` is not given [s].
    model
        ``"2TM"``, ``"3TM"``, ``"M3TM"`` or ``"auto"``.
    T0
        Base temperature [K]; default the material's.
    heat_sink
        ``"none"`` to switch off heat flow out of the film.
    verify
        Repeat with halved steps (RK4) or a 100x tighter tolerance (implicit) and return the maximum
        differences in ``stats`` (``error_T``, ``error_Tp`` relative; ``error_m`` absolute).
    method
        ``"rk4"`` (vectorised explicit, for many pixels), ``"implicit"`` (scipy Radau, for few pixels
        over long times) or ``"auto"``: implicit for <= 16 pixels running past 20 ps, else RK4.
    lookup
        If an integer K >= 4: solve only K absorbed energies evenly spaced from 0 to the largest
        pixel value and interpolate every pixel from them (monotone cubic, PCHIP, along the energy
        axis), for large maps over long times. The interpolation error is measured by solving the
        K - 1 midpoints as well and stored in ``stats["lookup_error_m"]`` (absolute, m) and
        ``stats["lookup_error_T"]`` (relative, Te and Tp). Sharp thresholds (switching) need a
        larger K.
    **solver_options
        Passed to :func:`spinscope.ultrafast.solver.integrate` (``dt_pump``, ``chunk``...) or
        :func:`spinscope.ultrafast.solver.integrate_implicit` (``dt_pump``, ``rtol``).

    Returns
    -------
    dict
        ``Te``, ``Tp`` (``Ts`` for the 3TM) of shape ``(n_delay, N)`` [K], ``m`` of shape
        ``(n_delay, n_species, N)`` (own frames), ``E_abs``, ``E_film``, ``E_out`` [J/m^3 of film],
        ``system`` and ``stats``.

    Size: the vectorised core behind :func:`simulate_demagnetisation` takes the same model and
    integrator keywords (``model``, ``T0``, ``heat_sink``, ``verify``, ``method``, ``lookup``), which
    :func:`_solve_lookup` forwards unchanged; bundling them would change the public keyword API.
    """
    mat = resolve_material(material)
    system = System(mat, model=model, T0=T0, heat_sink=heat_sink)
    if pump is None:
        pump = Pump(fluence=1.0, duration=duration)
    if lookup is not None:
        return _solve_lookup(mat, absorbed, delays, int(lookup), pump=pump, model=model, T0=T0,
                             heat_sink=heat_sink, verify=verify, method=method, **solver_options)
    absorbed = np.atleast_1d(np.asarray(absorbed, dtype=float))
    delays = np.asarray(delays, dtype=float)
    method = _choose_method(method, absorbed, delays, pump)
    if method == "implicit":
        opts = {k: v for k, v in solver_options.items() if k in ("dt_pump", "rtol")}
        Y, stats = integrate_implicit(system, pump, absorbed, delays, **opts)
    else:
        Y, stats = integrate(system, pump, absorbed, delays, **solver_options)
    stats["method"] = method
    res = _unpack(system, Y)
    if verify:
        stats.update(_verification(system, pump, absorbed, delays, method, res, solver_options))
    res["system"] = system
    res["stats"] = stats
    return res


def _choose_method(method: str, absorbed: np.ndarray, delays: np.ndarray, pump) -> str:
    """Resolve ``method="auto"`` (implicit for <= 16 pixels running past 20 ps, else RK4) and check it."""
    if method == "auto":
        long_run = delays.size and delays[-1] - pump.t0 > 20e-12
        method = "implicit" if (absorbed.size <= 16 and long_run) else "rk4"
    if method not in ("rk4", "implicit"):
        raise ConfigError(f"method: expected 'rk4', 'implicit' or 'auto', got {method!r}",
                          field="method")
    return method


def _verification(system, pump, absorbed, delays, method: str, res: dict, solver_options: dict) -> dict:
    """Repeat a solve with halved steps (RK4) or a 100x tighter tolerance (implicit).

    Returns
    -------
    dict
        ``error_T``, ``error_Tp`` (largest relative differences of Te, Tp [dimensionless]),
        ``error_m`` (largest absolute difference of m, when there is one) and ``n_steps_fine``.
    """
    opts = dict(solver_options)
    dtp = opts.pop("dt_pump", None) or pump.duration / 10.0
    if method == "implicit":
        Y2, st2 = integrate_implicit(system, pump, absorbed, delays, dt_pump=dtp / 2,
                                     rtol=opts.get("rtol", 1e-8) / 100)
    else:
        Y2, st2 = integrate(system, pump, absorbed, delays, dt_pump=dtp / 2,
                            growth=opts.pop("growth", 0.05) / 2,
                            safety=opts.pop("safety", 2.5) / 2, **opts)
    r2 = _unpack(system, Y2)
    err = {"error_T": float(np.max(np.abs(r2["Te"] - res["Te"]) / r2["Te"])),
           "error_Tp": float(np.max(np.abs(r2["Tp"] - res["Tp"]) / r2["Tp"]))}
    if res["m"].size:
        err["error_m"] = float(np.max(np.abs(r2["m"] - res["m"])))
    err["n_steps_fine"] = st2["n_steps"]
    return err


_KEYS = ("Te", "Tp", "Ts", "m", "E_abs", "E_film", "E_out")


def _solve_lookup(mat, absorbed, delays, k, *, pump, **kw):
    """Solve a grid of K absorbed energies and interpolate every pixel (see solve_pixels)."""
    if k < 4:
        raise ConfigError(f"lookup: expected at least 4 nodes, got {k}", field="lookup")
    absorbed = np.atleast_1d(np.asarray(absorbed, dtype=float))
    if np.any(~np.isfinite(absorbed)) or np.any(absorbed < 0):
        raise DataRangeError("fluence: absorbed energy must be finite and >= 0", field="fluence")
    umax = float(absorbed.max()) if absorbed.size else 0.0
    if umax == 0.0:
        return solve_pixels(mat, absorbed, delays, pump=pump, **kw)
    grid = np.linspace(0.0, umax, k)
    nodes = solve_pixels(mat, grid, delays, pump=pump, **kw)
    mids = solve_pixels(mat, 0.5 * (grid[:-1] + grid[1:]), delays, pump=pump,
                        **{**kw, "verify": False})
    out = {"system": nodes["system"], "stats": dict(nodes["stats"])}
    err_m = err_t = 0.0
    for key in _KEYS:
        if key not in nodes:
            continue
        f = PchipInterpolator(grid, nodes[key], axis=-1)
        out[key] = f(absorbed)
        if nodes[key].size:
            diff = f(0.5 * (grid[:-1] + grid[1:])) - mids[key]
            if key == "m":
                err_m = max(err_m, float(np.max(np.abs(diff))))
            elif key in ("Te", "Tp"):
                err_t = max(err_t, float(np.max(np.abs(diff) / mids[key])))
    out["stats"].update({"lookup": k, "lookup_error_m": err_m, "lookup_error_T": err_t})
    return out


def _unpack(system, Y):
    rows = {name: i for i, name in enumerate(system.out_names)}
    res = {"Te": Y[:, rows["Te"]], "Tp": Y[:, rows["Tp"]]}
    if system.model == "3TM":
        res["Ts"] = Y[:, rows["Ts"]]
    if system.ns_m:
        res["m"] = Y[:, rows[f"m[{system.species[0]}]"]:rows["E_abs"]]
    elif system.model == "3TM" and system.species:
        ms = equilibrium_magnetisation(system.material, np.maximum(res["Ts"], 1e-3))
        res["m"] = np.moveaxis(ms, 0, 1)
    else:
        res["m"] = np.zeros((Y.shape[0], 0, Y.shape[2]))
    for k in ("E_abs", "E_film", "E_out"):
        res[k] = Y[:, rows[k]]
    return res


def simulate_demagnetisation(material, fluence, *, t_max=5e-12, delays=None, duration=50e-15,
                             wavelength=800e-9, t0=0.0, spot_fwhm=None, y=None, x=None,
                             model="auto", T0=None, heat_sink=None, verify=False,
                             method="auto", lookup=None, **solver_options) -> xr.Dataset:
    """Simulate ultrafast demagnetisation for one pixel or across a pump spot.

    Parameters
    ----------
    material
        Preset name (``"Ni"``, ``"Co"``, ``"Fe"``, ``"Gd"``, ``"CoTb"``, ``"GdFeCo"``, ``"FeGd"``), TOML
        file, dict or :class:`~spinscope.config.ultrafast.UltrafastMaterialConfig`.
    fluence
        Incident (peak) pump fluence [J/m^2] (``"5 mJ/cm^2"`` accepted).
    t_max
        Last delay [s] (used when ``delays`` is not given).
    delays
        Output delays [s] (strictly increasing).
    duration
        Pump intensity FWHM [s].
    wavelength
        Pump wavelength [m].
    t0
        Time of the pump maximum [s].
    spot_fwhm
        Pump spot FWHM [m] for a spatial map.
    y, x
        Pixel-centre coordinates [m]; given both, every pixel is solved (dims ``y``, ``x``).
    model
        ``"2TM"``, ``"3TM"``, ``"M3TM"`` or ``"auto"``.
    T0
        Base temperature [K]; default the material's ``T0``.
    heat_sink
        ``"none"`` to switch off heat flow out of the film (else the material's heat sink).
    verify
        Repeat with halved steps; the differences are stored as attributes ``error_*``.
    method
        Integrator: ``"rk4"``, ``"implicit"`` or ``"auto"`` (see :func:`solve_pixels`).
    lookup
        Number of absorbed-energy nodes to solve and interpolate pixels from (see
        :func:`solve_pixels`); its measured error is stored in the attributes ``lookup_error_*``.
    **solver_options
        Passed to the integrator (``dt_pump``, ``chunk``, ``growth``...).

    Returns
    -------
    xarray.Dataset
        ``m`` (delay, species[, y, x]) reduced magnetisation in each species' own frame; ``Te``,
        ``Tp`` (and ``Ts``) [K]; ``E_abs``, ``E_film``, ``E_out`` [J/m^3 of film]; ``m_eq0``
        (species); ``absorbed_fluence`` [J/m^2]; attributes with the model, material, pump and the
        energy-conservation error.

    Size: the public entry point of the ultrafast model; its keyword-only parameters are the pump's
    physical quantities with units (``duration``, ``wavelength``, ``t0``, ``spot_fwhm``), the pixel
    coordinates and the model and integrator choices, named as in the ``[pump]`` and ``[solver]``
    tables of the configuration file, so each stays a keyword of its own.
    """
    mat = resolve_material(material)
    pump = Pump(fluence=fluence, duration=duration, wavelength=wavelength, spot_fwhm=spot_fwhm,
                t0=t0)
    if delays is None:
        t_max = parse_quantity(t_max, "time", field="t_max")
        delays = default_delays(t_max, pump)
    delays = np.asarray(delays, dtype=float)
    grid = _PixelGrid.of(pump, y, x)
    u = absorbed_energy_density(mat, grid.fluence.reshape(-1))
    res = solve_pixels(mat, u, delays, pump=pump, model=model, T0=T0, heat_sink=heat_sink,
                       verify=verify, method=method, lookup=lookup, **solver_options)
    sp = res["system"].species if res["m"].shape[1] else []
    return xr.Dataset(_demag_variables(res, grid, mat, u, delays.size, sp),
                      coords=_demag_coords(grid, mat, delays, sp),
                      attrs=_demag_attrs(res, mat, pump))


@dataclass(frozen=True)
class _PixelGrid:
    """Pixels of :func:`simulate_demagnetisation`: one pixel, or a ``(y, x)`` map across the spot.

    Attributes
    ----------
    fluence
        Incident pump fluence per pixel [J/m^2], of the pixel shape (one element for one pixel).
    y, x
        Pixel-centre coordinates [m], or ``None`` for one pixel.
    """

    fluence: np.ndarray
    y: np.ndarray | None = None
    x: np.ndarray | None = None

    @classmethod
    def of(cls, pump, y, x) -> _PixelGrid:
        """The grid of ``y``, ``x`` [m] (both or neither) under ``pump``."""
        if y is None and x is None:
            return cls(np.array([pump.fluence]))
        if y is None or x is None:
            raise ConfigError("y, x: give both pixel coordinate arrays [m]", field="y")
        y = np.asarray(y, dtype=float)
        x = np.asarray(x, dtype=float)
        return cls(pump.fluence_map(y, x), y, x)

    @property
    def dims(self) -> tuple[str, ...]:
        """Pixel dims: ``("y", "x")`` for a map, ``()`` for one pixel."""
        return () if self.y is None else ("y", "x")

    def shape(self, a, lead: tuple[int, ...]) -> np.ndarray:
        """``a`` reshaped to the leading shape ``lead`` followed by the pixel shape."""
        return a.reshape(lead + (() if self.y is None else (self.y.size, self.x.size)))


def _demag_coords(grid: _PixelGrid, mat, delays, sp) -> dict:
    """Coordinates of the :func:`simulate_demagnetisation` Dataset (delay [s], species, y, x [m])."""
    coords = {"delay": ("delay", delays, {"units": "s", "long_name": "pump-probe delay"})}
    if sp:
        coords["species"] = ("species", np.array(sp), {"units": ""})
        coords["orientation"] = ("species", np.array(
            [-1 if s.antiparallel else 1 for s in mat.species]), {
            "units": "", "long_name": "sign of the species' ground-state direction"})
    if grid.y is not None:
        coords["y"] = ("y", grid.y, {"units": "m"})
        coords["x"] = ("x", grid.x, {"units": "m"})
    return coords


def _demag_variables(res, grid: _PixelGrid, mat, u, n_d: int, sp) -> dict:
    """Data variables of the :func:`simulate_demagnetisation` Dataset from the solved pixels."""
    px, px_dims = grid.shape, grid.dims
    dvars = {
        "Te": (("delay",) + px_dims, px(res["Te"], (n_d,)),
               {"units": "K", "long_name": "electron temperature"}),
        "Tp": (("delay",) + px_dims, px(res["Tp"], (n_d,)),
               {"units": "K", "long_name": "lattice (phonon) temperature"}),
        "E_abs": (("delay",) + px_dims, px(res["E_abs"], (n_d,)),
                  {"units": "J/m^3", "long_name": "absorbed energy per film volume"}),
        "E_film": (("delay",) + px_dims, px(res["E_film"], (n_d,)),
                   {"units": "J/m^3", "long_name": "energy in the film baths above T0"}),
        "E_out": (("delay",) + px_dims, px(res["E_out"], (n_d,)),
                  {"units": "J/m^3", "long_name": "energy that left the film"}),
        "absorbed_fluence": (px_dims, px(u * mat.thickness, ()),
                             {"units": "J/m^2", "long_name": "absorbed fluence"}),
        "incident_fluence": (px_dims, px(grid.fluence.reshape(-1), ()),
                             {"units": "J/m^2", "long_name": "incident pump fluence"}),
    }
    if "Ts" in res:
        dvars["Ts"] = (("delay",) + px_dims, px(res["Ts"], (n_d,)),
                       {"units": "K", "long_name": "spin temperature"})
    if sp:
        dvars["m"] = (("delay", "species") + px_dims, px(res["m"], (n_d, len(sp))),
                      {"units": "", "long_name": "reduced magnetisation (own frame)"})
        dvars["m_eq0"] = (("species",), res["system"].m_eq0,
                          {"units": "", "long_name": "equilibrium magnetisation at T0"})
    return dvars


def _demag_attrs(res, mat, pump) -> dict:
    """Attributes of the :func:`simulate_demagnetisation` Dataset: model, pump, energy error, stats."""
    system = res["system"]
    e_abs = res["E_abs"][-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.abs(res["E_film"][-1] + res["E_out"][-1] - e_abs) / e_abs
    attrs = {
        "model": system.model,
        "material": mat.name,
        "T0": system.T0,
        "T0_units": "K",
        "fluence": pump.fluence,
        "fluence_units": "J/m^2",
        "pump_duration": pump.duration,
        "pump_wavelength": pump.wavelength,
        "pump_t0": pump.t0,
        "absorbed_fraction": mat.film_absorbed_fraction(),
        "thickness": mat.thickness,
        "heat_sink": system.sink,
        "energy_error": float(np.nanmax(rel)) if np.any(e_abs > 0) else 0.0,
        "n_steps": res["stats"]["n_steps"],
        "integrator": res["stats"].get("method", "rk4"),
        "references": json.dumps(mat.references),
    }
    for k in ("error_T", "error_Tp", "error_m", "lookup", "lookup_error_m", "lookup_error_T"):
        if k in res["stats"]:
            attrs[k] = res["stats"][k]
    return attrs


# --------------------------------------------------------------------------------------------------
def _fit_demag_time(t, mrel, pump_t0, fwhm, t_min):
    """Fit demag_curve to a normalised trace; return (tau_m, fitted params or None).

    Bounded least squares (trust-region reflective, :func:`spinscope.fitting.fit_curve`) from eight
    starting points; the best by rms residual wins.
    """
    amp0 = max(1.0 - float(np.min(mrel)), 1e-6)
    # data-based 1/e time: first time the drop reaches (1 - 1/e) of its maximum
    drop = 1.0 - mrel
    idx = np.nonzero((drop >= (1 - math.exp(-1)) * amp0) & (t >= pump_t0))[0]
    tau_data = float(t[idx[0]] - pump_t0) if idx.size else float("nan")
    # a quench through zero (ferromagnetic-like state, switching) is beyond the phenomenological
    # curve: fit only up to shortly after the magnetisation is (nearly) gone
    gone = np.nonzero((mrel <= 0.05) & (t > pump_t0))[0]
    if gone.size:
        t_min = min(t_min, float(t[gone[0]]))
    tau_guess = tau_data if tau_data > 0 else max(0.3 * (t_min - pump_t0), fwhm)
    end = pump_t0 + max(20.0 * (t_min - pump_t0), 2e-12)
    if gone.size:
        end = min(end, pump_t0 + 3.0 * (t_min - pump_t0) + 4 * fwhm)
    sel = (t >= pump_t0 - 4 * fwhm) & (t <= end)
    if sel.sum() < 8:
        sel = t >= pump_t0 - 4 * fwhm
    tt, yy = (t[sel] - pump_t0) * 1e12, mrel[sel]  # fitted in ps: a well-conditioned problem
    fw = fwhm * 1e12

    def f(tv, a, tau_m, tau_r, b):
        return demag_curve(tv, amplitude=a, tau_m=tau_m, tau_r=tau_r, fwhm=fw, slow_fraction=b)

    # the 1/e time lies before the minimum of the phenomenological curve (t* = tau_m ln(1 +
    # tau_r/tau_m) > tau_m), and its amplitude is at least the observed drop
    t_upper = max(t_min - pump_t0, 2 * fwhm) * 1e12
    tg = min(tau_guess * 1e12, 0.9 * t_upper)
    lo = [amp0 * 0.98, 1e-4, 1e-3, 0.0]
    hi = [max(2.0 * amp0, amp0 + 0.05), t_upper, 1e7, 1.0]
    # starting points from the trace: plateau fraction and half-recovery time after the minimum
    k_min = int(np.argmin(yy))
    after = np.arange(k_min + 1, yy.size)
    m_end = float(yy[-1]) if after.size else float(yy[k_min])
    b0 = float(np.clip((1.0 - m_end) / amp0, 0.0, 1.0))
    half = 0.5 * (float(yy[k_min]) + m_end)
    rec = after[yy[after] >= half] if after.size else after
    tr0 = float(tt[rec[0]] - tt[k_min]) / math.log(2) if rec.size else 5 * t_upper
    starts = [[a * amp0, tm * tg, tr, bb] for a in (1.05, 1.5) for tm in (0.5, 1.0)
              for tr, bb in ((max(tr0, 1e-2), b0), (max(5 * t_upper, 1e-2), 0.5))]
    best = None
    names = ("a", "tau_m", "tau_r", "b")
    for p0 in starts:
        spec = {n: Param(min(max(v, lo_ * 1.0001 + 1e-9), hi_ * 0.9999), lo_, hi_)
                for n, v, lo_, hi_ in zip(names, p0, lo, hi, strict=True)}
        try:  # 2000 iterations, as curve_fit's maxfev=2000 (lmfit also counts Jacobian evaluations)
            fit = fit_curve(f, tt, yy, spec, method="least_squares", max_nfev=2000 * (len(names) + 1))
        except (RuntimeError, ValueError):
            continue
        if not fit.success:
            continue
        p, r = [fit.values[n] for n in names], fit.rms
        if best is None or r < best[1]:
            best = (p, r)
    if best is None:
        return tau_data, None
    popt = np.array(best[0], dtype=float)
    popt[1] *= 1e-12
    popt[2] *= 1e-12
    params = {"amplitude": float(popt[0]), "tau_m": float(popt[1]), "tau_r": float(popt[2]),
              "slow_fraction": float(popt[3]), "tau_m_data": tau_data,
              "rms": best[1]}
    if not gone.size:
        params.update(_two_step_fit(t, mrel, pump_t0, fwhm, amp0, popt, params["rms"]))
    return float(popt[1]), params


def _two_step_fit(t, mrel, pump_t0, fwhm, amp0, popt, rms1):
    """Type-II test: fit two demagnetisation steps (times in ps for conditioning)."""
    sel = t >= pump_t0 - 4 * fwhm
    tt = (t[sel] - pump_t0) * 1e12
    yy = mrel[sel]
    span = float(tt[-1])

    def f2(tv, a1, t1, a2, t2, tr):
        return demag_curve(tv, amplitude=a1, tau_m=t1, amplitude_2=a2, tau_m2=t2, tau_r=tr,
                           fwhm=fwhm * 1e12)

    t1 = max(float(popt[1]) * 1e12, 1e-3)
    p0 = [0.5 * amp0, t1, 0.5 * amp0, max(10 * t1, span / 10), max(100 * span, 1.0)]
    lo = [0.0, 1e-4, 0.0, 1e-4, 1e-3]
    hi = [2.0, span, 2.0, 10 * span, 1e6]
    names = ("a1", "t1", "a2", "t2", "tr")
    spec = {n: Param(min(max(v, lo_ * 1.001 + 1e-9), hi_ * 0.999), lo_, hi_)
            for n, v, lo_, hi_ in zip(names, p0, lo, hi, strict=True)}
    try:
        fit = fit_curve(f2, tt, yy, spec, method="least_squares", max_nfev=4000 * (len(names) + 1))
    except (RuntimeError, ValueError):
        return {"type": "I"}
    if not fit.success:
        return {"type": "I"}
    p = [fit.values[n] for n in names]
    if p[3] < p[1]:  # order the steps: fast first
        p = [p[2], p[3], p[0], p[1], p[4]]
    rms2 = float(np.sqrt(np.mean((f2(tt, *p) - yy) ** 2)))
    two = (rms2 < 0.5 * rms1 and p[3] >= 5 * p[1] and min(p[0], p[2]) >= 0.1 * (p[0] + p[2]))
    out = {"type": "II" if two else "I"}
    if two:
        out["two_step"] = {"amplitude": float(p[0]), "tau_m": float(p[1]) * 1e-12,
                           "amplitude_2": float(p[2]), "tau_m2": float(p[3]) * 1e-12,
                           "tau_r": float(p[4]) * 1e-12, "rms": rms2}
    return out


def summarize_demag(ds: xr.Dataset, *, fit: bool = True) -> dict:
    """Summarise a single-pixel simulation per species.

    Parameters
    ----------
    ds
        Output of :func:`simulate_demagnetisation` without ``y``/``x``.
    fit
        Fit :func:`spinscope.curves.demag_curve` to obtain the demagnetisation time.

    Returns
    -------
    dict
        ``{"material", "model", "fluence" [J/m^2], "T0" [K], "Te_max" [K], "Tp_max" [K],
        "energy_error", "ferromagnetic_like", "species": {NAME: {"demag_time" [s], "min_m",
        "min_m_relative", "time_of_min" [s], "m0", "ferromagnetic_like", "fit"}}}``; ``fit`` holds
        the fitted :func:`spinscope.curves.demag_curve` parameters (SI), the data's own 1/e time
        ``tau_m_data``, and ``type``: ``"II"`` with the parameters of a two-step fit
        (``two_step``) when two demagnetisation steps describe the trace much better (rms halved,
        slow step >= 5x longer, each step >= 10 % of the quench), else ``"I"``.
    """
    if "y" in ds.dims or "x" in ds.dims:
        raise ConfigError("ds: summarize_demag takes a single-pixel simulation (no y, x)",
                          field="ds")
    t = ds["delay"].values
    t0 = float(ds.attrs.get("pump_t0", 0.0))
    fwhm = float(ds.attrs.get("pump_duration", 50e-15))
    out = {
        "material": ds.attrs.get("material"),
        "model": ds.attrs.get("model"),
        "fluence": ds.attrs.get("fluence"),
        "T0": ds.attrs.get("T0"),
        "Te_max": float(ds["Te"].max()),
        "Tp_max": float(ds["Tp"].max()),
        "Tp_end": float(ds["Tp"].values[-1]),
        "energy_error": ds.attrs.get("energy_error"),
        "species": {},
    }
    fm_any = False
    if "m" in ds:
        m = ds["m"].values  # (delay, species)
        names = [str(s) for s in ds["species"].values]
        for i, name in enumerate(names):
            mi = m[:, i]
            m0 = float(ds["m_eq0"].values[i]) if "m_eq0" in ds else float(mi[0])
            k = int(np.argmin(mi))
            mrel = mi / m0 if m0 > 0 else mi
            tau, params = (_fit_demag_time(t, mrel, t0, fwhm, t[k]) if fit and m0 > 0
                           else (float("nan"), None))
            if len(names) == 2:
                other = 1 - i
                # clearly reversed (1 % of m0) while the other species is still along its own axis
                m0o = float(ds["m_eq0"].values[other]) if "m_eq0" in ds else float(m[0, other])
                fm = bool(np.any((mi < -0.01 * m0) & (m[:, other] > 0.01 * m0o)))
            else:
                fm = False
            fm_any |= fm
            out["species"][name] = {
                "demag_time": tau,
                "min_m": float(mi[k]),
                "min_m_relative": float(mrel[k]),
                "time_of_min": float(t[k] - t0),
                "m0": m0,
                "ferromagnetic_like": fm,
                "fit": params,
            }
    out["ferromagnetic_like"] = fm_any
    return out


def magnetisation_movie(texture: xr.DataArray, ds: xr.Dataset, *, Ms=None) -> xr.DataArray:
    """Multiply a static domain texture by the per-pixel m(t): a magnetisation movie.

    Parameters
    ----------
    texture
        Unit-vector texture with dims ``(y, x, component)`` (the direction of the first species, the
        TM in a ferrimagnet; other species follow with their ``orientation``) or ``(species, y, x,
        component)`` (each species' own ground-state direction).
    ds
        Output of :func:`simulate_demagnetisation`: single pixel (uniform m(t)) or with ``y``, ``x``
        (interpolated onto the texture grid when the grids differ).
    Ms
        Saturation magnetisation per species [A/m] (scalar or sequence); if given, the movie is M in
        A/m, else the reduced magnetisation (``units ""``, ``|m| <= 1``).

    Returns
    -------
    xarray.DataArray
        Dims ``(time, species?, y, x, component)``, ``time`` in s (the delays), ``y``/``x`` in m.
        The species dim is dropped when the texture has none and the material has one species.
    """
    if "m" not in ds:
        raise ConfigError("ds: the simulation carries no magnetisation (2TM)", field="ds")
    tdims = tuple(texture.dims)
    if tdims not in (("y", "x", "component"), ("species", "y", "x", "component")):
        raise ConfigError(f"texture: expected dims (y, x, component) or (species, y, x, component), "
                          f"got {tdims}", field="texture")
    m = ds["m"]
    if "y" in m.dims:
        ty, tx = texture["y"].values, texture["x"].values
        if not (m.sizes["y"] == ty.size and m.sizes["x"] == tx.size
                and np.allclose(m["y"].values, ty) and np.allclose(m["x"].values, tx)):
            m = m.interp(y=ty, x=tx, kwargs={"fill_value": None})
        else:
            m = m.assign_coords(y=ty, x=tx)
    species = [str(s) for s in ds["species"].values]
    if "species" in tdims:
        tex_sp = [str(s) for s in texture["species"].values]
        if tex_sp != species:
            raise ConfigError(f"texture: species {tex_sp} do not match the simulation's {species}",
                              field="texture")
        tex = texture.values.astype(float)
    else:
        orient = ds["orientation"].values.astype(float)
        tex = orient[:, None, None, None] * texture.values.astype(float)[None]
    mv = m.transpose("delay", "species", *[d for d in ("y", "x") if d in m.dims]).values
    if mv.ndim == 2:
        mv = mv[:, :, None, None]
    movie = mv[..., None] * tex[None]
    units = ""
    if Ms is not None:
        ms = np.broadcast_to(np.asarray(Ms, dtype=float), (len(species),))
        movie = movie * ms[None, :, None, None, None]
        units = "A/m"
    coords = {
        "time": ("time", ds["delay"].values, {"units": "s", "long_name": "pump-probe delay"}),
        "species": ("species", np.array(species), {"units": ""}),
        "y": ("y", texture["y"].values, {"units": "m"}),
        "x": ("x", texture["x"].values, {"units": "m"}),
        "component": ("component", np.array(COMPONENTS), {"units": ""}),
    }
    da = xr.DataArray(movie, dims=("time", "species", "y", "x", "component"), coords=coords,
                      name="m" if units == "" else "M",
                      attrs={"units": units,
                             "long_name": "magnetisation movie: texture x m(t)" if units
                             else "reduced magnetisation movie: texture x m(t)"})
    if "species" not in tdims and len(species) == 1:
        da = da.isel(species=0, drop=True)
    validate_magnetisation(da, check_norm=False, require_uniform=False)
    return da


def _check_finite(ds: xr.Dataset, fluence: float) -> None:
    """Refuse a trajectory that left the numbers: at absurd fluences the temperatures overflow."""
    bad = [str(name) for name, v in ds.data_vars.items()
           if v.dtype.kind == "f" and not np.all(np.isfinite(v.values))]
    if bad:
        raise DataRangeError(
            f"--fluence: {fluence / 10.0:.3g} mJ/cm^2 drives the model out of range ({', '.join(bad)} "
            f"not finite; the temperatures overflow); such fluences ablate any film: give a fluence "
            f"of a few mJ/cm^2 to a few hundred", field="--fluence")


def run_demag(material, *, fluence=None, t_max=None, model="auto", T0=None, duration=None):
    """Library side of ``spinscope demag``: simulate one pixel and summarise it.

    Parameters
    ----------
    material
        Preset name or TOML file (:class:`~spinscope.config.ultrafast.DemagConfig`).
    fluence
        Incident fluence (unit string; a bare number is in mJ/cm^2). Overrides the file's.
    t_max
        Last delay (unit string; a bare number is in ps). Default: the file's, else 5 ps.
    model
        ``"2TM"``, ``"3TM"``, ``"M3TM"`` or ``"auto"``.
    T0
        Base temperature (unit string; a bare number is in K).
    duration
        Pump FWHM (unit string; a bare number is in fs). Default: the file's, else 50 fs.

    Returns
    -------
    tuple
        ``(summary dict, dataset)``; the summary is :func:`summarize_demag` plus ``absorbed_fluence``
        [J/m^2], ``pump_duration`` [s] and ``t_max`` [s].
    """
    pump_cfg = PumpConfig()
    cfg_tmax = cfg_T0 = None
    is_file = isinstance(material, os.PathLike) or (
        isinstance(material, str) and (material.endswith(".toml") or os.sep in material
                                       or Path(material).is_file()))
    if is_file:
        cfg = load_demag_config(material)
        mat = resolve_material(cfg.material) if isinstance(cfg.material, str) else cfg.material
        pump_cfg, cfg_tmax, cfg_T0 = cfg.pump, cfg.t_max, cfg.T0
    else:
        mat = resolve_material(material)
    if fluence is not None:
        f = parse_quantity(fluence, "fluence", field="--fluence", default_unit="mJ/cm^2")
    elif pump_cfg.fluence is not None:
        f = pump_cfg.fluence
    else:
        raise ConfigError("--fluence: give the pump fluence, e.g. --fluence '3 mJ/cm^2'",
                          field="--fluence")
    tm = (parse_quantity(t_max, "time", field="--t-max", default_unit="ps") if t_max is not None
          else (cfg_tmax or 5e-12))
    dur = (parse_quantity(duration, "time", field="--duration", default_unit="fs")
           if duration is not None else pump_cfg.duration)
    t0K = (parse_quantity(T0, "temperature", field="--T0", default_unit="K") if T0 is not None
           else cfg_T0)
    for name, v, given, unit, hi in (("--fluence", f, fluence, "J/m^2", None),
                                     ("--t-max", tm, t_max, "s", T_MAX_MAX),
                                     ("--duration", dur, duration, "s", PULSE_MAX)):
        shown = repr(given) if given is not None else f"{v!r} {unit} (from the configuration)"
        if not v > 0:
            raise DataRangeError(f"{name}: expected a positive value, got {shown}", field=name)
        if hi is not None and v > hi:
            raise DataRangeError(f"{name}: expected at most {hi:g} {unit} (the baths settle within "
                                 f"nanoseconds), got {shown}", field=name)
    if t0K is not None and not t0K > 0:
        raise DataRangeError(f"--T0: expected a temperature > 0 K, got {t0K!r}", field="--T0")
    ds = simulate_demagnetisation(mat, f, t_max=tm, duration=dur, wavelength=pump_cfg.wavelength,
                                  model=model, T0=t0K)
    _check_finite(ds, f)
    summary = summarize_demag(ds)
    summary["absorbed_fluence"] = float(ds["absorbed_fluence"])
    summary["pump_duration"] = dur
    summary["t_max"] = tm
    return summary, ds
