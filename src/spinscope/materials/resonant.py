"""Resonant (white-line) charge and magnetic scattering factors near soft X-ray edges.

xraydb's Chantler tables describe isolated atoms: edges are steps, without the 2p->3d (L2,3),
3d->4f (M4,5), 4d->4f (N4,5) or 3p->3d (M2,3) white lines that dominate magnetic X-ray contrast, and
without any magnetic (XMCD) part. spinscope adds, per element, a documented *parametric* model of the
resonant excess stored in ``data/resonant_lines.csv``: each line is a Voigt profile (Lorentzian
lifetime width x Gaussian instrumental/multiplet width). Its dispersive partner is analytic,

    f1 + i f2 = A [Im w(z) + i Re w(z)] / Re w(z_peak),   z = (E - E0 + i gamma) / (sigma sqrt 2),

with ``w`` the Faddeeva function; a mirror line at ``-E0`` gives ``f2`` odd / ``f1`` even (charge) or
``f2m`` even / ``f1m`` odd (magnetic), so each pair satisfies exactly the dispersion relations of
:mod:`spinscope.materials.kramers_kronig` and decays as ``1/E^2`` far from the line. The magnetic
lines have the shape of the charge line unless the table gives them their own widths (the 3d L3
XMCD is narrower than the L3 white line).

The amplitudes are *not* free numbers: at load time they are solved so that the total ``f2`` at each
line energy equals a target taken from the literature (absorption length at the peak, or total or
excess ``f2``), and ``beta_m / beta`` equals the tabulated dichroic ratio. Every row carries its
citation and a confidence flag (``published`` / ``approximate`` / ``estimate``); many Gd/Tb and
M2,3 values are estimates, which :func:`resonant_source` reports. A measured spectrum of the actual
sample (:func:`spinscope.materials.load_user_spectrum`) always supersedes this model.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import numpy as np

from spinscope.materials import _xdb
from spinscope.units import HC_EV_M

__all__ = ["ResonantLine", "resonant_lines", "resonant_factors", "resonant_source", "has_resonance"]

_FWHM_TO_SIGMA = 1.0 / (2.0 * math.sqrt(2.0 * math.log(2.0)))


@dataclass(frozen=True)
class ResonantLine:
    """One tabulated white line (a row of ``resonant_lines.csv``) with its solved amplitudes.

    Attributes
    ----------
    element, edge
        Element symbol and edge name (``"L3"``).
    energy
        Line (peak) energy [eV].
    lorentz_fwhm, gauss_fwhm
        Widths of the Voigt profile of the charge line [eV].
    mag_lorentz_fwhm, mag_gauss_fwhm
        Widths of the magnetic line [eV].
    amplitude
        Peak excess of the charge ``f2`` of this line alone [electrons/atom].
    magnetic_amplitude
        Peak of the magnetic ``f2m`` of this line alone [electrons/atom].
    dichroic_ratio
        Target ``beta_m / beta`` at ``energy`` [dimensionless].
    confidence, citation, note
        Provenance of the row.
    """

    element: str
    edge: str
    energy: float
    lorentz_fwhm: float
    gauss_fwhm: float
    mag_lorentz_fwhm: float
    mag_gauss_fwhm: float
    amplitude: float
    magnetic_amplitude: float
    dichroic_ratio: float
    confidence: str
    citation: str
    note: str


@lru_cache(maxsize=1)
def _rows() -> tuple[dict, ...]:
    text = resources.files("spinscope.materials").joinpath("data/resonant_lines.csv").read_text(
        encoding="utf-8"
    )
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return tuple(csv.DictReader(lines))


def _complex_shape(energy, e0, lorentz_fwhm, gauss_fwhm):
    """Unit-peak Voigt ``(f1 + i f2)`` pieces for the line and its mirror at ``-e0``."""
    from scipy.special import wofz

    e = np.asarray(energy, dtype=float)
    gamma = 0.5 * lorentz_fwhm
    sigma = max(gauss_fwhm * _FWHM_TO_SIGMA, 1e-6)
    s = sigma * math.sqrt(2.0)
    norm = wofz(1j * gamma / s).real
    w_plus = wofz((e - e0 + 1j * gamma) / s) / norm
    w_minus = wofz((-e - e0 + 1j * gamma) / s) / norm
    return w_plus, w_minus


def _charge(energy, line_e0, lf, gf):
    wp, wm = _complex_shape(energy, line_e0, lf, gf)
    return wp.imag + wm.imag, wp.real - wm.real  # f1 (even), f2 (odd)


def _magnetic(energy, line_e0, lf, gf):
    wp, wm = _complex_shape(energy, line_e0, lf, gf)
    return wp.imag - wm.imag, wp.real + wm.real  # f1m (odd), f2m (even)


@cache
def resonant_lines(symbol: str) -> tuple[ResonantLine, ...]:
    """The tabulated lines of an element with amplitudes solved against their targets.

    Parameters
    ----------
    symbol
        Element symbol.

    Returns
    -------
    tuple of ResonantLine
        Empty when the element has no tabulated resonance.
    """
    rows = [r for r in _rows() if r["element"] == symbol]
    if not rows:
        return ()
    e0 = np.array([float(r["energy_eV"]) for r in rows])
    lf = np.array([float(r["lorentz_fwhm_eV"]) for r in rows])
    gf = np.array([float(r["gauss_fwhm_eV"]) for r in rows])
    mlf = np.array([float(r.get("mag_lorentz_fwhm_eV") or r["lorentz_fwhm_eV"]) for r in rows])
    mgf = np.array([float(r.get("mag_gauss_fwhm_eV") or r["gauss_fwhm_eV"]) for r in rows])
    n = len(rows)
    shape = np.empty((n, n))
    mshape = np.empty((n, n))
    for k in range(n):
        shape[:, k] = _charge(e0, e0[k], lf[k], gf[k])[1]
        mshape[:, k] = _magnetic(e0, e0[k], mlf[k], mgf[k])[1]
    base = _xdb.f2_chantler(symbol, e0)
    mat = np.zeros((n, n))
    rhs = np.zeros(n)
    n_a = _xdb.element_density(symbol) / (_xdb.atomic_mass(symbol) * 1e-3 / 6.02214076e23)
    for j, r in enumerate(rows):
        kind, target = r["target_kind"], float(r["target"])
        if kind == "f2_excess":
            mat[j, j] = 1.0
            rhs[j] = target
        elif kind in ("f2_total", "absorption_length_nm"):
            if kind == "absorption_length_nm":
                lam = HC_EV_M / e0[j]
                target = 1.0 / (target * 1e-9) / (2.0 * _xdb.R_E * lam * n_a)
            mat[j] = shape[j]
            rhs[j] = target - base[j]
        else:  # pragma: no cover - guarded by the data test
            raise ValueError(f"resonant_lines.csv: unknown target_kind {kind!r}")
    amp = np.linalg.solve(mat, rhs)
    f2_total = base + shape @ amp
    ratio = np.array([float(r["dichroic_ratio"]) for r in rows])
    mamp = np.linalg.solve(mshape, ratio * f2_total)
    return tuple(
        ResonantLine(
            element=symbol,
            edge=r["edge"],
            energy=float(e0[j]),
            lorentz_fwhm=float(lf[j]),
            gauss_fwhm=float(gf[j]),
            mag_lorentz_fwhm=float(mlf[j]),
            mag_gauss_fwhm=float(mgf[j]),
            amplitude=float(amp[j]),
            magnetic_amplitude=float(mamp[j]),
            dichroic_ratio=float(ratio[j]),
            confidence=r["confidence"],
            citation=r["citation"],
            note=r["note"],
        )
        for j, r in enumerate(rows)
    )


def has_resonance(symbol: str) -> bool:
    """Whether the element has tabulated resonant lines."""
    return bool(resonant_lines(symbol))


def resonant_factors(symbol: str, energy) -> tuple[np.ndarray, ...]:
    """Resonant additions to the scattering factors of one element.

    Parameters
    ----------
    symbol
        Element symbol.
    energy
        Photon energy [eV], any shape.

    Returns
    -------
    tuple of numpy.ndarray
        ``(df1, df2, f1m, f2m)`` [electrons/atom]: charge excess over Chantler and magnetic parts
        (for magnetisation parallel to the photon spin of helicity +1).
    """
    e = np.asarray(energy, dtype=float)
    df1 = np.zeros_like(e)
    df2 = np.zeros_like(e)
    f1m = np.zeros_like(e)
    f2m = np.zeros_like(e)
    for ln in resonant_lines(symbol):
        a, b = _charge(e, ln.energy, ln.lorentz_fwhm, ln.gauss_fwhm)
        df1 += ln.amplitude * a
        df2 += ln.amplitude * b
        c, d = _magnetic(e, ln.energy, ln.mag_lorentz_fwhm, ln.mag_gauss_fwhm)
        f1m += ln.magnetic_amplitude * c
        f2m += ln.magnetic_amplitude * d
    return df1, df2, f1m, f2m


def resonant_source(symbol: str, edge: str | None = None) -> str:
    """Citation string of the resonant model of an element (optionally of one edge).

    Parameters
    ----------
    symbol
        Element symbol.
    edge
        Restrict to the lines of one edge (``"L3"``); all lines when ``None``.

    Returns
    -------
    str
        ``"xraydb Chantler (non-resonant)"`` when nothing is tabulated, else the citations with the
        confidence flags of the rows.
    """
    lines = [ln for ln in resonant_lines(symbol) if edge is None or ln.edge == edge]
    if not lines:
        return "xraydb Chantler (non-resonant)"
    seen: dict[str, str] = {}
    for ln in lines:
        seen.setdefault(ln.citation, ln.confidence)
    cites = "; ".join(f"{c} [{conf}]" for c, conf in seen.items())
    return f"spinscope Voigt white-line model on xraydb Chantler; {cites}"
