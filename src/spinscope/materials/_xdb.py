"""Cached access to xraydb (imported lazily: ``import spinscope.materials`` does not load it).

The Chantler tables are read once per element at their own nodes and interpolated here: ``f2``
log-log linearly (as xraydb does), ``f1`` by a shape-preserving cubic (PCHIP) in ``log E``. xraydb's
``f1_chantler`` fits a spline over the *requested* energy span, so its value at one energy depends on
the other energies requested with it; interpolating the nodes once is both faster and deterministic.
Both agree with ``xraydb.xray_delta_beta`` to well below 1 % away from edges.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy.interpolate import PchipInterpolator

from spinscope.constants import R_E as R_E  # classical electron radius [m], re-exported
from spinscope.errors import MaterialError


def _xraydb():
    import xraydb

    return xraydb


@cache
def known_symbols() -> frozenset[str]:
    """All element symbols of xraydb."""
    xdb = _xraydb()
    out = set()
    for z in range(1, 99):
        try:
            out.add(xdb.atomic_symbol(z))
        except Exception:  # pragma: no cover - depends on the db
            break
    return frozenset(out)


def check_symbol(symbol: str) -> str:
    """Return ``symbol`` if it is a known element, else raise :class:`MaterialError`."""
    if symbol not in known_symbols():
        raise MaterialError(f"unknown element {symbol!r} (expected a symbol such as 'Fe')",
                            field="element")
    return symbol


@cache
def atomic_number(symbol: str) -> int:
    return int(_xraydb().atomic_number(check_symbol(symbol)))


@cache
def atomic_mass(symbol: str) -> float:
    """Atomic mass [g/mol]."""
    return float(_xraydb().atomic_mass(check_symbol(symbol)))


@cache
def element_density(symbol: str) -> float:
    """Bulk density of the element from xraydb [kg/m^3]."""
    return float(_xraydb().atomic_density(check_symbol(symbol))) * 1000.0


@cache
def edges(symbol: str) -> dict[str, float]:
    """Absorption-edge energies of xraydb (Elam et al.) [eV], by edge name."""
    return {k: float(v.energy) for k, v in _xraydb().xray_edges(check_symbol(symbol)).items()}


@cache
def chantler_nodes(symbol: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chantler table of an element at its nodes: energy [eV], f1 - Z, f2 [e/atom]; read-only."""
    xdb = _xraydb()
    e = np.unique(np.asarray(xdb.chantler_energies(check_symbol(symbol)), dtype=float))
    e = e[e <= 1.0e6]
    f1 = np.asarray(xdb.f1_chantler(symbol, e), dtype=float)
    f2 = np.asarray(xdb.f2_chantler(symbol, e), dtype=float)
    for a in (e, f1, f2):
        a.setflags(write=False)
    return e, f1, f2


@cache
def _f1_interpolant(symbol: str):
    e, f1, _ = chantler_nodes(symbol)
    return PchipInterpolator(np.log(e), f1, extrapolate=False)


def chantler_range(symbol: str) -> tuple[float, float]:
    """Energy range of the Chantler table of an element [eV]."""
    e = chantler_nodes(symbol)[0]
    return float(e[0]), float(e[-1])


def f1_chantler(symbol: str, energy) -> np.ndarray:
    """Total ``f1 = Z + f'`` (Chantler, with its relativistic terms as stored in xraydb) [e/atom]."""
    return atomic_number(symbol) + _f1_interpolant(symbol)(np.log(np.asarray(energy, dtype=float)))


def f2_chantler(symbol: str, energy) -> np.ndarray:
    """Chantler ``f2`` [e/atom], log-log interpolated between nodes as in xraydb."""
    e, _, f2 = chantler_nodes(symbol)
    le = np.log(np.asarray(energy, dtype=float))
    return np.exp(np.interp(le, np.log(e), np.log(np.maximum(f2, 1e-99))))


def chantler_attenuation(formula: str, density: float, energy) -> np.ndarray:
    """Linear attenuation coefficient of a compound from the Chantler tables (xraydb).

    ``mu = rho sum_i w_i (mu/rho)_i`` with the mass fractions ``w_i`` of the elements of ``formula``
    and xraydb's ``mu_chantler`` (photoabsorption plus coherent and incoherent scattering; C. T.
    Chantler, J. Phys. Chem. Ref. Data 29, 597 (2000)).

    Parameters
    ----------
    formula
        Chemical formula, e.g. ``"SiO2"``, ``"Si3N4"``.
    density
        Mass density [kg/m^3].
    energy
        Photon energy [eV] (scalar or array; >= 10 eV, the range of the tables).

    Returns
    -------
    numpy.ndarray
        ``mu`` [1/m], of the shape of ``energy`` (0-d for a scalar).
    """
    xdb = _xraydb()
    comp = xdb.chemparse(formula)
    masses = {el: n * xdb.atomic_mass(el) for el, n in comp.items()}
    total = sum(masses.values())
    e = np.atleast_1d(np.asarray(energy, dtype=float)).ravel()
    mu_cm = (density / 1000.0) * sum((m / total) * xdb.mu_chantler(el, e) for el, m in masses.items())
    return (np.asarray(mu_cm, dtype=float) * 100.0).reshape(np.shape(energy))  # 1/cm -> 1/m
